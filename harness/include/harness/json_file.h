// A JSON file parsed whole (config.json, tokenizer.json), with parse errors
// reported as input_error naming the file and the byte.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "harness/errors.h"
#include "harness/read_file.h"

namespace harness {

inline nlohmann::json read_json_file(const std::string& path) {
    const std::string text = harness::read_file(path);
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw input_error(path, "byte", e.byte, std::string("malformed JSON: ") + e.what());
    }
}

}  // namespace harness
