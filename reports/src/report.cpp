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
    if (!x.is_object()) throw harness::input_error(file + ": " + at + ": expected an object");
    try {
        return x.get<T>();
    } catch (const field_error& e) {
        if (e.missing) throw harness::input_error(file + ": " + at + ": missing key '" + e.key + "'");
        throw harness::input_error(file + ": " + at + "." + e.key + ": " + e.what());
    }
}

// Each element of the list `key` read by its from_json.
template <class T>
std::vector<T> records(const json& list, const std::string& file, const std::string& key) {
    if (!list.is_array()) throw harness::input_error(file + ": " + key + ": expected a list");
    std::vector<T> out;
    for (std::size_t i = 0; i < list.size(); ++i)
        out.push_back(record<T>(list[i], file, key + "[" + std::to_string(i) + "]"));
    return out;
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
    r.context = record<provenance_record>(get<json>(j, "context", f, "(top level)"), f, "context");
    r.config = record<run_settings>(get_or<json>(j, "config", json::object(), f, "(top level)"), f, "config");
    r.models = records<model_record>(get_or<json>(j, "models", json::array(), f, "(top level)"), f, "models");
    r.tasks = records<task_record>(get_or<json>(j, "tasks", json::array(), f, "(top level)"), f, "tasks");
    r.results = records<metric_result>(get<json>(j, "results", f, "(top level)"), f, "results");
    r.skipped = records<skipped_task>(get_or<json>(j, "skipped", json::array(), f, "(top level)"), f, "skipped");
    r.timings = records<task_timing>(get_or<json>(j, "timings", json::array(), f, "(top level)"), f, "timings");
    if (j.contains("processes")) r.processes = record<processes_record>(j.at("processes"), f, "processes");
    const json series = get_or<json>(j, "series", json::array(), f, "(top level)");
    if (!series.is_array()) throw harness::input_error(f + ": series: expected a list");
    for (std::size_t i = 0; i < series.size(); ++i) {
        const std::string at = "series[" + std::to_string(i) + "]";
        const json& s = series[i];
        const std::string kind = get<std::string>(s, "kind", f, at);
        if (kind == "generation")
            r.generation.push_back(record<generation_series>(s, f, at));
        else if (kind == "prefill")
            r.prefill.push_back(record<prefill_series>(s, f, at));
        else if (kind == "depth")
            r.depth.push_back(record<depth_series>(s, f, at));
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
