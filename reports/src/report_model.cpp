#include "reports/report_model.h"

#include <cmath>

#include "field_readers.h"

namespace reports {

using json = nlohmann::json;

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
         {"context_limit", nullable(m.context_limit)}};
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

namespace {

json fit_json(const poly_fit_record& f) { return {{"coef", f.coef}, {"stderr", f.stderr_}, {"r2", f.r2}}; }

poly_fit_record fit_from(const json& fits, const char* key) {
    const json f = required<json>(fits, key);
    try {
        poly_fit_record out{required<std::vector<double>>(f, "coef"), optional_or<std::vector<double>>(f, "stderr", {}),
                            required<double>(f, "r2")};
        if (!out.stderr_.empty() && out.stderr_.size() != out.coef.size())
            throw field_error("stderr", false, "one standard error per coefficient expected");
        return out;
    } catch (const field_error& e) {
        throw field_error(std::string("fits.") + key + "." + e.key, e.missing, e.what());
    }
}

void header_to(json& j, const series_header& h, const char* kind) {
    j = {{"task", h.task},         {"task_version", h.task_version}, {"model", h.model}, {"engine", h.engine},
         {"no_cache", h.no_cache}, {"device", h.device},             {"dtype", h.dtype}, {"kind", kind}};
}

series_header header_from(const json& j) {
    return {optional_or<std::string>(j, "task", ""),    optional_or<int>(j, "task_version", 0),
            required<std::string>(j, "model"),          required<std::string>(j, "engine"),
            optional_or<std::string>(j, "device", ""), optional_or<std::string>(j, "dtype", ""),
            optional_or<bool>(j, "no_cache", false)};
}

}  // namespace

void to_json(json& j, const generation_series& g) {
    header_to(j, g.header, "generation");
    j.update({{"prompt_tokens", g.prompt_tokens},
              {"tokens", g.tokens},
              {"context", g.context},
              {"latency_ms", g.latency_ms},
              {"median_latency_ms", g.median_latency_ms},
              {"cumulative_ms", g.cumulative_ms},
              {"prefill_ms", g.prefill_ms},
              {"state_bytes", g.state_bytes},
              {"rss_bytes", g.rss_bytes},
              {"peak_rss_bytes", g.peak_rss_bytes},
              {"fits",
               {{"cumulative_linear", fit_json(g.cumulative_linear)},
                {"cumulative_quadratic", fit_json(g.cumulative_quadratic)},
                {"latency_linear", fit_json(g.latency_linear)},
                {"growth_exponent", g.growth_exponent}}}});
}

void from_json(const json& j, generation_series& g) {
    g.header = header_from(j);
    g.prompt_tokens = optional_or<std::int64_t>(j, "prompt_tokens", 0);
    g.tokens = required<std::vector<double>>(j, "tokens");
    g.context = required<std::vector<std::int64_t>>(j, "context");
    g.latency_ms = required<std::vector<std::vector<double>>>(j, "latency_ms");
    g.median_latency_ms = required<std::vector<double>>(j, "median_latency_ms");
    g.cumulative_ms = required<std::vector<double>>(j, "cumulative_ms");
    g.prefill_ms = optional_or<std::vector<double>>(j, "prefill_ms", {});
    g.state_bytes = required<std::vector<std::uint64_t>>(j, "state_bytes");
    g.rss_bytes = optional_or<std::vector<std::uint64_t>>(j, "rss_bytes", {});
    g.peak_rss_bytes = optional_or<std::uint64_t>(j, "peak_rss_bytes", 0);
    const json fits = required<json>(j, "fits");
    g.cumulative_linear = fit_from(fits, "cumulative_linear");
    g.cumulative_quadratic = fit_from(fits, "cumulative_quadratic");
    if (fits.contains("latency_linear")) g.latency_linear = fit_from(fits, "latency_linear");
    g.growth_exponent = fits.contains("growth_exponent") && fits.at("growth_exponent").is_number()
                            ? fits.at("growth_exponent").get<double>()
                            : std::nan("");
    const std::size_t n = g.tokens.size();
    if (g.context.size() != n || g.median_latency_ms.size() != n || g.cumulative_ms.size() != n ||
        g.state_bytes.size() != n)
        throw field_error("tokens", false, "tokens, context, median_latency_ms, cumulative_ms and state_bytes differ in length");
}

void to_json(json& j, const prefill_series& p) {
    header_to(j, p.header, "prefill");
    j.update({{"prompt_tokens", p.prompt_tokens},
              {"tokens_per_s", p.tokens_per_s},
              {"median_tokens_per_s", p.median_tokens_per_s}});
}

void from_json(const json& j, prefill_series& p) {
    p.header = header_from(j);
    p.prompt_tokens = required<std::vector<std::int64_t>>(j, "prompt_tokens");
    p.tokens_per_s = optional_or<std::vector<std::vector<double>>>(j, "tokens_per_s", {});
    p.median_tokens_per_s = required<std::vector<double>>(j, "median_tokens_per_s");
    if (p.prompt_tokens.size() != p.median_tokens_per_s.size())
        throw field_error("prompt_tokens", false, "prompt_tokens and median_tokens_per_s differ in length");
}

void to_json(json& j, const depth_memory& m) {
    j = {{"weight_bytes", m.weight_bytes},
         {"state_allocated_bytes", m.state_allocated_bytes},
         {"state_used_bytes", m.state_used_bytes},
         {"scratch_bytes", m.scratch_bytes},
         {"rss_bytes", m.rss_bytes},
         {"peak_rss_bytes", m.peak_rss_bytes},
         {"expected_weight_bytes", m.expected_weight_bytes},
         {"expected_state_bytes", m.expected_state_bytes},
         {"device_used_bytes", nullable(m.device_used_bytes)}};
}

void from_json(const json& j, depth_memory& m) {
    m.weight_bytes = required<std::uint64_t>(j, "weight_bytes");
    m.state_allocated_bytes = required<std::uint64_t>(j, "state_allocated_bytes");
    m.state_used_bytes = required<std::uint64_t>(j, "state_used_bytes");
    m.scratch_bytes = optional_or<std::uint64_t>(j, "scratch_bytes", 0);
    m.rss_bytes = optional_or<std::uint64_t>(j, "rss_bytes", 0);
    m.peak_rss_bytes = optional_or<std::uint64_t>(j, "peak_rss_bytes", 0);
    m.expected_weight_bytes = required<std::uint64_t>(j, "expected_weight_bytes");
    m.expected_state_bytes = required<std::uint64_t>(j, "expected_state_bytes");
    m.device_used_bytes = optional_field<std::uint64_t>(j, "device_used_bytes");
}

void to_json(json& j, const depth_series& d) {
    header_to(j, d.header, "depth");
    json prefill = json::array();  // NaN at depth 0 is null in the file
    for (const double v : d.prefill_tokens_per_s) prefill.push_back(std::isfinite(v) ? json(v) : json());
    j.update({{"decode_tokens", d.decode_tokens},
              {"reference_depth", d.reference_depth},
              {"depth", d.depth},
              {"latency_ms", d.latency_ms},
              {"median_latency_ms", d.median_latency_ms},
              {"prefill_from", d.prefill_from},
              {"prefill_tokens_per_s", prefill},
              {"memory", d.memory},
              {"integrated_cumulative_ms", d.integrated_cumulative_ms},
              {"fits",
               {{"cumulative_quadratic", fit_json(d.cumulative_quadratic)},
                {"latency_linear", fit_json(d.latency_linear)},
                {"quadratic_significant", d.quadratic_significant}}},
              {"depth_note", d.depth_note}});
}

void from_json(const json& j, depth_series& d) {
    d.header = header_from(j);
    d.decode_tokens = required<std::int64_t>(j, "decode_tokens");
    d.reference_depth = optional_or<std::int64_t>(j, "reference_depth", 0);
    d.depth = required<std::vector<std::int64_t>>(j, "depth");
    d.latency_ms = required<std::vector<std::vector<std::vector<double>>>>(j, "latency_ms");
    d.median_latency_ms = required<std::vector<double>>(j, "median_latency_ms");
    d.prefill_from = required<std::vector<std::int64_t>>(j, "prefill_from");
    d.prefill_tokens_per_s.clear();
    for (const json& v : required<json>(j, "prefill_tokens_per_s"))
        d.prefill_tokens_per_s.push_back(v.is_number() ? v.get<double>() : std::nan(""));
    d.memory = required<std::vector<depth_memory>>(j, "memory");
    d.integrated_cumulative_ms = required<std::vector<double>>(j, "integrated_cumulative_ms");
    const json fits = required<json>(j, "fits");
    d.cumulative_quadratic = fit_from(fits, "cumulative_quadratic");
    d.latency_linear = fit_from(fits, "latency_linear");
    d.quadratic_significant = optional_or<bool>(fits, "quadratic_significant", false);
    d.depth_note = optional_or<std::string>(j, "depth_note", "");
    const std::size_t n = d.depth.size();
    if (d.latency_ms.size() != n || d.median_latency_ms.size() != n || d.prefill_from.size() != n ||
        d.prefill_tokens_per_s.size() != n || d.memory.size() != n || d.integrated_cumulative_ms.size() != n)
        throw field_error("depth", false,
                          "depth, latency_ms, median_latency_ms, prefill_from, prefill_tokens_per_s, memory and "
                          "integrated_cumulative_ms differ in length");
}

std::vector<std::pair<std::string, std::string>> provenance_record::shown() const {
    std::vector<std::pair<std::string, std::string>> all = {{"date", date},
                                                            {"git_commit", git_commit},
                                                            {"rwkvbench_version", rwkvbench_version},
                                                            {"cpu", cpu},
                                                            {"cpu_features", cpu_features},
                                                            {"threads", threads ? std::to_string(*threads) : ""},
                                                            {"blas", blas},
                                                            {"gpu", gpu},
                                                            {"cuda", cuda},
                                                            {"cuda_driver", cuda_driver},
                                                            {"compiler", compiler},
                                                            {"build_type", build_type}};
    std::erase_if(all, [](const auto& kv) { return kv.second.empty(); });
    return all;
}

void to_json(json& j, const provenance_record& p) {
    j = {{"rwkvbench_version", p.rwkvbench_version},
         {"git_commit", p.git_commit},
         {"build_type", p.build_type},
         {"compiler", p.compiler},
         {"cuda", p.cuda},
         {"cuda_driver", p.cuda_driver},
         {"gpu", p.gpu},
         {"cpu", p.cpu},
         {"cpu_features", p.cpu_features},
         {"blas", p.blas},
         {"threads", nullable(p.threads)},
         {"date", p.date},
         {"argv", p.argv}};
}

void from_json(const json& j, provenance_record& p) {
    p.rwkvbench_version = optional_or<std::string>(j, "rwkvbench_version", "");
    p.git_commit = optional_or<std::string>(j, "git_commit", "");
    p.build_type = optional_or<std::string>(j, "build_type", "");
    p.compiler = optional_or<std::string>(j, "compiler", "");
    p.cuda = optional_or<std::string>(j, "cuda", "");
    p.cuda_driver = optional_or<std::string>(j, "cuda_driver", "");
    p.gpu = optional_or<std::string>(j, "gpu", "");
    p.cpu = optional_or<std::string>(j, "cpu", "");
    p.cpu_features = optional_or<std::string>(j, "cpu_features", "");
    p.blas = optional_or<std::string>(j, "blas", "");
    p.threads = optional_field<std::int64_t>(j, "threads");
    p.date = optional_or<std::string>(j, "date", "");
    p.argv = optional_or<std::vector<std::string>>(j, "argv", {});
}

void to_json(json& j, const run_settings& s) {
    j = {{"device", s.device},
         {"limit", nullable(s.limit)},
         {"langs", s.langs},
         {"no_pad", s.no_pad},
         {"seed", s.seed},
         {"batch_size", s.batch_size},
         {"data_dir", s.data_dir},
         {"data", s.data},
         {"config_file", s.config_file}};
    if (s.test_delay_us_per_token > 0) j["test_delay_us_per_token"] = s.test_delay_us_per_token;
    if (s.int8_activations) j["int8_activations"] = true;
}

void from_json(const json& j, run_settings& s) {
    s.device = optional_or<std::string>(j, "device", "");
    s.limit = optional_field<std::int64_t>(j, "limit");
    s.langs = optional_or<std::vector<std::string>>(j, "langs", {});
    s.no_pad = optional_or<bool>(j, "no_pad", false);
    s.seed = optional_or<std::uint64_t>(j, "seed", 0);
    s.batch_size = optional_or<std::int64_t>(j, "batch_size", 1);
    s.data_dir = optional_or<std::string>(j, "data_dir", "");
    s.data = optional_or<std::string>(j, "data", "");
    s.config_file = optional_or<std::string>(j, "config_file", "");
    s.test_delay_us_per_token = optional_or<double>(j, "test_delay_us_per_token", 0);
    s.int8_activations = optional_or<bool>(j, "int8_activations", false);
}

void to_json(json& j, const task_record& t) {
    j = {{"task", t.task},
         {"version", t.version},
         {"scorer", t.scorer},
         {"limit", nullable(t.limit)},
         {"languages", t.languages},
         {"models", t.models},
         {"request_hash", t.request_hash},
         {"definition", t.definition}};
}

void from_json(const json& j, task_record& t) {
    t.task = required<std::string>(j, "task");
    t.version = required<int>(j, "version");
    t.scorer = optional_or<std::string>(j, "scorer", "");
    t.limit = optional_field<std::int64_t>(j, "limit");
    t.languages = optional_or<std::vector<std::string>>(j, "languages", {});
    t.models = optional_or<std::vector<std::string>>(j, "models", {});
    t.request_hash = optional_or<std::string>(j, "request_hash", "");
    t.definition = optional_or<json>(j, "definition", json::object());
}

void to_json(json& j, const skipped_task& s) { j = {{"task", s.task}, {"reason", s.reason}}; }

void from_json(const json& j, skipped_task& s) {
    s.task = required<std::string>(j, "task");
    s.reason = optional_or<std::string>(j, "reason", "");
}

void to_json(json& j, const task_timing& t) { j = {{"task", t.task}, {"model", t.model}, {"seconds", t.seconds}}; }

void from_json(const json& j, task_timing& t) {
    t.task = required<std::string>(j, "task");
    t.model = required<std::string>(j, "model");
    t.seconds = required<double>(j, "seconds");
}

void to_json(json& j, const rank_record& r) {
    j = {{"rank", r.rank},         {"host", r.host},         {"device", r.device}, {"threads", r.threads},
         {"examples", r.examples}, {"busy_s", r.busy_s},     {"wall_s", r.wall_s}};
}

void from_json(const json& j, rank_record& r) {
    r.rank = required<int>(j, "rank");
    r.host = required<std::string>(j, "host");
    r.device = required<std::string>(j, "device");
    r.threads = required<std::int64_t>(j, "threads");
    r.examples = required<std::int64_t>(j, "examples");
    r.busy_s = required<double>(j, "busy_s");
    r.wall_s = required<double>(j, "wall_s");
}

void to_json(json& j, const processes_record& p) {
    j = {{"world_size", p.world_size}, {"scaling", p.scaling},   {"ranks", p.ranks},
         {"split_s", p.split_s},       {"gather_s", p.gather_s}};
}

void from_json(const json& j, processes_record& p) {
    p.world_size = required<int>(j, "world_size");
    p.scaling = optional_or<std::string>(j, "scaling", "");
    p.ranks = required<std::vector<rank_record>>(j, "ranks");
    p.split_s = optional_or<double>(j, "split_s", 0.0);
    p.gather_s = optional_or<double>(j, "gather_s", 0.0);
}

}  // namespace reports
