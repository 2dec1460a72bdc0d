// Small helpers shared by the .cu files: grid sizing, launch checking, warp
// and block reductions. Device code only.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "cuda_check.h"

namespace kernels::cuda {

inline unsigned grid_for(std::int64_t n, int threads) {
    const std::int64_t blocks = (n + threads - 1) / threads;
    // Kernels use grid-stride loops, so capping the grid is always safe.
    return static_cast<unsigned>(blocks < 65535 * 32 ? (blocks > 0 ? blocks : 1) : 65535 * 32);
}

#define KERNEL_LAUNCH_CHECK() CUDA_CHECK(cudaGetLastError())

__device__ __forceinline__ float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    return v;
}

// Block-wide reduction for blockDim.x a multiple of 32 (<= 1024); every thread
// gets the result. `scratch` holds 32 floats of shared memory.
template <class Op>
__device__ float block_reduce(float v, float* scratch, Op op, float identity) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    for (int offset = 16; offset > 0; offset >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, offset));
    __syncthreads();  // scratch may still be read by a previous reduction
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < (blockDim.x >> 5) ? scratch[lane] : identity;
    for (int offset = 16; offset > 0; offset >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, offset));
    return v;
}

struct sum_op {
    __device__ float operator()(float a, float b) const { return a + b; }
};
struct max_op {
    __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
};

}  // namespace kernels::cuda
