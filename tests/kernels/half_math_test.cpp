// The f16/bf16 conversions of kernels/common/half_math.h, which CPU and CUDA
// share: exhaustive over all 65536 halves, and against the F16C instruction.
#include <gtest/gtest.h>
#include <immintrin.h>

#include <cmath>
#include <random>

#include "kernels/half_math.h"
#include "harness/cpu_features.h"

namespace {

using namespace kernels;

bool is_nan_half(std::uint16_t h) { return (h & 0x7C00) == 0x7C00 && (h & 0x03FF) != 0; }

TEST(HalfMath, EveryHalfRoundTripsExactly) {
    for (std::uint32_t h = 0; h < 65536; ++h) {
        const float f = f16_to_f32(static_cast<std::uint16_t>(h));
        if (is_nan_half(static_cast<std::uint16_t>(h))) {
            EXPECT_TRUE(std::isnan(f)) << std::hex << h;
            EXPECT_TRUE(is_nan_half(f32_to_f16(f))) << std::hex << h;
            continue;
        }
        EXPECT_EQ(f32_to_f16(f), h) << std::hex << h;
    }
}

TEST(HalfMath, DecodesKnownValues) {
    EXPECT_EQ(f16_to_f32(0x3C00), 1.0f);
    EXPECT_EQ(f16_to_f32(0xC000), -2.0f);
    EXPECT_EQ(f16_to_f32(0x7BFF), 65504.0f);
    EXPECT_EQ(f16_to_f32(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
    EXPECT_EQ(f16_to_f32(0x7C00), INFINITY);
    EXPECT_EQ(f16_to_f32(0x8000), -0.0f);
    EXPECT_TRUE(std::signbit(f16_to_f32(0x8000)));
}

TEST(HalfMath, FloatToHalfMatchesF16C) {
    if (!harness::detect_cpu_features().f16c) GTEST_SKIP() << "CPU has no F16C";
    std::mt19937 rng(7);
    std::uniform_int_distribution<std::uint32_t> bits;
    for (int i = 0; i < 2'000'000; ++i) {
        // Random bit patterns cover every exponent, subnormals, inf and NaN.
        const float f = bits_float(bits(rng));
        const auto hw = static_cast<std::uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT));
        const std::uint16_t ours = f32_to_f16(f);
        if (std::isnan(f)) {
            EXPECT_TRUE(is_nan_half(ours));
        } else {
            ASSERT_EQ(ours, hw) << "float bits " << std::hex << float_bits(f);
        }
    }
}

TEST(HalfMath, Bf16RoundsToNearestEven) {
    EXPECT_EQ(f32_to_bf16(1.0f), 0x3F80);
    // 1 + 2^-8 is exactly between two bf16 values: ties go to the even one (1.0).
    EXPECT_EQ(f32_to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3F80);
    // 1 + 3 * 2^-8 is between 0x3F81 and 0x3F82: ties to even, 0x3F82.
    EXPECT_EQ(f32_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3F82);
    EXPECT_EQ(f32_to_bf16(1.0f + std::ldexp(1.0f, -7) + std::ldexp(1.0f, -9)), 0x3F81);
    EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(NAN))));
    EXPECT_EQ(bf16_to_f32(f32_to_bf16(INFINITY)), INFINITY);
    for (std::uint32_t h = 0; h < 65536; ++h) {
        const float f = bf16_to_f32(static_cast<std::uint16_t>(h));
        if (!std::isnan(f)) {
            EXPECT_EQ(f32_to_bf16(f), h);
        }
    }
}

}  // namespace
