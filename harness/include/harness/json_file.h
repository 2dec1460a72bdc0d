// JSON from files strangers hand us (config.json, tokenizer.json, task
// definitions, RUN.json, manifests, journals, reports, gate and verdict
// files): whatever nlohmann throws while parsing or reading it — malformed
// text, a number out of range such as 1e999, a string where a number or a
// list is expected — becomes an input_error naming the file (exit 2). A bad
// file is bad input, never an internal error.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "harness/errors.h"
#include "harness/read_file.h"

namespace harness {

// Parses `text` from `path`; `base` is added to byte offsets (a header after
// a length prefix, say).
inline nlohmann::json parse_json(const std::string& text, const std::string& path, std::uint64_t base = 0) {
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw input_error(path, "byte", base + (e.byte > 0 ? e.byte - 1 : 0), std::string("malformed JSON: ") + e.what());
    } catch (const nlohmann::json::exception& e) {
        throw input_error(path + ": " + e.what());
    }
}

inline nlohmann::json read_json_file(const std::string& path) { return parse_json(read_file(path), path); }

// Runs `read` (which takes values out of JSON that came from `where`, e.g. a
// file name or "file: line 3") and turns nlohmann's type and range errors
// into an input_error naming it.
template <class Read>
decltype(auto) with_json_errors(const std::string& where, Read&& read) {
    try {
        return read();
    } catch (const nlohmann::json::exception& e) {
        throw input_error(where + ": " + e.what());
    }
}

}  // namespace harness
