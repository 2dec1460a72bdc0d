#include "engines/sliding_window.h"

#include <algorithm>
#include <string>

#include "harness/errors.h"

namespace engines {

std::vector<scoring_window> sliding_windows(std::int64_t n_tokens, std::int64_t context, std::int64_t stride) {
    if (context < 2 || stride < 1 || stride >= context)
        throw harness::usage_error("sliding window: need context >= 2 and 1 <= stride < context (got context " +
                                   std::to_string(context) + ", stride " + std::to_string(stride) + ")");
    std::vector<scoring_window> windows;
    // Token 0 has no context and is never scored.
    for (std::int64_t first = 1; first < n_tokens;) {
        const std::int64_t end = std::min(first + (windows.empty() ? context - 1 : stride), n_tokens);
        windows.push_back({std::max<std::int64_t>(0, end - context), end, first});
        first = end;
    }
    return windows;
}

}  // namespace engines
