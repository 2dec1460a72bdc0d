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

}  // namespace

std::string metric_result::where() const {
    if (context) return "ctx " + std::to_string(*context);
    if (prompt_tokens) return "prompt " + std::to_string(*prompt_tokens);
    return language;
}

std::string metric_result::key() const { return task + " | " + model + " | " + metric + " | " + where(); }

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
    for (std::size_t i = 0; i < models.size(); ++i) {
        const std::string at = "models[" + std::to_string(i) + "]";
        const json& m = models[i];
        r.models.push_back({get<std::string>(m, "name", f, at), get<std::string>(m, "model", f, at),
                            get<std::string>(m, "engine", f, at), get_or<std::string>(m, "tokenizer", "", f, at),
                            get_or<std::string>(m, "dtype", "", f, at),
                            get_or<std::string>(m, "architecture", "", f, at),
                            get_or<bool>(m, "no_cache", false, f, at), get_or<std::uint64_t>(m, "n_params", 0, f, at)});
    }
    const json results = get<json>(j, "results", f, "(top level)");
    for (std::size_t i = 0; i < results.size(); ++i) {
        const std::string at = "results[" + std::to_string(i) + "]";
        const json& x = results[i];
        metric_result m;
        m.task = get<std::string>(x, "task", f, at);
        m.task_version = get<int>(x, "task_version", f, at);
        m.model = get<std::string>(x, "model", f, at);
        m.engine = get_or<std::string>(x, "engine", "", f, at);
        m.device = get_or<std::string>(x, "device", "", f, at);
        m.dtype = get_or<std::string>(x, "dtype", "", f, at);
        m.metric = get<std::string>(x, "metric", f, at);
        m.language = get_or<std::string>(x, "language", "", f, at);
        if (x.contains("context")) m.context = get<std::int64_t>(x, "context", f, at);
        if (x.contains("prompt_tokens")) m.prompt_tokens = get<std::int64_t>(x, "prompt_tokens", f, at);
        m.value = x.contains("value") && x.at("value").is_null() ? std::nan("") : get<double>(x, "value", f, at);
        m.stderr_ = get<double>(x, "stderr", f, at);
        m.n = get<std::int64_t>(x, "n", f, at);
        m.higher_is_better = get<bool>(x, "higher_is_better", f, at);
        m.samples = get_or<std::vector<double>>(x, "samples", {}, f, at);
        r.results.push_back(std::move(m));
    }
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
