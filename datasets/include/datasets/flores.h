// FLORES-200 devtest files (one sentence per line, UTF-8, named
// <lang>.devtest, e.g. eng_Latn.devtest) for per-language bits per byte.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace datasets {

struct flores_sentence {
    std::int64_t line = 0;  // 1-based: the sentence's stable id
    std::string text;       // without the line ending
};

// The sentences of `dir`/<lang>.devtest. Throws harness::input_error for a
// missing file, invalid UTF-8 (with line and byte) or an empty line.
std::vector<flores_sentence> load_flores(const std::string& dir, const std::string& lang,
                                         std::optional<std::size_t> limit = std::nullopt);

// The languages present in `dir` (file names without .devtest), sorted.
std::vector<std::string> flores_languages(const std::string& dir);

}  // namespace datasets
