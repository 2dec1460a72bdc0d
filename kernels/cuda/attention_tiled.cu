// Tiled causal attention for prefill on CUDA, FlashAttention-2's structure in
// fp32 (tensor cores stay off, like the rest of the backend, so results are
// comparable with the CPU): one block of 128 threads per (64-query tile,
// head). The block stages its queries in shared memory once, then walks the
// 64-key tiles up to the causal edge: S = Q K^T for the tile, the online
// softmax per row (running max m and normaliser l), O += P V. Scores never
// leave the SM, so memory is O(tile) instead of the naive variant's
// T x n_keys per head, and each K/V tile is read once per query tile.
//
// Thread layout: tid = 8 * row_group + col_group. A thread owns rows
// row_group + 16 i (i < 4) and, of S, columns col_group + 8 j (j < 8); of O,
// dims col_group + 8 j (j < dims / 8). The 8 threads of a row group are
// adjacent lanes of one warp, so row reductions are three shuffles. Strided
// ownership plus one float of padding per shared row keeps bank conflicts out.
#include <cfloat>

#include "cuda_util.cuh"
#include "launchers.cuh"

namespace kernels::cuda {
namespace {

constexpr int tile_q = 64, tile_k = 64, threads = 128;
constexpr int row_groups = 16, col_groups = 8;
constexpr int rows_per_thread = tile_q / row_groups;  // 4
constexpr int cols_per_thread = tile_k / col_groups;  // 8

// Row-wise reduction over the 8 lanes of a row group.
template <class Op>
__device__ __forceinline__ float row_reduce(float v, Op op) {
    for (int offset = 1; offset < col_groups; offset <<= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, offset));
    return v;
}

// dims: head_dim rounded up to a multiple of 32 (zero padding adds nothing).
template <int dims>
__global__ void __launch_bounds__(threads)
    attention_tiled_kernel(const float* q, const float* k_cache, const float* v_cache, std::int64_t n_tokens,
                           std::int64_t n_heads, std::int64_t head_dim, std::int64_t n_past, float scale,
                           float* out) {
    constexpr int stride = dims + 1;  // shared row stride: padding against bank conflicts
    constexpr int p_stride = tile_k + 1;
    constexpr int dims_per_thread = dims / col_groups;
    extern __shared__ float shared[];
    float* q_tile = shared;                      // [tile_q][stride]
    float* kv_tile = q_tile + tile_q * stride;   // [tile_k][stride]: K, then V of the same keys
    float* p_tile = kv_tile + tile_k * stride;   // [tile_q][p_stride]

    const int tid = threadIdx.x;
    const int row_group = tid / col_groups, col_group = tid % col_groups;
    const std::int64_t q0 = static_cast<std::int64_t>(blockIdx.x) * tile_q, h = blockIdx.y;
    const std::int64_t row_stride = n_heads * head_dim;  // q, out and caches: [*, H, D]

    for (int e = tid; e < tile_q * dims; e += threads) {
        const int r = e / dims, d = e % dims;
        const std::int64_t t = q0 + r;
        q_tile[r * stride + d] = (t < n_tokens && d < head_dim) ? q[t * row_stride + h * head_dim + d] : 0.0f;
    }

    float o[rows_per_thread][dims_per_thread] = {};
    float m[rows_per_thread], l[rows_per_thread];
    for (int i = 0; i < rows_per_thread; ++i) {
        m[i] = -FLT_MAX;
        l[i] = 0.0f;
    }

    const std::int64_t last_query = (q0 + tile_q < n_tokens ? q0 + tile_q : n_tokens) - 1;
    const std::int64_t n_keys_needed = n_past + last_query + 1;  // keys the tile's last query sees
    for (std::int64_t k0 = 0; k0 < n_keys_needed; k0 += tile_k) {
        __syncthreads();  // previous tile's V and P are no longer read
        for (int e = tid; e < tile_k * dims; e += threads) {
            const int c = e / dims, d = e % dims;
            const std::int64_t j = k0 + c;
            kv_tile[c * stride + d] = (j < n_keys_needed && d < head_dim) ? k_cache[j * row_stride + h * head_dim + d] : 0.0f;
        }
        __syncthreads();

        float s[rows_per_thread][cols_per_thread] = {};
#pragma unroll 8
        for (int d = 0; d < dims; ++d) {
            float qv[rows_per_thread], kv[cols_per_thread];
#pragma unroll
            for (int i = 0; i < rows_per_thread; ++i) qv[i] = q_tile[(row_group + row_groups * i) * stride + d];
#pragma unroll
            for (int j = 0; j < cols_per_thread; ++j) kv[j] = kv_tile[(col_group + col_groups * j) * stride + d];
#pragma unroll
            for (int i = 0; i < rows_per_thread; ++i)
#pragma unroll
                for (int j = 0; j < cols_per_thread; ++j) s[i][j] += qv[i] * kv[j];
        }

        // Online softmax per row; masked keys get weight exactly 0.
#pragma unroll
        for (int i = 0; i < rows_per_thread; ++i) {
            const int r = row_group + row_groups * i;
            const std::int64_t visible_end = n_past + q0 + r + 1;  // keys < visible_end are seen by row r
            float row_max = -FLT_MAX;
#pragma unroll
            for (int j = 0; j < cols_per_thread; ++j) {
                const std::int64_t key = k0 + col_group + col_groups * j;
                s[i][j] *= scale;
                if (key < visible_end) row_max = fmaxf(row_max, s[i][j]);
            }
            row_max = row_reduce(row_max, max_op{});
            const float m_new = fmaxf(m[i], row_max);
            const float correction = expf(m[i] - m_new);
            float row_sum = 0.0f;
#pragma unroll
            for (int j = 0; j < cols_per_thread; ++j) {
                const int c = col_group + col_groups * j;
                const float p = k0 + c < visible_end ? expf(s[i][j] - m_new) : 0.0f;
                p_tile[r * p_stride + c] = p;
                row_sum += p;
            }
            l[i] = l[i] * correction + row_reduce(row_sum, sum_op{});
            m[i] = m_new;
#pragma unroll
            for (int jj = 0; jj < dims_per_thread; ++jj) o[i][jj] *= correction;
        }
        __syncthreads();  // K no longer read; P complete

        for (int e = tid; e < tile_k * dims; e += threads) {
            const int c = e / dims, d = e % dims;
            const std::int64_t j = k0 + c;
            kv_tile[c * stride + d] = (j < n_keys_needed && d < head_dim) ? v_cache[j * row_stride + h * head_dim + d] : 0.0f;
        }
        __syncthreads();

        for (int c = 0; c < tile_k; ++c) {
            float pv[rows_per_thread];
#pragma unroll
            for (int i = 0; i < rows_per_thread; ++i) pv[i] = p_tile[(row_group + row_groups * i) * p_stride + c];
#pragma unroll
            for (int jj = 0; jj < dims_per_thread; ++jj) {
                const float vv = kv_tile[c * stride + col_group + col_groups * jj];
#pragma unroll
                for (int i = 0; i < rows_per_thread; ++i) o[i][jj] += pv[i] * vv;
            }
        }
    }

#pragma unroll
    for (int i = 0; i < rows_per_thread; ++i) {
        const std::int64_t t = q0 + row_group + row_groups * i;
        if (t >= n_tokens) continue;
        const float inv = 1.0f / l[i];
#pragma unroll
        for (int jj = 0; jj < dims_per_thread; ++jj) {
            const int d = col_group + col_groups * jj;
            if (d < head_dim) out[t * row_stride + h * head_dim + d] = o[i][jj] * inv;
        }
    }
}

template <int dims>
void launch_tiled(const float* q, const float* k_cache, const float* v_cache, std::int64_t n_tokens,
                  std::int64_t n_heads, std::int64_t head_dim, std::int64_t n_past, float scale, float* out,
                  cudaStream_t stream) {
    const std::size_t shared_bytes = sizeof(float) * ((tile_q + tile_k) * (dims + 1) + tile_q * (tile_k + 1));
    // Above 48 KiB a kernel must opt in to more shared memory (once per process is enough; it is cheap).
    CUDA_CHECK(cudaFuncSetAttribute(attention_tiled_kernel<dims>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                    static_cast<int>(shared_bytes)));
    const dim3 grid(static_cast<unsigned>((n_tokens + tile_q - 1) / tile_q), static_cast<unsigned>(n_heads));
    attention_tiled_kernel<dims><<<grid, threads, shared_bytes, stream>>>(q, k_cache, v_cache, n_tokens, n_heads,
                                                                         head_dim, n_past, scale, out);
    KERNEL_LAUNCH_CHECK();
}

}  // namespace

void attention_tiled_forward(const float* q, const float* k_cache, const float* v_cache, std::int64_t n_tokens,
                             std::int64_t n_heads, std::int64_t head_dim, std::int64_t n_past, float scale,
                             float* out, cudaStream_t stream) {
    if (n_tokens == 0 || n_heads == 0) return;
    if (n_heads > 65535)
        throw harness::unsupported_error("cuda attention (tiled): " + std::to_string(n_heads) + " heads exceed 65535");
    if (head_dim <= 32)
        launch_tiled<32>(q, k_cache, v_cache, n_tokens, n_heads, head_dim, n_past, scale, out, stream);
    else if (head_dim <= 64)
        launch_tiled<64>(q, k_cache, v_cache, n_tokens, n_heads, head_dim, n_past, scale, out, stream);
    else if (head_dim <= 96)
        launch_tiled<96>(q, k_cache, v_cache, n_tokens, n_heads, head_dim, n_past, scale, out, stream);
    else if (head_dim <= attention_tiled_max_head_dim)
        launch_tiled<128>(q, k_cache, v_cache, n_tokens, n_heads, head_dim, n_past, scale, out, stream);
    else
        throw harness::unsupported_error("cuda attention (tiled): head_dim " + std::to_string(head_dim) +
                                         " exceeds " + std::to_string(attention_tiled_max_head_dim));
}

}  // namespace kernels::cuda
