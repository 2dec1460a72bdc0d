// C (+)= A B for the small per-head blocks of the chunked WKV kernels (tens
// of rows and columns, all in L1/L2): row-major with leading dimensions, the
// column count a multiple of 8. A block of up to 4 rows x 16 columns of C
// stays in eight vector registers while the inner dimension runs, so each
// vector of B loaded feeds four FMAs and each element of A one broadcast.
// The sum over the inner dimension runs in order for every element of C.
#pragma once

#include <cstdint>

#include "float8.h"

namespace kernels::cpu {

using float16v = float __attribute__((vector_size(64)));
template <class V>
[[gnu::always_inline]] inline V loadv(const float* p) {
    V v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
template <class V>
[[gnu::always_inline]] inline void storev(float* p, const V& v) { std::memcpy(p, &v, sizeof v); }

template <int Rows, int Vecs, class V = float8>
[[gnu::always_inline]] inline void gemm_block(std::int64_t k, const float* a, std::int64_t lda, const float* b,
                                              std::int64_t ldb, float* c, std::int64_t ldc, bool accumulate) {
    constexpr int W = sizeof(V) / sizeof(float);
    V acc[Rows][Vecs];
    for (int r = 0; r < Rows; ++r)
        for (int v = 0; v < Vecs; ++v) acc[r][v] = accumulate ? loadv<V>(c + r * ldc + W * v) : V{};
    for (std::int64_t p = 0; p < k; ++p) {
        V bv[Vecs];
        for (int v = 0; v < Vecs; ++v) bv[v] = loadv<V>(b + p * ldb + W * v);
        for (int r = 0; r < Rows; ++r) {
            const float x = a[r * lda + p];
            for (int v = 0; v < Vecs; ++v) acc[r][v] += x * bv[v];
        }
    }
    for (int r = 0; r < Rows; ++r)
        for (int v = 0; v < Vecs; ++v) storev<V>(c + r * ldc + W * v, acc[r][v]);
}

template <int Vecs, class V = float8, int R = 4>
[[gnu::always_inline]] inline void gemm_columns(std::int64_t m, std::int64_t k, const float* a, std::int64_t lda,
                                                const float* b, std::int64_t ldb, float* c, std::int64_t ldc,
                                                bool accumulate) {
    std::int64_t i = 0;
    for (; i + R <= m; i += R) gemm_block<R, Vecs, V>(k, a + i * lda, lda, b, ldb, c + i * ldc, ldc, accumulate);
    switch (m - i) {
        case 3: gemm_block<3, Vecs, V>(k, a + i * lda, lda, b, ldb, c + i * ldc, ldc, accumulate); break;
        case 2: gemm_block<2, Vecs, V>(k, a + i * lda, lda, b, ldb, c + i * ldc, ldc, accumulate); break;
        case 1: gemm_block<1, Vecs, V>(k, a + i * lda, lda, b, ldb, c + i * ldc, ldc, accumulate); break;
        default: break;
    }
}

// Whether this CPU has 16-float vector registers (AVX-512). The callers are
// compiled once per ISA (KERNELS_CLONES) but GCC names no ISA per clone, so
// the block shape is chosen at run time: 4 x 32 floats of C in eight 16-lane
// registers where there are 32 of them, 4 x 16 in eight 8-lane ones
// otherwise (16-lane vectors on AVX2 spill and run 15x slower).
inline bool wide_vectors() {
    static const bool wide = __builtin_cpu_supports("avx512f");
    return wide;
}

// C[m x n] = A[m x k] B[k x n] (accumulate: C += A B); n % 8 == 0.
[[gnu::always_inline]] inline void small_gemm(std::int64_t m, std::int64_t n, std::int64_t k, const float* a,
                                              std::int64_t lda, const float* b, std::int64_t ldb, float* c,
                                              std::int64_t ldc, bool accumulate) {
    std::int64_t j = 0;
    if (wide_vectors())
        for (; j + 32 <= n; j += 32) gemm_columns<2, float16v>(m, k, a, lda, b + j, ldb, c + j, ldc, accumulate);
    for (; j + 16 <= n; j += 16) gemm_columns<2>(m, k, a, lda, b + j, ldb, c + j, ldc, accumulate);
    if (j < n) gemm_columns<1>(m, k, a, lda, b + j, ldb, c + j, ldc, accumulate);
}

}  // namespace kernels::cpu
