// AVX-512 (F, BW, VL) + FMA + F16C instantiation of the block-format kernels
// (quant_gemv_simd.h): a block's 32 values as two 16-lane registers, each
// widened from 16 bytes by one instruction; four rows in registers.
// Compiled with -mavx512f -mavx512bw -mavx512vl -mfma -mf16c.
#include "quant_gemv_simd.h"

namespace kernels::cpu {
namespace {

struct avx512_quant {
    using reg = __m512;
    static constexpr int groups = 2, rows = 4;
    static reg zero() { return _mm512_setzero_ps(); }
    static reg load(const float* p) { return _mm512_loadu_ps(p); }
    static void store(float* p, reg v) { _mm512_storeu_ps(p, v); }
    static reg set1(float v) { return _mm512_set1_ps(v); }
    static reg mul(reg a, reg b) { return _mm512_mul_ps(a, b); }
    static reg add(reg a, reg b) { return _mm512_add_ps(a, b); }
    static reg fmadd(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
    static float reduce(reg v) { return _mm512_reduce_add_ps(v); }

    template <quant_format F>
    static void unpack(const unsigned char* b, reg* q, float& d, float& m) {
        d = quant_scale<avx512_quant>(b);
        m = 0;
        if constexpr (F == quant_format::q8_0) {
            for (int g = 0; g < 2; ++g)
                q[g] = _mm512_cvtepi32_ps(
                    _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 2 + 16 * g))));
            return;
        }
        constexpr bool offset = F == quant_format::q4_1 || F == quant_format::q5_1;
        constexpr bool five_bits = F == quant_format::q5_0 || F == quant_format::q5_1;
        if (offset) m = quant_scale<avx512_quant>(b + 2);
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + (offset ? 4 : 2) + (five_bits ? 4 : 0)));
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
};

}  // namespace

void quant_gemv_avx512(const quant_gemv_args& a, quant_format f) { quant_gemv<avx512_quant>(a, f); }

}  // namespace kernels::cpu
