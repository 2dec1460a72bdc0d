// Typed values of a Hugging Face config.json. A key that is absent (or null)
// takes its default, as transformers does; a key that is present with the
// wrong type or an impossible value is an error naming the file and the key,
// never silently the default ("use_parallel_residual": "yes" is not true).
#pragma once

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "harness/errors.h"

namespace engines::config_values {

inline bool given(const nlohmann::json& c, const std::string& key) { return c.contains(key) && !c.at(key).is_null(); }

[[noreturn]] inline void bad(const std::string& path, const std::string& key, const std::string& what) {
    throw harness::config_error(path + ": /" + key, what);
}

// A size (layers, widths, heads, vocabulary, context): an integer in [1, max].
inline std::int64_t size(const nlohmann::json& c, const std::string& key, const std::string& path,
                         std::int64_t max = std::int64_t{1} << 31) {
    if (!given(c, key)) bad(path, key, "missing (expected an integer)");
    const auto& v = c.at(key);
    if (!v.is_number_integer()) bad(path, key, "expected an integer, got " + v.dump());
    const std::int64_t n = v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(max)
                               ? max + 1
                               : v.get<std::int64_t>();
    if (n < 1 || n > max) bad(path, key, "expected an integer from 1 to " + std::to_string(max) + ", got " + v.dump());
    return n;
}

inline std::int64_t size_or(const nlohmann::json& c, const std::string& key, std::int64_t fallback,
                            const std::string& path) {
    return given(c, key) ? size(c, key, path) : fallback;
}

// A finite number in [lo, hi].
inline double number_or(const nlohmann::json& c, const std::string& key, double fallback, const std::string& path,
                        double lo, double hi) {
    if (!given(c, key)) return fallback;
    const auto& v = c.at(key);
    if (!v.is_number()) bad(path, key, "expected a number, got " + v.dump());
    const double x = v.get<double>();
    if (!std::isfinite(x) || x < lo || x > hi)
        bad(path, key, "expected a number from " + nlohmann::json(lo).dump() + " to " + nlohmann::json(hi).dump() +
                           ", got " + v.dump());
    return x;
}

inline bool bool_or(const nlohmann::json& c, const std::string& key, bool fallback, const std::string& path) {
    if (!given(c, key)) return fallback;
    if (!c.at(key).is_boolean()) bad(path, key, "expected true or false, got " + c.at(key).dump());
    return c.at(key).get<bool>();
}

inline std::string string_or(const nlohmann::json& c, const std::string& key, const std::string& fallback,
                             const std::string& path) {
    if (!given(c, key)) return fallback;
    if (!c.at(key).is_string()) bad(path, key, "expected a string, got " + c.at(key).dump());
    return c.at(key).get<std::string>();
}

}  // namespace engines::config_values
