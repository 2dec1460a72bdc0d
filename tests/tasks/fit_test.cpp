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

// The slope's standard error of a straight-line fit has a closed form:
// sqrt(sigma^2 / Sxx), sigma^2 = residual sum of squares / (n - 2).
TEST(Fit, StandardErrorsMatchTheClosedForm) {
    std::vector<double> x, y;
    for (int i = 0; i < 40; ++i) x.push_back(100.0 * i), y.push_back(2.0 + 0.03 * i * 100.0 + ((i * 7) % 5 - 2) * 0.4);
    const auto f = tasks::fit_polynomial(x, y, 1);
    ASSERT_EQ(f.stderr_.size(), 2u);
    double mx = 0, my = 0;
    for (std::size_t i = 0; i < x.size(); ++i) mx += x[i] / 40, my += y[i] / 40;
    double sxx = 0, sxy = 0;
    for (std::size_t i = 0; i < x.size(); ++i) sxx += (x[i] - mx) * (x[i] - mx), sxy += (x[i] - mx) * (y[i] - my);
    const double b = sxy / sxx, a = my - b * mx;
    double rss = 0;
    for (std::size_t i = 0; i < x.size(); ++i) rss += (y[i] - a - b * x[i]) * (y[i] - a - b * x[i]);
    const double sigma2 = rss / 38;
    EXPECT_NEAR(f.coef[1], b, 1e-12);
    EXPECT_NEAR(f.stderr_[1], std::sqrt(sigma2 / sxx), 1e-9 * std::sqrt(sigma2 / sxx));
    EXPECT_NEAR(f.stderr_[0], std::sqrt(sigma2 * (1.0 / 40 + mx * mx / sxx)), 1e-9);
    EXPECT_TRUE(f.above_zero(1));
    // A quadratic term in data that has none is not significantly above zero;
    // in data that has one it is.
    EXPECT_FALSE(tasks::fit_polynomial(x, y, 2).above_zero(2, 3.0));
    std::vector<double> yq = y;
    for (std::size_t i = 0; i < yq.size(); ++i) yq[i] += 1e-6 * x[i] * x[i];
    EXPECT_TRUE(tasks::fit_polynomial(x, yq, 2).above_zero(2));
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
