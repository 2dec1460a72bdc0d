// LAMBADA (OpenAI's lambada_test.jsonl): one JSON object per line with a
// "text" field; the target is the last word (after the last space), the
// context everything before that space. Loading validates every line.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace datasets {

struct lambada_example {
    std::int64_t line = 0;  // 1-based line in the file: the example's stable id
    std::string context;    // text before the last space
    std::string target;     // " " + the last word
    nlohmann::json doc;     // the source record ({"text": ...})
};

// Throws harness::input_error "<path>: line <n>: <what>" for a line that is
// not a JSON object with a string "text" containing a space and a non-empty
// last word.
std::vector<lambada_example> load_lambada(const std::string& path);

}  // namespace datasets
