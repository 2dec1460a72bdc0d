// Row dots of the block formats on int8 activations (cpu_options::
// int8_activations): rwkv.cpp's and llama.cpp's arithmetic, each block's
// dot product exact in integers, on AVX-512 VNNI's vpdpbusd (unsigned bytes
// times signed bytes, four products summed into each 32-bit lane).
//
// Two blocks (64 weights) per 512-bit register; each 32-bit lane holds four
// weights of one block (pair_u8 gives the order). The weights go in as
// unsigned bytes u with w = u - o: o = 8 (Q4_0), 16 (Q5_0), 128 (Q8_0: the
// sign bit flipped); the "_1" formats' u = w is unsigned already (w = u d +
// m). The offset comes off in integers: the lane's accumulator starts at -o
// times the lane's sum of activations, so each lane holds exactly
// sum (u - o) q of its four weights. Then per lane: acc += (d_w d_a) *
// lanesum (+ m_w s_a / 8 for "_1", which the 8 lanes of a block sum back to
// m_w s_a). The activations are quantized and laid out once per matmul call
// (prepare_q8_pairs); four rows share each prepared pair, and the tokens
// (up to small_batch_max) each weight unpack.
// Compiled with -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mfma -mf16c.
#include <immintrin.h>

#include <cstring>
#include <vector>

#include "cpu_backend.h"
#include "kernels/quant.h"
#include "quant_dispatch.h"

namespace kernels::cpu {
namespace {

// log2 of the weights' offset o (w = u - o), -1 for the "_1" formats.
constexpr int offset_shift(quant_format f) {
    switch (f) {
        case quant_format::q4_0:
            return 3;
        case quant_format::q5_0:
            return 4;
        case quant_format::q8_0:
            return 7;
        default:
            return -1;
    }
}

std::uint32_t half_bits(const unsigned char* p) {
    std::uint16_t h;
    std::memcpy(&h, p, 2);
    return h;
}

// Lanes 0-7 from element 0, 8-15 from element 1 ("natural" order: a pair's
// bytes are block 0's 32 then block 1's), or lanes 0-3 and 8-11 from element
// 0, 4-7 and 12-15 from element 1 ("nibble" order, below).
__m512i natural_lanes() { return _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0); }
__m512i nibble_lanes() { return _mm512_set_epi32(1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0); }

// The fp16 values at p and p + stride, widened, spread to `lanes`.
__m512 pair_halves(const unsigned char* p, std::int64_t stride, __m512i lanes) {
    const __m128 two = _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(half_bits(p) | half_bits(p + stride) << 16)));
    return _mm512_permutexvar_ps(lanes, _mm512_castps128_ps512(two));
}

// Two floats at p, spread to `lanes`.
__m512 pair_floats(const float* p, __m512i lanes) {
    const __m128 two = _mm_castsi128_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));  // 4-byte aligned
    return _mm512_permutexvar_ps(lanes, _mm512_castps128_ps512(two));
}

constexpr bool nibbles(quant_format f) { return f != quant_format::q8_0; }

// 32 weights of a block as unsigned bytes in element order (the last odd block).
template <quant_format F>
__m256i block_u8(const unsigned char* b) {
    if constexpr (F == quant_format::q8_0) {
        return _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 2)), _mm256_set1_epi8(-128));
    } else {
        constexpr bool offset = quant_has_offset(F), five_bits = quant_has_fifth_bit(F);
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + (offset ? 4 : 2) + (five_bits ? 4 : 0)));
        const __m128i nibble = _mm_set1_epi8(0x0F);
        __m256i u = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(v, 4), nibble), _mm_and_si128(v, nibble));
        if constexpr (five_bits) {  // element j's fifth bit is bit j of qh
            std::uint32_t qh;
            std::memcpy(&qh, b + (offset ? 4 : 2), 4);
            u = _mm256_or_si256(u, _mm256_maskz_mov_epi8(qh, _mm256_set1_epi8(0x10)));
        }
        return u;
    }
}

// Two blocks' 64 weights as unsigned bytes: Q8_0 in natural order; the
// nibble formats as block 0's elements 0-15, block 1's 0-15, block 0's
// 16-31, block 1's 16-31 (low nibbles, then high: one shift for both).
template <quant_format F>
__m512i pair_u8(const unsigned char* b) {
    constexpr int bytes = quant_block_bytes(F);
    if constexpr (F == quant_format::q8_0) {
        return _mm512_inserti64x4(_mm512_castsi256_si512(block_u8<F>(b)), block_u8<F>(b + bytes), 1);
    } else {
        constexpr bool offset = quant_has_offset(F), five_bits = quant_has_fifth_bit(F);
        constexpr int qs = (offset ? 4 : 2) + (five_bits ? 4 : 0);
        const __m256i v = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(b + bytes + qs),
                                              reinterpret_cast<const __m128i*>(b + qs));
        const __m256i nibble = _mm256_set1_epi8(0x0F);
        const __m512i u = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_and_si256(v, nibble)),
                                             _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble), 1);
        if constexpr (!five_bits) {
            return u;
        } else {  // element j's fifth bit is bit j of its block's qh
            std::uint32_t qh0, qh1;
            std::memcpy(&qh0, b + (offset ? 4 : 2), 4);
            std::memcpy(&qh1, b + bytes + (offset ? 4 : 2), 4);
            const std::uint64_t bits = (qh0 & 0xFFFFu) | std::uint64_t{qh1 & 0xFFFFu} << 16 |
                                       std::uint64_t{qh0 >> 16} << 32 | std::uint64_t{qh1 >> 16} << 48;
            return _mm512_or_si512(u, _mm512_maskz_mov_epi8(bits, _mm512_set1_epi8(0x10)));
        }
    }
}

// Per token and block pair, what every row's dot product with it needs,
// made once per matmul call by prepare_q8_pairs: the activations in the
// weights' byte order, the accumulator's start value (-o times the lane
// sums of the activations), d_a spread to the pair's lanes, and s_a / 8
// ("_1" formats). A last odd block fills the lower half, zeros the upper.
struct alignas(64) q8_pair {
    __m512i q, start;
    __m512 d, s;
};
static_assert(sizeof(q8_pair) == q8_pair_bytes);

template <quant_format F>
void prepare(const std::int8_t* q, const float* d, const float* s, std::int64_t n_tokens, std::int64_t n_in,
             q8_pair* out) {
    constexpr int shift = offset_shift(F);
    const std::int64_t blocks = n_in / quant_block_weights, pairs = (blocks + 1) / 2;
    const __m512i ones = _mm512_set1_epi8(1);
    for (std::int64_t t = 0; t < n_tokens; ++t)
        for (std::int64_t p = 0; p < pairs; ++p) {
            const std::int64_t b = 2 * p, at = t * blocks + b;
            const bool pair = b + 1 < blocks;
            const std::int8_t* qb = q + t * n_in + b * quant_block_weights;
            const __m512i lanes = pair && nibbles(F) ? nibble_lanes() : natural_lanes();
            __m512i qv = pair ? _mm512_loadu_si512(qb)
                              : _mm512_zextsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(qb)));
            // Natural order (block 0's 32, block 1's 32) to the nibble formats' order.
            if (pair && nibbles(F)) qv = _mm512_shuffle_i64x2(qv, qv, _MM_SHUFFLE(3, 1, 2, 0));
            q8_pair& o = out[t * pairs + p];
            o.q = qv;
            o.start = _mm512_setzero_si512();
            if (shift >= 0)
                o.start = _mm512_sub_epi32(o.start, _mm512_slli_epi32(_mm512_dpbusd_epi32(o.start, ones, qv), shift));
            const __mmask16 used = pair ? 0xFFFF : 0x00FF;
            o.d = _mm512_maskz_mov_ps(used, pair ? pair_floats(d + at, lanes) : _mm512_set1_ps(d[at]));
            o.s = _mm512_maskz_mul_ps(used, pair ? pair_floats(s + at, lanes) : _mm512_set1_ps(s[at]),
                                      _mm512_set1_ps(0.125f));
        }
}

// Rows n..n+Rows-1 against the prepared pairs of Tokens tokens, prefetching
// `ahead` bytes on (rows_prefetch_bytes of the Rows rows, once per call).
template <quant_format F, int Rows, int Tokens>
void rows_of(const quant_gemv_q8_args& a, std::int64_t n, std::int64_t ahead) {
    constexpr int bytes = quant_block_bytes(F);
    constexpr bool offset = quant_has_offset(F);
    const std::int64_t blocks = a.n_in / quant_block_weights, pairs = (blocks + 1) / 2, row_bytes = blocks * bytes;
    const auto* prepared = static_cast<const q8_pair*>(a.pairs);
    __m512 acc[Rows][Tokens];
    for (auto& row : acc)
        for (auto& v : row) v = _mm512_setzero_ps();
    for (std::int64_t p = 0; p < pairs; ++p) {
        const std::int64_t b = 2 * p;
        const bool pair = b + 1 < blocks;
        const __m512i lanes = pair && nibbles(F) ? nibble_lanes() : natural_lanes();
        const std::int64_t second = pair ? bytes : 0;  // a lone block reads its own scales twice
        __m512i u[Rows];
        __m512 dw[Rows], mw[Rows];
        for (int r = 0; r < Rows; ++r) {
            const unsigned char* block = a.w + (n + r) * row_bytes + b * bytes;
            prefetch_ahead(block, ahead);
            if (2 * bytes > 64) prefetch_ahead(block + 64, ahead);
            u[r] = pair ? pair_u8<F>(block) : _mm512_zextsi256_si512(block_u8<F>(block));
            dw[r] = pair_halves(block, second, lanes);
            if (offset) mw[r] = pair_halves(block + 2, second, lanes);
        }
        for (int t = 0; t < Tokens; ++t) {
            const q8_pair& x = prepared[t * pairs + p];
            for (int r = 0; r < Rows; ++r) {
                const __m512 lane_sums = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(x.start, u[r], x.q));
                acc[r][t] = _mm512_fmadd_ps(_mm512_mul_ps(dw[r], x.d), lane_sums, acc[r][t]);
                if (offset) acc[r][t] = _mm512_fmadd_ps(mw[r], x.s, acc[r][t]);
            }
        }
    }
    for (int r = 0; r < Rows; ++r)
        for (int t = 0; t < Tokens; ++t) a.out[t * a.n_out + n + r] = _mm512_reduce_add_ps(acc[r][t]);
}

template <quant_format F>
void rows(const quant_gemv_q8_args& a) {
    with_token_count(a.n_tokens, [&](auto tokens) {
        constexpr int T = decltype(tokens)::value;
        const std::int64_t row_bytes = a.n_in / quant_block_weights * quant_block_bytes(F);
        for_row_groups<4>(a.row_begin, a.row_end, row_bytes, [&](auto rows, std::int64_t n, std::int64_t ahead) {
            rows_of<F, decltype(rows)::value, T>(a, n, ahead);
        });
    });
}

}  // namespace

const void* prepare_q8_pairs(quant_format f, const float* x, std::int64_t n_tokens, std::int64_t n_in) {
    thread_local std::vector<q8_pair> pairs;
    pairs.resize(static_cast<std::size_t>(n_tokens * q8_pairs_per_token(n_in)));
    const q8_activations q8 = quantize_activations_buffered(x, n_tokens * n_in);
    with_quant_format(
        f, [&](auto format) { prepare<decltype(format)::value>(q8.q, q8.d, q8.s, n_tokens, n_in, pairs.data()); });
    return pairs.data();
}

std::int64_t q8_pairs_per_token(std::int64_t n_in) { return (n_in / quant_block_weights + 1) / 2; }

void quant_gemv_vnni(const quant_gemv_q8_args& a, quant_format f) {
    with_quant_format(f, [&](auto format) { rows<decltype(format)::value>(a); });
}

}  // namespace kernels::cpu
