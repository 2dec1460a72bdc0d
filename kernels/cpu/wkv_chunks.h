// The chunked (matrix-form) WKV-5.2 and WKV-7 recurrences of the CPU
// backend: a sequence is cut into chunks of wkv_chunk tokens; within a chunk
// every token's output and the state carried to the next chunk come from
// small matrix products (kernels/cpu/small_gemm.h) instead of one state
// update per token. Where that pays (below), cpu_rwkv57.cpp runs whole
// chunks here and the last T % wkv_chunk tokens (and the serial engines'
// T = 1) token by token.
#pragma once

#include <cstdint>
#include <vector>

namespace kernels::cpu {

// 32 tokens: the matrix products' inner sizes (32 and the head size 64) keep
// the per-token work near its minimum, 4 N^2 + 8 N L multiply-adds.
inline constexpr std::int64_t wkv_chunk = 32;

// One thread's scratch for heads of size n, reused across heads and chunks.
class wkv_chunk_scratch {
public:
    explicit wkv_chunk_scratch(std::int64_t n);
    std::int64_t head_size() const { return n_; }
    float* data() { return buf_.data(); }

private:
    std::int64_t n_;
    std::vector<float> buf_;
};

// Where the chunked form is the faster one (C = 768, T = 1024, 2 threads,
// Sapphire Rapids; AVX2 measured with the AVX2 clones on the same machine):
// WKV-5.2 chunked 2.4 ms vs 2.6 token by token with AVX-512, 3.1 vs 4.4 with
// AVX2; WKV-7 chunked 5.4 ms vs 7.1 with AVX-512 but 17.0 vs 12.1 with AVX2,
// whose 16 vector registers hold too small a block of the products to beat
// the per-token update of an L1-resident state. Both need N % 8 == 0.
inline bool wkv5_chunks_pay(std::int64_t n) { return n % 8 == 0; }
bool wkv7_chunks_pay(std::int64_t n);

// One head over n_chunks * wkv_chunk tokens. Input pointers address the
// head's first channel at the first token; consecutive tokens are `stride`
// floats apart (the [T, C] activations), as is `out`. state: the head's
// N x N block in the op's orientation (v5.2 key rows, v7 value rows).
void wkv5_head_chunks(float* state, const float* r, const float* k, const float* v, const float* decay,
                      const float* bonus, std::int64_t stride, std::int64_t n_chunks, float* out,
                      wkv_chunk_scratch& scratch);
void wkv7_head_chunks(float* state, const float* r, const float* w, const float* k, const float* v, const float* kk,
                      const float* iclr, std::int64_t stride, std::int64_t n_chunks, float* out,
                      wkv_chunk_scratch& scratch);

}  // namespace kernels::cpu
