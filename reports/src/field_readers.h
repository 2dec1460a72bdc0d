// Reading one field of a report record, for the from_json functions: a
// missing key or a value of the wrong type is a field_error naming the key.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "reports/report_model.h"

namespace reports {

template <class T>
T required(const nlohmann::json& j, const char* key) {
    if (!j.is_object() || !j.contains(key)) throw field_error(key, true, "missing");
    try {
        return j.at(key).get<T>();
    } catch (const nlohmann::json::exception& e) {
        throw field_error(key, false, e.what());
    }
}

// Absent or null: the fallback.
template <class T>
T optional_or(const nlohmann::json& j, const char* key, T fallback) {
    if (!j.is_object() || !j.contains(key) || j.at(key).is_null()) return fallback;
    return required<T>(j, key);
}

// The JSON of an optional field: its value, or null.
template <class T>
nlohmann::json nullable(const std::optional<T>& x) {
    return x ? nlohmann::json(*x) : nlohmann::json(nullptr);
}

template <class T>
std::optional<T> optional_field(const nlohmann::json& j, const char* key) {
    if (!j.is_object() || !j.contains(key) || j.at(key).is_null()) return std::nullopt;
    return required<T>(j, key);
}

}  // namespace reports
