// JSON from files strangers hand us (config.json, tokenizer.json, task
// definitions, RUN.json, manifests, journals, reports, gate and verdict
// files): whatever nlohmann throws while parsing or reading it — malformed
// text, a number out of range such as 1e999, a string where a number or a
// list is expected — becomes an input_error naming the file (exit 2). A bad
// file is bad input, never an internal error.
#pragma once

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "harness/errors.h"
#include "harness/read_file.h"

namespace harness {

// No file of ours nests deeper than a few levels; a deeper one is refused
// while parsing, because copying, comparing or printing a JSON value recurses
// once per level (300,000 nested lists once crashed `rwkvbench report`).
constexpr int max_json_depth = 256;

// Thrown while parsing a value nested deeper than max_json_depth: a
// nlohmann exception, so every reader's handler for malformed JSON takes it.
class json_too_deep : public nlohmann::json::exception {
public:
    json_too_deep()
        : exception(
              599,
              ("[json.exception.too_deep] nested deeper than " + std::to_string(max_json_depth) + " levels").c_str()) {}
};

// nlohmann::json::parse with the depth limit: every JSON text rwkvbench reads goes through it.
inline nlohmann::json parse_json_text(std::string_view text) {
    return nlohmann::json::parse(text, [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        if (depth >= max_json_depth) throw json_too_deep();  // depth counts the levels outside
        return true;
    });
}

// Parses `text` from `path`; `base` is added to byte offsets (a header after
// a length prefix, say).
inline nlohmann::json parse_json(const std::string& text, const std::string& path, std::uint64_t base = 0) {
    try {
        return parse_json_text(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw input_error(path, "byte", base + (e.byte > 0 ? e.byte - 1 : 0), std::string("malformed JSON: ") + e.what());
    } catch (const nlohmann::json::exception& e) {
        throw input_error(path + ": " + e.what());
    }
}

// A JSON value takes some 20 times its text in memory: larger files than
// this (ours are a few MB; the 20B tokenizer 2 MB) are refused by size, before reading.
constexpr std::uintmax_t max_json_file_bytes = 256u << 20;

inline nlohmann::json read_json_file(const std::string& path) {
    std::error_code ec;
    const std::uintmax_t size = std::filesystem::file_size(path, ec);
    if (!ec && size > max_json_file_bytes)
        throw input_error(path + ": " + std::to_string(size >> 20) +
                          " MiB is more than a JSON file rwkvbench reads may hold (" +
                          std::to_string(max_json_file_bytes >> 20) + " MiB)");
    return parse_json(read_file(path), path);
}

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
