// The A/B rounds comparison: a machine whose speed drifts by ±40% between
// rounds hides a 5% slowdown from two independent runs, but not from the
// round-by-round ratios; two copies of the same build do not gate.
#include "reports/ab_compare.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "harness/errors.h"
#include "synthetic.h"

namespace {

// K rounds; round i runs at machine speed drift[i]; the new build's RWKV is `slowdown` slower.
std::vector<reports::ab_round_pair> rounds(int k, double slowdown, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> drift(0.6, 1.4);
    std::vector<reports::ab_round_pair> out;
    for (int i = 0; i < k; ++i) {
        const double d = drift(rng);
        synthetic::knobs b;
        b.rwkv_ms *= d, b.neox_ms *= d, b.seed = seed * 1000 + 2 * i;
        synthetic::knobs n = b;
        n.rwkv_ms *= 1 + slowdown, n.seed = b.seed + 1;
        out.push_back({reports::parse_report(synthetic::report(b), "base.json"),
                       reports::parse_report(synthetic::report(n), "new.json"), 10 * d, 10 * d});
    }
    return out;
}

const reports::ab_row& row(const reports::ab_comparison& c, const std::string& task, const std::string& model) {
    for (const auto& r : c.rows)
        if (r.task == task && r.model == model) return r;
    throw std::runtime_error("no row " + task + " " + model);
}

TEST(AbCompare, PairedRoundsFindASlowdownUnderDrift) {
    const auto c = reports::compare_rounds(rounds(10, 0.05, 7), reports::ab_gate{});
    ASSERT_EQ(c.rows.size(), 3u);  // all timings, neox, rwkv
    EXPECT_EQ(c.rows[0].task, "all timings");
    const auto& rwkv = row(c, "scaling", "rwkv");
    EXPECT_EQ(rwkv.metric, "ms_per_token");
    EXPECT_EQ(rwkv.points, 2u);
    EXPECT_EQ(rwkv.ratios.size(), 10u);
    EXPECT_NEAR(rwkv.median, 1.05, 0.02);
    EXPECT_LE(rwkv.low, rwkv.median);
    EXPECT_GE(rwkv.high, rwkv.median);
    EXPECT_NEAR(rwkv.coverage, 0.978515625, 1e-12);
    EXPECT_LT(rwkv.p_adjusted, 0.05);
    EXPECT_EQ(rwkv.status, reports::change::regression);
    EXPECT_EQ(row(c, "scaling", "neox").status, reports::change::unchanged);
    EXPECT_TRUE(c.regressed());
    const auto md = reports::to_markdown(c);
    EXPECT_NE(md.find("| REGRESSION | scaling | rwkv | ms_per_token | 2 |"), std::string::npos) << md;
    EXPECT_EQ(reports::to_json(c).at("rows").size(), 3u);

    // The same runs compared as two independent runs (base round 0 against new
    // round 1): the drift between them swamps the slowdown either way.
    const auto r = rounds(2, 0.05, 7);
    const double independent = r[1].now.results[3].value / r[0].base.results[3].value;
    EXPECT_GT(std::abs(independent - 1.05), 0.05);
}

TEST(AbCompare, SameBuildRarelyGates) {
    int gated = 0;
    for (std::uint64_t seed = 1; seed <= 30; ++seed)
        gated += reports::compare_rounds(rounds(10, 0, seed), {}).regressed();
    EXPECT_EQ(gated, 0);
}

TEST(AbCompare, FiveRoundsCannotGate) {
    // Exact Wilcoxon with 5 rounds: the smallest two-sided p is 0.0625.
    const auto c = reports::compare_rounds(rounds(5, 0.5, 3), {});
    EXPECT_FALSE(c.regressed());
    EXPECT_NEAR(row(c, "scaling", "rwkv").p, 0.0625, 1e-12);
}

TEST(AbCompare, IgnoredMetricsAndNoTimingsAtAll) {
    reports::ab_gate g;
    g.ignore = {"ms_per_token"};
    EXPECT_THROW(reports::compare_rounds(rounds(3, 0, 1), g), harness::input_error);
}

}  // namespace
