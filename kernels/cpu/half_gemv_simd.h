// The SIMD row-dot kernel, written once over a small "vector traits" type and
// instantiated in half_gemv_avx2.cpp and half_gemv_avx512.cpp (each compiled
// with its own -m flags, called only when the CPU has them).
//
// Four weight rows are processed together so that 4 x T independent FMA
// chains hide the FMA latency; each weight vector is decoded to f32 in
// registers (bf16: a 16-bit shift, exact; f16: vcvtph2ps) and used for all T
// tokens. Remaining rows go one at a time; the K tail is scalar.
#pragma once

#include "../common/half_math.h"
#include "cpu_backend.h"

namespace kernels::cpu {

template <class V, int rows_at_once>
inline void half_gemv_rows(const half_gemv_args& a, std::int64_t n) {
    constexpr int width = V::width;
    const std::int64_t k_vec = a.n_in / width * width;
    typename V::reg acc[rows_at_once][small_batch_max];
    for (int r = 0; r < rows_at_once; ++r)
        for (int t = 0; t < small_batch_max; ++t) acc[r][t] = V::zero();
    for (std::int64_t k = 0; k < k_vec; k += width) {
        typename V::reg xv[small_batch_max];
        for (std::int64_t t = 0; t < a.n_tokens; ++t) xv[t] = V::load(a.x + t * a.n_in + k);
        for (int r = 0; r < rows_at_once; ++r) {
            const std::uint16_t* w_row = a.w + (n + r) * a.n_in + k;
            const typename V::reg wv = a.is_bf16 ? V::load_bf16(w_row) : V::load_f16(w_row);
            for (std::int64_t t = 0; t < a.n_tokens; ++t) acc[r][t] = V::fma(wv, xv[t], acc[r][t]);
        }
    }
    for (int r = 0; r < rows_at_once; ++r) {
        const std::uint16_t* w_row = a.w + (n + r) * a.n_in;
        for (std::int64_t t = 0; t < a.n_tokens; ++t) {
            float sum = V::reduce(acc[r][t]);
            for (std::int64_t k = k_vec; k < a.n_in; ++k)
                sum += (a.is_bf16 ? bf16_to_f32(w_row[k]) : f16_to_f32(w_row[k])) * a.x[t * a.n_in + k];
            a.out[t * a.n_out + n + r] = sum;
        }
    }
}

template <class V>
inline void half_gemv_simd(const half_gemv_args& a) {
    std::int64_t n = a.row_begin;
    for (; n + 4 <= a.row_end; n += 4) half_gemv_rows<V, 4>(a, n);
    for (; n < a.row_end; ++n) half_gemv_rows<V, 1>(a, n);
}

}  // namespace kernels::cpu
