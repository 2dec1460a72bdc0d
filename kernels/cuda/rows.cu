// Row-wise CUDA kernels: one thread block per row, block reductions in shared
// memory. layernorm (two passes: mean, then centred variance, as the CPU),
// softmax/log-softmax, argmax (first index of the maximum), and the masked
// softmax of naive attention.
#include <cfloat>

#include "cuda_util.cuh"
#include "launchers.cuh"

namespace kernels::cuda {
namespace {

constexpr int threads = 256;

__global__ void layernorm_forward_kernel(const float* x, const float* weight, const float* bias, float eps,
                                         std::int64_t n, float* out) {
    __shared__ float scratch[32];
    const float* row = x + blockIdx.x * n;
    float* dst = out + blockIdx.x * n;
    float s = 0;
    for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x) s += row[i];
    const float mean = block_reduce(s, scratch, sum_op{}, 0.0f) / static_cast<float>(n);
    float sq = 0;
    for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x) sq += (row[i] - mean) * (row[i] - mean);
    const float inv_std = rsqrtf(block_reduce(sq, scratch, sum_op{}, 0.0f) / static_cast<float>(n) + eps);
    for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x) dst[i] = (row[i] - mean) * inv_std * weight[i] + bias[i];
}

// Softmax over keys 0..last of a row, after scaling; keys > last become 0.
// `last` < 0 means the whole row (plain softmax).
__device__ void softmax_row(const float* row, std::int64_t n, std::int64_t last, float scale, bool log_form,
                            float* dst, float* scratch) {
    const std::int64_t end = last < 0 ? n : last + 1;
    float m = -FLT_MAX;
    for (std::int64_t i = threadIdx.x; i < end; i += blockDim.x) m = fmaxf(m, row[i] * scale);
    m = block_reduce(m, scratch, max_op{}, -FLT_MAX);
    float s = 0;
    for (std::int64_t i = threadIdx.x; i < end; i += blockDim.x) s += expf(row[i] * scale - m);
    s = block_reduce(s, scratch, sum_op{}, 0.0f);
    const float log_s = logf(s), inv_s = 1.0f / s;
    for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x) {
        if (i >= end)
            dst[i] = 0.0f;
        else
            dst[i] = log_form ? row[i] * scale - m - log_s : expf(row[i] * scale - m) * inv_s;
    }
}

__global__ void softmax_forward_kernel(const float* x, std::int64_t n, bool log_form, float* out) {
    __shared__ float scratch[32];
    softmax_row(x + blockIdx.x * n, n, -1, 1.0f, log_form, out + blockIdx.x * n, scratch);
}

__global__ void masked_softmax_forward_kernel(float* scores, std::int64_t n_tokens, std::int64_t n_keys,
                                              std::int64_t n_past, float scale) {
    __shared__ float scratch[32];
    const std::int64_t row = blockIdx.x;  // = h * T + t
    const std::int64_t t = row % n_tokens;
    float* r = scores + row * n_keys;
    softmax_row(r, n_keys, n_past + t, scale, false, r, scratch);
}

__global__ void argmax_forward_kernel(const float* x, std::int64_t n, std::int32_t* out) {
    __shared__ float best_value[threads];
    __shared__ std::int64_t best_index[threads];
    const float* row = x + blockIdx.x * n;
    float bv = -FLT_MAX;
    std::int64_t bi = n;  // "none yet": larger than every index
    for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x)
        if (row[i] > bv || bi == n) bv = row[i], bi = i;  // increasing i: keeps the first maximum
    best_value[threadIdx.x] = bv;
    best_index[threadIdx.x] = bi;
    __syncthreads();
    for (int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
        if (threadIdx.x < stride) {
            const float ov = best_value[threadIdx.x + stride];
            const std::int64_t oi = best_index[threadIdx.x + stride];
            const float mv = best_value[threadIdx.x];
            const std::int64_t mi = best_index[threadIdx.x];
            if (oi < n && (mi == n || ov > mv || (ov == mv && oi < mi))) {
                best_value[threadIdx.x] = ov;
                best_index[threadIdx.x] = oi;
            }
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) out[blockIdx.x] = static_cast<std::int32_t>(best_index[0]);
}

void check_rows(std::int64_t rows) {
    if (rows > 0x7fffffff) throw harness::unsupported_error("cuda: more than 2^31 rows in one launch");
}

}  // namespace

void layernorm_forward(const float* x, const float* weight, const float* bias, float eps, std::int64_t rows,
                       std::int64_t n, float* out, cudaStream_t stream) {
    check_rows(rows);
    layernorm_forward_kernel<<<static_cast<unsigned>(rows), threads, 0, stream>>>(x, weight, bias, eps, n, out);
    KERNEL_LAUNCH_CHECK();
}

void softmax_forward(const float* x, std::int64_t rows, std::int64_t n, bool log_form, float* out,
                     cudaStream_t stream) {
    check_rows(rows);
    softmax_forward_kernel<<<static_cast<unsigned>(rows), threads, 0, stream>>>(x, n, log_form, out);
    KERNEL_LAUNCH_CHECK();
}

void argmax_forward(const float* x, std::int64_t rows, std::int64_t n, std::int32_t* out, cudaStream_t stream) {
    check_rows(rows);
    argmax_forward_kernel<<<static_cast<unsigned>(rows), threads, 0, stream>>>(x, n, out);
    KERNEL_LAUNCH_CHECK();
}

void masked_softmax_forward(float* scores, std::int64_t n_heads, std::int64_t n_tokens, std::int64_t n_keys,
                            std::int64_t n_past, float scale, cudaStream_t stream) {
    check_rows(n_heads * n_tokens);
    masked_softmax_forward_kernel<<<static_cast<unsigned>(n_heads * n_tokens), threads, 0, stream>>>(
        scores, n_tokens, n_keys, n_past, scale);
    KERNEL_LAUNCH_CHECK();
}

}  // namespace kernels::cuda
