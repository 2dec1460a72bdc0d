// Token ids typed by users: decimal numbers separated by whitespace.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cli {

// Throws harness::input_error "<source>: line <n>: '<word>' is not a token
// id" for anything else; `first_line` is the line number of text's start.
std::vector<std::int32_t> parse_token_ids(std::string_view text, const std::string& source, std::size_t first_line = 1);

}  // namespace cli
