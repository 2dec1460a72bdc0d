// Streaming ("fused") causal attention on CUDA, split over keys
// (flash-decoding). One block of 4 warps per (query t, head h, key split s):
// the block's warps walk the split's keys in turn, each warp keeping its own
// online softmax (running max m, normaliser l, unnormalised output acc); the
// warps are merged in shared memory. With one split the block writes the
// output; with several, each block writes its partial (m, l, acc) and a second
// kernel merges the splits: out = Σ e^(m_s-M) acc_s / Σ e^(m_s-M) l_s.
//
// Why split: at decode (T = 1) there are only H (12-32) query-head pairs, so
// one warp per pair leaves almost all of a 132-SM GPU idle while it reads a KV
// cache of up to gigabytes. Splits are chosen so that the grid has a few
// blocks per SM, and no split is shorter than min_split_keys keys.
//
// Per key the dot product is a warp reduction (lane l owns dims l, l+32, ...,
// up to 8 of them: head_dim <= 256). Memory is O(head_dim) per query; compute
// is still quadratic in context. The naive variant (cuBLAS + masked softmax)
// lives in cuda_backend.cpp.
#include <cfloat>

#include "cuda_util.cuh"
#include "launchers.cuh"

namespace kernels::cuda {
namespace {

constexpr int max_dims_per_lane = 8;
constexpr int warps_per_block = 4;
constexpr std::int64_t min_split_keys = 128;
constexpr std::int64_t blocks_per_sm = 8;
constexpr int keys_per_step = 4;

// Partial results of one (t, h, split): m, l, then acc[head_dim].
__host__ __device__ inline std::int64_t partial_stride(std::int64_t head_dim) { return head_dim + 2; }

__global__ void attention_split_kernel(const float* q, const float* k_cache, const float* v_cache,
                                       std::int64_t n_heads, std::int64_t head_dim, std::int64_t n_past, float scale,
                                       std::int64_t split_len, float* out, float* partials) {
    __shared__ float warp_m[warps_per_block], warp_l[warps_per_block];
    __shared__ float warp_acc[warps_per_block][max_dims_per_lane * 32];

    const std::int64_t pair = blockIdx.x;  // t * H + h
    const std::int64_t split = blockIdx.y, n_splits = gridDim.y;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const std::int64_t t = pair / n_heads, h = pair % n_heads;
    const float* q_th = q + pair * head_dim;
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
    // -FLT_MAX rather than -inf: an empty warp or split merges as weight 0, never inf - inf.
    float m = -FLT_MAX, l = 0.0f;
    const std::int64_t n_visible = n_past + t + 1;  // causal: keys 0 .. n_past + t
    const std::int64_t begin = split * split_len;
    const std::int64_t end = begin + split_len < n_visible ? begin + split_len : n_visible;
    // keys_per_step keys per warp and step: their loads are independent, so a
    // warp has several rows of K (then V) in flight instead of one.
    for (std::int64_t j0 = begin + warp * keys_per_step; j0 < end; j0 += warps_per_block * keys_per_step) {
        float score[keys_per_step];
#pragma unroll
        for (int u = 0; u < keys_per_step; ++u) {
            const float* k_j = k_h + (j0 + u) * key_stride;
            float partial = 0.0f;
            if (j0 + u < end) {
#pragma unroll
                for (int i = 0; i < max_dims_per_lane; ++i) {
                    const std::int64_t d = lane + 32 * i;
                    if (d < head_dim) partial += q_reg[i] * k_j[d];
                }
            }
            score[u] = partial;
        }
        float m_new = m;
#pragma unroll
        for (int u = 0; u < keys_per_step; ++u) {
            score[u] = warp_sum(score[u]) * scale;
            if (j0 + u < end) m_new = fmaxf(m_new, score[u]);
        }
        const float correction = expf(m - m_new);
        float p[keys_per_step];
        l *= correction;
#pragma unroll
        for (int u = 0; u < keys_per_step; ++u) {
            p[u] = j0 + u < end ? expf(score[u] - m_new) : 0.0f;
            l += p[u];
        }
#pragma unroll
        for (int i = 0; i < max_dims_per_lane; ++i) {
            const std::int64_t d = lane + 32 * i;
            if (d >= head_dim) continue;
            float a = acc[i] * correction;
#pragma unroll
            for (int u = 0; u < keys_per_step; ++u)
                if (j0 + u < end) a += p[u] * v_h[(j0 + u) * key_stride + d];
            acc[i] = a;
        }
        m = m_new;
    }

    if (lane == 0) {
        warp_m[warp] = m;
        warp_l[warp] = l;
    }
    for (int i = 0; i < max_dims_per_lane; ++i) warp_acc[warp][lane + 32 * i] = acc[i];
    __syncthreads();
    if (warp != 0) return;

    float m_all = warp_m[0];
    for (int w = 1; w < warps_per_block; ++w) m_all = fmaxf(m_all, warp_m[w]);
    float weight[warps_per_block], l_all = 0.0f;
    for (int w = 0; w < warps_per_block; ++w) {
        weight[w] = expf(warp_m[w] - m_all);
        l_all += weight[w] * warp_l[w];
    }
    if (n_splits == 1) {
        float* out_th = out + pair * head_dim;
        const float inv = 1.0f / l_all;
        for (int i = 0; i < max_dims_per_lane; ++i) {
            const std::int64_t d = lane + 32 * i;
            if (d >= head_dim) break;
            float sum = 0.0f;
            for (int w = 0; w < warps_per_block; ++w) sum += weight[w] * warp_acc[w][d];
            out_th[d] = sum * inv;
        }
        return;
    }
    float* part = partials + (pair * n_splits + split) * partial_stride(head_dim);
    if (lane == 0) {
        part[0] = m_all;
        part[1] = l_all;
    }
    for (int i = 0; i < max_dims_per_lane; ++i) {
        const std::int64_t d = lane + 32 * i;
        if (d >= head_dim) break;
        float sum = 0.0f;
        for (int w = 0; w < warps_per_block; ++w) sum += weight[w] * warp_acc[w][d];
        part[2 + d] = sum;
    }
}

// One warp per (t, h): merges the n_splits partials of attention_split_kernel.
__global__ void attention_merge_kernel(const float* partials, std::int64_t n_pairs, std::int64_t head_dim,
                                       std::int64_t n_splits, float* out) {
    const std::int64_t pair = blockIdx.x * (std::int64_t)warps_per_block + (threadIdx.x >> 5);
    if (pair >= n_pairs) return;
    const int lane = threadIdx.x & 31;
    const std::int64_t stride = partial_stride(head_dim);
    const float* part = partials + pair * n_splits * stride;
    float m_all = -FLT_MAX;
    for (std::int64_t s = lane; s < n_splits; s += 32) m_all = fmaxf(m_all, part[s * stride]);
    m_all = warp_max(m_all);
    float l_part = 0.0f;
    for (std::int64_t s = lane; s < n_splits; s += 32) l_part += expf(part[s * stride] - m_all) * part[s * stride + 1];
    const float inv = 1.0f / warp_sum(l_part);
    float* out_th = out + pair * head_dim;
    for (std::int64_t d = lane; d < head_dim; d += 32) {
        float sum = 0.0f;
        for (std::int64_t s = 0; s < n_splits; ++s) sum += expf(part[s * stride] - m_all) * part[s * stride + 2 + d];
        out_th[d] = sum * inv;
    }
}

}  // namespace

std::int64_t attention_fused_splits(std::int64_t n_tokens, std::int64_t n_heads, std::int64_t n_keys, int sm_count) {
    const std::int64_t pairs = n_tokens * n_heads;
    const std::int64_t wanted = (blocks_per_sm * sm_count + pairs - 1) / pairs;
    const std::int64_t most = (n_keys + min_split_keys - 1) / min_split_keys;
    const std::int64_t splits = wanted < most ? wanted : most;
    return splits > 65535 ? 65535 : (splits < 1 ? 1 : splits);
}

std::size_t attention_fused_scratch_floats(std::int64_t n_tokens, std::int64_t n_heads, std::int64_t head_dim,
                                           std::int64_t n_splits) {
    if (n_splits <= 1) return 0;
    return static_cast<std::size_t>(n_tokens * n_heads * n_splits * partial_stride(head_dim));
}

void attention_fused_forward(const float* q, const float* k_cache, const float* v_cache, std::int64_t n_tokens,
                             std::int64_t n_heads, std::int64_t head_dim, std::int64_t n_past, float scale,
                             std::int64_t n_splits, float* partials, float* out, cudaStream_t stream) {
    if (head_dim > attention_fused_max_head_dim)
        throw harness::unsupported_error("cuda attention (fused): head_dim " + std::to_string(head_dim) +
                                         " exceeds " + std::to_string(attention_fused_max_head_dim));
    const std::int64_t pairs = n_tokens * n_heads;
    if (pairs == 0) return;
    const std::int64_t n_keys = n_past + n_tokens;
    const std::int64_t split_len = (n_keys + n_splits - 1) / n_splits;
    const dim3 grid(static_cast<unsigned>(pairs), static_cast<unsigned>(n_splits));
    attention_split_kernel<<<grid, warps_per_block * 32, 0, stream>>>(q, k_cache, v_cache, n_heads, head_dim, n_past,
                                                                       scale, split_len, out, partials);
    KERNEL_LAUNCH_CHECK();
    if (n_splits == 1) return;
    const std::int64_t blocks = (pairs + warps_per_block - 1) / warps_per_block;
    attention_merge_kernel<<<static_cast<unsigned>(blocks), warps_per_block * 32, 0, stream>>>(partials, pairs,
                                                                                                head_dim, n_splits, out);
    KERNEL_LAUNCH_CHECK();
}

}  // namespace kernels::cuda
