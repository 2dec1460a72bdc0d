#include "reports/report.h"

#include <cmath>
#include <filesystem>

#include "harness/errors.h"
#include "harness/json_file.h"

namespace reports {
namespace {

using json = nlohmann::json;

// Reads j.at(key) as T, or throws naming the file and the place.
template <class T>
T get(const json& j, const char* key, const std::string& file, const std::string& where) {
    if (!j.is_object() || !j.contains(key))
        throw harness::input_error(file + ": " + where + ": missing key '" + key + "'");
    try {
        return j.at(key).get<T>();
    } catch (const json::exception& e) {
        throw harness::input_error(file + ": " + where + "." + key + ": " + e.what());
    }
}

template <class T>
T get_or(const json& j, const char* key, T fallback, const std::string& file, const std::string& where) {
    if (!j.contains(key) || j.at(key).is_null()) return fallback;
    return get<T>(j, key, file, where);
}

// A record read by its from_json, errors named with the file and its place.
template <class T>
T record(const json& x, const std::string& file, const std::string& at) {
    try {
        return x.get<T>();
    } catch (const field_error& e) {
        if (e.missing) throw harness::input_error(file + ": " + at + ": missing key '" + e.key + "'");
        throw harness::input_error(file + ": " + at + "." + e.key + ": " + e.what());
    }
}

}  // namespace

run_report parse_report(const json& j, const std::string& f) {
    run_report r;
    r.path = f;
    r.dir = std::filesystem::path(f).parent_path().string();
    if (!j.is_object()) throw harness::input_error(f + ": expected a JSON object (a rwkvbench report)");
    r.schema_version = get<int>(j, "schema_version", f, "(top level)");
    if (r.schema_version > schema_version)
        throw harness::input_error(f + ": schema_version " + std::to_string(r.schema_version) +
                                   " is newer than this rwkvbench reads (" + std::to_string(schema_version) + ")");
    r.context = get<json>(j, "context", f, "(top level)");
    r.tasks = get_or<json>(j, "tasks", json::array(), f, "(top level)");
    const json models = get_or<json>(j, "models", json::array(), f, "(top level)");
    for (std::size_t i = 0; i < models.size(); ++i)
        r.models.push_back(record<model_record>(models[i], f, "models[" + std::to_string(i) + "]"));
    const json results = get<json>(j, "results", f, "(top level)");
    for (std::size_t i = 0; i < results.size(); ++i)
        r.results.push_back(record<metric_result>(results[i], f, "results[" + std::to_string(i) + "]"));
    const json series = get_or<json>(j, "series", json::array(), f, "(top level)");
    for (std::size_t i = 0; i < series.size(); ++i) {
        const std::string at = "series[" + std::to_string(i) + "]";
        const json& s = series[i];
        const std::string kind = get<std::string>(s, "kind", f, at);
        if (kind == "generation")
            r.generation.push_back(record<generation_series>(s, f, at));
        else if (kind == "prefill")
            r.prefill.push_back(record<prefill_series>(s, f, at));
        // other kinds: a newer writer's; ignored
    }
    return r;
}

run_report load_report(const std::string& path) {
    std::string file = path;
    if (std::filesystem::is_directory(path)) file = (std::filesystem::path(path) / "report.json").string();
    const nlohmann::json j = harness::read_json_file(file);
    return harness::with_json_errors(file, [&] { return parse_report(j, file); });
}

}  // namespace reports
