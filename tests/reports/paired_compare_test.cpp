// `compare` with per-example samples: a 3-point accuracy drop on 500 shared
// items that the unpaired z-test misses is found by McNemar; pure noise over
// 50 languages does not trip after Holm; without samples, or with other
// requests, compare falls back to the unpaired test and says which it used.
#include "reports/paired_compare.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "harness/errors.h"
#include "reports/compare.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// A run folder with one multiple-choice task: per language its accuracy
// result and per example a samples/ line with its 0/1 outcome.
reports::run_report run_folder(const std::string& name, const std::map<std::string, std::vector<int>>& correct,
                               const std::string& request_hash = "h", bool with_samples = true) {
    const std::string dir = test_paths::fresh_dir("paired_compare", name);
    fs::create_directories(dir);
    json results = json::array();
    std::string lines;
    for (const auto& [lang, outcomes] : correct) {
        double sum = 0;
        for (std::size_t i = 0; i < outcomes.size(); ++i) {
            sum += outcomes[i];
            lines += json{{"task", "xcopa"},
                          {"model", "m"},
                          {"language", lang},
                          {"doc_hash", lang + std::to_string(i)},
                          {"acc", outcomes[i]}}
                         .dump() +
                     "\n";
        }
        const double n = static_cast<double>(outcomes.size()), p = sum / n;
        results.push_back({{"task", "xcopa"},
                           {"task_version", 1},
                           {"model", "m"},
                           {"engine", "e"},
                           {"device", "cpu"},
                           {"dtype", "fp32"},
                           {"metric", "acc"},
                           {"language", lang},
                           {"value", p},
                           {"stderr", std::sqrt(p * (1 - p) / (n - 1))},
                           {"n", outcomes.size()},
                           {"higher_is_better", true}});
    }
    const json report = {{"schema_version", 1},
                         {"context", json::object()},
                         {"results", results},
                         {"tasks", {{{"task", "xcopa"}, {"version", 1}, {"request_hash", request_hash}}}}};
    std::ofstream(dir + "/report.json") << report.dump();
    if (with_samples) {
        fs::create_directories(dir + "/samples/xcopa");
        std::ofstream(dir + "/samples/xcopa/m.jsonl") << lines;
    }
    return reports::load_report(dir);
}

// 500 items, 70% right in the base; the new run gets 15 of the right ones wrong.
std::vector<int> base_outcomes() {
    std::vector<int> v(500, 0);
    for (int i = 0; i < 350; ++i) v[static_cast<std::size_t>(i)] = 1;
    return v;
}
std::vector<int> dropped() {
    auto v = base_outcomes();
    for (int i = 0; i < 15; ++i) v[static_cast<std::size_t>(i * 20)] = 0;
    return v;
}

TEST(PairedCompare, OnlyPairedEvidenceFindsAThreePointDrop) {
    const auto base = run_folder("base", {{"it", base_outcomes()}});
    const auto now = run_folder("new", {{"it", dropped()}});
    const auto c = reports::compare_reports(base, now, {});
    ASSERT_EQ(c.rows.size(), 1u);
    const auto& r = c.rows[0];
    EXPECT_EQ(r.test, "McNemar");
    EXPECT_EQ(r.pairs, 500);
    EXPECT_NEAR(r.statistic, 2.0 / 32768, 1e-12);  // 15 flips one way, none back
    EXPECT_EQ(r.status, reports::change::regression);
    // Effect: −15/500 = −0.03, Wald interval ±1.96·√15/500.
    EXPECT_NEAR(r.effect, -0.03, 1e-12);
    EXPECT_NEAR(r.effect_high - r.effect, 1.96 * std::sqrt(15.0 - 225.0 / 500) / 500, 1e-12);
    EXPECT_NE(reports::to_markdown(c, "b", "n").find("(McNemar, 500 pairs; Δ -0.03 ["), std::string::npos)
        << reports::to_markdown(c, "b", "n");

    // The same numbers without samples: z ≈ 1.0, not significant.
    const auto unpaired = reports::compare_reports(base, run_folder("new_bare", {{"it", dropped()}}, "h", false), {});
    EXPECT_EQ(unpaired.rows[0].test, "z");
    EXPECT_LT(std::abs(unpaired.rows[0].statistic), 2.0);
    EXPECT_EQ(unpaired.rows[0].status, reports::change::unchanged);
    // Other requests (another request_hash): not paired either.
    const auto other = reports::compare_reports(base, run_folder("new_other", {{"it", dropped()}}, "other"), {});
    EXPECT_EQ(other.rows[0].test, "z");
}

TEST(PairedCompare, PureNoiseOverFiftyLanguagesDoesNotTripAfterHolm) {
    std::mt19937_64 rng(20261128);
    std::bernoulli_distribution right(0.6), flip(0.05);
    std::map<std::string, std::vector<int>> base, now;
    for (int l = 0; l < 50; ++l) {
        const std::string lang = "l" + std::to_string(l);
        for (int i = 0; i < 200; ++i) {
            const int b = right(rng) ? 1 : 0;
            base[lang].push_back(b);
            now[lang].push_back(flip(rng) ? 1 - b : b);  // flips both ways alike
        }
    }
    const auto c = reports::compare_reports(run_folder("noise_base", base), run_folder("noise_new", now), {});
    ASSERT_EQ(c.rows.size(), 50u);
    for (const auto& r : c.rows) EXPECT_EQ(r.test, "McNemar");
    EXPECT_EQ(c.count(reports::change::regression), 0);
    EXPECT_EQ(c.count(reports::change::improvement), 0);
}

TEST(PairedCompare, AMalformedSampleNamesTheFileAndLine) {
    const auto r = run_folder("bad", {{"it", {1, 0}}});
    std::ofstream(r.dir + "/samples/xcopa/m.jsonl", std::ios::app) << "{\"task\": \n";
    try {
        (void)reports::load_run_samples(r);
        FAIL();
    } catch (const harness::input_error& e) {
        EXPECT_NE(std::string(e.what()).find("m.jsonl: line 3: malformed sample"), std::string::npos) << e.what();
    }
}

}  // namespace
