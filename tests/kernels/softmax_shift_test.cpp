// kernels::softmax_shifts, the scorers' log-sum-exp: float exponentials, a
// double sum. Held to the all-double computation (max exactly, log_sum
// within a few float ulps of 1), and rows in parallel to rows one by one.
#include "kernels/softmax_shift.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace {

kernels::softmax_shift in_double(const float* row, std::int64_t n) {
    const double max = *std::max_element(row, row + n);
    double sum = 0;
    for (std::int64_t i = 0; i < n; ++i) sum += std::exp(static_cast<double>(row[i]) - max);
    return {max, std::log(sum)};
}

std::vector<float> logits(std::int64_t rows, std::int64_t n, float spread, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.0f, spread);
    std::vector<float> v(static_cast<std::size_t>(rows * n));
    for (float& x : v) x = d(rng);
    return v;
}

TEST(SoftmaxShift, MatchesTheDoubleComputation) {
    for (const std::int64_t n : {1, 7, 33, 256, 50277, 65536})
        for (const float spread : {0.1f, 3.0f, 30.0f}) {
            const std::int64_t rows = 5;
            const auto x = logits(rows, n, spread, static_cast<unsigned>(n));
            std::vector<kernels::softmax_shift> got(rows);
            kernels::softmax_shifts(x.data(), rows, n, got.data());
            for (std::int64_t r = 0; r < rows; ++r) {
                const auto want = in_double(x.data() + r * n, n);
                EXPECT_EQ(got[r].max, want.max) << n << " " << spread << " row " << r;
                // exp_fast is about 1 ulp (6e-8 relative); the log of the sum moves by as much.
                EXPECT_NEAR(got[r].log_sum, want.log_sum, 3e-7) << n << " " << spread << " row " << r;
            }
        }
}

TEST(SoftmaxShift, RowsTogetherEqualRowsAlone) {
    const std::int64_t rows = 64, n = 50277;  // enough work for the parallel loop
    const auto x = logits(rows, n, 4.0f, 11);
    std::vector<kernels::softmax_shift> together(rows);
    kernels::softmax_shifts(x.data(), rows, n, together.data());
    for (std::int64_t r = 0; r < rows; ++r) {
        kernels::softmax_shift alone;
        kernels::softmax_shifts(x.data() + r * n, 1, n, &alone);
        EXPECT_EQ(together[r].max, alone.max) << r;
        EXPECT_EQ(together[r].log_sum, alone.log_sum) << r;
    }
}

TEST(SoftmaxShift, EqualLogitsGiveTheLogOfTheirCount) {
    // exp(0) = 1 exactly, so the sum is n and log_sum is log(n).
    for (const std::int64_t n : {1, 50277}) {
        const std::vector<float> x(static_cast<std::size_t>(n), -3.5f);
        kernels::softmax_shift s;
        kernels::softmax_shifts(x.data(), 1, n, &s);
        EXPECT_EQ(s.max, -3.5);
        EXPECT_DOUBLE_EQ(s.log_sum, std::log(static_cast<double>(n))) << n;
    }
}

}  // namespace
