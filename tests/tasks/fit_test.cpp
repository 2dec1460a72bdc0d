#include "tasks/fit.h"

#include <gtest/gtest.h>

#include <cmath>

namespace {

TEST(Fit, ExactPolynomialsAreRecovered) {
    std::vector<double> x, lin, quad;
    for (int i = 1; i <= 500; ++i) {
        x.push_back(i);
        lin.push_back(3.0 + 0.5 * i);
        quad.push_back(1.0 + 0.25 * i + 0.002 * i * i);
    }
    const auto l = tasks::fit_polynomial(x, lin, 1);
    ASSERT_EQ(l.coef.size(), 2u);
    EXPECT_NEAR(l.coef[0], 3.0, 1e-9);
    EXPECT_NEAR(l.coef[1], 0.5, 1e-12);
    EXPECT_NEAR(l.r2, 1.0, 1e-12);
    const auto q = tasks::fit_polynomial(x, quad, 2);
    ASSERT_EQ(q.coef.size(), 3u);
    EXPECT_NEAR(q.coef[2], 0.002, 1e-12);
    EXPECT_NEAR(q.coef[1], 0.25, 1e-9);
    // A line through quadratic data fits worse.
    EXPECT_LT(tasks::fit_polynomial(x, quad, 1).r2, q.r2);
}

TEST(Fit, GrowthExponentOfPowerLaws) {
    std::vector<double> x, y1, y2;
    for (int i = 1; i <= 200; ++i) x.push_back(i), y1.push_back(7.0 * i), y2.push_back(0.1 * i * i);
    EXPECT_NEAR(tasks::growth_exponent(x, y1), 1.0, 1e-12);
    EXPECT_NEAR(tasks::growth_exponent(x, y2), 2.0, 1e-12);
    EXPECT_TRUE(std::isnan(tasks::growth_exponent(std::vector<double>{1}, std::vector<double>{1})));
}

TEST(Fit, TooFewPointsGiveNoFit) {
    EXPECT_TRUE(tasks::fit_polynomial(std::vector<double>{1, 2}, std::vector<double>{1, 2}, 2).coef.empty());
    EXPECT_TRUE(
        tasks::fit_polynomial(std::vector<double>{2, 2, 2, 2}, std::vector<double>{1, 2, 3, 4}, 1).coef.empty());
}

}  // namespace
