// Element-parallel CUDA kernels: embedding, token shift, activations, add/mul,
// rotary, dtype conversion, bias. One thread per output element, grid-stride
// loops. Per-element math comes from kernels/common (shared with the CPU).
#include "../common/activation_math.h"
#include "../common/rwkv57_math.h"
#include "kernels/half_math.h"
#include "../common/rotary_math.h"
#include "cuda_util.cuh"
#include "launchers.cuh"

namespace kernels::cuda {
namespace {

__device__ __forceinline__ float load_as_f32(const void* p, dtype t, std::int64_t i) {
    if (t == dtype::f32) return static_cast<const float*>(p)[i];
    const std::uint16_t bits = static_cast<const std::uint16_t*>(p)[i];
    return t == dtype::f16 ? f16_to_f32(bits) : bf16_to_f32(bits);
}

__global__ void embedding_forward_kernel(const void* table, dtype table_type, const std::int32_t* ids,
                                         std::int64_t n_tokens, std::int64_t n_vocab, std::int64_t n_embd,
                                         float* out) {
    const std::int64_t total = n_tokens * n_embd;
    for (std::int64_t i = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x; i < total;
         i += (std::int64_t)gridDim.x * blockDim.x) {
        const std::int64_t t = i / n_embd, c = i % n_embd;
        const std::int32_t id = ids[t];
        // Engines validate ids on the host; an id outside the table still
        // gives NaN rather than reading out of bounds.
        out[i] = (id >= 0 && id < n_vocab) ? load_as_f32(table, table_type, id * n_embd + c) : NAN;
    }
}

__global__ void token_shift_forward_kernel(const float* x, const float* x_prev, const float* mix,
                                           std::int64_t n_tokens, std::int64_t n_embd, float* out) {
    const std::int64_t total = n_tokens * n_embd;
    for (std::int64_t i = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x; i < total;
         i += (std::int64_t)gridDim.x * blockDim.x) {
        const std::int64_t t = i / n_embd, c = i % n_embd;
        const float prev = t == 0 ? x_prev[c] : x[i - n_embd];
        out[i] = x[i] * mix[c] + prev * (1.0f - mix[c]);
    }
}

template <op_kind kind>
__global__ void unary_forward_kernel(const float* x, std::int64_t n, float* out) {
    for (std::int64_t i = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x; i < n;
         i += (std::int64_t)gridDim.x * blockDim.x) {
        const float v = x[i];
        if constexpr (kind == op_kind::sigmoid) out[i] = sigmoid_f(v);
        if constexpr (kind == op_kind::squared_relu) out[i] = squared_relu_f(v);
        if constexpr (kind == op_kind::gelu_erf) out[i] = gelu_erf_f(v);
        if constexpr (kind == op_kind::gelu_tanh) out[i] = gelu_tanh_f(v);
        if constexpr (kind == op_kind::tanh) out[i] = tanhf(v);
        if constexpr (kind == op_kind::silu) out[i] = silu_f(v);
    }
}

__global__ void binary_forward_kernel(bool is_add, const float* a, const float* b, std::int64_t n,
                                      std::int64_t nb, float* out) {
    for (std::int64_t i = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x; i < n;
         i += (std::int64_t)gridDim.x * blockDim.x) {
        const float y = b[i % nb];
        out[i] = is_add ? a[i] + y : a[i] * y;
    }
}

// One thread per (t, h, d) with d < head_dim; the pair (i, i + half) is done
// by the thread of i, the unrotated tail is copied.
__global__ void rotary_forward_kernel(const float* x, std::int64_t n_tokens, std::int64_t n_heads,
                                      std::int64_t head_dim, std::int64_t pos0, int n_rot, float base, float* out) {
    const std::int64_t total = n_tokens * n_heads * head_dim;
    const int half = n_rot / 2;
    for (std::int64_t i = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x; i < total;
         i += (std::int64_t)gridDim.x * blockDim.x) {
        const std::int64_t d = i % head_dim, t = i / (n_heads * head_dim);
        const std::int64_t head_base = i - d;
        if (d < half) {
            float y1, y2;
            rotary_rotate(x[head_base + d], x[head_base + d + half],
                          rotary_angle(static_cast<int>(pos0 + t), static_cast<int>(d), n_rot, base), &y1, &y2);
            out[head_base + d] = y1;
            out[head_base + d + half] = y2;
        } else if (d >= n_rot) {
            out[i] = x[i];
        }
    }
}

__global__ void convert_to_f32_kernel(const void* src, dtype src_type, std::int64_t n, float* dst) {
    for (std::int64_t i = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x; i < n;
         i += (std::int64_t)gridDim.x * blockDim.x)
        dst[i] = load_as_f32(src, src_type, i);
}

__global__ void add_row_bias_kernel(float* out, const float* bias, std::int64_t total, std::int64_t n) {
    for (std::int64_t i = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x; i < total;
         i += (std::int64_t)gridDim.x * blockDim.x)
        out[i] += bias[i % n];
}

constexpr int threads = 256;

}  // namespace

void embedding_forward(const void* table, dtype table_type, const std::int32_t* ids, std::int64_t n_tokens,
                       std::int64_t n_vocab, std::int64_t n_embd, float* out, cudaStream_t stream) {
    embedding_forward_kernel<<<grid_for(n_tokens * n_embd, threads), threads, 0, stream>>>(
        table, table_type, ids, n_tokens, n_vocab, n_embd, out);
    KERNEL_LAUNCH_CHECK();
}

void token_shift_forward(const float* x, const float* x_prev, const float* mix, std::int64_t n_tokens,
                         std::int64_t n_embd, float* out, cudaStream_t stream) {
    token_shift_forward_kernel<<<grid_for(n_tokens * n_embd, threads), threads, 0, stream>>>(x, x_prev, mix,
                                                                                            n_tokens, n_embd, out);
    KERNEL_LAUNCH_CHECK();
}

void unary_forward(op_kind kind, const float* x, std::int64_t n, float* out, cudaStream_t stream) {
    const unsigned grid = grid_for(n, threads);
    switch (kind) {
        case op_kind::sigmoid: unary_forward_kernel<op_kind::sigmoid><<<grid, threads, 0, stream>>>(x, n, out); break;
        case op_kind::squared_relu:
            unary_forward_kernel<op_kind::squared_relu><<<grid, threads, 0, stream>>>(x, n, out);
            break;
        case op_kind::gelu_erf: unary_forward_kernel<op_kind::gelu_erf><<<grid, threads, 0, stream>>>(x, n, out); break;
        case op_kind::gelu_tanh:
            unary_forward_kernel<op_kind::gelu_tanh><<<grid, threads, 0, stream>>>(x, n, out);
            break;
        case op_kind::tanh: unary_forward_kernel<op_kind::tanh><<<grid, threads, 0, stream>>>(x, n, out); break;
        case op_kind::silu: unary_forward_kernel<op_kind::silu><<<grid, threads, 0, stream>>>(x, n, out); break;
        default: return;
    }
    KERNEL_LAUNCH_CHECK();
}

void binary_forward(op_kind kind, const float* a, const float* b, std::int64_t n, std::int64_t nb, float* out,
                    cudaStream_t stream) {
    binary_forward_kernel<<<grid_for(n, threads), threads, 0, stream>>>(kind == op_kind::add, a, b, n, nb, out);
    KERNEL_LAUNCH_CHECK();
}

void rotary_forward(const float* x, std::int64_t n_tokens, std::int64_t n_heads, std::int64_t head_dim,
                    const rotary_params& p, float* out, cudaStream_t stream) {
    rotary_forward_kernel<<<grid_for(n_tokens * n_heads * head_dim, threads), threads, 0, stream>>>(
        x, n_tokens, n_heads, head_dim, p.pos0, p.n_rot, p.base, out);
    KERNEL_LAUNCH_CHECK();
}

void convert_to_f32(const void* src, dtype src_type, std::int64_t n, float* dst, cudaStream_t stream) {
    convert_to_f32_kernel<<<grid_for(n, threads), threads, 0, stream>>>(src, src_type, n, dst);
    KERNEL_LAUNCH_CHECK();
}

void add_row_bias(float* out, const float* bias, std::int64_t rows, std::int64_t n, cudaStream_t stream) {
    add_row_bias_kernel<<<grid_for(rows * n, threads), threads, 0, stream>>>(out, bias, rows * n, n);
    KERNEL_LAUNCH_CHECK();
}

}  // namespace kernels::cuda
