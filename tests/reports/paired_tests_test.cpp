// The paired tests against values computed independently (exact binomial
// sums with Python's math.comb; Holm's procedure by hand) and the properties
// a gate relies on: reproducible with a seed, calibrated on noise.
#include "reports/paired_tests.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace {

TEST(PairedTests, McNemarExactMatchesTheBinomialSum) {
    // 2·Σ_{i≤2} C(12, i) / 2^12 = 158/4096.
    EXPECT_NEAR(reports::mcnemar_exact(10, 2).p, 0.03857421875, 1e-12);
    EXPECT_NEAR(reports::mcnemar_exact(2, 10).p, 0.03857421875, 1e-12);  // symmetric
    EXPECT_NEAR(reports::mcnemar_exact(60, 40).p, 0.05688793364098079, 1e-12);
    // Thousands of flips: summed in log space without overflow.
    EXPECT_NEAR(reports::mcnemar_exact(1000, 1100).p, 0.030720707864242296, 1e-10);
    EXPECT_EQ(reports::mcnemar_exact(5, 5).p, 1.0);
    EXPECT_EQ(reports::mcnemar_exact(0, 0).p, 1.0);
    EXPECT_NEAR(reports::mcnemar_exact(0, 1).p, 1.0, 1e-15);
    EXPECT_NEAR(reports::mcnemar_exact(0, 7).p, 2.0 / 128, 1e-15);
}

TEST(PairedTests, HolmAdjustsStepDownInTheInputOrder) {
    // Sorted 0.005, 0.01, 0.03, 0.04 → ×4, ×3, ×2, ×1 = 0.02, 0.03, 0.06, 0.04 → monotone 0.06.
    const std::vector<double> p = {0.01, 0.04, 0.03, 0.005};
    const auto a = reports::holm_adjust(p);
    ASSERT_EQ(a.size(), 4u);
    EXPECT_NEAR(a[0], 0.03, 1e-15);
    EXPECT_NEAR(a[1], 0.06, 1e-15);
    EXPECT_NEAR(a[2], 0.06, 1e-15);
    EXPECT_NEAR(a[3], 0.02, 1e-15);
    EXPECT_EQ(reports::holm_adjust(std::vector<double>{0.5, 0.9})[1], 1.0);  // capped
    EXPECT_TRUE(reports::holm_adjust(std::vector<double>{}).empty());
}

TEST(PairedTests, BootstrapIsReproducibleAndCoversTheMean) {
    std::mt19937_64 rng(7);
    std::normal_distribution<double> noise(0.05, 1.0);
    std::vector<double> d(400);
    for (double& x : d) x = noise(rng);
    const auto a = reports::paired_bootstrap(d, 10000, 42), b = reports::paired_bootstrap(d, 10000, 42);
    EXPECT_EQ(a.low, b.low);
    EXPECT_EQ(a.p, b.p);
    EXPECT_LT(a.low, a.mean);
    EXPECT_GT(a.high, a.mean);
    // The interval is about ±1.96·σ/√n = ±0.098 around the sample mean.
    EXPECT_NEAR(a.high - a.low, 2 * 1.96 / 20, 0.02);
    // A constant shift: every resample has the same mean, p at its floor.
    const std::vector<double> shift(50, -0.25);
    const auto s = reports::paired_bootstrap(shift, 999, 1);
    EXPECT_DOUBLE_EQ(s.low, -0.25);
    EXPECT_DOUBLE_EQ(s.high, -0.25);
    EXPECT_DOUBLE_EQ(s.p, 2.0 / 1000);
    EXPECT_EQ(reports::paired_bootstrap(std::vector<double>{}).p, 1.0);
}

TEST(PairedTests, McNemarIsConservativeUnderTheNull) {
    // 40 flips, each direction equally likely: the exact test rejects at 5%
    // no more often than 5% (discreteness makes it conservative: 3.8% here).
    std::mt19937_64 rng(11);
    std::binomial_distribution<std::int64_t> flips(40, 0.5);
    int rejected = 0;
    for (int t = 0; t < 4000; ++t) {
        const std::int64_t b = flips(rng);
        rejected += reports::mcnemar_exact(b, 40 - b).p < 0.05;
    }
    EXPECT_LE(rejected, 4000 * 5 / 100);
    EXPECT_GE(rejected, 4000 * 2 / 100);  // and it is not blind
}

TEST(PairedTests, BootstrapOnPureNoiseRarelyRejects) {
    // 100 seeded noise-only comparisons: about 5% fall below 0.05.
    std::mt19937_64 rng(2026);
    std::normal_distribution<double> noise(0.0, 1.0);
    std::vector<double> ps;
    for (int t = 0; t < 100; ++t) {
        std::vector<double> d(200);
        for (double& x : d) x = noise(rng);
        ps.push_back(reports::paired_bootstrap(d, 2000, static_cast<std::uint64_t>(t)).p);
    }
    const auto below = std::count_if(ps.begin(), ps.end(), [](double p) { return p < 0.05; });
    EXPECT_LE(below, 12);
}

TEST(PairedTests, WilcoxonSignedRankIsExact) {
    // Darwin's Zea mays differences (the textbook example): W+ = 96 of 120, W- = 24, p = 1352/32768.
    const std::vector<double> darwin = {6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75};
    const auto r = reports::wilcoxon_signed_rank(darwin);
    EXPECT_EQ(r.n, 15);
    EXPECT_EQ(r.w_plus, 96);
    EXPECT_NEAR(r.p, 0.041259765625, 1e-15);
    // Ties get mid-ranks and zeros are dropped (values by enumerating all sign assignments).
    const std::vector<double> ties = {1, -1, 2, 2, 3, -3, 4, 0, 5};
    EXPECT_EQ(reports::wilcoxon_signed_rank(ties).n, 8);
    EXPECT_EQ(reports::wilcoxon_signed_rank(ties).w_plus, 29);
    EXPECT_NEAR(reports::wilcoxon_signed_rank(ties).p, 0.15625, 1e-15);
    const std::vector<double> more_ties = {0.5, 0.5, -0.5, 1.5, 2.5, 2.5, 2.5, -4};
    EXPECT_NEAR(reports::wilcoxon_signed_rank(more_ties).p, 0.34375, 1e-15);
    // The floor that decides how many A/B rounds a gate needs.
    const std::vector<double> ten(10, 0.1), five(5, -0.1);
    EXPECT_NEAR(reports::wilcoxon_signed_rank(ten).p, 2.0 / 1024, 1e-15);
    EXPECT_NEAR(reports::wilcoxon_signed_rank(five).p, 0.0625, 1e-15);
    EXPECT_EQ(reports::wilcoxon_signed_rank(std::vector<double>{}).p, 1.0);
    EXPECT_EQ(reports::wilcoxon_signed_rank(std::vector<double>(4, 0.0)).p, 1.0);
}

TEST(PairedTests, WilcoxonOnNoiseRejectsAtMostAlpha) {
    // Under the null, the exact test's size is at most alpha (it is discrete, so below).
    std::mt19937_64 rng(99);
    std::normal_distribution<double> noise(0, 1);
    int rejected = 0;
    for (int trial = 0; trial < 2000; ++trial) {
        std::vector<double> d(10);
        for (double& x : d) x = noise(rng);
        rejected += reports::wilcoxon_signed_rank(d).p <= 0.05;
    }
    EXPECT_LE(rejected, 2000 * 0.05 + 3 * std::sqrt(2000 * 0.05 * 0.95));
    EXPECT_GE(rejected, 40);  // not vacuous: about 4.9% at n = 10
}

TEST(PairedTests, MedianIntervalFromOrderStatistics) {
    const std::vector<double> x = {10, 1, 9, 2, 8, 3, 7, 4, 6, 5};
    const auto r = reports::median_interval(x, 0.95);
    EXPECT_EQ(r.median, 5.5);
    // n = 10: [x(2), x(9)] covers 1 - 2·11/1024; [x(3), x(8)] only 0.89.
    EXPECT_EQ(r.low, 2);
    EXPECT_EQ(r.high, 9);
    EXPECT_NEAR(r.coverage, 0.978515625, 1e-15);
    const std::vector<double> three = {3, 1, 2};
    const auto small = reports::median_interval(three, 0.95);
    EXPECT_EQ(small.median, 2);
    EXPECT_EQ(small.low, 1);
    EXPECT_EQ(small.high, 3);
    EXPECT_NEAR(small.coverage, 0.75, 1e-15);  // all three values cannot reach 95%: say so
}

}  // namespace
