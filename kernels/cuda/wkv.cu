// WKV-4 on CUDA. Variants: `scan` — one thread per channel walks the T
// tokens with the state in registers, exactly the official RWKV-4 CUDA kernel
// (wkv_cuda.cu) for batch 1. Channels are independent, so the only
// parallelism is C threads; the GPU engines' time-blocking belongs to the
// engine issue and will be added here behind the same launcher.
#include "../common/wkv_math.h"
#include "cuda_util.cuh"
#include "launchers.cuh"

namespace kernels::cuda {
namespace {

__global__ void wkv_forward_kernel(const float* w, const float* u, const float* k, const float* v,
                                   std::int64_t n_tokens, std::int64_t n_embd, float* state, float* out) {
    const std::int64_t c = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x;
    if (c >= n_embd) return;
    wkv_triplet s{state[c], state[n_embd + c], state[2 * n_embd + c]};
    const float wc = w[c], uc = u[c];
    for (std::int64_t t = 0; t < n_tokens; ++t) {
        const std::int64_t i = t * n_embd + c;
        const float kt = k[i], vt = v[i];
        out[i] = wkv_output(s, uc, kt, vt);
        s = wkv_update(s, wc, kt, vt);
    }
    state[c] = s.aa;
    state[n_embd + c] = s.bb;
    state[2 * n_embd + c] = s.pp;
}

}  // namespace

void wkv_forward(const float* w, const float* u, const float* k, const float* v, std::int64_t n_tokens,
                 std::int64_t n_embd, float* state, float* out, cudaStream_t stream) {
    constexpr int threads = 128;
    wkv_forward_kernel<<<grid_for(n_embd, threads), threads, 0, stream>>>(w, u, k, v, n_tokens, n_embd, state, out);
    KERNEL_LAUNCH_CHECK();
}

}  // namespace kernels::cuda
