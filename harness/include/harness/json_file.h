// JSON from files strangers hand us (config.json, tokenizer.json, task
// definitions, RUN.json, manifests, journals, reports, gate and verdict
// files): whatever nlohmann throws while parsing or reading it — malformed
// text, a number out of range such as 1e999, a string where a number or a
// list is expected — becomes an input_error naming the file (exit 2). A bad
// file is bad input, never an internal error.
#pragma once

#include <cmath>
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

// The path ("a.b[3]") of the first number in `j` that is NaN or infinite, or
// "" when there is none. JSON cannot hold them (nlohmann writes null), so a
// writer checks before it writes what its own readers must read back.
inline std::string find_non_finite(const nlohmann::json& j, const std::string& at = "") {
    if (j.is_number_float()) return std::isfinite(j.get<double>()) ? "" : (at.empty() ? "(value)" : at);
    if (j.is_object())
        for (const auto& [k, v] : j.items())
            if (auto p = find_non_finite(v, at.empty() ? k : at + "." + k); !p.empty()) return p;
    if (j.is_array())
        for (std::size_t i = 0; i < j.size(); ++i)
            if (auto p = find_non_finite(j[i], at + "[" + std::to_string(i) + "]"); !p.empty()) return p;
    return "";
}

}  // namespace harness
