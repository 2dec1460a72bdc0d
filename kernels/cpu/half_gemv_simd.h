// The SIMD row-dot kernel and the block converter, written once over a small
// "vector traits" type and instantiated in half_gemv_avx2.cpp and
// half_gemv_avx512.cpp (each compiled with its own -m flags, called only when
// the CPU has them).
//
// Row-dot (f32, f16 or bf16 weights): one weight row at a time, streamed once, split into 4 interleaved
// K chunks so that 4 x T independent FMA chains hide the FMA latency (several
// rows at once were measured 2x slower on Zen 4: too many parallel streams).
// Each weight vector is decoded to f32 in registers (bf16: a 16-bit shift,
// exact; f16: vcvtph2ps) and used for all T tokens. T is a template
// parameter so the accumulators stay in registers. The K tail is scalar.
#pragma once

#include <cstring>
#include <vector>

#include "kernels/half_math.h"
#include "cpu_backend.h"

namespace kernels::cpu {

// 16 (or 8) weights from w (in 16-bit units) decoded to f32.
template <class V>
inline typename V::reg load_weights(const half_gemv_args& a, const std::uint16_t* w) {
    if (a.is_f32) return V::load(reinterpret_cast<const float*>(w));
    return a.is_bf16 ? V::load_bf16(w) : V::load_f16(w);
}

inline float weight_at(const half_gemv_args& a, const std::uint16_t* w_row, std::int64_t k) {
    if (a.is_f32) {
        float v;
        std::memcpy(&v, w_row + 2 * k, 4);
        return v;
    }
    return a.is_bf16 ? bf16_to_f32(w_row[k]) : f16_to_f32(w_row[k]);
}

template <class V, int n_tokens>
inline void half_gemv_row(const half_gemv_args& a, std::int64_t n) {
    constexpr int width = V::width, chains = 4;
    const std::uint16_t* w_row = a.w + n * a.n_in * (a.is_f32 ? 2 : 1);  // in 16-bit units
    typename V::reg acc[chains][n_tokens];
    for (int c = 0; c < chains; ++c)
        for (int t = 0; t < n_tokens; ++t) acc[c][t] = V::zero();
    std::int64_t k = 0;
    for (; k + chains * width <= a.n_in; k += chains * width) {
        for (int c = 0; c < chains; ++c) {
            const std::int64_t kc = k + c * width;
            if (a.is_f32 || c % 2 == 0) prefetch_ahead(w_row + kc * (a.is_f32 ? 2 : 1));  // one per 64 bytes
            const typename V::reg wv = load_weights<V>(a, w_row + kc * (a.is_f32 ? 2 : 1));
            for (int t = 0; t < n_tokens; ++t) acc[c][t] = V::fma(wv, V::load(a.x + t * a.n_in + kc), acc[c][t]);
        }
    }
    for (; k + width <= a.n_in; k += width) {
        const typename V::reg wv = load_weights<V>(a, w_row + k * (a.is_f32 ? 2 : 1));
        for (int t = 0; t < n_tokens; ++t) acc[0][t] = V::fma(wv, V::load(a.x + t * a.n_in + k), acc[0][t]);
    }
    for (int t = 0; t < n_tokens; ++t) {
        float sum = V::reduce(V::add(V::add(acc[0][t], acc[1][t]), V::add(acc[2][t], acc[3][t])));
        for (std::int64_t kt = k; kt < a.n_in; ++kt)
            sum += weight_at(a, w_row, kt) * a.x[t * a.n_in + kt];
        a.out[t * a.n_out + n] = sum;
    }
}

// bf16 rows without a lane-crossing widen: one load of 2*width bf16 as
// `width` 32-bit words gives the even elements (word << 16) and the odd ones
// (word & 0xFFFF0000) as exact floats, against x pre-split into even and odd
// halves per 2*width block (`x_split`, [T][K] in that order). Two cheap
// integer ops per 2*width weights instead of two widening shuffles.
template <class V, int n_tokens>
inline void bf16_gemv_row_split(const half_gemv_args& a, const float* x_split, std::int64_t n) {
    constexpr int width = V::width, block = 2 * width, chains = 2;
    const std::uint16_t* w_row = a.w + n * a.n_in;
    typename V::reg acc[chains][2][n_tokens];
    for (auto& c : acc)
        for (auto& eo : c)
            for (auto& r : eo) r = V::zero();
    std::int64_t k = 0;
    for (; k + chains * block <= a.n_in; k += chains * block) {
        for (int c = 0; c < chains; ++c) {
            const std::int64_t kc = k + c * block;
            prefetch_ahead(w_row + kc);
            const auto words = V::load_words(w_row + kc);
            const typename V::reg even = V::words_low_to_float(words), odd = V::words_high_to_float(words);
            for (int t = 0; t < n_tokens; ++t) {
                const float* xs = x_split + t * a.n_in + kc;
                acc[c][0][t] = V::fma(even, V::load(xs), acc[c][0][t]);
                acc[c][1][t] = V::fma(odd, V::load(xs + width), acc[c][1][t]);
            }
        }
    }
    for (int t = 0; t < n_tokens; ++t) {
        float sum = V::reduce(V::add(V::add(acc[0][0][t], acc[0][1][t]), V::add(acc[1][0][t], acc[1][1][t])));
        for (std::int64_t kt = k; kt < a.n_in; ++kt) sum += bf16_to_f32(w_row[kt]) * a.x[t * a.n_in + kt];
        a.out[t * a.n_out + n] = sum;
    }
}

// x[t][k] -> per block of `block` values: the even-indexed ones, then the odd ones.
inline void split_even_odd(const float* x, std::int64_t n_tokens, std::int64_t n_in, std::int64_t block, float* out) {
    for (std::int64_t t = 0; t < n_tokens; ++t) {
        const float* src = x + t * n_in;
        float* dst = out + t * n_in;
        std::int64_t k = 0;
        for (; k + block <= n_in; k += block)
            for (std::int64_t i = 0; i < block / 2; ++i) dst[k + i] = src[k + 2 * i], dst[k + block / 2 + i] = src[k + 2 * i + 1];
        for (; k < n_in; ++k) dst[k] = src[k];
    }
}

template <class V, int n_tokens>
inline void half_gemv_fixed(const half_gemv_args& a) {
    if (a.is_bf16 && !a.is_f32) {
        thread_local std::vector<float> x_split;
        x_split.resize(static_cast<std::size_t>(n_tokens * a.n_in));
        split_even_odd(a.x, n_tokens, a.n_in, 2 * V::width, x_split.data());
        for (std::int64_t n = a.row_begin; n < a.row_end; ++n) bf16_gemv_row_split<V, n_tokens>(a, x_split.data(), n);
        return;
    }
    for (std::int64_t n = a.row_begin; n < a.row_end; ++n) half_gemv_row<V, n_tokens>(a, n);
}

template <class V>
inline void half_gemv_simd(const half_gemv_args& a) {
    with_token_count(a.n_tokens, [&](auto tokens) { half_gemv_fixed<V, decltype(tokens)::value>(a); });
}

template <class V>
inline void half_to_f32_simd(const std::uint16_t* src, std::int64_t n, bool is_bf16, float* dst) {
    std::int64_t i = 0;
    for (; i + V::width <= n; i += V::width) V::store(dst + i, is_bf16 ? V::load_bf16(src + i) : V::load_f16(src + i));
    for (; i < n; ++i) dst[i] = is_bf16 ? bf16_to_f32(src[i]) : f16_to_f32(src[i]);
}

}  // namespace kernels::cpu
