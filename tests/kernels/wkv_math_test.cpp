// The stable WKV-4 update (kernels/common/wkv_math.h) against the plain,
// unnormalised recurrence in long double where that does not overflow, and
// its stability where the plain form would: with libm's expf (the default,
// and CUDA's) and with the CPU kernel's exp_fast.
#include "../../kernels/common/wkv_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "../../kernels/cpu/vec_math.h"

namespace {

using namespace kernels;

template <class Exp>
class WkvMath : public ::testing::Test {};
using exps = ::testing::Types<libm_exp, cpu::fast_exp>;
TYPED_TEST_SUITE(WkvMath, exps);

TYPED_TEST(WkvMath, MatchesPlainRecurrence) {
    const TypeParam exp_fn{};
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> k_dist(-3, 3), v_dist(-2, 2), decay_dist(-2, 1);
    for (int trial = 0; trial < 200; ++trial) {
        const float w = -std::exp(decay_dist(rng)), u = v_dist(rng);
        wkv_triplet s{0, 0, wkv_initial_pp};
        long double num = 0, den = 0;  // plain sums: sum e^{k_i} v_i decayed
        for (int t = 0; t < 50; ++t) {
            const float k = k_dist(rng), v = v_dist(rng);
            const long double expected =
                (num + std::exp((long double)u + k) * v) / (den + std::exp((long double)u + k));
            const float got = wkv_output(s, u, k, v, exp_fn);
            ASSERT_NEAR(got, (double)expected, 2e-5 * (1 + std::fabs((double)expected))) << "trial " << trial << " t " << t;
            s = wkv_update(s, w, k, v, exp_fn);
            num = num * std::exp((long double)w) + std::exp((long double)k) * v;
            den = den * std::exp((long double)w) + std::exp((long double)k);
        }
        // The state means num = aa e^pp, den = bb e^pp.
        EXPECT_NEAR(s.aa * std::exp((double)s.pp), (double)num, 1e-4 * std::fabs((double)num) + 1e-6);
        EXPECT_NEAR(s.bb * std::exp((double)s.pp), (double)den, 1e-4 * (double)den);
    }
}

TYPED_TEST(WkvMath, LargeExponentsStayFinite) {
    const TypeParam exp_fn{};
    // e^k with k = 200 overflows float; the stable form never forms it.
    wkv_triplet s{0, 0, wkv_initial_pp};
    for (int t = 0; t < 100; ++t) {
        const float k = t % 2 ? 200.0f : -200.0f, v = 1.0f + t;
        const float out = wkv_output(s, 0.5f, k, v, exp_fn);
        ASSERT_TRUE(std::isfinite(out)) << t;
        s = wkv_update(s, -0.1f, k, v, exp_fn);
        ASSERT_TRUE(std::isfinite(s.aa) && std::isfinite(s.bb) && std::isfinite(s.pp)) << t;
    }
    // Only the k = 200 tokens (odd t) count; each is decayed by e^{-0.1} per
    // later token, so aa/bb is their decay-weighted mean value.
    double num = 0, den = 0;
    for (int t = 1; t < 100; t += 2) {
        const double weight = std::exp(-0.1 * (99 - t));
        num += weight * (1.0 + t);
        den += weight;
    }
    EXPECT_NEAR(s.aa / s.bb, num / den, 1e-4 * num / den);
}

TYPED_TEST(WkvMath, FirstTokenOutputIsItsValue) {
    // With an empty state the weighted average holds only the token itself.
    EXPECT_FLOAT_EQ(wkv_output({0, 0, wkv_initial_pp}, 0.3f, 1.7f, -0.25f, TypeParam{}), -0.25f);
}

}  // namespace
