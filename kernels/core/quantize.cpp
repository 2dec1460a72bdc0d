// Float weights to rwkv.cpp's block formats, as ggml's reference quantizers
// (quantize_row_*_ref) compute them, so that a checkpoint quantized at load
// holds the same bytes as the file rwkv.cpp's quantizer writes for it
// (tests/engines/quantized_test.cpp compares every block):
//   Q8_0        d = amax / 127, q = round(x / d) (half away from zero)
//   Q4_0, Q5_0  d = v / -8 or v / -16, v the value of largest |x| (first
//               one), q = min(15 or 31, (int8)(x / d + 8.5 or 16.5))
//   Q4_1, Q5_1  d = (max - min) / 15 or 31, m = min,
//               q = (x - min) / d + 0.5 truncated (Q4_1 clamped to 15)
// "/ d" is a multiply by id = 1 / d (0 when d is 0), in float; d and m are
// stored as fp16 rounded to nearest even, the quantization itself uses the
// float d.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "kernels/quant.h"

namespace kernels {
namespace {

void put_half(unsigned char* p, float v) {
    const std::uint16_t h = f32_to_f16(v);
    p[0] = static_cast<unsigned char>(h & 0xFF);
    p[1] = static_cast<unsigned char>(h >> 8);
}

// The value of largest magnitude (the first such) of a block.
float signed_amax(const float* x) {
    float amax = 0, max = 0;
    for (int j = 0; j < 32; ++j)
        if (amax < std::fabs(x[j])) amax = std::fabs(x[j]), max = x[j];
    return max;
}

void quantize_q8_0(const float* x, unsigned char* b) {
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
    put_half(b, d);
    for (int j = 0; j < 32; ++j) b[2 + j] = static_cast<unsigned char>(static_cast<std::int8_t>(std::round(x[j] * id)));
}

// Q4_0 (bits 4) and Q5_0 (bits 5).
void quantize_symmetric(const float* x, unsigned char* b, int bits) {
    const float half_range = bits == 4 ? 8.0f : 16.0f;
    const int top = bits == 4 ? 15 : 31;
    const float d = signed_amax(x) / -half_range, id = d != 0.0f ? 1.0f / d : 0.0f;
    put_half(b, d);
    unsigned char* qs = b + (bits == 4 ? 2 : 6);
    std::uint32_t qh = 0;
    for (int j = 0; j < 16; ++j) {
        const int lo = std::min(top, static_cast<int>(static_cast<std::int8_t>(x[j] * id + half_range + 0.5f)));
        const int hi = std::min(top, static_cast<int>(static_cast<std::int8_t>(x[j + 16] * id + half_range + 0.5f)));
        qs[j] = static_cast<unsigned char>((lo & 0x0F) | (hi & 0x0F) << 4);
        qh |= static_cast<std::uint32_t>((lo & 0x10) >> 4) << j;
        qh |= static_cast<std::uint32_t>((hi & 0x10) >> 4) << (j + 16);
    }
    if (bits == 5)
        for (int i = 0; i < 4; ++i) b[2 + i] = static_cast<unsigned char>(qh >> (8 * i));
}

// Q4_1 (bits 4) and Q5_1 (bits 5).
void quantize_offset(const float* x, unsigned char* b, int bits) {
    float min = FLT_MAX, max = -FLT_MAX;
    for (int j = 0; j < 32; ++j) min = std::min(min, x[j]), max = std::max(max, x[j]);
    const float d = (max - min) / (bits == 4 ? 15.0f : 31.0f), id = d != 0.0f ? 1.0f / d : 0.0f;
    put_half(b, d);
    put_half(b + 2, min);
    unsigned char* qs = b + (bits == 4 ? 4 : 8);
    std::uint32_t qh = 0;
    for (int j = 0; j < 16; ++j) {
        int lo = static_cast<std::uint8_t>((x[j] - min) * id + 0.5f);
        int hi = static_cast<std::uint8_t>((x[j + 16] - min) * id + 0.5f);
        if (bits == 4) lo = std::min(lo, 15), hi = std::min(hi, 15);
        qs[j] = static_cast<unsigned char>((lo & 0x0F) | (hi & 0x0F) << 4);
        qh |= static_cast<std::uint32_t>((lo & 0x10) >> 4) << j;
        qh |= static_cast<std::uint32_t>((hi & 0x10) >> 4) << (j + 16);
    }
    if (bits == 5)
        for (int i = 0; i < 4; ++i) b[4 + i] = static_cast<unsigned char>(qh >> (8 * i));
}

}  // namespace

void quantize_row(quant_format f, const float* x, std::int64_t n, unsigned char* blocks) {
    const int bytes = quant_block_bytes(f);
    for (std::int64_t i = 0; i < n / quant_block_weights; ++i) {
        const float* xb = x + i * quant_block_weights;
        unsigned char* b = blocks + i * bytes;
        switch (f) {
            case quant_format::q8_0: quantize_q8_0(xb, b); break;
            case quant_format::q4_0: quantize_symmetric(xb, b, 4); break;
            case quant_format::q5_0: quantize_symmetric(xb, b, 5); break;
            case quant_format::q4_1: quantize_offset(xb, b, 4); break;
            case quant_format::q5_1: quantize_offset(xb, b, 5); break;
        }
    }
}

}  // namespace kernels
