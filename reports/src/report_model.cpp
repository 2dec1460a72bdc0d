#include "reports/report_model.h"

#include <cmath>

namespace reports {
namespace {

using json = nlohmann::json;

template <class T>
T required(const json& j, const char* key) {
    if (!j.is_object() || !j.contains(key)) throw field_error(key, true, "missing");
    try {
        return j.at(key).get<T>();
    } catch (const json::exception& e) {
        throw field_error(key, false, e.what());
    }
}

// Absent or null: the fallback.
template <class T>
T optional_or(const json& j, const char* key, T fallback) {
    if (!j.is_object() || !j.contains(key) || j.at(key).is_null()) return fallback;
    return required<T>(j, key);
}

template <class T>
std::optional<T> optional_field(const json& j, const char* key) {
    if (!j.is_object() || !j.contains(key) || j.at(key).is_null()) return std::nullopt;
    return required<T>(j, key);
}

}  // namespace

std::string metric_result::where() const {
    if (context) return "ctx " + std::to_string(*context);
    if (prompt_tokens) return "prompt " + std::to_string(*prompt_tokens);
    return language;
}

std::string metric_result::key() const { return task + " | " + model + " | " + metric + " | " + where(); }

void to_json(json& j, const metric_result& m) {
    j = {{"task", m.task},
         {"task_version", m.task_version},
         {"model", m.model},
         {"engine", m.engine},
         {"device", m.device},
         {"dtype", m.dtype},
         {"metric", m.metric},
         {"value", m.value},
         {"stderr", m.stderr_},
         {"n", m.n},
         {"higher_is_better", m.higher_is_better}};
    if (!m.language.empty()) j["language"] = m.language;
    if (m.context) j["context"] = *m.context;
    if (m.prompt_tokens) j["prompt_tokens"] = *m.prompt_tokens;
    if (m.tokens) j["tokens"] = *m.tokens;
    if (!m.samples.empty()) j["samples"] = m.samples;
}

void from_json(const json& j, metric_result& m) {
    m.task = required<std::string>(j, "task");
    m.task_version = required<int>(j, "task_version");
    m.model = required<std::string>(j, "model");
    m.engine = optional_or<std::string>(j, "engine", "");
    m.device = optional_or<std::string>(j, "device", "");
    m.dtype = optional_or<std::string>(j, "dtype", "");
    m.metric = required<std::string>(j, "metric");
    m.language = optional_or<std::string>(j, "language", "");
    m.context = optional_field<std::int64_t>(j, "context");
    m.prompt_tokens = optional_field<std::int64_t>(j, "prompt_tokens");
    m.tokens = optional_field<std::int64_t>(j, "tokens");
    m.value = j.contains("value") && j.at("value").is_null() ? std::nan("") : required<double>(j, "value");
    m.stderr_ = required<double>(j, "stderr");
    m.n = required<std::int64_t>(j, "n");
    m.higher_is_better = required<bool>(j, "higher_is_better");
    m.samples = optional_or<std::vector<double>>(j, "samples", {});
}

void to_json(json& j, const model_record& m) {
    j = {{"name", m.name},
         {"model", m.model},
         {"engine", m.engine},
         {"tokenizer", m.tokenizer},
         {"dtype", m.dtype},
         {"no_cache", m.no_cache},
         {"attention", m.attention},
         {"architecture", m.architecture},
         {"n_params", m.n_params},
         {"context_limit", m.context_limit ? json(*m.context_limit) : json(nullptr)}};
}

void from_json(const json& j, model_record& m) {
    m.name = required<std::string>(j, "name");
    m.model = required<std::string>(j, "model");
    m.engine = required<std::string>(j, "engine");
    m.tokenizer = optional_or<std::string>(j, "tokenizer", "");
    m.dtype = optional_or<std::string>(j, "dtype", "");
    m.attention = optional_or<std::string>(j, "attention", "");
    m.architecture = optional_or<std::string>(j, "architecture", "");
    m.no_cache = optional_or<bool>(j, "no_cache", false);
    m.n_params = optional_or<std::uint64_t>(j, "n_params", 0);
    m.context_limit = optional_field<std::int64_t>(j, "context_limit");
}

}  // namespace reports
