// Activations to 8-bit blocks and the reference int8 block dot product
// (kernels/quant.h): ggml's x86 quantize_row_q8_0 / q8_1 and the integer
// block dots of its vec_dot_*_q8_0 / q8_1, which rwkv.cpp runs.
#include <cmath>

#include "kernels/quant.h"

namespace kernels {
namespace {

float fp16_rounded(float v) { return f16_to_f32(f32_to_f16(v)); }

// The integer value of weight j of a block (w = value d, or value d + m).
int weight_value(quant_format f, const unsigned char* block, int j) {
    using quant_detail::u32_at;
    switch (f) {
        case quant_format::q8_0:
            return static_cast<std::int8_t>(block[2 + j]);
        case quant_format::q4_0:
        case quant_format::q4_1: {
            const unsigned char byte = block[(f == quant_format::q4_1 ? 4 : 2) + j % 16];
            const int nibble = j < 16 ? byte & 0x0F : byte >> 4;
            return f == quant_format::q4_1 ? nibble : nibble - 8;
        }
        case quant_format::q5_0:
        case quant_format::q5_1: {
            const bool offset = f == quant_format::q5_1;
            const std::uint32_t qh = u32_at(block + (offset ? 4 : 2));
            const unsigned char byte = block[(offset ? 8 : 6) + j % 16];
            const int v = (j < 16 ? byte & 0x0F : byte >> 4) | static_cast<int>((qh >> j) & 1u) << 4;
            return offset ? v : v - 16;
        }
    }
    return 0;
}

}  // namespace

void quantize_activations_q8(const float* x, std::int64_t n, std::int8_t* q_out, float* d_out, float* s_out) {
    for (std::int64_t b = 0; b < n / quant_block_weights; ++b) {
        const float* xb = x + b * quant_block_weights;
        float amax = 0;
        for (int j = 0; j < quant_block_weights; ++j) amax = std::fmax(amax, std::fabs(xb[j]));
        const float d = amax / 127.0f, id = amax != 0.0f ? 127.0f / amax : 0.0f;
        int sum = 0;
        for (int j = 0; j < quant_block_weights; ++j) {
            const float scaled = xb[j] * id;                         // its own statement: no contraction
            const int v = static_cast<int>(std::nearbyint(scaled));  // the default mode: to nearest even
            q_out[b * quant_block_weights + j] = static_cast<std::int8_t>(v);
            sum += v;
        }
        d_out[b] = fp16_rounded(d);
        const float ds = d * static_cast<float>(sum);
        s_out[b] = fp16_rounded(ds);
    }
}

double quant_dot_q8(quant_format f, const unsigned char* row, const std::int8_t* q, const float* d, const float* s,
                    std::int64_t n) {
    const bool offset = f == quant_format::q4_1 || f == quant_format::q5_1;
    double total = 0;
    for (std::int64_t b = 0; b < n / quant_block_weights; ++b) {
        const unsigned char* block = row + b * quant_block_bytes(f);
        std::int64_t isum = 0;
        for (int j = 0; j < quant_block_weights; ++j)
            isum += weight_value(f, block, j) * q[b * quant_block_weights + j];
        const float dw = quant_detail::half_at(block);
        total += static_cast<double>(dw * d[b]) * static_cast<double>(isum);
        if (offset) total += static_cast<double>(quant_detail::half_at(block + 2)) * s[b];
    }
    return total;
}

}  // namespace kernels
