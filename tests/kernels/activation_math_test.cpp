// Shared activations against double-precision formulas and known values.
#include <gtest/gtest.h>

#include <cmath>

#include "../../kernels/common/activation_math.h"
#include "../../kernels/common/rotary_math.h"

namespace {

using namespace kernels;

TEST(ActivationMath, MatchesDoubleFormulas) {
    for (double x = -8; x <= 8; x += 0.01) {
        const float xf = static_cast<float>(x);
        const double xd = xf;
        EXPECT_NEAR(gelu_erf_f(xf), 0.5 * xd * (1 + std::erf(xd / std::sqrt(2.0))), 1e-6 * (1 + std::fabs(xd)));
        EXPECT_NEAR(gelu_tanh_f(xf), 0.5 * xd * (1 + std::tanh(std::sqrt(2 / M_PI) * (xd + 0.044715 * xd * xd * xd))),
                    1e-6 * (1 + std::fabs(xd)));
        EXPECT_NEAR(sigmoid_f(xf), 1 / (1 + std::exp(-xd)), 1e-7);
        EXPECT_EQ(squared_relu_f(xf), xf > 0 ? xf * xf : 0.0f);
    }
}

TEST(ActivationMath, GeluFormsDiffer) {
    // The erf and tanh forms differ by ~1e-4 around |x| ~ 2: a model using the
    // wrong one is visibly off, so the two must not be interchangeable.
    EXPECT_GT(std::fabs(gelu_erf_f(2.0f) - gelu_tanh_f(2.0f)), 1e-5);
}

TEST(RotaryMath, AnglesFollowInverseFrequencies) {
    EXPECT_FLOAT_EQ(rotary_angle(5, 0, 16, 10000.0f), 5.0f);  // i = 0: frequency 1
    EXPECT_NEAR(rotary_angle(1, 4, 16, 10000.0f), 0.01, 1e-7);  // 10000^(-8/16)
    float y1, y2;
    rotary_rotate(1.0f, 0.0f, static_cast<float>(M_PI / 2), &y1, &y2);
    EXPECT_NEAR(y1, 0.0f, 1e-7);
    EXPECT_NEAR(y2, 1.0f, 1e-7);
}

}  // namespace

#include "../../kernels/cpu/vec_math.h"

namespace {

// The vectorisable exp of the CPU softmax kernels: within 2 ulp of double
// exp over the whole range softmax feeds it (x - max in [-87, 0]) and beyond.
TEST(VecMath, ExpFastIsWithinTwoUlp) {
    double worst = 0;
    for (float x = -87.0f; x <= 88.0f; x += 0.0137f) {
        const double ref = std::exp(static_cast<double>(x));
        const double rel = std::fabs(kernels::cpu::exp_fast(x) - ref) / ref;
        worst = std::max(worst, rel);
    }
    EXPECT_LE(worst, 2 * 5.96e-8) << "worst relative error " << worst;
    EXPECT_EQ(kernels::cpu::exp_fast(0.0f), 1.0f);
    EXPECT_GT(kernels::cpu::exp_fast(-1000.0f), 0.0f);  // clamped, never NaN
    EXPECT_LT(kernels::cpu::exp_fast(-1000.0f), 1e-37f);
}

}  // namespace
