// Paired evidence for `compare`: when both runs scored the same requests of a
// task (equal request_hash) and kept their per-example samples
// (samples/<task>/<model>.jsonl), a quality metric is tested example by
// example instead of through the two aggregate standard errors:
//
//   acc, acc_norm      exact McNemar on the examples whose correctness differs
//   bits_per_byte      paired bootstrap of per-line bits (new − base); the
//                      effect is the mean difference per byte
//   ppl (LAMBADA)      paired bootstrap of the target's log-likelihood
//
// Examples pair by (task, doc_hash); "all" and "macro" pool every language.
// compare_reports adjusts the p-values of all paired tests of a comparison
// with Holm–Bonferroni.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "reports/report.h"

namespace reports {

// One run's samples: (task, model) → its per-example lines, in file order.
using run_samples = std::map<std::pair<std::string, std::string>, std::vector<nlohmann::json>>;

// Reads RUN_DIR/samples/*/*.jsonl (lines with "task", "model" and
// "doc_hash"; other lines, as an older run's greedy continuations, are
// skipped). Throws harness::input_error naming the file and line.
run_samples load_run_samples(const run_report& r);

// The lines of one language ("", "all" and "macro": every language), keyed
// by doc_hash; a record that occurs twice in a data set gets "#2", "#3".
std::map<std::string, const nlohmann::json*> samples_by_doc(const std::vector<nlohmann::json>& lines,
                                                            const std::string& language);

struct paired_evidence {
    std::string test;        // "McNemar", "paired bootstrap"
    std::int64_t pairs = 0;  // examples in both runs
    double p = 1;            // before the Holm adjustment
    // The effect in the metric's unit (new − base) with a 95% interval:
    // accuracy difference (Wald interval of a paired proportion difference),
    // bits per byte (bootstrap mean of per-line bits ÷ mean bytes), mean
    // target log-likelihood (bootstrap).
    double effect = 0, low = 0, high = 0;
};

// The paired test of metric m (task, model, metric, language) between the
// two runs' samples, or nullopt when there is none (no samples, no pairs, a
// metric without per-example units such as rolling text's perplexity).
std::optional<paired_evidence> paired_test(const run_samples& base, const run_samples& now, const metric_result& m);

}  // namespace reports
