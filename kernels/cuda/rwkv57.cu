// RWKV v5.2 / v7 on CUDA: token_lerp, lerp, group_norm, the WKV-5/7
// recurrences and v7's key and bonus steps. The recurrences give one block
// to each head and one thread to each column (v5.2: a value channel, summing
// over keys) or row (v7: a value channel, summing over keys) of its N x N
// state, token after token; each token's per-head vectors are staged in
// shared memory. The per-element math is kernels/common/rwkv57_math.h,
// shared with the CPU backend. Sequences of at least one chunk run in matrix
// form instead (kernels/common/wkv_chunk_block.h, one block per head with
// the state and the chunk in shared memory: the per-token kernels' 64
// threads walk T steps, the chunked ones' 256 work on products of 16 tokens).
#include "../common/rwkv57_math.h"
#include "../common/wkv_chunk_block.h"
#include "cuda_util.cuh"
#include "launchers.cuh"

namespace kernels::cuda {
namespace {

constexpr int threads = 256;

__global__ void token_lerp_kernel(const float* x, const float* x_prev, const float* mix, std::int64_t n_tokens,
                                  std::int64_t c, float* out) {
    const std::int64_t total = n_tokens * c;
    for (std::int64_t i = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x; i < total;
         i += (std::int64_t)gridDim.x * blockDim.x) {
        const std::int64_t t = i / c, ch = i % c;
        out[i] = lerp_f(x[i], t == 0 ? x_prev[ch] : x[i - c], mix[ch]);
    }
}

__global__ void lerp_kernel(const float* a, const float* b, const float* t, std::int64_t n, float* out) {
    for (std::int64_t i = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x; i < n;
         i += (std::int64_t)gridDim.x * blockDim.x)
        out[i] = lerp_f(a[i], b[i], t[i]);
}

// One block per (row, group): two passes as the CPU's layernorm_row.
__global__ void group_norm_kernel(const float* x, const float* weight, const float* bias, float eps,
                                  std::int64_t n_groups, std::int64_t n, float* out) {
    __shared__ float scratch[32];
    const std::int64_t piece = blockIdx.x, ch0 = (piece % n_groups) * n;
    const float* src = x + piece * n;
    float* dst = out + piece * n;
    float s = 0;
    for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x) s += src[i];
    const float mean = block_reduce(s, scratch, sum_op{}, 0.0f) / static_cast<float>(n);
    float sq = 0;
    for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x) sq += (src[i] - mean) * (src[i] - mean);
    const float inv_std = 1.0f / sqrtf(block_reduce(sq, scratch, sum_op{}, 0.0f) / static_cast<float>(n) + eps);
    for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x)
        dst[i] = (src[i] - mean) * inv_std * weight[ch0 + i] + bias[ch0 + i];
}

// Block h, thread j: value column j of head h's state s[i][j].
__global__ void wkv5_kernel(const float* r, const float* k, const float* v, const float* decay, const float* bonus,
                            std::int64_t n_tokens, std::int64_t c, int n, float* state, float* out) {
    extern __shared__ float staged[];  // r[n], k[n]
    const int h = blockIdx.x, j = threadIdx.x;
    float* s = state + static_cast<std::int64_t>(h) * n * n;
    const float* w = decay + h * n;
    const float* u = bonus + h * n;
    for (std::int64_t t = 0; t < n_tokens; ++t) {
        const std::int64_t at = t * c + h * n;
        if (j < n) staged[j] = r[at + j], staged[n + j] = k[at + j];
        __syncthreads();
        if (j < n) {
            const float v_j = v[at + j];
            float y = 0;
            for (int i = 0; i < n; ++i) y += wkv5_element(s[i * n + j], staged[i], staged[n + i], w[i], u[i], v_j);
            out[at + j] = y;
        }
        __syncthreads();
    }
}

// Block h, thread i: value row i of head h's state s[i][j].
__global__ void wkv7_kernel(const float* r, const float* w, const float* k, const float* v, const float* kk,
                            const float* a, std::int64_t n_tokens, std::int64_t c, int n, float* state, float* out) {
    extern __shared__ float staged[];  // r, decay, k, -kk, kk * a: n each
    float *rs = staged, *ws = staged + n, *ks = staged + 2 * n, *as = staged + 3 * n, *bs = staged + 4 * n;
    const int h = blockIdx.x, i = threadIdx.x;
    float* row = state + (static_cast<std::int64_t>(h) * n + i) * n;
    for (std::int64_t t = 0; t < n_tokens; ++t) {
        const std::int64_t at = t * c + h * n;
        if (i < n) {
            rs[i] = r[at + i], ws[i] = rwkv7_decay(w[at + i]), ks[i] = k[at + i];
            as[i] = -kk[at + i], bs[i] = kk[at + i] * a[at + i];
        }
        __syncthreads();
        if (i < n) {
            float sa = 0;
            for (int j = 0; j < n; ++j) sa += row[j] * as[j];
            const float v_i = v[at + i];
            float y = 0;
            for (int j = 0; j < n; ++j) {
                row[j] = wkv7_element(row[j], ws[j], sa, bs[j], v_i, ks[j]);
                y += row[j] * rs[j];
            }
            out[at + i] = y;
        }
        __syncthreads();
    }
}

// Tokens per chunk on CUDA: at head size 64 the WKV-7 scratch is then 48 KiB,
// the shared memory any block may have without opting in.
constexpr int chunk_tokens = 16;
constexpr int chunk_threads = 256;
constexpr std::int64_t default_shared_bytes = 48 * 1024;

__global__ void wkv5_chunked_kernel(const float* r, const float* k, const float* v, const float* decay,
                                    const float* bonus, std::int64_t n_tokens, std::int64_t c, int n, float* state,
                                    float* out) {
    extern __shared__ float scratch[];
    const int h = blockIdx.x;
    wkv5_head_block(threadIdx.x, blockDim.x, scratch, n, chunk_tokens, n_tokens, r + h * n, k + h * n, v + h * n,
                    decay + h * n, bonus + h * n, c, state + static_cast<std::int64_t>(h) * n * n, out + h * n);
}

__global__ void wkv7_chunked_kernel(const float* r, const float* w, const float* k, const float* v, const float* kk,
                                    const float* a, std::int64_t n_tokens, std::int64_t c, int n, float* state,
                                    float* out) {
    extern __shared__ float scratch[];
    const int h = blockIdx.x;
    wkv7_head_block(threadIdx.x, blockDim.x, scratch, n, chunk_tokens, n_tokens, r + h * n, w + h * n, k + h * n,
                    v + h * n, kk + h * n, a + h * n, c, state + static_cast<std::int64_t>(h) * n * n, out + h * n);
}

// One thread per (token, head): F.normalize(k * k_k) and the k scaling.
__global__ void rwkv7_keys_kernel(float* k, const float* a, const float* k_k, const float* k_a, std::int64_t pieces,
                                  std::int64_t c, std::int64_t n, float* kk) {
    const std::int64_t p = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x;
    if (p >= pieces) return;
    const std::int64_t base = p * n, ch0 = base % c;
    float sq = 0;
    for (std::int64_t j = 0; j < n; ++j) {
        const float x = k[base + j] * k_k[ch0 + j];
        kk[base + j] = x;
        sq += x * x;
    }
    const float norm = fmaxf(sqrtf(sq), rwkv7_normalize_eps);
    for (std::int64_t j = 0; j < n; ++j) {
        kk[base + j] /= norm;
        k[base + j] = rwkv7_key(k[base + j], a[base + j], k_a[ch0 + j]);
    }
}

__global__ void rwkv7_bonus_kernel(const float* r, const float* k, const float* v, const float* r_k, std::int64_t pieces,
                                   std::int64_t c, std::int64_t n, float* out) {
    const std::int64_t p = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x;
    if (p >= pieces) return;
    const std::int64_t base = p * n, ch0 = base % c;
    float sum = 0;
    for (std::int64_t j = 0; j < n; ++j) sum += r[base + j] * k[base + j] * r_k[ch0 + j];
    for (std::int64_t j = 0; j < n; ++j) out[base + j] += sum * v[base + j];
}

int head_threads(std::int64_t n) { return static_cast<int>((n + 31) / 32 * 32); }

}  // namespace

void token_lerp_forward(const float* x, const float* x_prev, const float* mix, std::int64_t n_tokens, std::int64_t c,
                        float* out, cudaStream_t stream) {
    token_lerp_kernel<<<grid_for(n_tokens * c, threads), threads, 0, stream>>>(x, x_prev, mix, n_tokens, c, out);
    KERNEL_LAUNCH_CHECK();
}

void lerp_forward(const float* a, const float* b, const float* t, std::int64_t n, float* out, cudaStream_t stream) {
    lerp_kernel<<<grid_for(n, threads), threads, 0, stream>>>(a, b, t, n, out);
    KERNEL_LAUNCH_CHECK();
}

void group_norm_forward(const float* x, const float* weight, const float* bias, float eps, std::int64_t rows,
                        std::int64_t n_groups, std::int64_t n, float* out, cudaStream_t stream) {
    const int block = n <= 64 ? 32 : 128;
    group_norm_kernel<<<static_cast<unsigned>(rows * n_groups), block, 0, stream>>>(x, weight, bias, eps, n_groups, n,
                                                                                   out);
    KERNEL_LAUNCH_CHECK();
}

void wkv5_forward(const float* r, const float* k, const float* v, const float* decay, const float* bonus,
                  std::int64_t n_tokens, std::int64_t c, std::int64_t n_heads, std::int64_t head_size, float* state,
                  float* out, cudaStream_t stream) {
    const std::int64_t chunked_bytes = wkv5_block_scratch::floats(static_cast<int>(head_size), chunk_tokens) * 4;
    if (n_tokens >= chunk_tokens && chunked_bytes <= default_shared_bytes) {
        wkv5_chunked_kernel<<<static_cast<unsigned>(n_heads), chunk_threads, static_cast<std::size_t>(chunked_bytes),
                              stream>>>(r, k, v, decay, bonus, n_tokens, c, static_cast<int>(head_size), state, out);
        KERNEL_LAUNCH_CHECK();
        return;
    }
    const auto shared = static_cast<std::size_t>(2 * head_size) * sizeof(float);
    wkv5_kernel<<<static_cast<unsigned>(n_heads), head_threads(head_size), shared, stream>>>(
        r, k, v, decay, bonus, n_tokens, c, static_cast<int>(head_size), state, out);
    KERNEL_LAUNCH_CHECK();
}

void wkv7_forward(const float* r, const float* w, const float* k, const float* v, const float* kk, const float* a,
                  std::int64_t n_tokens, std::int64_t c, std::int64_t n_heads, std::int64_t head_size, float* state,
                  float* out, cudaStream_t stream) {
    const std::int64_t chunked_bytes = wkv7_block_scratch::floats(static_cast<int>(head_size), chunk_tokens) * 4;
    if (n_tokens >= chunk_tokens && chunked_bytes <= default_shared_bytes) {
        wkv7_chunked_kernel<<<static_cast<unsigned>(n_heads), chunk_threads, static_cast<std::size_t>(chunked_bytes),
                              stream>>>(r, w, k, v, kk, a, n_tokens, c, static_cast<int>(head_size), state, out);
        KERNEL_LAUNCH_CHECK();
        return;
    }
    const auto shared = static_cast<std::size_t>(5 * head_size) * sizeof(float);
    wkv7_kernel<<<static_cast<unsigned>(n_heads), head_threads(head_size), shared, stream>>>(
        r, w, k, v, kk, a, n_tokens, c, static_cast<int>(head_size), state, out);
    KERNEL_LAUNCH_CHECK();
}

void rwkv7_keys_forward(float* k, const float* a, const float* k_k, const float* k_a, std::int64_t n_tokens,
                        std::int64_t c, std::int64_t head_size, float* kk, cudaStream_t stream) {
    const std::int64_t pieces = n_tokens * c / head_size;
    rwkv7_keys_kernel<<<grid_for(pieces, 64), 64, 0, stream>>>(k, a, k_k, k_a, pieces, c, head_size, kk);
    KERNEL_LAUNCH_CHECK();
}

void rwkv7_bonus_forward(const float* r, const float* k, const float* v, const float* r_k, std::int64_t n_tokens,
                         std::int64_t c, std::int64_t head_size, float* out, cudaStream_t stream) {
    const std::int64_t pieces = n_tokens * c / head_size;
    rwkv7_bonus_kernel<<<grid_for(pieces, 64), 64, 0, stream>>>(r, k, v, r_k, pieces, c, head_size, out);
    KERNEL_LAUNCH_CHECK();
}

}  // namespace kernels::cuda
