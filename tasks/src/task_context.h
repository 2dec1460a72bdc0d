// What a scorer gets for one task and one model, and the helpers every
// scorer shares: result records, progress lines, journal lookups.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engines/engine.h"
#include "engines/tokenizer.h"
#include "harness/errors.h"
#include "harness/timing.h"
#include "reports/example_records.h"
#include "reports/report_model.h"
#include "tasks/journal.h"
#include "tasks/request.h"
#include "tasks/runner.h"
#include "tasks/task_definition.h"

namespace kernels {
class backend;
}

namespace tasks {

// "task 120/5153 (12.3/s, ETA 6m 20s)", rewritten in place on a terminal.
class progress_line {
public:
    progress_line(bool enabled, std::string what, std::size_t total);
    void update(std::size_t done);

private:
    bool on_;
    std::string what_;
    std::size_t total_;
    harness::stopwatch clock_;
    double last_ = -1;
};

struct task_context {
    const run_config& config;
    const task_definition& def;  // options already merged with the run's overrides
    const model_entry& model;
    engines::engine& engine;
    kernels::backend& backend;
    const engines::tokenizer& tok;
    journal& j;
    nlohmann::json& results;         // metric records
    nlohmann::json& series;          // measured series (scaling)
    // A rank's part of a task under MPI (rank_work.h): its examples are
    // scored into the journal, but metrics and continuations come from rank
    // 0's pass over the whole journal, so add() and record_continuations() do nothing.
    bool shard_only = false;

    // Appends a metric record when the definition lists the metric; `where`
    // adds a scaling record's context, prompt length, tokens and raw samples.
    void add(const std::string& metric, double value, double stderr_, std::int64_t n, const std::string& language = "",
             reports::metric_result where = {}) const;
    progress_line progress(const std::string& what, std::size_t total) const;
    journal::key key(const std::string& example) const { return {def.name, model.name, example}; }
    // The journal's record of a request for this model, or nullptr.
    const nlohmann::json* done(const request& r) const { return j.find(key(r.id)); }
    // ... read as the scorer's outcome (reports/example_records.h); a
    // record that does not read as one is an input_error naming the journal.
    template <class Outcome>
    std::optional<Outcome> done_as(const request& r) const {
        const nlohmann::json* x = done(r);
        if (!x) return std::nullopt;
        try {
            return x->get<Outcome>();
        } catch (const reports::field_error& e) {
            throw bad_journal_record(r, e.missing ? "missing key '" + e.key + "'" : e.key + ": " + e.what());
        } catch (const nlohmann::json::exception& e) {
            throw bad_journal_record(r, e.what());
        }
    }
    // Journals the outcome of a request under its header (task, model, id,
    // language, hashes) and returns it as stored.
    const nlohmann::json& record(const request& r, const nlohmann::json& outcome) const;
    template <class Outcome>
    Outcome record_as(const request& r, const Outcome& outcome) const {
        record(r, nlohmann::json(outcome));
        return outcome;
    }
    // The pad's token ids (options.pad, "\n" by default; empty for "").
    std::vector<std::int32_t> pad_ids() const;

private:
    harness::input_error bad_journal_record(const request& r, const std::string& what) const;
};

// The outcomes of `requests` in order, scored a batch at a time
// (request::batch): `score(batch)` gives one outcome per request of a batch.
// A batch with any request the journal lacks is scored whole, as a fresh run
// forms it, and its missing requests are journaled; journaled outcomes are
// read back. `progress` counts requests.
template <class Outcome, class ScoreBatch>
std::vector<Outcome> batch_outcomes(const task_context& c, std::span<const request> requests, progress_line& progress,
                                    ScoreBatch&& score) {
    std::vector<Outcome> out;
    for (const std::span<const request> batch : batch_runs(requests)) {
        std::vector<std::optional<Outcome>> known;
        for (const request& r : batch) known.push_back(c.done_as<Outcome>(r));
        if (std::any_of(known.begin(), known.end(), [](const auto& k) { return !k; })) {
            const std::vector<Outcome> fresh = score(batch);
            for (std::size_t i = 0; i < batch.size(); ++i)
                if (!known[i]) known[i] = c.record_as(batch[i], fresh.at(i));
        }
        for (auto& k : known) out.push_back(std::move(*k));
        progress.update(out.size());
    }
    return out;
}

// Each scorer's registry functions (scorer_registry.h).
task_requests lambada_requests(const task_definition& d, const task_input& in);
task_requests rolling_text_requests(const task_definition& d, const task_input& in);
task_requests bpb_lines_requests(const task_definition& d, const task_input& in);
task_requests multiple_choice_requests(const task_definition& d, const task_input& in);
task_requests scaling_requests(const task_definition& d, const task_input& in);
task_requests scaling_depth_requests(const task_definition& d, const task_input& in);
nlohmann::json lambada_sample(const request& r, const nlohmann::json& record);
nlohmann::json rolling_text_sample(const request& r, const nlohmann::json& record);
nlohmann::json bpb_lines_sample(const request& r, const nlohmann::json& record);
nlohmann::json multiple_choice_sample(const request& r, const nlohmann::json& record);
void score_lambada(task_context& c, const std::vector<request>& requests);
void score_rolling_text(task_context& c, const std::vector<request>& requests);
void score_kl_divergence(task_context& c, const std::vector<request>& requests);
nlohmann::json kl_divergence_sample(const request& r, const nlohmann::json& record);
void score_bpb_lines(task_context& c, const std::vector<request>& requests);
void score_multiple_choice(task_context& c, const std::vector<request>& requests);
void score_scaling(task_context& c, const std::vector<request>& requests);
// Measures the scaling cases on several engines in rounds (their journal
// records), so that score_scaling() of each finds them there.
void measure_scaling(const std::vector<task_context*>& contexts, const std::vector<request>& cases);
// The depth sweep (score_scaling_depth.cpp): latency, prefill and memory by context depth.
void score_scaling_depth(task_context& c, const std::vector<request>& requests);
void measure_depths(const std::vector<task_context*>& contexts, const std::vector<request>& cases);

// Negative log-likelihood (nats) of `body` fed after `pad`, every body token
// scored once by loglikelihood_rolling (`stride` for context-limited
// engines); without a pad the first body token has no context and is not
// scored.
double nll_after_pad(engines::engine& e, std::span<const std::int32_t> pad, std::span<const std::int32_t> body,
                     std::int64_t stride = 0);
// The same, token by token: the negative log-likelihood of each scored body
// token, in order (one fewer than body without a pad). nll_after_pad is
// their sum, added in this order.
std::vector<double> body_token_nll(engines::engine& e, std::span<const std::int32_t> pad,
                                   std::span<const std::int32_t> body, std::int64_t stride = 0);

// Greedy continuations of the sample prompts (greedy requests) into
// DIR/continuations/<task>/<model>.jsonl (bpb tasks).
void record_continuations(task_context& c, const std::vector<const request*>& prompts, std::int64_t max_tokens);

// DIR/samples/<task>/<model>.jsonl: every scored request of the task with
// its journal record, in lm-evaluation-harness's --log_samples layout
// (sample_files.cpp). Written after the task ran for the model.
void write_sample_file(const task_context& c, const std::vector<request>& requests);

// File-name-safe form of a model name: letters, digits, '-', '_' and '.'.
std::string file_slug(const std::string& s);

}  // namespace tasks
