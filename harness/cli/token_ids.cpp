#include "token_ids.h"

#include <charconv>

#include "harness/errors.h"

namespace cli {

std::vector<std::int32_t> parse_token_ids(std::string_view text, const std::string& source, std::size_t first_line) {
    std::vector<std::int32_t> ids;
    std::size_t line = first_line, i = 0;
    while (i < text.size()) {
        if (text[i] == '\n') ++line;
        if (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n') {
            ++i;
            continue;
        }
        const std::size_t start = i;
        while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n') ++i;
        const std::string_view word = text.substr(start, i - start);
        std::int32_t id = -1;
        const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), id);
        if (ec != std::errc() || end != word.data() + word.size() || id < 0)
            throw harness::input_error(source, "line", line, "'" + std::string(word) + "' is not a token id");
        ids.push_back(id);
    }
    return ids;
}

}  // namespace cli
