// Row-dot kernel for f16/bf16 weights in plain C++: the fallback for CPUs
// without AVX2/F16C, and the shape every SIMD variant follows.
#include <cstring>

#include "kernels/half_math.h"
#include "cpu_backend.h"

namespace kernels::cpu {

void half_gemv_scalar(const half_gemv_args& a) {
    for (std::int64_t n = a.row_begin; n < a.row_end; ++n) {
        float sum[small_batch_max] = {};
        for (std::int64_t k = 0; k < a.n_in; ++k) {
            float wk;
            if (a.is_f32)
                std::memcpy(&wk, a.w + 2 * (n * a.n_in + k), 4);
            else
                wk = a.is_bf16 ? bf16_to_f32(a.w[n * a.n_in + k]) : f16_to_f32(a.w[n * a.n_in + k]);
            for (std::int64_t t = 0; t < a.n_tokens; ++t) sum[t] += wk * a.x[t * a.n_in + k];
        }
        for (std::int64_t t = 0; t < a.n_tokens; ++t) a.out[t * a.n_out + n] = sum[t];
    }
}

void half_to_f32_scalar(const std::uint16_t* src, std::int64_t n, bool is_bf16, float* dst) {
    for (std::int64_t i = 0; i < n; ++i) dst[i] = is_bf16 ? bf16_to_f32(src[i]) : f16_to_f32(src[i]);
}

}  // namespace kernels::cpu
