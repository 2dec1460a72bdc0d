// Block-quantized weights in rwkv.cpp's (ggml's) formats: 32 weights per
// block, an fp16 scale d (and an fp16 offset m for the "_1" formats), 4, 5
// or 8 bits per weight. Layouts (bytes):
//   Q4_0 18: d, qs[16]          w = (q - 8) d        q: low nibble of qs[j] for j < 16,
//   Q4_1 20: d, m, qs[16]       w = q d + m             high nibble of qs[j-16] after
//   Q5_0 22: d, qh u32, qs[16]  w = (q - 16) d      q |= bit j of qh (little-endian) << 4
//   Q5_1 24: d, m, qh, qs[16]   w = q d + m
//   Q8_0 34: d, qs[32] int8     w = q d
// Dequantization is ggml's dequantize_row_*: float multiply, then a separate
// add, never fused (the product is its own statement: GCC in ISO mode does
// not contract, clang only within one expression; CUDA uses
// __fmul_rn/__fadd_rn), fp16 scales widened exactly, subnormals included —
// so the weights are bit-identical to ggml's
// (tests/engines/quantized_test.cpp checks every tensor).
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "kernels/dtype.h"
#include "kernels/half_math.h"
#include "kernels/hd.h"

namespace kernels {

enum class quant_format { q4_0, q4_1, q5_0, q5_1, q8_0 };

inline constexpr int quant_block_weights = 32;

KERNELS_HD constexpr int quant_block_bytes(quant_format f) {
    switch (f) {
        case quant_format::q4_0: return 18;
        case quant_format::q4_1: return 20;
        case quant_format::q5_0: return 22;
        case quant_format::q5_1: return 24;
        case quant_format::q8_0: return 34;
    }
    return 0;
}

// "Q4_0" ... "Q8_0", rwkv.cpp's names.
std::string_view quant_name(quant_format f);

// The tensor dtype of a block format and back (t must be quantized).
constexpr dtype dtype_of(quant_format f) {
    return static_cast<dtype>(static_cast<int>(dtype::q4_0) + static_cast<int>(f));
}
constexpr quant_format quant_format_of(dtype t) {
    return static_cast<quant_format>(static_cast<int>(t) - static_cast<int>(dtype::q4_0));
}
static_assert(dtype_of(quant_format::q8_0) == dtype::q8_0 && dtype_of(quant_format::q5_0) == dtype::q5_0);

namespace quant_detail {

KERNELS_HD float half_at(const unsigned char* p) { return f16_to_f32(static_cast<std::uint16_t>(p[0] | p[1] << 8)); }

KERNELS_HD std::uint32_t u32_at(const unsigned char* p) {
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
           static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

// q d + m with the product rounded before the add, as ggml computes it.
KERNELS_HD float scale_add(float q, float d, float m) {
#if defined(__CUDA_ARCH__)
    return __fadd_rn(__fmul_rn(q, d), m);
#else
    const float product = q * d;
    return product + m;
#endif
}

KERNELS_HD float scale(float q, float d) {
#if defined(__CUDA_ARCH__)
    return __fmul_rn(q, d);
#else
    return q * d;
#endif
}

}  // namespace quant_detail

// The 32 weights of one block.
KERNELS_HD void dequantize_block(quant_format f, const unsigned char* block, float* out) {
    using namespace quant_detail;
    const float d = half_at(block);
    switch (f) {
        case quant_format::q8_0:
            for (int j = 0; j < 32; ++j) out[j] = scale(static_cast<float>(static_cast<std::int8_t>(block[2 + j])), d);
            return;
        case quant_format::q4_0:
        case quant_format::q4_1: {
            const bool offset = f == quant_format::q4_1;
            const float m = offset ? half_at(block + 2) : 0.0f;
            const unsigned char* qs = block + (offset ? 4 : 2);
            for (int j = 0; j < 16; ++j) {
                const int lo = qs[j] & 0x0F, hi = qs[j] >> 4;
                if (offset) {
                    out[j] = scale_add(static_cast<float>(lo), d, m);
                    out[j + 16] = scale_add(static_cast<float>(hi), d, m);
                } else {
                    out[j] = scale(static_cast<float>(lo - 8), d);
                    out[j + 16] = scale(static_cast<float>(hi - 8), d);
                }
            }
            return;
        }
        case quant_format::q5_0:
        case quant_format::q5_1: {
            const bool offset = f == quant_format::q5_1;
            const float m = offset ? half_at(block + 2) : 0.0f;
            const std::uint32_t qh = u32_at(block + (offset ? 4 : 2));
            const unsigned char* qs = block + (offset ? 8 : 6);
            for (int j = 0; j < 16; ++j) {
                const int lo = (qs[j] & 0x0F) | static_cast<int>((qh >> j) & 1u) << 4;
                const int hi = (qs[j] >> 4) | static_cast<int>((qh >> (j + 16)) & 1u) << 4;
                if (offset) {
                    out[j] = scale_add(static_cast<float>(lo), d, m);
                    out[j + 16] = scale_add(static_cast<float>(hi), d, m);
                } else {
                    out[j] = scale(static_cast<float>(lo - 16), d);
                    out[j + 16] = scale(static_cast<float>(hi - 16), d);
                }
            }
            return;
        }
    }
}

// n weights (a multiple of 32) into n / 32 consecutive blocks, as ggml's
// reference quantizer writes them (kernels/core/quantize.cpp).
void quantize_row(quant_format f, const float* x, std::int64_t n, unsigned char* blocks);

// Activations in 8 bits per 32-value block, as ggml's x86 quantize_row_q8_0
// and q8_1 make them before its block dot products (rwkv.cpp's arithmetic):
// amax = max |x|, d = amax / 127 stored as fp16 (d_out holds it widened),
// q = x * (127 / amax) rounded to nearest even (0 when amax is 0), and
// s = fp16(d * sum q) with the unrounded d (the "_1" formats' term). n is a
// multiple of 32; q_out takes n bytes, d_out and s_out n / 32 floats.
void quantize_activations_q8(const float* x, std::int64_t n, std::int8_t* q_out, float* d_out, float* s_out);

// One weight row of n (a multiple of 32) in format f against activations
// from quantize_activations_q8: the sum over blocks of (d_w d_a) * isum
// (+ m_w s_a for the "_1" formats), isum the block's exact integer dot
// product of the weights' integer values with q. The reference of the CPU's
// int8-activation row dots; the block terms summed in double.
double quant_dot_q8(quant_format f, const unsigned char* row, const std::int8_t* q, const float* d, const float* s,
                    std::int64_t n);

// n weights (a multiple of 32) from n / 32 consecutive blocks.
inline void dequantize_row(quant_format f, const unsigned char* blocks, std::int64_t n, float* out) {
    const int bytes = quant_block_bytes(f);
    for (std::int64_t b = 0; b < n / quant_block_weights; ++b)
        dequantize_block(f, blocks + b * bytes, out + b * quant_block_weights);
}

}  // namespace kernels
