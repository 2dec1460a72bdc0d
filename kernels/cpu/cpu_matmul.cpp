

// CPU matmul: out[T, N] = x[T, K] . w[N, K]^T (+ bias).
//
// Paths:
//  * any weights, T <= small_batch_max (decode): our row-dot kernels,
//    which decode each weight row in registers and read it once for all T
//    tokens; the choice of SIMD path is the backend's ISA. Up to
//    row_dot_tokens_max tokens (batched decode) the same kernels, the tokens
//    in groups over L2-sized row blocks (for_token_groups).
//  * f32 weights, larger T: OpenBLAS sgemm, threaded by OpenBLAS.
//  * f16/bf16 weights, larger T (prefill): each thread converts a block of
//    weight rows to f32 in its own buffer (L2-sized) and runs a one-thread
//    sgemm on it; from chunked_sgemm_tokens_min tokens on, all threads
//    convert 16 MiB of rows at a time and one threaded sgemm takes them (x is
//    packed once per chunk). The weights are never expanded whole in memory.
//  * block-quantized weights: cpu_quant_matmul.cpp, the same two shapes.
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <functional>
#include <vector>

#include "cpu_backend.h"
#include "harness/errors.h"
#include "parallel_for.h"

namespace kernels::cpu {
namespace {

// Rows of converted weights per block: at most ~1 MiB of floats (L2-sized),
// and a block count that is a multiple of the thread count, so that no
// thread idles while another finishes the last block (768 rows in blocks of
// 256 on 2 threads ran at 75%).
std::int64_t rows_per_block(std::int64_t n_out, std::int64_t n_in, int n_threads) {
    const std::int64_t max_rows = std::clamp<std::int64_t>((1 << 18) / std::max<std::int64_t>(n_in, 1), 16, 256);
    const std::int64_t per_round = max_rows * n_threads;
    const std::int64_t n_blocks = (n_out + per_round - 1) / per_round * n_threads;
    return std::max<std::int64_t>(1, (n_out + n_blocks - 1) / n_blocks);
}

void add_bias(const tensor_view& bias, const tensor_view& out, int n_threads) {
    if (bias.empty()) return;
    const std::int64_t n_tokens = out.shape[0], n_out = out.shape[1];
    const float* b = bias.as<const float>();
    parallel_for(n_tokens, n_threads, n_tokens * n_out > (1 << 15), [&](std::int64_t t) {
        float* row = out.as<float>() + t * n_out;
        for (std::int64_t n = 0; n < n_out; ++n) row[n] += b[n];
    });
}

}  // namespace

void cpu_backend::matmul(const tensor_view& x, const tensor_view& w, const tensor_view& bias,
                         const tensor_view& out) {
    check_matmul(x, w, bias, out);
    check_on_cpu(x), check_on_cpu(w), check_on_cpu(bias), check_on_cpu(out);
    if (!supports({op_kind::matmul, w.type}))
        throw harness::unsupported_error("matmul: the " + std::string(cpu_isa_name(isa_)) +
                                         " path does not take " + std::string(dtype_name(w.type)) + " weights");
    const auto n_tokens = static_cast<int>(x.shape[0]), n_in = static_cast<int>(x.shape[1]),
               n_out = static_cast<int>(w.shape[0]);
    if (is_quantized(w.type)) {
        quant_matmul(x, w, out);
    } else if (w.type == dtype::f32 && (n_tokens > row_dot_tokens_max || isa_ == cpu_isa::scalar)) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n_tokens, n_out, n_in, 1.0f, x.as<const float>(),
                        n_in, w.as<const float>(), n_in, 0.0f, out.as<float>(), n_out);
    } else {
        // Decode-sized f32 batches too: OpenBLAS's sgemv stays far below memory bandwidth.
        half_matmul(x, w, out);
    }
    add_bias(bias, out, n_threads_);
}

void cpu_backend::half_matmul(const tensor_view& x, const tensor_view& w, const tensor_view& out) {
    const std::int64_t n_tokens = x.shape[0], n_in = x.shape[1], n_out = w.shape[0];
    const bool is_bf16 = w.type == dtype::bf16, is_f32 = w.type == dtype::f32;
    const std::uint16_t* wp = w.as<const std::uint16_t>();
    if (n_tokens <= row_dot_tokens_max) {
        void (*gemv)(const half_gemv_args&) = half_gemv_scalar;
        if (isa_ == cpu_isa::avx2) gemv = half_gemv_avx2;
        if (isa_ == cpu_isa::avx512) gemv = half_gemv_avx512;
        if (isa_ == cpu_isa::avx512_bf16) gemv = half_gemv_avx512_bf16;
        const std::int64_t row_bytes = n_in * (is_f32 ? 4 : 2);
        for_row_ranges(n_out, n_in, n_threads_, [&](std::int64_t begin, std::int64_t end) {
            for_token_groups(n_tokens, row_bytes, begin, end,
                             [&](std::int64_t t0, std::int64_t n, std::int64_t r0, std::int64_t r1) {
                                 gemv({x.as<const float>() + t0 * n_in, wp, out.as<float>() + t0 * n_out, n, n_in,
                                       n_out, r0, r1, is_bf16, is_f32});
                             });
        });
        return;
    }
    void (*convert)(const std::uint16_t*, std::int64_t, bool, float*) = half_to_f32_scalar;
    if (isa_ == cpu_isa::avx2) convert = half_to_f32_avx2;
    if (isa_ == cpu_isa::avx512 || isa_ == cpu_isa::avx512_bf16) convert = half_to_f32_avx512;
    blocked_sgemm(x, n_out, n_threads_, out, [&](std::int64_t row0, std::int64_t rows, float* dst) {
        convert(wp + row0 * n_in, rows * n_in, is_bf16, dst);
    });
}

void for_token_groups(
    std::int64_t n_tokens, std::int64_t row_bytes, std::int64_t begin, std::int64_t end,
    const std::function<void(std::int64_t t0, std::int64_t n, std::int64_t r0, std::int64_t r1)>& run) {
    if (n_tokens <= small_batch_max) {
        run(0, n_tokens, begin, end);
        return;
    }
    // 256 KiB of weights per block: a fraction of any L2 these cores have.
    const std::int64_t block = std::max<std::int64_t>(16, (256 << 10) / std::max<std::int64_t>(row_bytes, 1) / 16 * 16);
    for (std::int64_t r0 = begin; r0 < end; r0 += block)
        for (std::int64_t t0 = 0; t0 < n_tokens; t0 += small_batch_max)
            run(t0, std::min(small_batch_max, n_tokens - t0), r0, std::min(end, r0 + block));
}

void for_row_ranges(std::int64_t n_out, std::int64_t n_in, int n_threads,
                    const std::function<void(std::int64_t begin, std::int64_t end)>& run) {
    // Static split into contiguous row ranges, a multiple of 16 rows each;
    // matrices of more than 16k weights (64 KiB in f32) are split. The same rows go
    // to the same thread at every call, so a small model's matrices stay in
    // the caches of the cores that read them: the shipped 4 x 128 RWKV-4
    // (3 MiB of weights, more than one core's L2) decodes 22% faster than
    // with a 64k-weight threshold, and RWKV-7's 768 x 64 low-rank matrices
    // no longer run on one core (decode x_bound 1.36 instead of 1.54).
    const std::int64_t per_thread = (n_out + n_threads - 1) / n_threads;
    const std::int64_t step = (per_thread + 15) / 16 * 16;
    const std::int64_t n_parts = (n_out + step - 1) / step;
    parallel_for(n_parts, n_threads, n_out * n_in > (1 << 14),
                 [&](std::int64_t part) { run(part * step, std::min(n_out, (part + 1) * step)); });
}

namespace {

// Large T: all threads convert up to 16 MiB of rows at a time into one
// buffer kept between calls, then one OpenBLAS sgemm (threaded) takes them:
// x is packed once per chunk, not once per thread's 1 MiB block, and a
// layer's matrix is one chunk (4 MiB chunks split 3072 x 768 in three sgemm
// calls that each packed x again).
void chunked_sgemm(const tensor_view& x, std::int64_t n_out, int n_threads, const tensor_view& out,
                   const std::function<void(std::int64_t row0, std::int64_t rows, float* dst)>& convert_rows,
                   std::int64_t chunk_floats) {
    const std::int64_t n_tokens = x.shape[0], n_in = x.shape[1];
    const std::int64_t chunk = std::clamp<std::int64_t>(chunk_floats / std::max<std::int64_t>(n_in, 1), 1, n_out);
    thread_local std::vector<float> converted;
    if (converted.size() < static_cast<std::size_t>(chunk * n_in))
        converted.resize(static_cast<std::size_t>(chunk * n_in));
    float* buffer = converted.data();   // the calling thread's: the workers' thread_local copies are other vectors
    constexpr std::int64_t piece = 64;  // rows per conversion task
    for (std::int64_t row0 = 0; row0 < n_out; row0 += chunk) {
        const std::int64_t rows = std::min(chunk, n_out - row0), pieces = (rows + piece - 1) / piece;
#pragma omp parallel for num_threads(n_threads) schedule(static)
        for (std::int64_t p = 0; p < pieces; ++p)
            convert_rows(row0 + p * piece, std::min(piece, rows - p * piece), buffer + p * piece * n_in);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n_tokens), static_cast<int>(rows),
                    static_cast<int>(n_in), 1.0f, x.as<const float>(), static_cast<int>(n_in), buffer,
                    static_cast<int>(n_in), 0.0f, out.as<float>() + row0, static_cast<int>(n_out));
    }
}

}  // namespace

void blocked_sgemm(const tensor_view& x, std::int64_t n_out, int n_threads, const tensor_view& out,
                   const std::function<void(std::int64_t row0, std::int64_t rows, float* dst)>& convert_rows,
                   std::int64_t chunk_floats) {
    const std::int64_t n_tokens = x.shape[0], n_in = x.shape[1];
    if (n_tokens >= chunked_sgemm_tokens_min)
        return chunked_sgemm(x, n_out, n_threads, out, convert_rows, chunk_floats);
    const std::int64_t block = rows_per_block(n_out, n_in, n_threads);
    const std::int64_t n_blocks = (n_out + block - 1) / block;
#pragma omp parallel num_threads(n_threads)
    {
        std::vector<float> converted(static_cast<std::size_t>(block * n_in));
#pragma omp for schedule(dynamic, 1)
        for (std::int64_t b = 0; b < n_blocks; ++b) {
            const std::int64_t row0 = b * block, rows = std::min(block, n_out - row0);
            convert_rows(row0, rows, converted.data());
            // Inside our parallel region OpenBLAS runs this on the calling thread.
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n_tokens), static_cast<int>(rows),
                        static_cast<int>(n_in), 1.0f, x.as<const float>(), static_cast<int>(n_in), converted.data(),
                        static_cast<int>(n_in), 0.0f, out.as<float>() + row0, static_cast<int>(n_out));
        }
    }
}

}  // namespace kernels::cpu
