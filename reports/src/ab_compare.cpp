#include "reports/ab_compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include "harness/errors.h"
#include "reports/paired_tests.h"

namespace reports {
namespace {

using row_key = std::tuple<std::string, std::string, std::string>;  // task, model, metric
using point_key = std::pair<row_key, std::string>;                  // and where

// Times and rates; other measurements with repeats (growth_exponent) are not speeds.
bool is_speed(const std::string& metric) {
    return metric.starts_with("ms_") || metric.ends_with("_ms") || metric.ends_with("_per_s");
}

// A report's timings as "time-like" values (larger = slower), by point.
std::map<point_key, double> timing_points(const run_report& r, const ab_gate& g) {
    const auto ignored = [&](const std::string& metric) {
        return std::find(g.ignore.begin(), g.ignore.end(), metric) != g.ignore.end();
    };
    std::map<point_key, double> out;
    for (const metric_result& m : r.results) {
        if (!m.is_timing() || !is_speed(m.metric) || ignored(m.metric) || !(m.value > 0) || !std::isfinite(m.value))
            continue;
        out[{{m.task, m.model, m.metric}, m.where()}] = m.higher_is_better ? 1 / m.value : m.value;
    }
    for (const task_timing& t : r.timings)
        if (!ignored("wall_s") && t.seconds > 0) out[{{t.task, t.model, "wall_s"}, ""}] = t.seconds;
    return out;
}

double geometric_mean(const std::vector<double>& x) {
    double s = 0;
    for (const double v : x) s += std::log(v);
    return std::exp(s / static_cast<double>(x.size()));
}

std::string fmt(double v, const char* f = "%.3f") {
    char b[64];
    std::snprintf(b, sizeof b, f, v);
    return b;
}

}  // namespace

bool ab_comparison::regressed() const {
    return std::any_of(rows.begin(), rows.end(), [](const ab_row& r) { return r.status == change::regression; });
}

ab_comparison compare_rounds(const std::vector<ab_round_pair>& rounds, const ab_gate& gate) {
    ab_comparison c;
    c.gate = gate;
    if (rounds.empty()) throw harness::input_error("ab: no rounds to compare");
    // Per round, base and new point by point; only points every round measured on both sides count.
    std::vector<std::map<point_key, double>> ratio_by_round;
    std::set<point_key> common;
    for (std::size_t i = 0; i < rounds.size(); ++i) {
        const auto b = timing_points(rounds[i].base, gate), n = timing_points(rounds[i].now, gate);
        std::map<point_key, double> ratios;
        for (const auto& [k, v] : b)
            if (auto it = n.find(k); it != n.end()) ratios[k] = it->second / v;
        if (i == 0)
            for (const auto& kv : ratios) common.insert(kv.first);
        else
            std::erase_if(common, [&](const point_key& k) { return !ratios.contains(k); });
        ratio_by_round.push_back(std::move(ratios));
        c.base_seconds.push_back(rounds[i].base_seconds);
        c.new_seconds.push_back(rounds[i].new_seconds);
    }
    if (common.empty())
        throw harness::input_error(rounds[0].base.path + ", " + rounds[0].now.path +
                                   ": no timing in common to compare (a timing task such as scaling, or task wall "
                                   "times, must be in both builds' reports)");

    std::map<row_key, std::vector<point_key>> points_of;
    for (const point_key& k : common) points_of[k.first].push_back(k);
    const auto row_for = [&](const row_key& key, const std::vector<point_key>& points) {
        ab_row row{std::get<0>(key), std::get<1>(key), std::get<2>(key), points.size(), {}};
        for (const auto& ratios : ratio_by_round) {
            std::vector<double> x;
            for (const point_key& p : points) x.push_back(ratios.at(p));
            row.ratios.push_back(geometric_mean(x));
        }
        const median_interval_result m = median_interval(row.ratios, 0.95);
        row.median = m.median, row.low = m.low, row.high = m.high, row.coverage = m.coverage;
        std::vector<double> logs;
        for (const double r : row.ratios) logs.push_back(std::log(r));
        row.p = wilcoxon_signed_rank(logs).p;
        return row;
    };
    c.rows.push_back(row_for({"all timings", "", ""}, std::vector<point_key>(common.begin(), common.end())));
    for (const auto& [key, points] : points_of) c.rows.push_back(row_for(key, points));

    std::vector<double> p;
    for (const ab_row& r : c.rows) p.push_back(r.p);
    const std::vector<double> adjusted = holm_adjust(p);
    for (std::size_t i = 0; i < c.rows.size(); ++i) {
        ab_row& r = c.rows[i];
        r.p_adjusted = adjusted[i];
        if (r.p_adjusted > gate.alpha) continue;
        if (r.median > 1 + gate.threshold)
            r.status = change::regression;
        else if (r.median < 1 / (1 + gate.threshold))
            r.status = change::improvement;
    }
    return c;
}

std::string to_markdown(const ab_comparison& c) {
    const std::size_t k = c.base_seconds.size();
    std::string s = "## A/B timing: new \u00f7 base over " + std::to_string(k) +
                    " interleaved rounds (ABBA)\n\n"
                    "A ratio above 1 means the new build is slower (rates such as tokens/s are inverted). "
                    "Regression: Holm-adjusted Wilcoxon signed-rank p \u2264 " +
                    fmt(c.gate.alpha, "%g") + " and median ratio > " + fmt(1 + c.gate.threshold, "%g") + ".\n\n";
    s += "| Status | Task | Model | Metric | Points | Median ratio | CI | p (Holm) | Per round |\n"
         "|---|---|---|---|---:|---:|---|---:|---|\n";
    for (const ab_row& r : c.rows) {
        std::string per_round;
        for (const double x : r.ratios) per_round += (per_round.empty() ? "" : " ") + fmt(x);
        s += "| " + to_string(r.status) + " | " + r.task + " | " + r.model + " | " + r.metric + " | " +
             std::to_string(r.points) + " | " + fmt(r.median) + " | " + fmt(r.low) + "\u2013" + fmt(r.high) + " (" +
             fmt(100 * r.coverage, "%.1f") + "%) | " + fmt(r.p_adjusted, "%.3g") + " | " + per_round + " |\n";
    }
    s += "\nRun wall times (s), base / new per round:";
    for (std::size_t i = 0; i < k; ++i)
        s += (i ? ", " : " ") + fmt(c.base_seconds[i], "%.2f") + " / " + fmt(c.new_seconds[i], "%.2f");
    s += "\n\n";
    s += c.regressed() ? "**Regression.**\n" : "No timing regression.\n";
    return s;
}

nlohmann::json to_json(const ab_comparison& c) {
    nlohmann::json rows = nlohmann::json::array();
    for (const ab_row& r : c.rows)
        rows.push_back({{"status", to_string(r.status)},
                        {"task", r.task},
                        {"model", r.model},
                        {"metric", r.metric},
                        {"points", r.points},
                        {"ratios", r.ratios},
                        {"median_ratio", r.median},
                        {"ci_low", r.low},
                        {"ci_high", r.high},
                        {"ci_coverage", r.coverage},
                        {"test", "Wilcoxon signed-rank (exact)"},
                        {"p", r.p},
                        {"p_holm", r.p_adjusted}});
    return {{"rounds", c.base_seconds.size()},
            {"order", "ABBA"},
            {"threshold", c.gate.threshold},
            {"alpha", c.gate.alpha},
            {"base_seconds", c.base_seconds},
            {"new_seconds", c.new_seconds},
            {"rows", rows},
            {"regressed", c.regressed()}};
}

}  // namespace reports
