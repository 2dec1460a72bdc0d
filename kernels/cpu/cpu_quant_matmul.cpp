// CPU matmul on rwkv.cpp's block-quantized weights (kernels/quant.h):
//  * T <= small_batch_max (decode) with AVX2 or AVX-512: each weight row is
//    read once for all T tokens; a block's 32 quantized values are widened
//    to floats in registers and dotted with each token's 32 activations, the
//    block scale applied once per block (the "_1" formats add m times the
//    activations' block sum): quant_gemv_avx2.cpp / quant_gemv_avx512.cpp.
//    The activations stay f32 (exact). Up to row_dot_tokens_max tokens
//    (batched decode) the same kernels, the tokens in groups
//    (for_token_groups).
//  * the same shapes with cpu_options::int8_activations: the activations
//    quantized to 8 bits per 32 as rwkv.cpp does (quantize_activations_q8),
//    integer block dots on AVX-512 VNNI (quant_gemv_vnni.cpp), or on AVX2
//    where VNNI is missing (quant_gemv_int8_avx2.cpp).
//  * larger T, and every T on the scalar ISA: blocks of rows are dequantized
//    (bit-identically to ggml) into a per-thread f32 buffer and multiplied
//    by a one-thread sgemm, as the f16/bf16 prefill path does.
#include <functional>
#include <vector>

#include "cpu_backend.h"
#include "kernels/quant.h"

namespace kernels::cpu {

q8_activations quantize_activations_buffered(const float* x, std::int64_t n) {
    thread_local std::vector<std::int8_t> q;
    thread_local std::vector<float> d, s;
    const std::int64_t blocks = n / quant_block_weights;
    q.resize(static_cast<std::size_t>(n));
    d.resize(static_cast<std::size_t>(blocks)), s.resize(static_cast<std::size_t>(blocks));
    quantize_activations_q8(x, n, q.data(), d.data(), s.data());
    return {q.data(), d.data(), s.data()};
}

void cpu_backend::quant_matmul(const tensor_view& x, const tensor_view& w, const tensor_view& out) {
    const std::int64_t n_tokens = x.shape[0], n_in = x.shape[1], n_out = w.shape[0];
    const quant_format f = quant_format_of(w.type);
    const std::int64_t row_bytes = storage_bytes(w.type, n_in);
    const auto* wp = w.as<const unsigned char>();
    if (n_tokens <= row_dot_tokens_max && isa_ != cpu_isa::scalar) {  // int8 activations imply AVX2 or AVX-512
        // One token group's rows: on int8 activations, quantized and laid out
        // once here for all rows and threads, or on the f32 activations.
        std::function<void(std::int64_t, std::int64_t, std::int64_t, std::int64_t)> group;
        if (int8_vnni_) {
            const auto* pairs = static_cast<const unsigned char*>(prepare_q8_pairs(f, x.as<const float>(), n_tokens, n_in));
            const std::int64_t token_bytes = q8_pairs_per_token(n_in) * q8_pair_bytes;
            group = [&, pairs, token_bytes](std::int64_t t0, std::int64_t n, std::int64_t r0, std::int64_t r1) {
                quant_gemv_vnni({pairs + t0 * token_bytes, wp, out.as<float>() + t0 * n_out, n, n_in, n_out, r0, r1}, f);
            };
        } else if (int8_activations_) {
            const q8_activations q8 = quantize_activations_buffered(x.as<const float>(), n_tokens * n_in);
            const std::int64_t blocks = n_in / quant_block_weights;
            group = [&, q8, blocks](std::int64_t t0, std::int64_t n, std::int64_t r0, std::int64_t r1) {
                const q8_activations from_t0{q8.q + t0 * n_in, q8.d + t0 * blocks, q8.s + t0 * blocks};
                quant_gemv_int8_avx2({from_t0, wp, out.as<float>() + t0 * n_out, n, n_in, n_out, r0, r1}, f);
            };
        } else {
            const auto gemv = isa_ == cpu_isa::avx2 ? quant_gemv_avx2 : quant_gemv_avx512;
            group = [&, gemv](std::int64_t t0, std::int64_t n, std::int64_t r0, std::int64_t r1) {
                gemv({x.as<const float>() + t0 * n_in, wp, out.as<float>() + t0 * n_out, n, n_in, n_out, r0, r1}, f);
            };
        }
        for_row_ranges(n_out, n_in, n_threads_, [&](std::int64_t begin, std::int64_t end) {
            for_token_groups(n_tokens, row_bytes, begin, end, group);
        });
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
