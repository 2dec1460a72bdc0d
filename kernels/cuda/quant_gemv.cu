// rwkv.cpp's block-quantized weights (kernels/quant.h) on CUDA:
//  * T <= quant_gemv_max_tokens: one warp per output row, each lane taking
//    whole 32-weight blocks, decoding them with the shared dequantize_block
//    (the bit-exact ggml order: __fmul_rn/__fadd_rn, no fused multiply-add)
//    and accumulating for every token, then a warp reduction;
//  * larger T: rows dequantized into f32 scratch for cuBLAS (cuda_backend.cpp).
#include "kernels/quant.h"
#include "cuda_util.cuh"
#include "launchers.cuh"

namespace kernels::cuda {
namespace {

constexpr int warps_per_block = 8;

template <int max_tokens>
__global__ void quant_gemv_kernel(const float* x, const unsigned char* w, quant_format f, int n_tokens,
                                  std::int64_t n_in, std::int64_t n_out, float* out) {
    const std::int64_t row = blockIdx.x * (std::int64_t)warps_per_block + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (row >= n_out) return;
    const int block_bytes = quant_block_bytes(f);
    const std::int64_t blocks = n_in / quant_block_weights;
    const unsigned char* w_row = w + row * blocks * block_bytes;
    float sum[max_tokens] = {};
    for (std::int64_t b = lane; b < blocks; b += 32) {
        float weights[quant_block_weights];
        dequantize_block(f, w_row + b * block_bytes, weights);
        for (int t = 0; t < max_tokens; ++t) {
            if (t >= n_tokens) break;
            const float* xt = x + t * n_in + b * quant_block_weights;
            for (int j = 0; j < quant_block_weights; ++j) sum[t] += weights[j] * xt[j];
        }
    }
    for (int t = 0; t < max_tokens; ++t) {
        if (t >= n_tokens) break;
        const float total = warp_sum(sum[t]);
        if (lane == 0) out[t * n_out + row] = total;
    }
}

__global__ void dequantize_kernel(const unsigned char* w, quant_format f, std::int64_t blocks, float* out) {
    for (std::int64_t b = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x; b < blocks;
         b += (std::int64_t)gridDim.x * blockDim.x)
        dequantize_block(f, w + b * quant_block_bytes(f), out + b * quant_block_weights);
}

}  // namespace

void quant_gemv_forward(const float* x, const unsigned char* w, quant_format f, std::int64_t n_tokens,
                        std::int64_t n_in, std::int64_t n_out, float* out, cudaStream_t stream) {
    if (n_tokens < 1 || n_tokens > quant_gemv_max_tokens)
        throw harness::unsupported_error("cuda quant_gemv: T must be 1.." + std::to_string(quant_gemv_max_tokens));
    const std::int64_t blocks = (n_out + warps_per_block - 1) / warps_per_block;
    quant_gemv_kernel<quant_gemv_max_tokens><<<static_cast<unsigned>(blocks), warps_per_block * 32, 0, stream>>>(
        x, w, f, static_cast<int>(n_tokens), n_in, n_out, out);
    KERNEL_LAUNCH_CHECK();
}

void dequantize_forward(const unsigned char* w, quant_format f, std::int64_t n, float* out, cudaStream_t stream) {
    const std::int64_t blocks = n / quant_block_weights;
    dequantize_kernel<<<grid_for(blocks, 256), 256, 0, stream>>>(w, f, blocks, out);
    KERNEL_LAUNCH_CHECK();
}

}  // namespace kernels::cuda
