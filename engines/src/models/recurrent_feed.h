// How the RWKV engines feed tokens (header-only): the parallel engine runs
// the whole input as one chunk; the serial engine one token per chunk,
// skipping the head for tokens whose logits nobody asked for. `run(first,
// count, mode, dst, want_logits)` runs one chunk.
#pragma once

#include <cstdint>
#include <vector>

#include "engines/engine.h"

namespace engines {

template <class Run>
void feed_tokens(bool serial, std::int64_t n, std::int64_t n_vocab, logits_mode mode, std::vector<float>& out,
                 Run&& run) {
    out.assign(static_cast<std::size_t>((mode == logits_mode::all ? n : 1) * n_vocab), 0.0f);
    if (n == 0) return;
    if (!serial) {
        run(0, n, mode, out.data(), true);
        return;
    }
    for (std::int64_t t = 0; t < n; ++t) {
        const bool want = mode == logits_mode::all || t == n - 1;
        run(t, 1, logits_mode::last, mode == logits_mode::all ? out.data() + t * n_vocab : out.data(), want);
    }
}

}  // namespace engines
