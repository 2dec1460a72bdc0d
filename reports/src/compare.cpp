#include "reports/compare.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <set>
#include <sstream>

#include "harness/errors.h"
#include "harness/json_file.h"
#include "harness/stats.h"
#include "reports/mann_whitney.h"
#include "reports/paired_compare.h"
#include "reports/paired_tests.h"

namespace reports {
namespace {

using json = nlohmann::json;

std::string fmt(double x, int digits = 4) {
    if (!std::isfinite(x)) return "n/a";
    std::ostringstream s;
    s << std::setprecision(digits) << x;
    return s.str();
}

int order(change c) {
    switch (c) {
        case change::regression:
            return 0;
        case change::missing:
            return 1;
        case change::improvement:
            return 2;
        case change::added:
            return 3;
        case change::not_comparable:
            return 4;
        case change::unchanged:
            return 5;
    }
    return 6;
}

// A change counts when it is beyond the threshold and `real` (significant).
void decide(comparison_row& row, bool real, double threshold) {
    const double worse = row.higher_is_better ? -row.relative : row.relative;  // > 0: in the bad direction
    const bool big = std::abs(row.relative) > threshold;
    row.status = big && real ? (worse > 0 ? change::regression : change::improvement) : change::unchanged;
}

// The task's request_hash in a report, "" when it has none.
std::string request_hash_of(const run_report& r, const std::string& task) {
    for (const auto& t : r.tasks)
        if (t.task == task) return t.request_hash;
    return "";
}

// A row named after measurement m, with the given values.
comparison_row row_for(const metric_result& m, double base, double now, double base_stderr, double now_stderr) {
    comparison_row row;
    row.task = m.task, row.model = m.model, row.metric = m.metric, row.where = m.where();
    row.timing = m.is_timing(), row.higher_is_better = m.higher_is_better;
    row.base = base, row.now = now, row.base_stderr = base_stderr, row.now_stderr = now_stderr;
    return row;
}

comparison_row judge(const metric_result& b, const metric_result& n, const gate_config& g) {
    comparison_row row = row_for(b, b.value, n.value, b.stderr_, n.stderr_);
    row.timing = b.is_timing() && n.is_timing();
    if (!std::isfinite(b.value) || !std::isfinite(n.value) || b.higher_is_better != n.higher_is_better) {
        row.status = change::not_comparable;
        return row;
    }
    row.relative = b.value != 0 ? (n.value - b.value) / std::abs(b.value)
                                : (n.value == 0 ? 0.0 : std::copysign(INFINITY, n.value));
    bool real;
    if (row.timing) {
        row.test = "Mann-Whitney";
        row.statistic = mann_whitney(b.samples, n.samples).p;
        real = row.statistic < g.alpha;
    } else {
        row.test = "z";
        const double se = std::sqrt(b.stderr_ * b.stderr_ + n.stderr_ * n.stderr_);
        row.statistic = se > 0 ? (n.value - b.value) / se : (n.value == b.value ? 0.0 : INFINITY);
        real = std::abs(row.statistic) > g.z;
    }
    decide(row, real, g.threshold_for(b));
    return row;
}

}  // namespace

// The "z / p" cell: the statistic, and for paired rows the test, the pairs and the effect.
std::string evidence_text(const comparison_row& r) {
    if (r.status == change::missing || r.status == change::added) return "";
    if (r.pairs == 0) return (r.timing ? "p=" : "z=") + fmt(r.statistic, 3);
    return "p=" + fmt(r.statistic, 3) + " (" + r.test + ", " + std::to_string(r.pairs) + " pairs; Δ " +
           fmt(r.effect, 3) + " [" + fmt(r.effect_low, 3) + ", " + fmt(r.effect_high, 3) + "])";
}

double p_value(const comparison_row& r) {
    if (r.timing || r.pairs > 0) return r.statistic;
    return std::isfinite(r.statistic) ? std::erfc(std::abs(r.statistic) / std::sqrt(2.0)) : 0.0;
}

double gate_config::threshold_for(const metric_result& m) const {
    if (const auto it = thresholds.find(m.metric); it != thresholds.end()) return it->second;
    return m.is_timing() ? timing_threshold : quality_threshold;
}

gate_config load_gate_config(const std::string& path) {
    return harness::with_json_errors(path, [&] {
        const json j = harness::read_json_file(path);
        const auto bad = [&](const std::string& key, const std::string& what) {
            throw harness::input_error(path + ": " + key + ": " + what);
        };
        if (!j.is_object()) bad("(top level)", "expected an object");
        gate_config g;
        for (const auto& [k, v] : j.items()) {
            if (k == "quality_threshold" || k == "timing_threshold" || k == "z" || k == "alpha") {
                if (!v.is_number() || v.get<double>() < 0) bad(k, "expected a non-negative number");
                const double x = v.get<double>();
                (k == "quality_threshold"  ? g.quality_threshold
                 : k == "timing_threshold" ? g.timing_threshold
                 : k == "z"                ? g.z
                                           : g.alpha) = x;
            } else if (k == "thresholds") {
                if (!v.is_object()) bad(k, "expected {\"metric\": relative threshold}");
                for (const auto& [metric, x] : v.items()) {
                    if (!x.is_number() || x.get<double>() < 0) bad(k + "." + metric, "expected a non-negative number");
                    g.thresholds[metric] = x.get<double>();
                }
            } else if (k == "allow_missing") {
                if (!v.is_boolean()) bad(k, "expected true or false");
                g.allow_missing = v.get<bool>();
            } else if (k == "ignore") {
                if (!v.is_array() || !std::all_of(v.begin(), v.end(), [](const json& x) { return x.is_string(); }))
                    bad(k, "expected a list of metric names");
                g.ignore = v.get<std::vector<std::string>>();
            } else if (k == "reference_model") {
                if (!v.is_string()) bad(k, "expected a model name");
                g.reference_model = v.get<std::string>();
            } else {
                bad(k,
                    "unknown key (expected quality_threshold, timing_threshold, thresholds, z, alpha, allow_missing, "
                    "ignore, reference_model)");
            }
        }
        return g;
    });
}

void add_threshold(gate_config& g, const std::string& option) {
    const std::size_t eq = option.find('=');
    if (eq == std::string::npos || eq == 0)
        throw harness::usage_error("--threshold expects METRIC=X, got '" + option + "'");
    try {
        std::size_t used = 0;
        const double x = std::stod(option.substr(eq + 1), &used);
        // isfinite also refuses nan, which compares false with everything and would hide any regression.
        if (used != option.size() - eq - 1 || x < 0 || !std::isfinite(x)) throw std::invalid_argument("x");
        g.thresholds[option.substr(0, eq)] = x;
    } catch (const std::exception&) {
        throw harness::usage_error("--threshold " + option +
                                   ": X must be a finite non-negative number (a relative change, 0.05 = 5%)");
    }
}

std::string to_string(change c) {
    switch (c) {
        case change::unchanged:
            return "unchanged";
        case change::improvement:
            return "improvement";
        case change::regression:
            return "REGRESSION";
        case change::missing:
            return "MISSING";
        case change::added:
            return "new";
        case change::not_comparable:
            return "not comparable";
    }
    return "?";
}

int comparison::count(change c) const {
    return static_cast<int>(
        std::count_if(rows.begin(), rows.end(), [&](const comparison_row& r) { return r.status == c; }));
}

std::string pick_reference_model(const run_report& r, const std::string& wanted) {
    const auto has_timing = [&](const std::string& model) {
        return std::any_of(r.results.begin(), r.results.end(), [&](const metric_result& m) {
            return m.model == model && m.metric == "ms_per_token" && m.is_timing();
        });
    };
    if (!wanted.empty()) return has_timing(wanted) ? wanted : "";
    for (const auto& m : r.models)
        if (m.engine == "transformer" && !m.no_cache && has_timing(m.name)) return m.name;
    return "";
}

std::vector<metric_result> ratio_results(const run_report& r, const std::string& reference) {
    std::vector<metric_result> out;
    if (reference.empty()) return out;
    for (const auto& m : r.results) {
        if (m.metric != "ms_per_token" || !m.context || m.model == reference || !m.is_timing()) continue;
        const auto ref = std::find_if(r.results.begin(), r.results.end(), [&](const metric_result& x) {
            return x.metric == "ms_per_token" && x.model == reference && x.task == m.task && x.context == m.context &&
                   x.is_timing();
        });
        if (ref == r.results.end()) continue;
        metric_result ratio = m;
        ratio.metric = "ms_per_token_ratio";
        ratio.samples.clear();
        // Repeat by repeat: the two passes ran close in time, so a slow phase of the machine cancels.
        for (std::size_t i = 0; i < std::min(m.samples.size(), ref->samples.size()); ++i)
            ratio.samples.push_back(m.samples[i] / ref->samples[i]);
        ratio.value = harness::median(ratio.samples);
        ratio.stderr_ = harness::mean_and_stderr(ratio.samples).second;
        ratio.n = static_cast<std::int64_t>(ratio.samples.size());
        out.push_back(std::move(ratio));
    }
    return out;
}

comparison compare_reports(const run_report& base, const run_report& now, const gate_config& g) {
    return compare_reports(base, now, g, load_run_samples(base), load_run_samples(now));
}

comparison compare_reports(const run_report& base, const run_report& now, const gate_config& g,
                           const run_samples& base_samples, const run_samples& new_samples) {
    comparison c;
    c.reference_model = pick_reference_model(base, g.reference_model);
    if (!g.reference_model.empty() && c.reference_model.empty())
        throw harness::usage_error("reference model '" + g.reference_model + "' has no ms_per_token timings in " +
                                   base.path);
    const auto with_ratios = [&](const run_report& r) {
        std::vector<metric_result> all = r.results;
        const auto ratios = ratio_results(r, c.reference_model);
        all.insert(all.end(), ratios.begin(), ratios.end());
        return all;
    };
    const std::vector<metric_result> b = with_ratios(base), n = with_ratios(now);
    const std::set<std::string> ignored(g.ignore.begin(), g.ignore.end());
    std::map<std::string, const metric_result*> in_new;
    for (const auto& m : n) in_new[m.key()] = &m;
    std::set<std::string> seen;
    // Paired evidence where both runs kept samples of the same requests.
    struct paired_row {
        std::size_t row;
        paired_evidence evidence;
        double threshold;
    };
    std::vector<paired_row> paired;
    for (const auto& m : b) {
        if (ignored.count(m.metric) || !seen.insert(m.key()).second) continue;
        const auto it = in_new.find(m.key());
        if (it == in_new.end()) {
            comparison_row row = row_for(m, m.value, std::nan(""), m.stderr_, 0);
            row.status = g.allow_missing ? change::not_comparable : change::missing;
            c.rows.push_back(row);
            continue;
        }
        c.rows.push_back(judge(m, *it->second, g));
        const std::string hash = request_hash_of(base, m.task);
        if (!m.is_timing() && c.rows.back().status != change::not_comparable && !hash.empty() &&
            hash == request_hash_of(now, m.task))
            if (auto ev = paired_test(base_samples, new_samples, m))
                paired.push_back({c.rows.size() - 1, *ev, g.threshold_for(m)});
    }
    std::vector<double> p;
    for (const auto& x : paired) p.push_back(x.evidence.p);
    const std::vector<double> adjusted = holm_adjust(p);
    for (std::size_t k = 0; k < paired.size(); ++k) {
        comparison_row& row = c.rows[paired[k].row];
        const paired_evidence& ev = paired[k].evidence;
        row.test = ev.test, row.pairs = ev.pairs, row.statistic = adjusted[k];
        row.effect = ev.effect, row.effect_low = ev.low, row.effect_high = ev.high;
        decide(row, row.statistic < g.alpha, paired[k].threshold);
    }
    for (const auto& m : n)
        if (!ignored.count(m.metric) && !seen.count(m.key())) {
            comparison_row row = row_for(m, std::nan(""), m.value, 0, m.stderr_);
            row.status = change::added;
            c.rows.push_back(row);
            seen.insert(m.key());
        }
    std::stable_sort(c.rows.begin(), c.rows.end(), [](const comparison_row& x, const comparison_row& y) {
        return order(x.status) < order(y.status);
    });
    return c;
}

std::string to_markdown(const comparison& c, const std::string& base_name, const std::string& new_name) {
    std::ostringstream s;
    s << "## rwkvbench compare\n\nBase: `" << base_name << "`  \nNew: `" << new_name << "`\n\n";
    s << "**" << c.count(change::regression) << " regressions**, " << c.count(change::missing) << " missing, "
      << c.count(change::improvement) << " improvements, " << c.count(change::unchanged) << " unchanged, "
      << c.count(change::added) << " new";
    if (!c.reference_model.empty()) s << "; ratios against `" << c.reference_model << "`";
    s << "\n\n| Task | Model | Metric | Where | ↑↓ | Base | New | Δ% | z / p | Status "
         "|\n|---|---|---|---|---|---:|---:|---:|---:|---|\n";
    for (const auto& r : c.rows) {
        s << "| " << r.task << " | " << r.model << " | " << r.metric << " | " << r.where << " | "
          << (r.higher_is_better ? "↑" : "↓") << " | " << fmt(r.base)
          << (r.base_stderr > 0 ? " ± " + fmt(r.base_stderr, 2) : "") << " | " << fmt(r.now)
          << (r.now_stderr > 0 ? " ± " + fmt(r.now_stderr, 2) : "") << " | "
          << (std::isfinite(r.base) && std::isfinite(r.now) ? fmt(100 * r.relative, 3) : "") << " | "
          << evidence_text(r) << " | " << to_string(r.status) << " |\n";
    }
    return s.str();
}

json to_json(const comparison& c) {
    json rows = json::array();
    const auto num = [](double x) { return std::isfinite(x) ? json(x) : json(nullptr); };
    for (const auto& r : c.rows)
        rows.push_back(
            {{"task", r.task},
             {"model", r.model},
             {"metric", r.metric},
             {"where", r.where},
             {"timing", r.timing},
             {"higher_is_better", r.higher_is_better},
             {"base", num(r.base)},
             {"new", num(r.now)},
             {"base_stderr", num(r.base_stderr)},
             {"new_stderr", num(r.now_stderr)},
             {"relative", num(r.relative)},
             {r.timing || r.pairs > 0 ? "p" : "z", num(r.statistic)},
             {"test", r.test},
             {"pairs", r.pairs},
             {"effect", r.pairs > 0
                            ? json{{"value", num(r.effect)}, {"low", num(r.effect_low)}, {"high", num(r.effect_high)}}
                            : json(nullptr)},
             {"status", to_string(r.status)}});
    return {{"regressed", c.regressed()},           {"regressions", c.count(change::regression)},
            {"missing", c.count(change::missing)},  {"improvements", c.count(change::improvement)},
            {"reference_model", c.reference_model}, {"rows", rows}};
}

json to_benchmark_json(const run_report& now) {
    json out = json::array();
    std::vector<metric_result> all = now.results;
    const auto ratios = ratio_results(now, pick_reference_model(now, ""));
    all.insert(all.end(), ratios.begin(), ratios.end());
    for (const auto& m : all) {
        if (m.higher_is_better || !std::isfinite(m.value)) continue;
        const std::string unit = m.metric == "ms_per_token" ? "ms" : m.metric == "bits_per_byte" ? "bits/byte" : "";
        json e = {{"name", m.key()}, {"unit", unit}, {"value", m.value}};
        if (m.stderr_ > 0) e["range"] = "± " + fmt(m.stderr_);
        e["extra"] = "n=" + std::to_string(m.n) + (m.engine.empty() ? "" : " engine=" + m.engine);
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace reports
