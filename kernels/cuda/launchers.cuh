// Launchers of the CUDA kernels: one declaration per kernel family, callable
// from host C++ (cuda_backend.cpp). Each checks its grid, launches on
// `stream` and checks cudaGetLastError(). Pointers are device pointers.
// Weight pointers carry their dtype as kernels::dtype.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "kernels/dtype.h"
#include "kernels/ops.h"
#include "kernels/quant.h"

namespace kernels::cuda {

// elementwise.cu
void embedding_forward(const void* table, dtype table_type, const std::int32_t* ids, std::int64_t n_tokens,
                       std::int64_t n_vocab, std::int64_t n_embd, float* out, cudaStream_t stream);
void token_shift_forward(const float* x, const float* x_prev, const float* mix, std::int64_t n_tokens,
                         std::int64_t n_embd, float* out, cudaStream_t stream);
void unary_forward(op_kind kind, const float* x, std::int64_t n, float* out, cudaStream_t stream);
void binary_forward(op_kind kind, const float* a, const float* b, std::int64_t n, std::int64_t nb, float* out,
                    cudaStream_t stream);
void rotary_forward(const float* x, std::int64_t n_tokens, std::int64_t n_heads, std::int64_t head_dim,
                    const rotary_params& p, float* out, cudaStream_t stream);
void convert_to_f32(const void* src, dtype src_type, std::int64_t n, float* dst, cudaStream_t stream);
void add_row_bias(float* out, const float* bias, std::int64_t rows, std::int64_t n, cudaStream_t stream);

// rows.cu: one block per row
void layernorm_forward(const float* x, const float* weight, const float* bias, float eps, std::int64_t rows,
                       std::int64_t n, float* out, cudaStream_t stream);
void softmax_forward(const float* x, std::int64_t rows, std::int64_t n, bool log_form, float* out,
                     cudaStream_t stream);
void argmax_forward(const float* x, std::int64_t rows, std::int64_t n, std::int32_t* out, cudaStream_t stream);
// Row r = h * T + t of `scores` [H, T, n_keys]: scale, mask keys after n_past + t, softmax.
void masked_softmax_forward(float* scores, std::int64_t n_heads, std::int64_t n_tokens, std::int64_t n_keys,
                            std::int64_t n_past, float scale, cudaStream_t stream);

// wkv.cu: one thread per channel, scanning T tokens; state [3, C] in place.
void wkv_forward(const float* w, const float* u, const float* k, const float* v, std::int64_t n_tokens,
                 std::int64_t n_embd, float* state, float* out, cudaStream_t stream);

// rwkv57.cu: RWKV v5.2 / v7 (shapes as the check_* functions in ops.h).
void token_lerp_forward(const float* x, const float* x_prev, const float* mix, std::int64_t n_tokens, std::int64_t c,
                        float* out, cudaStream_t stream);
void lerp_forward(const float* a, const float* b, const float* t, std::int64_t n, float* out, cudaStream_t stream);
void group_norm_forward(const float* x, const float* weight, const float* bias, float eps, std::int64_t rows,
                        std::int64_t n_groups, std::int64_t n, float* out, cudaStream_t stream);
// One block per head: head_size <= 1024.
void wkv5_forward(const float* r, const float* k, const float* v, const float* decay, const float* bonus,
                  std::int64_t n_tokens, std::int64_t c, std::int64_t n_heads, std::int64_t head_size, float* state,
                  float* out, cudaStream_t stream);
void wkv7_forward(const float* r, const float* w, const float* k, const float* v, const float* kk, const float* a,
                  std::int64_t n_tokens, std::int64_t c, std::int64_t n_heads, std::int64_t head_size, float* state,
                  float* out, cudaStream_t stream);
inline constexpr std::int64_t wkv57_max_head_size = 1024;
void rwkv7_keys_forward(float* k, const float* a, const float* k_k, const float* k_a, std::int64_t n_tokens,
                        std::int64_t c, std::int64_t head_size, float* kk, cudaStream_t stream);
void rwkv7_bonus_forward(const float* r, const float* k, const float* v, const float* r_k, std::int64_t n_tokens,
                         std::int64_t c, std::int64_t head_size, float* out, cudaStream_t stream);

// half_gemv.cu: out[T, N] = x[T, K] . w[N, K]^T for small T, f16/bf16 weights.
// Up to 16 tokens (batched decode): each weight is read once for all of them,
// where the cuBLAS path first writes the whole matrix out as f32 (3x f32's
// time at T = 8 on an H200).
void half_gemv_forward(const float* x, const std::uint16_t* w, bool is_bf16, std::int64_t n_tokens,
                       std::int64_t n_in, std::int64_t n_out, float* out, cudaStream_t stream);
inline constexpr std::int64_t half_gemv_max_tokens = 16;

// quant_gemv.cu: the same for rwkv.cpp's block formats (T <= quant_gemv_max_tokens),
// and n weights (a multiple of 32) dequantized to f32 for the cuBLAS path.
// Its lanes read x a block apart (uncoalesced), so it stays at 4 tokens
// until a GPU measures more against the dequantize-and-sgemm path.
void quant_gemv_forward(const float* x, const unsigned char* w, quant_format f, std::int64_t n_tokens,
                        std::int64_t n_in, std::int64_t n_out, float* out, cudaStream_t stream);
inline constexpr std::int64_t quant_gemv_max_tokens = 4;
void dequantize_forward(const unsigned char* w, quant_format f, std::int64_t n, float* out, cudaStream_t stream);

// attention.cu: the streaming (online softmax) variant, split over keys
// (flash-decoding): `attention_fused_splits` picks the number of key splits for
// a GPU of `sm_count` SMs; with more than one split the kernel needs
// `attention_fused_scratch_floats` floats of device scratch in `partials`.
// Caches are [capacity, H, D].
std::int64_t attention_fused_splits(std::int64_t n_tokens, std::int64_t n_heads, std::int64_t n_keys, int sm_count);
std::size_t attention_fused_scratch_floats(std::int64_t n_tokens, std::int64_t n_heads, std::int64_t head_dim,
                                           std::int64_t n_splits);
void attention_fused_forward(const float* q, const float* k_cache, const float* v_cache, std::int64_t n_tokens,
                             std::int64_t n_heads, std::int64_t head_dim, std::int64_t n_past, float scale,
                             std::int64_t n_splits, float* partials, float* out, cudaStream_t stream);
inline constexpr std::int64_t attention_fused_max_head_dim = 256;

// attention_tiled.cu: the fused variant for prefill (FlashAttention-2's
// structure): 64-query x 64-key tiles in shared memory. Used for chunks of at
// least attention_tiled_min_tokens queries; decode steps use the split kernel.
void attention_tiled_forward(const float* q, const float* k_cache, const float* v_cache, std::int64_t n_tokens,
                             std::int64_t n_heads, std::int64_t head_dim, std::int64_t n_past, float scale,
                             float* out, cudaStream_t stream);
inline constexpr std::int64_t attention_tiled_max_head_dim = 128;
inline constexpr std::int64_t attention_tiled_min_tokens = 16;

}  // namespace kernels::cuda
