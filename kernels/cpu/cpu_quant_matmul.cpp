// CPU matmul on rwkv.cpp's block-quantized weights (kernels/quant.h):
//  * T <= small_batch_max (decode): each weight row is read once for all T
//    tokens; a block's 32 quantized values are widened to floats in
//    registers and dotted with each token's 32 activations, the block scale
//    applied once per block (the "_1" formats add m times the activations'
//    block sum). The activations stay f32 — rwkv.cpp quantizes them to 8
//    bits as well, which this does not copy.
//  * larger T (prefill): blocks of rows are dequantized (bit-identically to
//    ggml) into a per-thread f32 buffer and multiplied by a one-thread
//    sgemm, as the f16/bf16 path does.
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <vector>

#include "cpu_backend.h"
#include "cpu_clones.h"
#include "kernels/quant.h"

namespace kernels::cpu {
namespace {

struct quant_gemv_args {
    const float* x;            // [T, K]
    const unsigned char* w;    // [N, K / 32] blocks
    float* out;                // [T, N]
    std::int64_t n_tokens, n_in, n_out, row_begin, row_end;
};

// A block's 32 quantized values as floats (without d and m), and its scale
// and offset: w_j = q_j d + m.
template <quant_format F>
[[gnu::always_inline]] inline void unpack(const unsigned char* b, float* q, float& d, float& m) {
    using namespace quant_detail;
    d = half_at(b);
    m = 0;
    if constexpr (F == quant_format::q8_0) {
        for (int j = 0; j < 32; ++j) q[j] = static_cast<float>(static_cast<std::int8_t>(b[2 + j]));
    } else if constexpr (F == quant_format::q4_0 || F == quant_format::q4_1) {
        constexpr bool offset = F == quant_format::q4_1;
        if (offset) m = half_at(b + 2);
        const unsigned char* qs = b + (offset ? 4 : 2);
        constexpr int bias = offset ? 0 : 8;
        for (int j = 0; j < 16; ++j) {
            q[j] = static_cast<float>((qs[j] & 0x0F) - bias);
            q[j + 16] = static_cast<float>((qs[j] >> 4) - bias);
        }
    } else {
        constexpr bool offset = F == quant_format::q5_1;
        if (offset) m = half_at(b + 2);
        const std::uint32_t qh = u32_at(b + (offset ? 4 : 2));
        const unsigned char* qs = b + (offset ? 8 : 6);
        constexpr int bias = offset ? 0 : 16;
        for (int j = 0; j < 16; ++j) {
            q[j] = static_cast<float>(((qs[j] & 0x0F) | static_cast<int>((qh >> j) & 1u) << 4) - bias);
            q[j + 16] = static_cast<float>(((qs[j] >> 4) | static_cast<int>((qh >> (j + 16)) & 1u) << 4) - bias);
        }
    }
}

template <quant_format F>
[[gnu::always_inline]] inline void gemv_rows(const quant_gemv_args& a) {
    constexpr bool offset = F == quant_format::q4_1 || F == quant_format::q5_1;
    const std::int64_t blocks = a.n_in / quant_block_weights, row_bytes = blocks * quant_block_bytes(F);
    for (std::int64_t n = a.row_begin; n < a.row_end; ++n) {
        const unsigned char* row = a.w + n * row_bytes;
        float acc[small_batch_max] = {};
        for (std::int64_t b = 0; b < blocks; ++b) {
            float q[32], d, m;
            unpack<F>(row + b * quant_block_bytes(F), q, d, m);
            for (std::int64_t t = 0; t < a.n_tokens; ++t) {
                const float* x = a.x + t * a.n_in + b * quant_block_weights;
                float dot = 0, sum = 0;
                for (int j = 0; j < 32; ++j) {
                    dot += q[j] * x[j];
                    if (offset) sum += x[j];
                }
                acc[t] += offset ? dot * d + sum * m : dot * d;
            }
        }
        for (std::int64_t t = 0; t < a.n_tokens; ++t) a.out[t * a.n_out + n] = acc[t];
    }
}

KERNELS_CLONES void gemv_q4_0(const quant_gemv_args& a) { gemv_rows<quant_format::q4_0>(a); }
KERNELS_CLONES void gemv_q4_1(const quant_gemv_args& a) { gemv_rows<quant_format::q4_1>(a); }
KERNELS_CLONES void gemv_q5_0(const quant_gemv_args& a) { gemv_rows<quant_format::q5_0>(a); }
KERNELS_CLONES void gemv_q5_1(const quant_gemv_args& a) { gemv_rows<quant_format::q5_1>(a); }
KERNELS_CLONES void gemv_q8_0(const quant_gemv_args& a) { gemv_rows<quant_format::q8_0>(a); }

using gemv_fn = void (*)(const quant_gemv_args&);

gemv_fn gemv_for(quant_format f) {
    switch (f) {
        case quant_format::q4_0: return gemv_q4_0;
        case quant_format::q4_1: return gemv_q4_1;
        case quant_format::q5_0: return gemv_q5_0;
        case quant_format::q5_1: return gemv_q5_1;
        case quant_format::q8_0: return gemv_q8_0;
    }
    return nullptr;
}

}  // namespace

void cpu_backend::quant_matmul(const tensor_view& x, const tensor_view& w, const tensor_view& out) {
    const std::int64_t n_tokens = x.shape[0], n_in = x.shape[1], n_out = w.shape[0];
    const quant_format f = quant_format_of(w.type);
    const std::int64_t row_bytes = n_in / quant_block_weights * quant_block_bytes(f);
    const auto* wp = w.as<const unsigned char>();
    if (n_tokens <= small_batch_max) {
        const gemv_fn gemv = gemv_for(f);
        const std::int64_t per_thread = (n_out + n_threads_ - 1) / n_threads_;
        const std::int64_t step = (per_thread + 15) / 16 * 16;
        const std::int64_t n_parts = (n_out + step - 1) / step;
#pragma omp parallel for num_threads(n_threads_) schedule(static, 1) if (n_parts > 1 && n_out * n_in > (1 << 16))
        for (std::int64_t part = 0; part < n_parts; ++part)
            gemv({x.as<const float>(), wp, out.as<float>(), n_tokens, n_in, n_out, part * step,
                  std::min(n_out, (part + 1) * step)});
        return;
    }
    const std::int64_t block = rows_per_block(n_out, n_in, n_threads_);
    const std::int64_t n_blocks = (n_out + block - 1) / block;
#pragma omp parallel num_threads(n_threads_)
    {
        std::vector<float> converted(static_cast<std::size_t>(block * n_in));
#pragma omp for schedule(dynamic, 1)
        for (std::int64_t b = 0; b < n_blocks; ++b) {
            const std::int64_t row0 = b * block, rows = std::min(block, n_out - row0);
            for (std::int64_t r = 0; r < rows; ++r)
                dequantize_row(f, wp + (row0 + r) * row_bytes, n_in, converted.data() + r * n_in);
            // Inside our parallel region OpenBLAS runs this on the calling thread.
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n_tokens), static_cast<int>(rows),
                        static_cast<int>(n_in), 1.0f, x.as<const float>(), static_cast<int>(n_in), converted.data(),
                        static_cast<int>(n_in), 0.0f, out.as<float>() + row0, static_cast<int>(n_out));
        }
    }
}

}  // namespace kernels::cpu
