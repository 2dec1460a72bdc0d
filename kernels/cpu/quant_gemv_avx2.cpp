// AVX2 + FMA + F16C row dots on rwkv.cpp's block formats (decode-sized T):
// a block's 32 quantized values widened to four 8-lane float vectors with
// the byte-widening instructions (vpmovsxbd / vpmovzxbd), its fp16 scale
// widened by F16C (exact), then d (q . x) + m (sum x) accumulated in 8
// lanes, two rows at a time (their values fill 8 of the 16 registers). Compiled with -mavx2 -mfma -mf16c; called
// only when the CPU has them (cpu_quant_matmul.cpp).
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

__m256 to_float(__m256i v, int bias) { return _mm256_cvtepi32_ps(_mm256_sub_epi32(v, _mm256_set1_epi32(bias))); }

template <quant_format F>
void unpack(const unsigned char* b, __m256* q, float& d, float& m) {
    d = half_scale(b);
    m = 0;
    if constexpr (F == quant_format::q8_0) {
        for (int g = 0; g < 4; ++g)
            q[g] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b + 2 + 8 * g))));
    } else {
        constexpr bool offset = F == quant_format::q4_1 || F == quant_format::q5_1;
        constexpr bool five_bits = F == quant_format::q5_0 || F == quant_format::q5_1;
        if (offset) m = half_scale(b + 2);
        const unsigned char* qs = b + (offset ? 4 : 2) + (five_bits ? 4 : 0);
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
        const __m128i nibble = _mm_set1_epi8(0x0F);
        const __m128i lo = _mm_and_si128(v, nibble), hi = _mm_and_si128(_mm_srli_epi16(v, 4), nibble);
        __m256i n[4] = {_mm256_cvtepu8_epi32(lo), _mm256_cvtepu8_epi32(_mm_srli_si128(lo, 8)),
                        _mm256_cvtepu8_epi32(hi), _mm256_cvtepu8_epi32(_mm_srli_si128(hi, 8))};
        if constexpr (five_bits) {  // element e's fifth bit is bit e of qh
            std::uint32_t qh;
            std::memcpy(&qh, b + (offset ? 4 : 2), 4);
            const __m256i all = _mm256_set1_epi32(static_cast<int>(qh)), one = _mm256_set1_epi32(1);
            for (int g = 0; g < 4; ++g) {
                const __m256i shift = _mm256_setr_epi32(8 * g, 8 * g + 1, 8 * g + 2, 8 * g + 3, 8 * g + 4, 8 * g + 5,
                                                        8 * g + 6, 8 * g + 7);
                n[g] = _mm256_or_si256(n[g], _mm256_slli_epi32(_mm256_and_si256(_mm256_srlv_epi32(all, shift), one), 4));
            }
        }
        constexpr int bias = offset ? 0 : five_bits ? 16 : 8;
        for (int g = 0; g < 4; ++g) q[g] = to_float(n[g], bias);
    }
}

float reduce(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// Rows n .. n + Rows - 1 (a compile-time count, so that q, d and m stay in
// registers), every token.
template <quant_format F, int Rows>
void gemv_block_rows(const quant_gemv_args& a, std::int64_t n) {
    constexpr bool offset = F == quant_format::q4_1 || F == quant_format::q5_1;
    constexpr int block_bytes = quant_block_bytes(F);
    const std::int64_t blocks = a.n_in / quant_block_weights, row_bytes = blocks * block_bytes;
    __m256 acc[Rows][small_batch_max];
    for (auto& row : acc)
        for (auto& v : row) v = _mm256_setzero_ps();
    for (std::int64_t b = 0; b < blocks; ++b) {
        __m256 q[Rows][4];
        float d[Rows], m[Rows];
        for (int r = 0; r < Rows; ++r) unpack<F>(a.w + (n + r) * row_bytes + b * block_bytes, q[r], d[r], m[r]);
        for (std::int64_t t = 0; t < a.n_tokens; ++t) {
            const float* x = a.x + t * a.n_in + b * quant_block_weights;
            const __m256 x0 = _mm256_loadu_ps(x), x1 = _mm256_loadu_ps(x + 8), x2 = _mm256_loadu_ps(x + 16),
                         x3 = _mm256_loadu_ps(x + 24);
            const __m256 x_sum = offset ? _mm256_add_ps(_mm256_add_ps(x0, x1), _mm256_add_ps(x2, x3)) : x0;
            for (int r = 0; r < Rows; ++r) {
                const __m256 dot = _mm256_add_ps(_mm256_fmadd_ps(q[r][1], x1, _mm256_mul_ps(q[r][0], x0)),
                                                 _mm256_fmadd_ps(q[r][3], x3, _mm256_mul_ps(q[r][2], x2)));
                acc[r][t] = _mm256_fmadd_ps(_mm256_set1_ps(d[r]), dot, acc[r][t]);
                if (offset) acc[r][t] = _mm256_fmadd_ps(_mm256_set1_ps(m[r]), x_sum, acc[r][t]);
            }
        }
    }
    for (int r = 0; r < Rows; ++r)
        for (std::int64_t t = 0; t < a.n_tokens; ++t) a.out[t * a.n_out + n + r] = reduce(acc[r][t]);
}

template <quant_format F>
void gemv_rows(const quant_gemv_args& a) {
    std::int64_t n = a.row_begin;
    for (; n + 2 <= a.row_end; n += 2) gemv_block_rows<F, 2>(a, n);
    for (; n < a.row_end; ++n) gemv_block_rows<F, 1>(a, n);
}

// n weights from their blocks: q d (+ m) as a multiply then an add, no
// fused multiply-add, so the values are ggml's bit for bit.
template <quant_format F>
void dequantize_rows(const unsigned char* blocks, std::int64_t n, float* out) {
    constexpr bool offset = F == quant_format::q4_1 || F == quant_format::q5_1;
    for (std::int64_t b = 0; b < n / quant_block_weights; ++b) {
        __m256 q[4];
        float d, m;
        unpack<F>(blocks + b * quant_block_bytes(F), q, d, m);
        const __m256 dv = _mm256_set1_ps(d), mv = _mm256_set1_ps(m);
        for (int g = 0; g < 4; ++g) {
            const __m256 w = _mm256_mul_ps(q[g], dv);
            _mm256_storeu_ps(out + b * quant_block_weights + 8 * g, offset ? _mm256_add_ps(w, mv) : w);
        }
    }
}

}  // namespace

void quant_dequantize_avx2(quant_format f, const unsigned char* blocks, std::int64_t n, float* out) {
    switch (f) {
        case quant_format::q4_0: return dequantize_rows<quant_format::q4_0>(blocks, n, out);
        case quant_format::q4_1: return dequantize_rows<quant_format::q4_1>(blocks, n, out);
        case quant_format::q5_0: return dequantize_rows<quant_format::q5_0>(blocks, n, out);
        case quant_format::q5_1: return dequantize_rows<quant_format::q5_1>(blocks, n, out);
        case quant_format::q8_0: return dequantize_rows<quant_format::q8_0>(blocks, n, out);
    }
}

void quant_gemv_avx2(const quant_gemv_args& a, quant_format f) {
    switch (f) {
        case quant_format::q4_0: return gemv_rows<quant_format::q4_0>(a);
        case quant_format::q4_1: return gemv_rows<quant_format::q4_1>(a);
        case quant_format::q5_0: return gemv_rows<quant_format::q5_0>(a);
        case quant_format::q5_1: return gemv_rows<quant_format::q5_1>(a);
        case quant_format::q8_0: return gemv_rows<quant_format::q8_0>(a);
    }
}

}  // namespace kernels::cpu
