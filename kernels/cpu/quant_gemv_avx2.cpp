// AVX2 + FMA + F16C instantiation of the block-format kernels
// (quant_gemv_simd.h): a block's 32 values as four 8-lane registers widened
// from bytes (vpmovsxbd / vpmovzxbd), two rows in registers (their values
// fill 8 of the 16). Compiled with -mavx2 -mfma -mf16c.
#include "quant_gemv_simd.h"

namespace kernels::cpu {
namespace {

struct avx2_quant {
    using reg = __m256;
    static constexpr int groups = 4, rows = 2;
    static reg zero() { return _mm256_setzero_ps(); }
    static reg load(const float* p) { return _mm256_loadu_ps(p); }
    static void store(float* p, reg v) { _mm256_storeu_ps(p, v); }
    static reg mul(reg a, reg b) { return _mm256_mul_ps(a, b); }
    static reg add(reg a, reg b) { return _mm256_add_ps(a, b); }
    static reg fmadd(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
    static reg widen_halves(short h) { return _mm256_cvtph_ps(_mm_set1_epi16(h)); }
    static float reduce(reg v) {
        __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        s = _mm_add_ss(s, _mm_movehdup_ps(s));
        return _mm_cvtss_f32(s);
    }

    template <quant_format F>
    static void unpack(const unsigned char* b, reg* q, reg& d, reg& m) {
        d = quant_scale<avx2_quant>(b);
        m = zero();
        if constexpr (F == quant_format::q8_0) {
            for (int g = 0; g < 4; ++g)
                q[g] = _mm256_cvtepi32_ps(
                    _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b + 2 + 8 * g))));
            return;
        }
        constexpr bool offset = quant_has_offset(F);
        constexpr bool five_bits = quant_has_fifth_bit(F);
        if (offset) m = quant_scale<avx2_quant>(b + 2);
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + (offset ? 4 : 2) + (five_bits ? 4 : 0)));
        const __m128i nibble = _mm_set1_epi8(0x0F);
        const __m128i lo = _mm_and_si128(v, nibble), hi = _mm_and_si128(_mm_srli_epi16(v, 4), nibble);
        __m256i n[4] = {_mm256_cvtepu8_epi32(lo), _mm256_cvtepu8_epi32(_mm_srli_si128(lo, 8)),
                        _mm256_cvtepu8_epi32(hi), _mm256_cvtepu8_epi32(_mm_srli_si128(hi, 8))};
        if constexpr (five_bits) {  // element e's fifth bit is bit e of qh
            std::uint32_t qh;
            std::memcpy(&qh, b + (offset ? 4 : 2), 4);
            const __m256i all = _mm256_set1_epi32(static_cast<int>(qh)), one = _mm256_set1_epi32(1);
            for (int g = 0; g < 4; ++g) {
                const __m256i shift = _mm256_add_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(8 * g));
                n[g] = _mm256_or_si256(n[g], _mm256_slli_epi32(_mm256_and_si256(_mm256_srlv_epi32(all, shift), one), 4));
            }
        }
        constexpr int bias = offset ? 0 : five_bits ? 16 : 8;
        for (int g = 0; g < 4; ++g) q[g] = _mm256_cvtepi32_ps(_mm256_sub_epi32(n[g], _mm256_set1_epi32(bias)));
    }
};

}  // namespace

void quant_gemv_avx2(const quant_gemv_args& a, quant_format f) { quant_gemv<avx2_quant>(a, f); }

void quant_dequantize_avx2(quant_format f, const unsigned char* blocks, std::int64_t n, float* out) {
    quant_dequantize<avx2_quant>(f, blocks, n, out);
}

}  // namespace kernels::cpu
