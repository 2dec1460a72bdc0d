// `rwkvbench compare BASE NEW`: does NEW regress against BASE?
//
// Each measurement is matched by task, model, metric and where (language,
// context, prompt length). A change counts only when it is both large and
// real:
//   quality metrics with per-example samples of the same requests in both
//     runs (paired_compare.h): the change exceeds the threshold AND the
//     paired test (McNemar, paired bootstrap), Holm-adjusted over all the
//     paired rows of the comparison, gives p < alpha;
//   other quality metrics (one value with a standard error): the change in the bad
//     direction exceeds the metric's relative threshold AND z standard errors
//     of the difference (sqrt(se_base² + se_new²));
//   timings (repeated samples kept in the report): the median moves in the
//     bad direction by more than the relative threshold AND a two-sided
//     Mann-Whitney U test on the raw samples gives p < alpha.
// Machine-independent ratios are added to both reports before comparing:
// ms_per_token_ratio = a model's per-token time ÷ the reference model's at
// the same context, repeat by repeat (default reference: the first
// transformer with a KV cache), so a gate can hold on a runner that is
// uniformly slower or faster. A measurement in BASE that NEW lacks is a
// regression unless allow_missing.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reports/paired_compare.h"
#include "reports/report.h"

namespace reports {

struct gate_config {
    double quality_threshold = 0.01;           // relative change, quality metrics
    double timing_threshold = 0.10;            // relative change, timings and ratios
    std::map<std::string, double> thresholds;  // per metric, replaces the defaults
    double z = 2.0;
    double alpha = 0.05;
    bool allow_missing = false;
    std::vector<std::string> ignore;  // metrics not gated
    std::string reference_model;      // for ms_per_token_ratio; "" = automatic

    double threshold_for(const metric_result& m) const;
};

// GATE.json: {"quality_threshold", "timing_threshold", "thresholds": {metric: x},
// "z", "alpha", "allow_missing", "ignore": [metrics], "reference_model"}.
// Throws harness::input_error naming the file and key.
gate_config load_gate_config(const std::string& path);
// "METRIC=X" (--threshold); throws harness::usage_error.
void add_threshold(gate_config& g, const std::string& option);

enum class change { unchanged, improvement, regression, missing, added, not_comparable };
std::string to_string(change c);

struct comparison_row {
    std::string task, model, metric, where;
    bool timing = false;
    bool higher_is_better = false;
    double base = 0, now = 0, base_stderr = 0, now_stderr = 0;
    double relative = 0;   // (now - base) / |base|
    double statistic = 0;  // z (unpaired quality) or p (timings; paired: Holm-adjusted)
    std::string test;      // "z", "Mann-Whitney", "McNemar", "paired bootstrap"
    std::int64_t pairs = 0;                              // paired tests: examples in both runs
    double effect = 0, effect_low = 0, effect_high = 0;  // paired tests: new − base with a 95% interval
    change status = change::unchanged;
};

struct comparison {
    std::vector<comparison_row> rows;  // regressions first, then by key
    std::string reference_model;       // the ratios' reference, if any
    int count(change c) const;
    bool regressed() const { return count(change::regression) + count(change::missing) > 0; }
};

// Reads both runs' samples/ (paired_compare.h) for the paired tests.
comparison compare_reports(const run_report& base, const run_report& now, const gate_config& gate);
// The same with the samples already read (the review page uses them too).
comparison compare_reports(const run_report& base, const run_report& now, const gate_config& gate,
                           const run_samples& base_samples, const run_samples& new_samples);

std::string to_markdown(const comparison& c, const std::string& base_name, const std::string& new_name);
// A row's evidence as the table shows it: "z=2.31", "p=0.004", or for paired
// rows "p=0.0074 (paired bootstrap, 300 pairs; Δ 0.305 [0.277, 0.334])".
std::string evidence_text(const comparison_row& r);
// A row's two-sided p: the test's for timings and paired rows, from z otherwise.
double p_value(const comparison_row& r);
nlohmann::json to_json(const comparison& c);
// github-action-benchmark's custom format ("customSmallerIsBetter"): every
// lower-is-better measurement of `now`, with its standard error as range.
nlohmann::json to_benchmark_json(const run_report& now);

// The derived ms_per_token_ratio results (exposed for tests).
std::vector<metric_result> ratio_results(const run_report& r, const std::string& reference_model);
std::string pick_reference_model(const run_report& r, const std::string& wanted);

}  // namespace reports
