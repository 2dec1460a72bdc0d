// AVX2 + FMA + F16C instantiation of the row-dot kernel (8 floats a vector).
// Compiled with -mavx2 -mfma -mf16c; called only when the CPU has them.
#include <immintrin.h>

#include "half_gemv_simd.h"

namespace kernels::cpu {
namespace {

struct avx2_vec {
    using reg = __m256;
    static constexpr int width = 8;
    static reg zero() { return _mm256_setzero_ps(); }
    static reg load(const float* p) { return _mm256_loadu_ps(p); }
    static void store(float* p, reg v) { _mm256_storeu_ps(p, v); }
    static reg load_f16(const std::uint16_t* p) {
        return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    }
    static reg load_bf16(const std::uint16_t* p) {
        const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
        return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
    }
    static reg add(reg a, reg b) { return _mm256_add_ps(a, b); }
    static reg fma(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
    // 16 bf16 as 8 words; the low halves (even elements) and high halves (odd) as floats.
    static __m256i load_words(const std::uint16_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
    static reg words_low_to_float(__m256i w) { return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16)); }
    static reg words_high_to_float(__m256i w) {
        return _mm256_castsi256_ps(_mm256_and_si256(w, _mm256_set1_epi32(static_cast<int>(0xFFFF0000u))));
    }
    static float reduce(reg v) {
        __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        s = _mm_add_ss(s, _mm_movehdup_ps(s));
        return _mm_cvtss_f32(s);
    }
};

}  // namespace

void half_gemv_avx2(const half_gemv_args& a) { half_gemv_simd<avx2_vec>(a); }

void half_to_f32_avx2(const std::uint16_t* src, std::int64_t n, bool is_bf16, float* dst) {
    half_to_f32_simd<avx2_vec>(src, n, is_bf16, dst);
}

}  // namespace kernels::cpu
