// CPU matmul on rwkv.cpp's block-quantized weights (kernels/quant.h):
//  * T <= small_batch_max (decode): each weight row is read once for all T
//    tokens; a block's 32 quantized values are widened to floats in
//    registers and dotted with each token's 32 activations, the block scale
//    applied once per block (the "_1" formats add m times the activations'
//    block sum). quant_gemv_avx2.cpp / quant_gemv_avx512.cpp do this with
//    intrinsics; the portable kernel below (GCC vector types) serves the
//    scalar ISA. The activations stay f32: rwkv.cpp also quantizes them to 8
//    bits, which this does not copy.
//  * larger T (prefill): blocks of rows are dequantized (bit-identically to
//    ggml) into a per-thread f32 buffer and multiplied by a one-thread
//    sgemm, as the f16/bf16 path does.
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu_backend.h"
#include "cpu_clones.h"
#include "float8.h"
#include "kernels/quant.h"

namespace kernels::cpu {
namespace {

// A block's 32 quantized values as four 8-lane float vectors (without d and
// m), and its scale and offset: w_j = q_j d + m. GCC vector types, so each
// clone widens the bytes with its own instructions.
using u8x16 = std::uint8_t __attribute__((vector_size(16)));
using u8x8 = std::uint8_t __attribute__((vector_size(8)));
using i8x8 = std::int8_t __attribute__((vector_size(8)));
using i32x8 = std::int32_t __attribute__((vector_size(32)));
using u32x8 = std::uint32_t __attribute__((vector_size(32)));

[[gnu::always_inline]] inline i32x8 widen(const u8x16& v, bool upper) {
    const u8x8 half = upper ? __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15)
                            : __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7);
    return __builtin_convertvector(half, i32x8);
}

template <quant_format F>
[[gnu::always_inline]] inline void unpack(const unsigned char* b, float8* q, float& d, float& m) {
    using namespace quant_detail;
    d = half_at(b);
    m = 0;
    if constexpr (F == quant_format::q8_0) {
        for (int g = 0; g < 4; ++g) {
            i8x8 v;
            std::memcpy(&v, b + 2 + 8 * g, 8);
            // int8 -> int32 -> float: GCC widens each step in vector
            // registers (a direct int8 -> float conversion goes scalar).
            q[g] = __builtin_convertvector(__builtin_convertvector(v, i32x8), float8);
        }
    } else {
        constexpr bool offset = F == quant_format::q4_1 || F == quant_format::q5_1;
        constexpr bool five_bits = F == quant_format::q5_0 || F == quant_format::q5_1;
        if (offset) m = half_at(b + 2);
        const unsigned char* qs = b + (offset ? 4 : 2) + (five_bits ? 4 : 0);
        u8x16 v;
        std::memcpy(&v, qs, 16);
        const u8x16 lo = v & 0x0F, hi = v >> 4;
        i32x8 n[4] = {widen(lo, false), widen(lo, true), widen(hi, false), widen(hi, true)};
        if constexpr (five_bits) {  // element e's fifth bit is bit e of qh
            const u32x8 qh = u32x8{} + u32_at(b + (offset ? 4 : 2));
            const u32x8 lane = {0, 1, 2, 3, 4, 5, 6, 7};
            for (int g = 0; g < 4; ++g) n[g] |= (i32x8)(((qh >> (lane + 8u * g)) & 1u) << 4);
        }
        constexpr int bias = offset ? 0 : five_bits ? 16 : 8;
        for (int g = 0; g < 4; ++g) q[g] = __builtin_convertvector(n[g] - bias, float8);
    }
}

// Two rows at a time (independent sums to overlap), every token; per block
// d (q . x) + m (sum x), accumulated in 8 lanes and summed by a fixed tree
// at the end of the row.
template <quant_format F>
[[gnu::always_inline]] inline void gemv_rows(const quant_gemv_args& a) {
    constexpr bool offset = F == quant_format::q4_1 || F == quant_format::q5_1;
    constexpr int block_bytes = quant_block_bytes(F);
    const std::int64_t blocks = a.n_in / quant_block_weights, row_bytes = blocks * block_bytes;
    for (std::int64_t n = a.row_begin; n < a.row_end; n += 2) {
        const int rows = n + 1 < a.row_end ? 2 : 1;
        float8 acc[2][small_batch_max] = {};
        for (std::int64_t b = 0; b < blocks; ++b) {
            float8 q[2][4];
            float d[2], m[2];
            for (int r = 0; r < rows; ++r) unpack<F>(a.w + (n + r) * row_bytes + b * block_bytes, q[r], d[r], m[r]);
            for (std::int64_t t = 0; t < a.n_tokens; ++t) {
                const float* x = a.x + t * a.n_in + b * quant_block_weights;
                const float8 x0 = load8(x), x1 = load8(x + 8), x2 = load8(x + 16), x3 = load8(x + 24);
                for (int r = 0; r < rows; ++r) {
                    const float8 dot = (q[r][0] * x0 + q[r][1] * x1) + (q[r][2] * x2 + q[r][3] * x3);
                    acc[r][t] += d[r] * dot;
                    if (offset) acc[r][t] += m[r] * ((x0 + x1) + (x2 + x3));
                }
            }
        }
        for (int r = 0; r < rows; ++r)
            for (std::int64_t t = 0; t < a.n_tokens; ++t) a.out[t * a.n_out + n + r] = hsum(acc[r][t]);
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
        // AVX2 and AVX-512: the intrinsics kernels; otherwise the portable ones.
        const bool avx2 = isa_ == cpu_isa::avx2, avx512 = isa_ == cpu_isa::avx512 || isa_ == cpu_isa::avx512_bf16;
        const gemv_fn portable = gemv_for(f);
        const std::int64_t per_thread = (n_out + n_threads_ - 1) / n_threads_;
        const std::int64_t step = (per_thread + 15) / 16 * 16;
        const std::int64_t n_parts = (n_out + step - 1) / step;
#pragma omp parallel for num_threads(n_threads_) schedule(static, 1) if (n_parts > 1 && n_out * n_in > (1 << 16))
        for (std::int64_t part = 0; part < n_parts; ++part)
        {
            const quant_gemv_args args{x.as<const float>(), wp,          out.as<float>(), n_tokens, n_in, n_out,
                                       part * step,         std::min(n_out, (part + 1) * step)};
            if (avx512)
                quant_gemv_avx512(args, f);
            else if (avx2)
                quant_gemv_avx2(args, f);
            else
                portable(args);
        }
        return;
    }
    // Rows are whole blocks, so a run of rows is one run of blocks.
    blocked_sgemm(x, n_out, n_threads_, out, [&](std::int64_t row0, std::int64_t rows, float* dst) {
        if (isa_ != cpu_isa::scalar)
            quant_dequantize_avx2(f, wp + row0 * row_bytes, rows * n_in, dst);
        else
            dequantize_row(f, wp + row0 * row_bytes, rows * n_in, dst);
    });
}

}  // namespace kernels::cpu
