// Bit-exact conversions between float and the two 16-bit weight formats.
//
// fp16 (IEEE binary16) follows the branch-light scheme of Marat Dukhan's FP16
// library: scale into the half exponent range with float multiplies and let
// float rounding do round-to-nearest-even, subnormals included. bf16 is the
// top half of a float; float -> bf16 rounds to nearest even, NaN stays NaN.
// tests/kernels/half_math_test.cpp checks all 65536 halves both ways and
// compares float -> half with the F16C instruction.
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/hd.h"

namespace kernels {

KERNELS_HD std::uint32_t float_bits(float f) {
    std::uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

KERNELS_HD float bits_float(std::uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

KERNELS_HD float f16_to_f32(std::uint16_t h) {
    const std::uint32_t w = static_cast<std::uint32_t>(h) << 16;
    const std::uint32_t sign = w & 0x80000000u;
    const std::uint32_t two_w = w + w;
    // Normal halves: shift exponent+mantissa into place, rebias by 2^112.
    const float normalized = bits_float((two_w >> 4) + (0xE0u << 23)) * 0x1.0p-112f;
    // Subnormal halves: build 0.5 + m*2^-24 and subtract 0.5 (exact).
    const float denormalized = bits_float((two_w >> 17) | (126u << 23)) - 0.5f;
    const std::uint32_t result =
        sign | (two_w < (1u << 27) ? float_bits(denormalized) : float_bits(normalized));
    return bits_float(result);
}

KERNELS_HD std::uint16_t f32_to_f16(float f) {
    // Multiply by 2^112 then 2^-110: overflows to inf exactly where the half
    // would, and leaves the value positioned for the rounding add below.
    float base = (f < 0 ? -f : f) * 0x1.0p+112f;
    base *= 0x1.0p-110f;
    const std::uint32_t w = float_bits(f);
    const std::uint32_t shl1_w = w + w;
    const std::uint32_t sign = w & 0x80000000u;
    std::uint32_t bias = shl1_w & 0xFF000000u;
    if (bias < 0x71000000u) bias = 0x71000000u;
    // Adding 2^(e+13) makes float rounding drop exactly the bits a half cannot hold.
    base = bits_float((bias >> 1) + 0x07800000u) + base;
    const std::uint32_t b = float_bits(base);
    const std::uint32_t exp_bits = (b >> 13) & 0x00007C00u;
    const std::uint32_t mantissa_bits = b & 0x00000FFFu;
    const std::uint32_t nonsign = exp_bits + mantissa_bits;
    return static_cast<std::uint16_t>((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}

KERNELS_HD float bf16_to_f32(std::uint16_t h) { return bits_float(static_cast<std::uint32_t>(h) << 16); }

KERNELS_HD std::uint16_t f32_to_bf16(float f) {
    const std::uint32_t u = float_bits(f);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<std::uint16_t>((u >> 16) | 0x0040u);  // quiet NaN
    const std::uint32_t rounding = 0x7FFFu + ((u >> 16) & 1u);
    return static_cast<std::uint16_t>((u + rounding) >> 16);
}

}  // namespace kernels
