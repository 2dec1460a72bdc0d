// The SIMD row-dot kernel and the block converter, written once over a small
// "vector traits" type and instantiated in half_gemv_avx2.cpp and
// half_gemv_avx512.cpp (each compiled with its own -m flags, called only when
// the CPU has them).
//
// Row-dot: one weight row at a time, streamed once, split into 4 interleaved
// K chunks so that 4 x T independent FMA chains hide the FMA latency (several
// rows at once were measured 2x slower on Zen 4: too many parallel streams).
// Each weight vector is decoded to f32 in registers (bf16: a 16-bit shift,
// exact; f16: vcvtph2ps) and used for all T tokens. T is a template
// parameter so the accumulators stay in registers. The K tail is scalar.
#pragma once

#include "../common/half_math.h"
#include "cpu_backend.h"

namespace kernels::cpu {

template <class V, int n_tokens>
inline void half_gemv_row(const half_gemv_args& a, std::int64_t n) {
    constexpr int width = V::width, chains = 4;
    const std::uint16_t* w_row = a.w + n * a.n_in;
    typename V::reg acc[chains][n_tokens];
    for (int c = 0; c < chains; ++c)
        for (int t = 0; t < n_tokens; ++t) acc[c][t] = V::zero();
    std::int64_t k = 0;
    for (; k + chains * width <= a.n_in; k += chains * width) {
        for (int c = 0; c < chains; ++c) {
            const std::int64_t kc = k + c * width;
            const typename V::reg wv = a.is_bf16 ? V::load_bf16(w_row + kc) : V::load_f16(w_row + kc);
            for (int t = 0; t < n_tokens; ++t) acc[c][t] = V::fma(wv, V::load(a.x + t * a.n_in + kc), acc[c][t]);
        }
    }
    for (; k + width <= a.n_in; k += width) {
        const typename V::reg wv = a.is_bf16 ? V::load_bf16(w_row + k) : V::load_f16(w_row + k);
        for (int t = 0; t < n_tokens; ++t) acc[0][t] = V::fma(wv, V::load(a.x + t * a.n_in + k), acc[0][t]);
    }
    for (int t = 0; t < n_tokens; ++t) {
        float sum = V::reduce(V::add(V::add(acc[0][t], acc[1][t]), V::add(acc[2][t], acc[3][t])));
        for (std::int64_t kt = k; kt < a.n_in; ++kt)
            sum += (a.is_bf16 ? bf16_to_f32(w_row[kt]) : f16_to_f32(w_row[kt])) * a.x[t * a.n_in + kt];
        a.out[t * a.n_out + n] = sum;
    }
}

template <class V, int n_tokens>
inline void half_gemv_fixed(const half_gemv_args& a) {
    for (std::int64_t n = a.row_begin; n < a.row_end; ++n) half_gemv_row<V, n_tokens>(a, n);
}

template <class V>
inline void half_gemv_simd(const half_gemv_args& a) {
    static_assert(small_batch_max == 4, "instantiate half_gemv_fixed for every T up to small_batch_max");
    switch (a.n_tokens) {
        case 1: half_gemv_fixed<V, 1>(a); break;
        case 2: half_gemv_fixed<V, 2>(a); break;
        case 3: half_gemv_fixed<V, 3>(a); break;
        default: half_gemv_fixed<V, 4>(a); break;
    }
}

template <class V>
inline void half_to_f32_simd(const std::uint16_t* src, std::int64_t n, bool is_bf16, float* dst) {
    std::int64_t i = 0;
    for (; i + V::width <= n; i += V::width) V::store(dst + i, is_bf16 ? V::load_bf16(src + i) : V::load_f16(src + i));
    for (; i < n; ++i) dst[i] = is_bf16 ? bf16_to_f32(src[i]) : f16_to_f32(src[i]);
}

}  // namespace kernels::cpu
