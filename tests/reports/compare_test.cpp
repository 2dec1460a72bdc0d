// `compare` on synthetic reports: known regressions trip it, improvements
// and pure noise do not, missing measurements count unless allowed, and the
// Mann-Whitney test gives the textbook p-values.
#include "reports/compare.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "harness/errors.h"
#include "reports/mann_whitney.h"
#include "synthetic.h"

namespace {

reports::run_report make(const synthetic::knobs& k) {
    return reports::parse_report(synthetic::report(k), "/x/report.json");
}

const reports::comparison_row& row(const reports::comparison& c, const std::string& metric, const std::string& where,
                                   const std::string& model = "rwkv") {
    for (const auto& r : c.rows)
        if (r.metric == metric && r.where == where && r.model == model) return r;
    throw std::runtime_error("no row " + metric + " " + where);
}

TEST(MannWhitney, ExactAndNormalApproximation) {
    const std::vector<double> a = {1, 2, 3}, b = {4, 5, 6};
    const auto r = reports::mann_whitney(a, b);
    EXPECT_TRUE(r.exact);
    EXPECT_EQ(r.u, 0);
    EXPECT_NEAR(r.p, 2.0 / 20, 1e-12);  // 1 of C(6,3) = 20 orderings per tail
    const std::vector<double> c = {1, 2, 3, 4, 5}, d = {6, 7, 8, 9, 10};
    EXPECT_NEAR(reports::mann_whitney(c, d).p, 2.0 / 252, 1e-12);
    EXPECT_NEAR(reports::mann_whitney(d, c).p, 2.0 / 252, 1e-12);
    EXPECT_EQ(reports::mann_whitney(d, c).u, 25);
    // Interleaved: no evidence.
    const std::vector<double> e = {1, 3, 5, 7, 9}, f = {2, 4, 6, 8, 10};
    EXPECT_GT(reports::mann_whitney(e, f).p, 0.5);
    // Ties: the normal approximation; all equal gives p = 1.
    const std::vector<double> g = {1, 1, 1}, h = {1, 1, 1};
    EXPECT_FALSE(reports::mann_whitney(g, h).exact);
    EXPECT_EQ(reports::mann_whitney(g, h).p, 1.0);
    EXPECT_EQ(reports::mann_whitney({}, h).p, 1.0);
}

TEST(Compare, IdenticalReportsPass) {
    const auto c = reports::compare_reports(make({}), make({}), {});
    EXPECT_FALSE(c.regressed());
    EXPECT_EQ(c.count(reports::change::regression), 0);
    EXPECT_EQ(c.reference_model, "neox");  // the transformer with a cache
}

TEST(Compare, AQualityRegressionBeyondTheErrorsTrips) {
    synthetic::knobs worse;
    worse.acc_it = 0.50;  // -0.10 with standard errors 0.02 each: z = -3.5
    const auto c = reports::compare_reports(make({}), make(worse), {});
    EXPECT_TRUE(c.regressed());
    EXPECT_EQ(row(c, "acc", "it").status, reports::change::regression);
    EXPECT_NEAR(row(c, "acc", "it").statistic, -0.10 / std::sqrt(2 * 0.02 * 0.02), 1e-9);
    // Within the errors: not a regression, however the threshold is set.
    synthetic::knobs slightly;
    slightly.acc_it = 0.58;  // z = -0.7
    reports::gate_config strict;
    strict.quality_threshold = 0.0;
    EXPECT_FALSE(reports::compare_reports(make({}), make(slightly), strict).regressed());
    // Beyond the errors but under a 20% threshold given for the metric: not a regression.
    reports::gate_config lenient;
    reports::add_threshold(lenient, "acc=0.2");
    EXPECT_FALSE(reports::compare_reports(make({}), make(worse), lenient).regressed());
}

TEST(Compare, LowerIsBetterMetricsAndImprovements) {
    synthetic::knobs better;
    better.bpb_en = 2.30;  // bits per byte down: better
    better.acc_it = 0.70;
    const auto c = reports::compare_reports(make({}), make(better), {});
    EXPECT_FALSE(c.regressed());
    EXPECT_EQ(row(c, "bits_per_byte", "eng_Latn").status, reports::change::improvement);
    EXPECT_EQ(row(c, "acc", "it").status, reports::change::improvement);
    synthetic::knobs worse;
    worse.bpb_en = 2.70;
    EXPECT_EQ(row(reports::compare_reports(make({}), make(worse), {}), "bits_per_byte", "eng_Latn").status,
              reports::change::regression);
}

TEST(Compare, PureTimingNoiseDoesNotTrip) {
    // 50 pairs of runs from the same distribution (3% spread): the gate needs
    // both p < 0.05 and a change over 10%, so noise must never trip it.
    int tripped = 0;
    for (std::uint64_t seed = 1; seed <= 50; ++seed) {
        synthetic::knobs a, b;
        a.seed = seed, b.seed = seed + 1000;
        tripped += reports::compare_reports(make(a), make(b), {}).regressed();
    }
    EXPECT_EQ(tripped, 0);
}

TEST(Compare, ARealTimingRegressionTrips) {
    synthetic::knobs slow;
    slow.rwkv_ms = 26.0;  // +30%
    slow.seed = 99;
    const auto c = reports::compare_reports(make({}), make(slow), {});
    EXPECT_TRUE(c.regressed());
    const auto& r = row(c, "ms_per_token", "ctx 64");
    EXPECT_EQ(r.status, reports::change::regression);
    EXPECT_TRUE(r.timing);
    EXPECT_LT(r.statistic, 0.01);  // 7 vs 7 fully separated: exact p = 2/3432
    // The machine-independent ratio against the transformer moves too.
    EXPECT_EQ(row(c, "ms_per_token_ratio", "ctx 64").status, reports::change::regression);
}

TEST(Compare, AUniformlySlowerMachineMovesTimingsButNotRatios) {
    synthetic::knobs slower_machine;
    slower_machine.rwkv_ms = 30, slower_machine.neox_ms = 33;  // both 1.5x
    slower_machine.seed = 7;
    const auto c = reports::compare_reports(make({}), make(slower_machine), {});
    EXPECT_EQ(row(c, "ms_per_token", "ctx 64").status, reports::change::regression);
    EXPECT_EQ(row(c, "ms_per_token_ratio", "ctx 64").status, reports::change::unchanged);
    // A gate that ignores raw times and keeps the ratios passes.
    reports::gate_config ratios_only;
    ratios_only.ignore = {"ms_per_token"};
    EXPECT_FALSE(reports::compare_reports(make({}), make(slower_machine), ratios_only).regressed());
}

// The depth sweep's metrics (scaling_depth): ms_per_token per depth, its
// ratio against the cached transformer at the same depth, and the latency
// growth. A transformer whose deep-context decode got 40% slower (its
// attention over the cache, say) trips the gate at the deep depth and in
// its latency growth, not at depth 0.
TEST(Compare, ADeepContextRegressionTripsTheDepthMetrics) {
    const auto depth_report = [](double deep_factor, std::uint64_t seed) {
        std::mt19937_64 rng(seed);
        nlohmann::json j = synthetic::report({});
        nlohmann::json& results = j["results"];
        const auto add = [&](const std::string& model, const std::string& engine, std::int64_t depth, double ms) {
            nlohmann::json t = synthetic::timing(model, engine, depth, ms, 0.02, 7, rng);
            t["task"] = "scaling_depth";
            results.push_back(t);
            return t.at("samples").get<std::vector<double>>();
        };
        add("rwkv", "rwkv4-serial", 0, 20.0);
        const auto rwkv_deep = add("rwkv", "rwkv4-serial", 8192, 20.0);
        const auto neox_shallow = add("neox", "transformer", 0, 22.0);
        const auto neox_deep = add("neox", "transformer", 8192, 66.0 * deep_factor);
        nlohmann::json growth = results.back();
        growth["metric"] = "latency_growth";
        std::vector<double> g;
        for (std::size_t i = 0; i < neox_deep.size(); ++i) g.push_back(neox_deep[i] / neox_shallow[i]);
        std::vector<double> sorted = g;
        std::sort(sorted.begin(), sorted.end());
        growth["samples"] = g, growth["value"] = sorted[sorted.size() / 2];
        results.push_back(growth);
        return reports::parse_report(j, "/x/report.json");
    };
    EXPECT_FALSE(reports::compare_reports(depth_report(1.0, 1), depth_report(1.0, 2), {}).regressed());
    const auto c = reports::compare_reports(depth_report(1.0, 1), depth_report(1.4, 2), {});
    EXPECT_TRUE(c.regressed());
    const auto depth_row = [&](const std::string& metric, const std::string& where, const std::string& model) {
        for (const auto& r : c.rows)
            if (r.task == "scaling_depth" && r.metric == metric && r.where == where && r.model == model) return r;
        throw std::runtime_error("no row " + metric + " " + where);
    };
    EXPECT_EQ(depth_row("ms_per_token", "ctx 8192", "neox").status, reports::change::regression);
    EXPECT_EQ(depth_row("ms_per_token", "ctx 0", "neox").status, reports::change::unchanged);
    EXPECT_EQ(depth_row("latency_growth", "ctx 8192", "neox").status, reports::change::regression);
    // RWKV against the slower transformer looks better at depth: an improvement, not a regression.
    EXPECT_EQ(depth_row("ms_per_token_ratio", "ctx 8192", "rwkv").status, reports::change::improvement);
}

TEST(Compare, MissingMetricsAreRegressionsUnlessAllowed) {
    synthetic::knobs without;
    without.with_xcopa = false;
    const auto c = reports::compare_reports(make({}), make(without), {});
    EXPECT_TRUE(c.regressed());
    EXPECT_EQ(row(c, "acc", "it").status, reports::change::missing);
    reports::gate_config allow;
    allow.allow_missing = true;
    EXPECT_FALSE(reports::compare_reports(make({}), make(without), allow).regressed());
    // The other way round a metric is new, not a regression.
    EXPECT_FALSE(reports::compare_reports(make(without), make({}), {}).regressed());
}

TEST(Compare, OutputsAndBadInput) {
    synthetic::knobs worse;
    worse.acc_it = 0.5;
    const auto c = reports::compare_reports(make({}), make(worse), {});
    const std::string md = reports::to_markdown(c, "base", "new");
    EXPECT_NE(md.find("**1 regressions**"), std::string::npos) << md;
    EXPECT_NE(md.find("| xcopa | rwkv | acc | it | ↑ | 0.6 ± 0.02 | 0.5 ± 0.02 |"), std::string::npos) << md;
    const auto j = reports::to_json(c);
    EXPECT_TRUE(j.at("regressed").get<bool>());
    EXPECT_EQ(j.at("rows")[0].at("status"), "REGRESSION");
    const auto bench = reports::to_benchmark_json(make({}));
    for (const auto& e : bench) {
        EXPECT_TRUE(e.contains("name") && e.contains("unit") && e.contains("value"));
        EXPECT_EQ(e.at("name").get<std::string>().find("| acc |"), std::string::npos);  // higher-is-better left out
    }
    reports::gate_config g0;
    EXPECT_THROW(reports::add_threshold(g0, "acc"), harness::usage_error);
    reports::gate_config g;
    EXPECT_THROW(reports::add_threshold(g, "acc=lots"), harness::usage_error);
    auto j2 = synthetic::report({});
    j2["results"][0].erase("value");
    try {
        reports::parse_report(j2, "r.json");
        FAIL();
    } catch (const harness::input_error& e) {
        EXPECT_NE(std::string(e.what()).find("r.json: results[0]: missing key 'value'"), std::string::npos) << e.what();
    }
    j2 = synthetic::report({});
    j2["schema_version"] = 2;
    EXPECT_THROW(reports::parse_report(j2, "r.json"), harness::input_error);
}

// Every part of the report reads through its record's from_json: a field of
// the wrong type is named with its place, and parts an older report lacks read as empty.
TEST(Report, EveryRecordNamesItsBadField) {
    const auto error_of = [](const nlohmann::json& j) -> std::string {
        try {
            (void)reports::parse_report(j, "r.json");
        } catch (const harness::input_error& e) {
            return e.what();
        }
        return "";
    };
    auto j = synthetic::report({});
    j["context"]["threads"] = "two";
    EXPECT_NE(error_of(j).find("r.json: context.threads: "), std::string::npos) << error_of(j);
    j = synthetic::report({});
    j["tasks"] = {{{"task", "xcopa"}}};
    EXPECT_NE(error_of(j).find("r.json: tasks[0]: missing key 'version'"), std::string::npos) << error_of(j);
    j = synthetic::report({});
    j["timings"] = {{{"task", "xcopa"}, {"model", "m"}, {"seconds", "long"}}};
    EXPECT_NE(error_of(j).find("r.json: timings[0].seconds: "), std::string::npos) << error_of(j);
    j = synthetic::report({});
    j["models"] = {1};
    EXPECT_NE(error_of(j).find("r.json: models[0]: expected an object"), std::string::npos) << error_of(j);
    j = synthetic::report({});
    j["results"] = nlohmann::json::object();
    EXPECT_NE(error_of(j).find("r.json: results: expected a list"), std::string::npos) << error_of(j);

    j = synthetic::report({});
    j["context"] = {{"date", "2025-01-01T00:00:00Z"}};  // an early report: most fields absent
    j.erase("tasks"), j.erase("config");
    const auto r = reports::parse_report(j, "r.json");
    EXPECT_EQ(r.context.date, "2025-01-01T00:00:00Z");
    EXPECT_FALSE(r.context.threads.has_value());
    EXPECT_TRUE(r.tasks.empty());
    ASSERT_EQ(r.context.shown().size(), 1u);  // only what is there is shown
    EXPECT_EQ(r.context.shown()[0].first, "date");
}

}  // namespace
