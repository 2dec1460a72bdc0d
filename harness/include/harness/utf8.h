// UTF-8 validation shared by tokenizers, dataset loaders and the CLI.
#pragma once

#include <cstddef>
#include <string_view>

namespace harness {

// The offset of the first byte that is not part of valid UTF-8 (overlong
// forms, surrogates and values past U+10FFFF are invalid), or npos.
std::size_t find_invalid_utf8(std::string_view text);

}  // namespace harness
