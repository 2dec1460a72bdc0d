// Row dots of the block formats on int8 activations for CPUs without
// AVX-512 VNNI (cpu_options::int8_activations on AVX2): the same integer
// arithmetic as quant_gemv_vnni.cpp, each block's dot product exact, on
// AVX2's vpmaddubsw (unsigned bytes times signed bytes, adjacent pairs
// summed into 16 bits) and vpmaddwd (pairs of those into 32 bits).
//
// A block's 32 weights sit in one 256-bit register in element order.
//  * "_0" formats (w = (u - o) d): the weights as signed bytes u - o; the
//    product takes |w| as the unsigned side and the activation with w's
//    sign as the signed side. No 16-bit sum overflows: |w| <= 128 and
//    |q| <= 127 give at most 2 * 128 * 127 = 32512.
//  * "_1" formats (w = u d + m): u (at most 31) is unsigned already; the
//    m term adds m_w s_a per block, s_a = d_a sum q (quantize_activations_q8).
// Per block and token: acc += (d_w d_a) * lanes (8 x 32-bit partial dots).
// Two rows share each token's activation load; the tokens (up to
// small_batch_max) share each row's weight unpack.
// Compiled with -mavx2 -mfma -mf16c.
#include <immintrin.h>

#include <cstring>

#include "cpu_backend.h"
#include "kernels/quant.h"
#include "quant_dispatch.h"

namespace kernels::cpu {
namespace {

float half_at(const unsigned char* p) {
    std::uint16_t h;
    std::memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

// 0x10 in byte j where bit j of qh is set.
__m256i fifth_bits(std::uint32_t qh) {
    // Byte j gets qh's byte j / 8 (each 128-bit lane holds the broadcast qh) ...
    const __m256i spread =
        _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(qh)),
                            _mm256_setr_epi64x(0, 0x0101010101010101, 0x0202020202020202, 0x0303030303030303));
    // ... and keeps bit j % 8 of it.
    const __m256i bit = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ull));
    return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit), _mm256_set1_epi8(0x10));
}

// A block's 32 weights in element order: signed w for the "_0" formats,
// unsigned u for the "_1" formats.
template <quant_format F>
__m256i block_bytes(const unsigned char* b) {
    if constexpr (F == quant_format::q8_0) {
        return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 2));
    } else {
        constexpr bool offset = quant_has_offset(F), five_bits = quant_has_fifth_bit(F);
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + (offset ? 4 : 2) + (five_bits ? 4 : 0)));
        const __m128i nibble = _mm_set1_epi8(0x0F);
        // Byte i holds element i (low nibble) and element i + 16 (high nibble).
        __m256i u = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(v, 4), nibble), _mm_and_si128(v, nibble));
        if constexpr (five_bits) {
            std::uint32_t qh;
            std::memcpy(&qh, b + (offset ? 4 : 2), 4);
            u = _mm256_or_si256(u, fifth_bits(qh));
        }
        if constexpr (offset) return u;
        return _mm256_sub_epi8(u, _mm256_set1_epi8(five_bits ? 16 : 8));
    }
}

// The block's 8 partial dot products of weights w with activations q, given
// |w| (the "_1" formats' u: w_abs = w).
template <quant_format F>
__m256 block_dot(__m256i w, __m256i w_abs, __m256i q) {
    const __m256i pairs = _mm256_maddubs_epi16(w_abs, quant_has_offset(F) ? q : _mm256_sign_epi8(q, w));
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
}

float reduce(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// Rows n..n+Rows-1 against Tokens tokens, prefetching `ahead` bytes on
// (rows_prefetch_bytes of the Rows rows, worked out once per call).
template <quant_format F, int Rows, int Tokens>
void rows_of(const quant_gemv_i8_args& a, std::int64_t n, std::int64_t ahead) {
    constexpr int bytes = quant_block_bytes(F);
    constexpr bool offset = quant_has_offset(F);
    const std::int64_t blocks = a.n_in / quant_block_weights, row_bytes = blocks * bytes;
    __m256 acc[Rows][Tokens];
    float m_sum[Rows][Tokens] = {};
    for (auto& row : acc)
        for (auto& v : row) v = _mm256_setzero_ps();
    for (std::int64_t b = 0; b < blocks; ++b) {
        __m256i w[Rows], w_abs[Rows];
        __m256 dw[Rows];
        float mw[Rows] = {};
        for (int r = 0; r < Rows; ++r) {
            const unsigned char* block = a.w + (n + r) * row_bytes + b * bytes;
            prefetch_ahead(block, ahead);
            w[r] = block_bytes<F>(block);
            w_abs[r] = quant_has_offset(F) ? w[r] : _mm256_sign_epi8(w[r], w[r]);  // once for all tokens
            dw[r] = _mm256_set1_ps(half_at(block));
            if constexpr (offset) mw[r] = half_at(block + 2);
        }
        for (int t = 0; t < Tokens; ++t) {
            const std::int64_t at = t * blocks + b;
            const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.x.q + at * quant_block_weights));
            const __m256 da = _mm256_broadcast_ss(a.x.d + at);
            for (int r = 0; r < Rows; ++r) {
                acc[r][t] = _mm256_fmadd_ps(_mm256_mul_ps(dw[r], da), block_dot<F>(w[r], w_abs[r], q), acc[r][t]);
                if constexpr (offset) m_sum[r][t] += mw[r] * a.x.s[at];
            }
        }
    }
    for (int r = 0; r < Rows; ++r)
        for (int t = 0; t < Tokens; ++t) a.out[t * a.n_out + n + r] = reduce(acc[r][t]) + m_sum[r][t];
}

template <quant_format F>
void rows(const quant_gemv_i8_args& a) {
    with_token_count(a.n_tokens, [&](auto tokens) {
        constexpr int T = decltype(tokens)::value;
        const std::int64_t row_bytes = a.n_in / quant_block_weights * quant_block_bytes(F);
        for_row_groups<2>(a.row_begin, a.row_end, row_bytes, [&](auto rows, std::int64_t n, std::int64_t ahead) {
            rows_of<F, decltype(rows)::value, T>(a, n, ahead);
        });
    });
}

}  // namespace

void quant_gemv_int8_avx2(const quant_gemv_i8_args& a, quant_format f) {
    with_quant_format(f, [&](auto format) { rows<decltype(format)::value>(a); });
}

}  // namespace kernels::cpu
