// The CPU backend: OpenBLAS for f32 matrix products, our own OpenMP loops for
// the rest, SIMD paths for f16/bf16 weights picked at run time. One thread
// pool: our loops and the OpenMP build of OpenBLAS share OpenMP's threads, and
// a BLAS call made inside one of our parallel regions runs on one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <type_traits>

#include "kernels/backend.h"
#include "kernels/cpu_options.h"
#include "kernels/quant.h"

namespace kernels::cpu {

// Row-dot kernels for decode-sized batches: out[t, n] = x[t, :] . w[n, :] for
// the rows row_begin..row_end and up to `small_batch_max` tokens, reading each
// weight row once. Weights are f32 (is_f32) or f16/bf16 bits.
struct half_gemv_args {
    const float* x;             // [T, K]
    const std::uint16_t* w;     // [N, K]: f16/bf16 bits, or f32 seen as pairs of 16-bit units
    float* out;                 // [T, N]
    std::int64_t n_tokens, n_in, n_out;
    std::int64_t row_begin, row_end;
    bool is_bf16;
    bool is_f32 = false;
};
inline constexpr std::int64_t small_batch_max = 4;

// fn(std::integral_constant<int, T>{}) for T = n_tokens (1 to
// small_batch_max): the row dots take the token count as a template
// parameter so that their loops over tokens unroll and the accumulators can
// stay in registers (the block formats: 10-20% less time at T = 1).
template <class Fn>
inline void with_token_count(std::int64_t n_tokens, const Fn& fn) {
    static_assert(small_batch_max == 4, "a case for every T up to small_batch_max");
    switch (n_tokens) {
        case 1:
            return fn(std::integral_constant<int, 1>{});
        case 2:
            return fn(std::integral_constant<int, 2>{});
        case 3:
            return fn(std::integral_constant<int, 3>{});
        default:
            return fn(std::integral_constant<int, 4>{});
    }
}

// The row-dot kernels ask for the weights this many bytes ahead of their
// use (one prefetch into L1 per 64 bytes read): the hardware's L2 streamer
// stops at every 4 KiB page and ramps up again, which left decode at
// 1.20-1.30x the time of a plain read of the same bytes; 2 KiB ahead:
// 1.11-1.18x (RWKV-4 169M and RWKV-7 0.1B, fp32, 2 threads of an Emerald
// Rapids Xeon; 1 KiB and 4 KiB were between).
inline constexpr std::int64_t gemv_prefetch_bytes = 2048;
inline void prefetch_ahead(const void* at, std::int64_t bytes = gemv_prefetch_bytes) {
    __builtin_prefetch(static_cast<const char*>(at) + bytes, 0, 3);
}

// The block formats' row dots read 4 (or 2) rows side by side: that many
// streams a row apart. gemv_prefetch_bytes from one row's pointer lands in
// the rows being read already (a Q8_0 row of 768 weights is 816 bytes), so
// half the rows were never fetched ahead: the 169M head as Q8_0 read at 12
// GB/s on one Zen 5 core against 40 GB/s for a plain read, and at 6 GB/s
// with no prefetch at all. They ask for the same place whole row groups
// ahead, at least this far: 41 GB/s exact, 48 GB/s on VNNI (8 KiB: 33-37;
// in whole decode 8-32 KiB were level within the noise).
inline constexpr std::int64_t rows_prefetch_min_bytes = 16384;
inline std::int64_t rows_prefetch_bytes(std::int64_t group_bytes) {
    return group_bytes * ((rows_prefetch_min_bytes + group_bytes - 1) / group_bytes);
}

// Rows begin..end of row_bytes each as groups of Rows, then one by one:
// fn(std::integral_constant<int, R>{}, first row, prefetch distance for R rows).
template <int Rows, class Fn>
inline void for_row_groups(std::int64_t begin, std::int64_t end, std::int64_t row_bytes, const Fn& fn) {
    const std::int64_t ahead = rows_prefetch_bytes(Rows * row_bytes), ahead_one = rows_prefetch_bytes(row_bytes);
    std::int64_t n = begin;
    for (; n + Rows <= end; n += Rows) fn(std::integral_constant<int, Rows>{}, n, ahead);
    for (; n < end; ++n) fn(std::integral_constant<int, 1>{}, n, ahead_one);
}

// Row dots on rwkv.cpp's block formats (kernels/quant.h), T <= small_batch_max.
struct quant_gemv_args {
    const float* x;          // [T, K]
    const unsigned char* w;  // [N, K / 32] blocks
    float* out;              // [T, N]
    std::int64_t n_tokens, n_in, n_out, row_begin, row_end;
};
void quant_gemv_avx2(const quant_gemv_args& a, quant_format f);
void quant_gemv_avx512(const quant_gemv_args& a, quant_format f);
// x [n] (n a multiple of 32) quantized by quantize_activations_q8 into the
// calling thread's buffers, kept between calls: valid until that thread's
// next call, readable by every thread (cpu_quant_matmul.cpp).
struct q8_activations {
    const std::int8_t* q;  // [n]
    const float *d, *s;    // [n / 32]
};
q8_activations quantize_activations_buffered(const float* x, std::int64_t n);
// The same row dots on activations quantized to 8 bits, AVX-512 VNNI
// (quant_gemv_vnni.cpp). prepare_q8_pairs quantizes x [T, K] as
// quantize_activations_q8 does and lays it out for format f; the result
// (q8_pairs_per_token(K) entries per token) stays valid on the calling
// thread until its next call, and the row dots of any thread read it.
const void* prepare_q8_pairs(quant_format f, const float* x, std::int64_t n_tokens, std::int64_t n_in);
std::int64_t q8_pairs_per_token(std::int64_t n_in);
inline constexpr std::int64_t q8_pair_bytes = 256;
struct quant_gemv_q8_args {
    const void* pairs;  // the first token's
    const unsigned char* w;
    float* out;
    std::int64_t n_tokens, n_in, n_out, row_begin, row_end;
};
void quant_gemv_vnni(const quant_gemv_q8_args& a, quant_format f);
// The same row dots where AVX-512 VNNI is missing, on AVX2 (quant_gemv_int8_avx2.cpp),
// reading quantize_activations_buffered's output as it is.
struct quant_gemv_i8_args {
    q8_activations x;  // [T, K], the first token's
    const unsigned char* w;
    float* out;
    std::int64_t n_tokens, n_in, n_out, row_begin, row_end;
};
void quant_gemv_int8_avx2(const quant_gemv_i8_args& a, quant_format f);
// n weights (whole blocks) to f32, bit-identical to dequantize_row.
void quant_dequantize_avx2(quant_format f, const unsigned char* blocks, std::int64_t n, float* out);

// Batches of up to row_dot_tokens_max tokens (a serial engine stepping
// several sequences at once) also go to the row-dot kernels, the tokens
// small_batch_max at a time over blocks of rows small enough to stay in L2:
// each weight row comes from memory once per call, where OpenBLAS's sgemm
// would first copy (pack) every weight for a handful of rows. Each token's
// dots are summed exactly as at T = 1.
inline constexpr std::int64_t row_dot_tokens_max = 32;
// run(t0, n_tokens, r0, r1) over the token groups and row blocks of the rows
// begin..end, for weights of `row_bytes` bytes per row.
void for_token_groups(
    std::int64_t n_tokens, std::int64_t row_bytes, std::int64_t begin, std::int64_t end,
    const std::function<void(std::int64_t t0, std::int64_t n, std::int64_t r0, std::int64_t r1)>& run);

// The decode-sized row-dot kernels' work split: `run(begin, end)` on one
// contiguous range of output rows per thread (a multiple of 16 rows each),
// in parallel when the matrix is large enough to pay for it (cpu_matmul.cpp).
void for_row_ranges(std::int64_t n_out, std::int64_t n_in, int n_threads,
                    const std::function<void(std::int64_t begin, std::int64_t end)>& run);

// out[T, N] = x[T, K] . W^T for weights stored in a form sgemm cannot read:
// each thread converts blocks of rows (about 1 MiB of floats) with
// `convert_rows(row0, rows, dst)` into its own buffer and runs a one-thread
// sgemm on them (cpu_matmul.cpp).
// From this many tokens on, blocked_sgemm converts 16 MiB of rows at a time
// with all threads and runs one threaded sgemm per chunk: bf16 3072 x 768 at
// T = 1024 ran 5-10% faster than per-thread 1 MiB blocks; 16 MiB chunks
// (every 169M layer matrix whole) took 169M bf16 prefill from 0.91-1.0 of the
// f32 rate with 4 MiB chunks to 1.02-1.09.
inline constexpr std::int64_t chunked_sgemm_tokens_min = 256;
inline constexpr std::int64_t chunked_sgemm_floats = std::int64_t{1} << 22;
// chunk_floats: the chunk size from chunked_sgemm_tokens_min tokens on (tests
// pass small ones to cover many chunks cheaply).
void blocked_sgemm(const tensor_view& x, std::int64_t n_out, int n_threads, const tensor_view& out,
                   const std::function<void(std::int64_t row0, std::int64_t rows, float* dst)>& convert_rows,
                   std::int64_t chunk_floats = chunked_sgemm_floats);

void half_gemv_scalar(const half_gemv_args& a);
void half_gemv_avx2(const half_gemv_args& a);
void half_gemv_avx512(const half_gemv_args& a);
// AVX-512 BF16 (vdpbf16ps): bf16 weights only. x is split into three bf16
// terms (x = hi + mid + lo up to 2^-24 relative) so activations keep float
// precision while the products run on the native bf16 dot instruction.
void half_gemv_avx512_bf16(const half_gemv_args& a);

// Decodes n f16/bf16 values to f32 (exact), for the blocked prefill path.
void half_to_f32_scalar(const std::uint16_t* src, std::int64_t n, bool is_bf16, float* dst);
void half_to_f32_avx2(const std::uint16_t* src, std::int64_t n, bool is_bf16, float* dst);
void half_to_f32_avx512(const std::uint16_t* src, std::int64_t n, bool is_bf16, float* dst);

class cpu_backend final : public backend {
public:
    explicit cpu_backend(const cpu_options& options);

    std::string_view name() const override { return "cpu"; }
    device_kind device() const override { return device_kind::cpu; }
    bool supports(const op_desc& desc) const override;
    int n_threads() const { return n_threads_; }
    cpu_isa isa() const { return isa_; }

    void* alloc(std::size_t bytes) override;
    void free(void* p) override;
    void upload(void* dst, const void* host_src, std::size_t bytes) override;
    void download(void* host_dst, const void* src, std::size_t bytes) override;
    void fill_bytes(void* dst, unsigned char value, std::size_t bytes) override;
    void copy(void* dst, const void* src, std::size_t bytes) override;
    void synchronize() override {}

    void embedding(const tensor_view& table, const tensor_view& ids, const tensor_view& out) override;
    void layernorm(const tensor_view& x, const tensor_view& weight, const tensor_view& bias, float eps,
                   const tensor_view& out) override;
    void matmul(const tensor_view& x, const tensor_view& w, const tensor_view& bias,
                const tensor_view& out) override;
    void token_shift(const tensor_view& x, const tensor_view& x_prev, const tensor_view& mix,
                     const tensor_view& out) override;
    void wkv_step(const tensor_view& w, const tensor_view& u, const tensor_view& k, const tensor_view& v,
                  const tensor_view& state, const tensor_view& out) override;
    void wkv_sequence(const tensor_view& w, const tensor_view& u, const tensor_view& k, const tensor_view& v,
                      const tensor_view& state, const tensor_view& out) override;
    void unary(op_kind kind, const tensor_view& x, const tensor_view& out) override;
    void binary(op_kind kind, const tensor_view& a, const tensor_view& b, const tensor_view& out) override;
    void row_softmax(op_kind kind, const tensor_view& x, const tensor_view& out) override;
    void argmax(const tensor_view& x, const tensor_view& out) override;
    void rotary(const tensor_view& x, const rotary_params& p, const tensor_view& out) override;
    void attention(const tensor_view& q, const tensor_view& k_cache, const tensor_view& v_cache,
                   const attention_params& p, const tensor_view& out) override;

    void token_lerp(const tensor_view& x, const tensor_view& x_prev, const tensor_view& mix,
                    const tensor_view& out) override;
    void lerp(const tensor_view& a, const tensor_view& b, const tensor_view& t, const tensor_view& out) override;
    void group_norm(const tensor_view& x, const tensor_view& weight, const tensor_view& bias, std::int64_t n_groups,
                    float eps, const tensor_view& out) override;
    void wkv5(const tensor_view& r, const tensor_view& k, const tensor_view& v, const tensor_view& decay,
              const tensor_view& bonus, const tensor_view& state, const tensor_view& out) override;
    void wkv7(const tensor_view& r, const tensor_view& w, const tensor_view& k, const tensor_view& v,
              const tensor_view& kk, const tensor_view& a, const tensor_view& state, const tensor_view& out) override;
    void rwkv7_keys(const tensor_view& k, const tensor_view& a, const tensor_view& k_k, const tensor_view& k_a,
                    std::int64_t head_size, const tensor_view& kk) override;
    void rwkv7_bonus(const tensor_view& r, const tensor_view& k, const tensor_view& v, const tensor_view& r_k,
                     const tensor_view& out) override;

private:
    void check_on_cpu(const tensor_view& t) const;
    void half_matmul(const tensor_view& x, const tensor_view& w, const tensor_view& out);
    void quant_matmul(const tensor_view& x, const tensor_view& w, const tensor_view& out);
    void attention_naive(const tensor_view& q, const tensor_view& k_cache, const tensor_view& v_cache,
                         const attention_params& p, const tensor_view& out);
    void attention_decode(const tensor_view& q, const tensor_view& k_cache, const tensor_view& v_cache,
                          const attention_params& p, const tensor_view& out);
    void attention_fused(const tensor_view& q, const tensor_view& k_cache, const tensor_view& v_cache,
                         const attention_params& p, const tensor_view& out);

    int n_threads_;
    cpu_isa isa_;
    bool int8_activations_;
    bool int8_vnni_;  // int8 activations on AVX-512 VNNI, else on AVX2
};

}  // namespace kernels::cpu
