// KERNELS_HD marks math compiled by both g++ (CPU backend, reference, tests)
// and nvcc (CUDA kernels), so CPU tests exercise the code the GPU runs.
// Headers under kernels/common/ include no CUDA headers and build without nvcc.
#pragma once

#if defined(__CUDACC__)
#define KERNELS_HD __host__ __device__ __forceinline__
#else
#define KERNELS_HD inline
#endif
