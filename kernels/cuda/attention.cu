// Streaming ("fused") causal attention on CUDA: one warp per (query t, head
// h). The warp walks the keys 0..n_past+t; lane l owns output dims
// l, l+32, ... (up to 8 of them: head_dim <= 256). Per key: the dot product is
// a warp reduction, then the online-softmax update (running max m, normaliser
// l, output rescaled by exp(m_old - m_new)). Memory is O(head_dim) per query;
// compute is still quadratic in context. The naive variant (cuBLAS + masked
// softmax) lives in cuda_backend.cpp.
#include <cfloat>

#include "cuda_util.cuh"
#include "launchers.cuh"

namespace kernels::cuda {
namespace {

constexpr int max_dims_per_lane = 8;
constexpr int warps_per_block = 4;

__global__ void attention_fused_kernel(const float* q, const float* k_cache, const float* v_cache,
                                       std::int64_t n_tokens, std::int64_t n_heads, std::int64_t head_dim,
                                       std::int64_t n_past, float scale, float* out) {
    const std::int64_t pair = blockIdx.x * (std::int64_t)warps_per_block + (threadIdx.x >> 5);
    if (pair >= n_tokens * n_heads) return;
    const int lane = threadIdx.x & 31;
    const std::int64_t t = pair / n_heads, h = pair % n_heads;
    const float* q_th = q + (t * n_heads + h) * head_dim;
    // Caches are [capacity, H, D]: position j of head h at (j * H + h) * D.
    const std::int64_t key_stride = n_heads * head_dim;
    const float* k_h = k_cache + h * head_dim;
    const float* v_h = v_cache + h * head_dim;

    float q_reg[max_dims_per_lane], acc[max_dims_per_lane];
    for (int i = 0; i < max_dims_per_lane; ++i) {
        const std::int64_t d = lane + 32 * i;
        q_reg[i] = d < head_dim ? q_th[d] : 0.0f;
        acc[i] = 0.0f;
    }
    float m = -FLT_MAX, l = 0.0f;
    const std::int64_t last = n_past + t;
    for (std::int64_t j = 0; j <= last; ++j) {
        const float* k_j = k_h + j * key_stride;
        float partial = 0.0f;
        for (int i = 0; i < max_dims_per_lane; ++i) {
            const std::int64_t d = lane + 32 * i;
            if (d < head_dim) partial += q_reg[i] * k_j[d];
        }
        const float s = warp_sum(partial) * scale;
        const float m_new = fmaxf(m, s);
        const float correction = expf(m - m_new);
        const float p = expf(s - m_new);
        l = l * correction + p;
        const float* v_j = v_h + j * key_stride;
        for (int i = 0; i < max_dims_per_lane; ++i) {
            const std::int64_t d = lane + 32 * i;
            if (d < head_dim) acc[i] = acc[i] * correction + p * v_j[d];
        }
        m = m_new;
    }
    float* out_th = out + (t * n_heads + h) * head_dim;
    const float inv = 1.0f / l;
    for (int i = 0; i < max_dims_per_lane; ++i) {
        const std::int64_t d = lane + 32 * i;
        if (d < head_dim) out_th[d] = acc[i] * inv;
    }
}

}  // namespace

void attention_fused_forward(const float* q, const float* k_cache, const float* v_cache, std::int64_t n_tokens,
                             std::int64_t n_heads, std::int64_t head_dim, std::int64_t n_past, float scale,
                             float* out, cudaStream_t stream) {
    if (head_dim > attention_fused_max_head_dim)
        throw harness::unsupported_error("cuda attention (fused): head_dim " + std::to_string(head_dim) +
                                         " exceeds " + std::to_string(attention_fused_max_head_dim));
    const std::int64_t pairs = n_tokens * n_heads;
    const std::int64_t blocks = (pairs + warps_per_block - 1) / warps_per_block;
    attention_fused_kernel<<<static_cast<unsigned>(blocks), warps_per_block * 32, 0, stream>>>(
        q, k_cache, v_cache, n_tokens, n_heads, head_dim, n_past, scale, out);
    KERNEL_LAUNCH_CHECK();
}

}  // namespace kernels::cuda
