// AVX-512 (F, BW, VL) + FMA + F16C row dots on rwkv.cpp's block formats: as
// quant_gemv_avx2.cpp with 16-lane vectors, so a block's 32 values are two
// registers (one widening instruction each from 16 bytes) and four rows
// stay in registers. Compiled with -mavx512f -mavx512bw -mavx512vl -mfma
// -mf16c; called only when the CPU has them (cpu_quant_matmul.cpp).
#include <immintrin.h>

#include <cstring>

#include "cpu_backend.h"
#include "kernels/quant.h"

namespace kernels::cpu {
namespace {

float half_scale(const unsigned char* p) {
    std::uint16_t h;
    std::memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

template <quant_format F>
void unpack(const unsigned char* b, __m512* q, float& d, float& m) {
    d = half_scale(b);
    m = 0;
    if constexpr (F == quant_format::q8_0) {
        for (int g = 0; g < 2; ++g)
            q[g] = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 2 + 16 * g))));
    } else {
        constexpr bool offset = F == quant_format::q4_1 || F == quant_format::q5_1;
        constexpr bool five_bits = F == quant_format::q5_0 || F == quant_format::q5_1;
        if (offset) m = half_scale(b + 2);
        const unsigned char* qs = b + (offset ? 4 : 2) + (five_bits ? 4 : 0);
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
        const __m128i nibble = _mm_set1_epi8(0x0F);
        __m512i n[2] = {_mm512_cvtepu8_epi32(_mm_and_si128(v, nibble)),
                        _mm512_cvtepu8_epi32(_mm_and_si128(_mm_srli_epi16(v, 4), nibble))};
        if constexpr (five_bits) {  // element e's fifth bit is bit e of qh
            std::uint32_t qh;
            std::memcpy(&qh, b + (offset ? 4 : 2), 4);
            const __m512i all = _mm512_set1_epi32(static_cast<int>(qh)), one = _mm512_set1_epi32(1);
            const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            for (int g = 0; g < 2; ++g) {
                const __m512i shift = _mm512_add_epi32(lanes, _mm512_set1_epi32(16 * g));
                n[g] = _mm512_or_si512(n[g], _mm512_slli_epi32(_mm512_and_si512(_mm512_srlv_epi32(all, shift), one), 4));
            }
        }
        constexpr int bias = offset ? 0 : five_bits ? 16 : 8;
        for (int g = 0; g < 2; ++g) q[g] = _mm512_cvtepi32_ps(_mm512_sub_epi32(n[g], _mm512_set1_epi32(bias)));
    }
}

template <quant_format F, int Rows>
void gemv_block_rows(const quant_gemv_args& a, std::int64_t n) {
    constexpr bool offset = F == quant_format::q4_1 || F == quant_format::q5_1;
    constexpr int block_bytes = quant_block_bytes(F);
    const std::int64_t blocks = a.n_in / quant_block_weights, row_bytes = blocks * block_bytes;
    __m512 acc[Rows][small_batch_max];
    for (auto& row : acc)
        for (auto& v : row) v = _mm512_setzero_ps();
    for (std::int64_t b = 0; b < blocks; ++b) {
        __m512 q[Rows][2];
        float d[Rows], m[Rows];
        for (int r = 0; r < Rows; ++r) unpack<F>(a.w + (n + r) * row_bytes + b * block_bytes, q[r], d[r], m[r]);
        for (std::int64_t t = 0; t < a.n_tokens; ++t) {
            const float* x = a.x + t * a.n_in + b * quant_block_weights;
            const __m512 x0 = _mm512_loadu_ps(x), x1 = _mm512_loadu_ps(x + 16);
            const __m512 x_sum = offset ? _mm512_add_ps(x0, x1) : x0;
            for (int r = 0; r < Rows; ++r) {
                const __m512 dot = _mm512_fmadd_ps(q[r][1], x1, _mm512_mul_ps(q[r][0], x0));
                acc[r][t] = _mm512_fmadd_ps(_mm512_set1_ps(d[r]), dot, acc[r][t]);
                if (offset) acc[r][t] = _mm512_fmadd_ps(_mm512_set1_ps(m[r]), x_sum, acc[r][t]);
            }
        }
    }
    for (int r = 0; r < Rows; ++r)
        for (std::int64_t t = 0; t < a.n_tokens; ++t) a.out[t * a.n_out + n + r] = _mm512_reduce_add_ps(acc[r][t]);
}

template <quant_format F>
void gemv_rows(const quant_gemv_args& a) {
    std::int64_t n = a.row_begin;
    for (; n + 4 <= a.row_end; n += 4) gemv_block_rows<F, 4>(a, n);
    for (; n < a.row_end; ++n) gemv_block_rows<F, 1>(a, n);
}

}  // namespace

void quant_gemv_avx512(const quant_gemv_args& a, quant_format f) {
    switch (f) {
        case quant_format::q4_0: return gemv_rows<quant_format::q4_0>(a);
        case quant_format::q4_1: return gemv_rows<quant_format::q4_1>(a);
        case quant_format::q5_0: return gemv_rows<quant_format::q5_0>(a);
        case quant_format::q5_1: return gemv_rows<quant_format::q5_1>(a);
        case quant_format::q8_0: return gemv_rows<quant_format::q8_0>(a);
    }
}

}  // namespace kernels::cpu
