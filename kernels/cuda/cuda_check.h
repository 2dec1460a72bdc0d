// CUDA_CHECK / CUBLAS_CHECK: run a CUDA runtime or cuBLAS call and turn a
// failure into harness::backend_error carrying the statement, file:line, the
// library's message and the current device (never abort).
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <string>

#include "harness/errors.h"

namespace kernels::cuda {

[[noreturn]] void throw_cuda_error(cudaError_t err, const char* stmt, const char* file, int line);
[[noreturn]] void throw_cublas_error(cublasStatus_t st, const char* stmt, const char* file, int line);

}  // namespace kernels::cuda

#define CUDA_CHECK(stmt)                                                                 \
    do {                                                                                 \
        const cudaError_t cuda_check_err_ = (stmt);                                      \
        if (cuda_check_err_ != cudaSuccess)                                              \
            ::kernels::cuda::throw_cuda_error(cuda_check_err_, #stmt, __FILE__, __LINE__); \
    } while (0)

#define CUBLAS_CHECK(stmt)                                                                 \
    do {                                                                                   \
        const cublasStatus_t cublas_check_st_ = (stmt);                                    \
        if (cublas_check_st_ != CUBLAS_STATUS_SUCCESS)                                     \
            ::kernels::cuda::throw_cublas_error(cublas_check_st_, #stmt, __FILE__, __LINE__); \
    } while (0)
