// The records of report.json that tasks write and reports read, as structs
// with nlohmann's to_json/from_json: one definition of each field's name,
// type and optionality, used by both sides (reports depend on nothing but
// the report file; tasks link this model only). The schema is
// reports/report.schema.json.
//
//   metric_result  one entry of "results": a metric of a task for a model,
//                  per language or at a context/prompt length, with its
//                  standard error and, for timings, the raw repeats
//   model_record   one entry of "models": what ran (engine spec, architecture)
//   generation_series, prefill_series, depth_series
//                  the entries of "series" (kind "generation", "prefill",
//                  "depth"): the scaling tasks' per-token, per-length and
//                  per-depth measurements
//   provenance_record  "context": the build, the machine, the date and argv
//   run_settings    "config": the run-wide settings that decide the numbers
//   task_record     one entry of "tasks": a task as it ran (definition,
//                   languages, limit, request_hash)
//   skipped_task, task_timing  the entries of "skipped" and "timings"
//   processes_record  "processes": an MPI run's ranks (rank_record each)
//
// The per-example records of the journal are in reports/example_records.h.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace reports {

struct metric_result {
    std::string task;
    int task_version = 0;
    std::string model, engine, device, dtype, metric;
    std::string language;                       // "" when not per language
    std::optional<std::int64_t> context;        // scaling: ms_per_token at this context
    std::optional<std::int64_t> prompt_tokens;  // scaling: prefill at this prompt length
    std::optional<std::int64_t> tokens;         // scaling: tokens_per_s over this many generated tokens
    double value = 0, stderr_ = 0;              // value: NaN when the file holds null
    std::int64_t n = 0;
    bool higher_is_better = false;
    std::vector<double> samples;  // repeated measurements (timings), raw

    // What identifies the measurement across two reports: task, model,
    // metric and where (language, context, prompt length).
    std::string key() const;
    std::string where() const;  // "eng_Latn", "ctx 128", "prompt 64" or ""
    bool is_timing() const { return !samples.empty(); }
};

struct model_record {
    std::string name, model, engine, tokenizer, dtype, architecture;
    std::string attention;  // "" in reports from before it was recorded
    bool no_cache = false;
    std::uint64_t n_params = 0;
    std::optional<std::int64_t> context_limit;
};

// A polynomial fit: coefficients low order first, their standard errors
// (empty in reports from before they were recorded), and R².
struct poly_fit_record {
    std::vector<double> coef, stderr_;
    double r2 = 0;
};

// Fields that name a series: what was measured, on what.
struct series_header {
    std::string task;
    int task_version = 0;
    std::string model, engine, device, dtype;
    bool no_cache = false;
};

// One engine's generation sweep: token i (1-based, `tokens`) was generated
// at `context`; latencies per repeat and their per-token medians.
struct generation_series {
    series_header header;
    std::int64_t prompt_tokens = 0;
    std::vector<double> tokens;
    std::vector<std::int64_t> context;
    std::vector<std::vector<double>> latency_ms;  // [repeat][token]
    std::vector<double> median_latency_ms, cumulative_ms;
    std::vector<double> prefill_ms;  // the prompt, per repeat
    std::vector<std::uint64_t> state_bytes, rss_bytes;
    std::uint64_t peak_rss_bytes = 0;
    poly_fit_record cumulative_linear, cumulative_quadratic, latency_linear;
    double growth_exponent = 0;  // NaN (null in the file): too few points to fit
};

// One engine's parallel prefill: tokens/s per prompt length, per repeat.
struct prefill_series {
    series_header header;
    std::vector<std::int64_t> prompt_tokens;
    std::vector<std::vector<double>> tokens_per_s;  // [length][repeat]
    std::vector<double> median_tokens_per_s;
};

// Memory by kind at one depth, as measured and as the model's shape says.
struct depth_memory {
    std::uint64_t weight_bytes = 0;           // as loaded
    std::uint64_t state_allocated_bytes = 0;  // RWKV state or KV cache as allocated (the cache grows by doubling)
    std::uint64_t state_used_bytes = 0;       // ... holding the depth's tokens
    std::uint64_t scratch_bytes = 0;          // the engine's activation buffers
    std::uint64_t rss_bytes = 0, peak_rss_bytes = 0;  // the process's, reported, not checked
    std::uint64_t expected_weight_bytes = 0;  // n_params x bytes per weight
    std::uint64_t expected_state_bytes = 0;   // RWKV-4: 5 L C 4; v5.2/v7: L C (2 + N) 4; KV: 2 L C depth 4
    std::optional<std::uint64_t> device_used_bytes;  // CUDA: total - free (cudaMemGetInfo)
};

// One engine's latency by depth (the scaling_depth task): at each depth the
// engine was brought to (one incremental prefill), decode_tokens tokens
// timed per repeat; the prefill segment ending there; memory by kind.
struct depth_series {
    series_header header;
    std::int64_t decode_tokens = 0;
    std::int64_t reference_depth = 0;  // latency growth is the deepest depth's latency over this one's
    std::vector<std::int64_t> depth;
    std::vector<std::vector<std::vector<double>>> latency_ms;  // [depth][repeat][token]
    std::vector<double> median_latency_ms;                     // per depth: median over repeats of the mean per token
    std::vector<std::int64_t> prefill_from;                    // the prefill segment ending at each depth starts here
    std::vector<double> prefill_tokens_per_s;                  // ... its speed (NaN at depth 0: nothing to prefill)
    std::vector<depth_memory> memory;
    // Cumulative time of generating up to each depth, integrated from the
    // latencies (trapezoids between depths), not measured.
    std::vector<double> integrated_cumulative_ms;
    poly_fit_record cumulative_quadratic;  // over depth, through integrated_cumulative_ms
    poly_fit_record latency_linear;        // over depth, every repeat's case a point
    // The cumulative time's T² term above 0: the latency's slope more than 2 standard errors above 0.
    bool quadratic_significant = false;
    // Where the sweep stops short of the task's deepest depth, and why
    // ("no KV cache: capped at 1024", "learned positions end at 1024"); or
    // that the model's context limit was lifted ("context limit 2048 lifted: rotary positions").
    std::string depth_note;
};

// Where and how the run was made. Every field may be absent in a report
// (read as "" / nullopt): the renderers show what there is.
struct provenance_record {
    std::string rwkvbench_version, git_commit, build_type, compiler;
    std::string cuda, cuda_driver, gpu;  // "" without CUDA / without a GPU in use
    std::string cpu, cpu_features, blas;
    std::optional<std::int64_t> threads;  // the CPU backend's thread count
    std::string date;                     // UTC, ISO 8601
    std::vector<std::string> argv;
    // (key, value) of the non-empty fields but argv, in the order a page shows them.
    std::vector<std::pair<std::string, std::string>> shown() const;
};

// The run-wide settings: device, the run's limit (null: each task's own),
// wanted languages, --no-pad, seed, and where data and config came from.
struct run_settings {
    std::string device;
    std::optional<std::int64_t> limit;
    std::vector<std::string> langs;
    bool no_pad = false;
    std::uint64_t seed = 0;
    std::int64_t batch_size = 1;  // examples scored together (older reports: 1)
    bool int8_activations = false;  // the block formats on int8 activations (written only when set)
    std::string data_dir, data, config_file;
    double test_delay_us_per_token = 0;  // written only when set: a run slowed on purpose says so
};

// A task as it ran: its version and scorer, the limit applied (null: none),
// the languages its requests cover, the models it ran on (empty: all), the
// request_hash of its requests ("" for a timing task) and its definition
// with the run's options merged.
struct task_record {
    std::string task;
    int version = 0;
    std::string scorer;
    std::optional<std::int64_t> limit;
    std::vector<std::string> languages, models;
    std::string request_hash;
    nlohmann::json definition = nlohmann::json::object();
};

// A task of a group left out, and why (no data for the wanted languages).
struct skipped_task {
    std::string task, reason;
};

// Wall time of a task on a model (several models: measured together).
struct task_timing {
    std::string task, model;
    double seconds = 0;
};

// One rank of an MPI run: where it ran and the part of the work it did.
struct rank_record {
    int rank = 0;
    std::string host, device;   // device: "cpu" or "cuda:N"
    std::int64_t threads = 0;   // the CPU backend's threads
    std::int64_t examples = 0;  // examples it scored in this run (not those a resumed journal held)
    double busy_s = 0;          // seconds scoring them
    double wall_s = 0;          // seconds from its start to the end of its quality work
};

// "processes": the ranks of an MPI run (absent from a plain run's report).
struct processes_record {
    int world_size = 1;
    std::string scaling;  // where timing tasks ran ("rank 0 on HOST, the others waiting"), "" without them
    std::vector<rank_record> ranks;
    double split_s = 0;   // rank 0's seconds costing and assigning examples
    double gather_s = 0;  // rank 0's seconds gathering and adopting records (not waiting for ranks)
};

// A field of a record that is missing or of the wrong type; the reader adds
// the file and the record's place ("r.json: results[3]: missing key 'value'").
struct field_error : std::runtime_error {
    field_error(std::string key_, bool missing_, const std::string& what)
        : std::runtime_error(what), key(std::move(key_)), missing(missing_) {}
    std::string key;
    bool missing;
};

void to_json(nlohmann::json& j, const metric_result& m);
void from_json(const nlohmann::json& j, metric_result& m);  // throws field_error
void to_json(nlohmann::json& j, const model_record& m);
void from_json(const nlohmann::json& j, model_record& m);  // throws field_error
// With "kind"; from_json checks that the per-token (per-length) lists agree in length.
void to_json(nlohmann::json& j, const generation_series& g);
void from_json(const nlohmann::json& j, generation_series& g);  // throws field_error
void to_json(nlohmann::json& j, const prefill_series& p);
void to_json(nlohmann::json& j, const depth_memory& m);
void from_json(const nlohmann::json& j, depth_memory& m);  // throws field_error
void to_json(nlohmann::json& j, const depth_series& d);
void from_json(const nlohmann::json& j, depth_series& d);  // throws field_error
void from_json(const nlohmann::json& j, prefill_series& p);  // throws field_error
void to_json(nlohmann::json& j, const provenance_record& p);
void from_json(const nlohmann::json& j, provenance_record& p);  // throws field_error
void to_json(nlohmann::json& j, const run_settings& s);
void from_json(const nlohmann::json& j, run_settings& s);  // throws field_error
void to_json(nlohmann::json& j, const task_record& t);
void from_json(const nlohmann::json& j, task_record& t);  // throws field_error
void to_json(nlohmann::json& j, const skipped_task& s);
void from_json(const nlohmann::json& j, skipped_task& s);  // throws field_error
void to_json(nlohmann::json& j, const task_timing& t);
void from_json(const nlohmann::json& j, task_timing& t);  // throws field_error
void to_json(nlohmann::json& j, const rank_record& r);
void from_json(const nlohmann::json& j, rank_record& r);  // throws field_error
void to_json(nlohmann::json& j, const processes_record& p);
void from_json(const nlohmann::json& j, processes_record& p);  // throws field_error

}  // namespace reports
