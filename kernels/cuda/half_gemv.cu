// Matrix-vector products with f16/bf16 weights for decode-sized batches
// (T <= half_gemv_max_tokens): one warp per output row, each lane decoding
// weights to f32 (kernels/common/half_math.h, exact) and accumulating in f32
// for all T tokens, then a warp reduction. Memory-bound: every weight byte is
// read once. The kernel is instantiated for up to 4, 8 and 16 tokens (the
// accumulators stay in registers). Larger T goes through cuBLAS in
// cuda_backend.cpp.
#include "kernels/half_math.h"
#include "cuda_util.cuh"
#include "launchers.cuh"

namespace kernels::cuda {
namespace {

constexpr int warps_per_block = 8;

template <int max_tokens>
__global__ void half_gemv_kernel(const float* x, const std::uint16_t* w, bool is_bf16, int n_tokens,
                                 std::int64_t n_in, std::int64_t n_out, float* out) {
    const std::int64_t row = blockIdx.x * (std::int64_t)warps_per_block + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (row >= n_out) return;
    const std::uint16_t* w_row = w + row * n_in;
    float sum[max_tokens] = {};
    // Two weights per lane per step (one 32-bit load).
    const std::int64_t n_pairs = n_in / 2;
    const auto* w_pairs = reinterpret_cast<const std::uint32_t*>(w_row);
    const bool aligned = (reinterpret_cast<std::uintptr_t>(w_row) & 3) == 0;
    if (aligned) {
        for (std::int64_t p = lane; p < n_pairs; p += 32) {
            const std::uint32_t two = w_pairs[p];
            const auto lo = static_cast<std::uint16_t>(two & 0xFFFFu), hi = static_cast<std::uint16_t>(two >> 16);
            const float w0 = is_bf16 ? bf16_to_f32(lo) : f16_to_f32(lo);
            const float w1 = is_bf16 ? bf16_to_f32(hi) : f16_to_f32(hi);
            for (int t = 0; t < max_tokens; ++t)
                if (t < n_tokens) sum[t] += w0 * x[t * n_in + 2 * p] + w1 * x[t * n_in + 2 * p + 1];
        }
    }
    for (std::int64_t k = aligned ? 2 * n_pairs + lane : lane; k < n_in; k += 32) {
        const float wk = is_bf16 ? bf16_to_f32(w_row[k]) : f16_to_f32(w_row[k]);
        for (int t = 0; t < max_tokens; ++t)
            if (t < n_tokens) sum[t] += wk * x[t * n_in + k];
    }
    for (int t = 0; t < max_tokens; ++t) {
        if (t >= n_tokens) break;
        const float total = warp_sum(sum[t]);
        if (lane == 0) out[t * n_out + row] = total;
    }
}

}  // namespace

void half_gemv_forward(const float* x, const std::uint16_t* w, bool is_bf16, std::int64_t n_tokens,
                       std::int64_t n_in, std::int64_t n_out, float* out, cudaStream_t stream) {
    if (n_tokens < 1 || n_tokens > half_gemv_max_tokens)
        throw harness::unsupported_error("cuda half_gemv: T must be 1.." + std::to_string(half_gemv_max_tokens));
    static_assert(half_gemv_max_tokens == 16, "instantiate half_gemv_kernel up to half_gemv_max_tokens");
    const auto grid = static_cast<unsigned>((n_out + warps_per_block - 1) / warps_per_block);
    const int t = static_cast<int>(n_tokens);
    if (t <= 4)
        half_gemv_kernel<4><<<grid, warps_per_block * 32, 0, stream>>>(x, w, is_bf16, t, n_in, n_out, out);
    else if (t <= 8)
        half_gemv_kernel<8><<<grid, warps_per_block * 32, 0, stream>>>(x, w, is_bf16, t, n_in, n_out, out);
    else
        half_gemv_kernel<16><<<grid, warps_per_block * 32, 0, stream>>>(x, w, is_bf16, t, n_in, n_out, out);
    KERNEL_LAUNCH_CHECK();
}

}  // namespace kernels::cuda
