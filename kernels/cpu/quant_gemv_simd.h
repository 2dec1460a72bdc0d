// The row-dot loop and the dequantizer of the block formats, written once
// over a small traits type V and instantiated in quant_gemv_avx2.cpp and
// quant_gemv_avx512.cpp (each compiled with its own -m flags, F16C among
// them; called only when the CPU has them). V supplies the register type,
// `groups` registers per 32-weight block, `rows` rows kept in registers,
// load/zero/mul/add/fmadd/reduce/store, widen_halves (a 16-bit value
// in every lane, widened from fp16), and unpack<F>(block, q, d, m): the
// block's values as `groups` float registers (without d and m) and its fp16
// scale and offset widened exactly into every lane — so that w = q d + m.
//
// Per block: dot = sum_g q_g x_g as a tree, acc += d dot (+ m sum x); the
// lanes are summed once per row. Everything is a template of V, whose type
// is local to its file: the two ISAs never share an instantiation.
#pragma once

#include <immintrin.h>

#include <cstring>

#include "cpu_backend.h"
#include "kernels/quant.h"
#include "quant_dispatch.h"

namespace kernels::cpu {

// The fp16 scale at p in every lane of a register: the 16-bit value
// broadcast, then widened (F16C: exact) -- fewer shuffles than widening one
// value and broadcasting the float.
template <class V>
typename V::reg quant_scale(const unsigned char* p) {
    std::uint16_t h;
    std::memcpy(&h, p, 2);
    return V::widen_halves(static_cast<short>(h));
}

template <class V>
typename V::reg block_dot(const typename V::reg* q, const typename V::reg* x) {
    const typename V::reg low = V::fmadd(q[1], x[1], V::mul(q[0], x[0]));
    if constexpr (V::groups == 2) return low;
    return V::add(low, V::fmadd(q[3], x[3], V::mul(q[2], x[2])));
}

template <class V>
typename V::reg block_sum(const typename V::reg* x) {
    const typename V::reg low = V::add(x[0], x[1]);
    if constexpr (V::groups == 2) return low;
    return V::add(low, V::add(x[2], x[3]));
}

// Rows n..n+Rows-1 against Tokens tokens, prefetching `ahead` bytes on
// (rows_prefetch_bytes of the Rows rows, worked out once per call).
template <class V, quant_format F, int Rows, int Tokens>
void quant_gemv_rows_of(const quant_gemv_args& a, std::int64_t n, std::int64_t ahead) {
    using reg = typename V::reg;
    constexpr bool offset = quant_has_offset(F);
    constexpr int block_bytes = quant_block_bytes(F), width = 32 / V::groups;
    const std::int64_t blocks = a.n_in / quant_block_weights, row_bytes = blocks * block_bytes;
    reg acc[Rows][Tokens];
    for (auto& row : acc)
        for (auto& v : row) v = V::zero();
    // A prefetch at least every 64 bytes of each row, whole row groups ahead (rows_prefetch_bytes).
    constexpr int prefetch_every = block_bytes >= 64 ? 1 : 64 / block_bytes;
    for (std::int64_t b = 0; b < blocks; ++b) {
        reg q[Rows][V::groups], d[Rows], m[Rows];
        if (b % prefetch_every == 0)
            for (int r = 0; r < Rows; ++r) prefetch_ahead(a.w + (n + r) * row_bytes + b * block_bytes, ahead);
        for (int r = 0; r < Rows; ++r) V::template unpack<F>(a.w + (n + r) * row_bytes + b * block_bytes, q[r], d[r], m[r]);
        for (int t = 0; t < Tokens; ++t) {
            reg x[V::groups];
            for (int g = 0; g < V::groups; ++g) x[g] = V::load(a.x + t * a.n_in + b * quant_block_weights + g * width);
            const reg x_sum = offset ? block_sum<V>(x) : x[0];
            for (int r = 0; r < Rows; ++r) {
                acc[r][t] = V::fmadd(d[r], block_dot<V>(q[r], x), acc[r][t]);
                if (offset) acc[r][t] = V::fmadd(m[r], x_sum, acc[r][t]);
            }
        }
    }
    for (int r = 0; r < Rows; ++r)
        for (int t = 0; t < Tokens; ++t) a.out[t * a.n_out + n + r] = V::reduce(acc[r][t]);
}

template <class V, quant_format F>
void quant_gemv_rows(const quant_gemv_args& a) {
    with_token_count(a.n_tokens, [&](auto tokens) {
        constexpr int T = decltype(tokens)::value;
        const std::int64_t row_bytes = a.n_in / quant_block_weights * quant_block_bytes(F);
        for_row_groups<V::rows>(a.row_begin, a.row_end, row_bytes, [&](auto rows, std::int64_t n, std::int64_t ahead) {
            quant_gemv_rows_of<V, F, decltype(rows)::value, T>(a, n, ahead);
        });
    });
}

template <class V>
void quant_gemv(const quant_gemv_args& a, quant_format f) {
    with_quant_format(f, [&](auto format) { quant_gemv_rows<V, decltype(format)::value>(a); });
}

// n weights from their blocks: q d (+ m) as a multiply then an add, no
// fused multiply-add, so the values are ggml's bit for bit.
template <class V, quant_format F>
void quant_dequantize_as(const unsigned char* blocks, std::int64_t n, float* out) {
    constexpr bool offset = quant_has_offset(F);
    constexpr int width = 32 / V::groups;
    for (std::int64_t b = 0; b < n / quant_block_weights; ++b) {
        typename V::reg q[V::groups], d, m;
        V::template unpack<F>(blocks + b * quant_block_bytes(F), q, d, m);
        for (int g = 0; g < V::groups; ++g) {
            const typename V::reg w = V::mul(q[g], d);
            V::store(out + b * quant_block_weights + g * width, offset ? V::add(w, m) : w);
        }
    }
}

template <class V>
void quant_dequantize(quant_format f, const unsigned char* blocks, std::int64_t n, float* out) {
    with_quant_format(f, [&](auto format) { quant_dequantize_as<V, decltype(format)::value>(blocks, n, out); });
}

}  // namespace kernels::cpu
