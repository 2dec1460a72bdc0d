// exp for the CPU kernels' hot loops, written so that GCC vectorises it
// (libm's expf is a call per element and never vectorises without
// -ffast-math). Cephes' expf: Cody-Waite reduction x = n ln2 + r, a degree-6
// polynomial for e^r, and 2^n through the exponent bits; about 1 ulp from
// the correctly rounded value (the parity tests bound it against double).
// Inputs below -87.3 give 2^-126-ish tiny values instead of denormals/0 and
// inputs above 88.3 are clamped: softmax only feeds x - max <= 0.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace kernels::cpu {

inline float exp_fast(float x) {
    x = std::min(std::max(x, -87.33654f), 88.3762626647949f);
    // Round x / ln2 to the nearest integer with the 1.5 * 2^23 trick (vectorises, unlike nearbyint).
    const float shifted = x * 1.44269504088896341f + 12582912.0f;
    const float n = shifted - 12582912.0f;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    const std::int32_t bits = (static_cast<std::int32_t>(n) + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

// exp_fast as a function object, for math templated on its exponential
// (kernels/common/wkv_math.h).
struct fast_exp {
    float operator()(float x) const { return exp_fast(x); }
};

}  // namespace kernels::cpu
