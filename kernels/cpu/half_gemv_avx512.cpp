// AVX-512 instantiations of the row-dot kernel (16 floats a vector), and the
// native-bf16 variant. Compiled with -mavx512f -mavx512bw -mavx512vl -mf16c
// -mfma -mavx512bf16; called only when the CPU has them.
#include <immintrin.h>

#include <vector>

#include "half_gemv_simd.h"

namespace kernels::cpu {
namespace {

struct avx512_vec {
    using reg = __m512;
    static constexpr int width = 16;
    static reg zero() { return _mm512_setzero_ps(); }
    static reg load(const float* p) { return _mm512_loadu_ps(p); }
    static void store(float* p, reg v) { _mm512_storeu_ps(p, v); }
    static reg load_f16(const std::uint16_t* p) {
        return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    }
    static reg load_bf16(const std::uint16_t* p) {
        const __m512i wide = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
        return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
    }
    static reg add(reg a, reg b) { return _mm512_add_ps(a, b); }
    static reg fma(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
    static float reduce(reg v) { return _mm512_reduce_add_ps(v); }
    // 32 bf16 as 16 words; the low halves (even elements) and high halves (odd) as floats.
    static __m512i load_words(const std::uint16_t* p) { return _mm512_loadu_si512(p); }
    static reg words_low_to_float(__m512i w) { return _mm512_castsi512_ps(_mm512_slli_epi32(w, 16)); }
    static reg words_high_to_float(__m512i w) {
        return _mm512_castsi512_ps(_mm512_and_si512(w, _mm512_set1_epi32(static_cast<int>(0xFFFF0000u))));
    }
};

// vdpbf16ps multiplies bf16 pairs exactly and accumulates in f32. With x
// split as hi + mid + lo (each bf16, the remainder after the previous
// terms), sum_k w_k x_k = sum_k w_k hi_k + w_k mid_k + w_k lo_k up to
// 2^-24 |x_k|: float precision for activations, bf16 weights used natively.
constexpr int bf16_terms = 3;

void split_bf16(const float* x, std::int64_t n, std::uint16_t* terms /* [3][n] */) {
    for (std::int64_t i = 0; i < n; ++i) {
        float rest = x[i];
        for (int j = 0; j < bf16_terms; ++j) {
            const std::uint16_t b = f32_to_bf16(rest);
            terms[j * n + i] = b;
            rest -= bf16_to_f32(b);
        }
    }
}

// One weight row at a time (streamed once) for all T tokens; two interleaved
// K chunks of 32 give 2 x 3 independent vdpbf16ps chains per token.
template <int n_tokens>
void bf16_dot_rows(const half_gemv_args& a, const std::uint16_t* x_terms) {
    constexpr int chunks = 2, step = 32 * chunks;
    const std::int64_t k_vec = a.n_in / step * step;
    for (std::int64_t n = a.row_begin; n < a.row_end; ++n) {
        const std::uint16_t* w_row = a.w + n * a.n_in;
        __m512 acc[n_tokens][chunks][bf16_terms];
        for (auto& per_token : acc)
            for (auto& per_chunk : per_token)
                for (__m512& v : per_chunk) v = _mm512_setzero_ps();
        for (std::int64_t k = 0; k < k_vec; k += step) {
            for (int c = 0; c < chunks; ++c) {
                const __m512bh wv = (__m512bh)_mm512_loadu_si512(w_row + k + 32 * c);
                for (int t = 0; t < n_tokens; ++t) {
                    const std::uint16_t* xt = x_terms + t * bf16_terms * a.n_in + k + 32 * c;
                    for (int j = 0; j < bf16_terms; ++j)
                        acc[t][c][j] = _mm512_dpbf16_ps(acc[t][c][j], wv, (__m512bh)_mm512_loadu_si512(xt + j * a.n_in));
                }
            }
        }
        for (int t = 0; t < n_tokens; ++t) {
            // Small terms first, so the large one absorbs their rounding.
            __m512 total = _mm512_setzero_ps();
            for (int j = bf16_terms - 1; j >= 0; --j)
                for (int c = 0; c < chunks; ++c) total = _mm512_add_ps(total, acc[t][c][j]);
            float sum = _mm512_reduce_add_ps(total);
            for (std::int64_t k = k_vec; k < a.n_in; ++k) sum += bf16_to_f32(w_row[k]) * a.x[t * a.n_in + k];
            a.out[t * a.n_out + n] = sum;
        }
    }
}

}  // namespace

void half_gemv_avx512(const half_gemv_args& a) { half_gemv_simd<avx512_vec>(a); }

void half_to_f32_avx512(const std::uint16_t* src, std::int64_t n, bool is_bf16, float* dst) {
    half_to_f32_simd<avx512_vec>(src, n, is_bf16, dst);
}

void half_gemv_avx512_bf16(const half_gemv_args& a) {
    if (!a.is_bf16 || a.is_f32) {  // f32/f16 weights have no native bf16 dot: the exact path
        half_gemv_simd<avx512_vec>(a);
        return;
    }
    // Each call splits x again: T * K values, negligible next to N * K weights.
    std::vector<std::uint16_t> terms(static_cast<std::size_t>(a.n_tokens * bf16_terms * a.n_in));
    for (std::int64_t t = 0; t < a.n_tokens; ++t)
        split_bf16(a.x + t * a.n_in, a.n_in, terms.data() + t * bf16_terms * a.n_in);
    with_token_count(a.n_tokens, [&](auto tokens) { bf16_dot_rows<decltype(tokens)::value>(a, terms.data()); });
}

}  // namespace kernels::cpu
