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
        if (kind == "generation") {
            generation_series g;
            g.model = get<std::string>(s, "model", f, at);
            g.engine = get<std::string>(s, "engine", f, at);
            g.no_cache = get_or<bool>(s, "no_cache", false, f, at);
            g.tokens = get<std::vector<double>>(s, "tokens", f, at);
            g.context = get<std::vector<double>>(s, "context", f, at);
            g.latency_ms = get<std::vector<std::vector<double>>>(s, "latency_ms", f, at);
            g.median_latency_ms = get<std::vector<double>>(s, "median_latency_ms", f, at);
            g.cumulative_ms = get<std::vector<double>>(s, "cumulative_ms", f, at);
            g.state_bytes = get<std::vector<double>>(s, "state_bytes", f, at);
            g.rss_bytes = get_or<std::vector<double>>(s, "rss_bytes", {}, f, at);
            g.peak_rss_bytes = get_or<double>(s, "peak_rss_bytes", 0, f, at);
            const json fits = get<json>(s, "fits", f, at);
            g.growth_exponent = fits.contains("growth_exponent") && fits.at("growth_exponent").is_number()
                                    ? fits.at("growth_exponent").get<double>()
                                    : std::nan("");  // null: too few points to fit
            const std::string fat = at + ".fits";
            const json lin = get<json>(fits, "cumulative_linear", f, fat),
                       quad = get<json>(fits, "cumulative_quadratic", f, fat);
            g.cumulative_linear = get<std::vector<double>>(lin, "coef", f, fat + ".cumulative_linear");
            g.linear_r2 = get<double>(lin, "r2", f, fat + ".cumulative_linear");
            g.cumulative_quadratic = get<std::vector<double>>(quad, "coef", f, fat + ".cumulative_quadratic");
            g.quadratic_r2 = get<double>(quad, "r2", f, fat + ".cumulative_quadratic");
            const std::size_t n = g.tokens.size();
            if (g.context.size() != n || g.median_latency_ms.size() != n || g.cumulative_ms.size() != n ||
                g.state_bytes.size() != n)
                throw harness::input_error(
                    f + ": " + at +
                    ": tokens, context, median_latency_ms, cumulative_ms and state_bytes differ in length");
            r.generation.push_back(std::move(g));
        } else if (kind == "prefill") {
            prefill_series p;
            p.model = get<std::string>(s, "model", f, at);
            p.engine = get<std::string>(s, "engine", f, at);
            p.prompt_tokens = get<std::vector<double>>(s, "prompt_tokens", f, at);
            p.median_tokens_per_s = get<std::vector<double>>(s, "median_tokens_per_s", f, at);
            if (p.prompt_tokens.size() != p.median_tokens_per_s.size())
                throw harness::input_error(f + ": " + at + ": prompt_tokens and median_tokens_per_s differ in length");
            r.prefill.push_back(std::move(p));
        }  // other kinds: a newer writer's; ignored
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
