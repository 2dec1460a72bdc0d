// The paired comparison behind `rwkvbench ab`: K rounds, each a run of the
// base build and a run of the new build on the same machine within seconds
// of each other (ABBA order), so whatever the machine's speed was in a round
// hit both builds alike. Each round gives one ratio per timing, and the test
// is on the K ratios rather than on two independent samples:
//
//   ratio      new time ÷ base time in that round (a rate such as tokens_per_s
//              counts as its inverse, so > 1 always means "new is slower";
//              only times and rates count, not growth_exponent);
//              a row is a task × model × metric, the geometric mean over its
//              points (contexts, prompt lengths); "wall_s" rows are the
//              report's per-task wall times; the first row, "all timings",
//              is the geometric mean over every point of the round
//   test       Wilcoxon signed-rank (exact) on log(ratio), Holm-adjusted over
//              the rows
//   estimate   the median ratio with an order-statistic confidence interval
//   verdict    regression = adjusted p ≤ alpha AND median ratio > 1 + threshold;
//              improvement = adjusted p ≤ alpha AND median ratio < 1 / (1 + threshold)
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "reports/compare.h"
#include "reports/report.h"

namespace reports {

struct ab_gate {
    double threshold = 0.03;          // relative slowdown that counts
    double alpha = 0.05;              // family-wise, after Holm
    std::vector<std::string> ignore;  // metrics left out (GATE.json "ignore")
};

struct ab_row {
    std::string task, model, metric;  // task "all timings" for the overall row
    std::size_t points = 0;           // measurements averaged per round
    std::vector<double> ratios;       // one per round, in round order
    double median = 1, low = 1, high = 1, coverage = 0;
    double p = 1, p_adjusted = 1;
    change status = change::unchanged;
};

struct ab_round_pair {
    run_report base, now;
    double base_seconds = 0, new_seconds = 0;  // the runs' process wall times
};

struct ab_comparison {
    std::vector<ab_row> rows;  // "all timings" first, then by task, model, metric
    std::vector<double> base_seconds, new_seconds;
    ab_gate gate;
    bool regressed() const;
};

// Throws harness::input_error when the rounds have no timing in common
// (nothing to test), naming the first round's reports.
ab_comparison compare_rounds(const std::vector<ab_round_pair>& rounds, const ab_gate& gate);

std::string to_markdown(const ab_comparison& c);
nlohmann::json to_json(const ab_comparison& c);

}  // namespace reports
