// CPU causal attention over a KV cache, in two variants.
//
// naive: per head, the whole score matrix S = Q K^T (T x n_keys, sgemm), a
//        masked row softmax, then O = P V (sgemm). Memory and time grow with
//        T x n_keys: the honest quadratic baseline.
// fused: per head and block of queries, stream over blocks of keys keeping a
//        running maximum, normaliser and output (online softmax, as
//        FlashAttention). Same quadratic compute, memory linear in n_keys.
// Heads (and query blocks) run in parallel; BLAS calls inside our parallel
// region run on the calling thread.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu_backend.h"

#define KERNELS_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

namespace kernels::cpu {
namespace {

constexpr std::int64_t query_block = 16;
constexpr std::int64_t key_block = 64;

// Scaled, masked softmax of one score row in place: keys after `last` get 0.
KERNELS_CLONES void masked_softmax_row(float* row, std::int64_t n_keys, std::int64_t last, float scale) {
    float max = -std::numeric_limits<float>::infinity();
    for (std::int64_t j = 0; j <= last; ++j) max = std::max(max, row[j] * scale);
    float sum = 0;
    for (std::int64_t j = 0; j <= last; ++j) sum += (row[j] = std::exp(row[j] * scale - max));
    const float inv = 1.0f / sum;
    for (std::int64_t j = 0; j <= last; ++j) row[j] *= inv;
    for (std::int64_t j = last + 1; j < n_keys; ++j) row[j] = 0;
}

struct fused_job {
    const float* q;  // [T, H, D]
    const float* k;  // this head's [capacity, D]
    const float* v;
    float* out;      // [T, H, D]
    std::int64_t n_heads, head_dim, head, n_past;
    float scale;
};

// Queries t0..t1 of one head. Per query: running max m, normaliser l and the
// unnormalised output acc; a new key block rescales them by exp(m_old - m_new).
KERNELS_CLONES void fused_query_block(const fused_job& job, std::int64_t t0, std::int64_t t1) {
    const std::int64_t d_dim = job.head_dim, n_q = t1 - t0;
    float m[query_block], l[query_block], s[key_block];
    std::vector<float> acc(static_cast<std::size_t>(n_q * d_dim), 0.0f);
    std::fill_n(m, n_q, -std::numeric_limits<float>::infinity());
    std::fill_n(l, n_q, 0.0f);
    const std::int64_t keys_end = job.n_past + t1;  // the last query sees keys < keys_end
    for (std::int64_t j0 = 0; j0 < keys_end; j0 += key_block) {
        for (std::int64_t i = 0; i < n_q; ++i) {
            const std::int64_t last = job.n_past + t0 + i;  // causal: keys 0..last
            if (j0 > last) continue;
            const std::int64_t j1 = std::min(j0 + key_block, last + 1);
            const float* q_i = job.q + ((t0 + i) * job.n_heads + job.head) * d_dim;
            float block_max = -std::numeric_limits<float>::infinity();
            for (std::int64_t j = j0; j < j1; ++j) {
                const float* k_j = job.k + j * d_dim;
                float dot = 0;
                for (std::int64_t d = 0; d < d_dim; ++d) dot += q_i[d] * k_j[d];
                s[j - j0] = dot * job.scale;
                block_max = std::max(block_max, s[j - j0]);
            }
            const float m_new = std::max(m[i], block_max);
            const float correction = std::exp(m[i] - m_new);  // 0 on the first block
            float* acc_i = acc.data() + i * d_dim;
            for (std::int64_t d = 0; d < d_dim; ++d) acc_i[d] *= correction;
            float block_sum = 0;
            for (std::int64_t j = j0; j < j1; ++j) {
                const float p = std::exp(s[j - j0] - m_new);
                block_sum += p;
                const float* v_j = job.v + j * d_dim;
                for (std::int64_t d = 0; d < d_dim; ++d) acc_i[d] += p * v_j[d];
            }
            l[i] = l[i] * correction + block_sum;
            m[i] = m_new;
        }
    }
    for (std::int64_t i = 0; i < n_q; ++i) {
        float* out_i = job.out + ((t0 + i) * job.n_heads + job.head) * d_dim;
        const float inv = 1.0f / l[i];
        for (std::int64_t d = 0; d < d_dim; ++d) out_i[d] = acc[i * d_dim + d] * inv;
    }
}

}  // namespace

void cpu_backend::attention(const tensor_view& q, const tensor_view& k_cache, const tensor_view& v_cache,
                            const attention_params& p, const tensor_view& out) {
    check_attention(q, k_cache, v_cache, p, out);
    check_on_cpu(q), check_on_cpu(k_cache), check_on_cpu(v_cache), check_on_cpu(out);
    if (p.variant == attention_variant::naive)
        attention_naive(q, k_cache, v_cache, p, out);
    else
        attention_fused(q, k_cache, v_cache, p, out);
}

void cpu_backend::attention_naive(const tensor_view& q, const tensor_view& k_cache, const tensor_view& v_cache,
                                  const attention_params& p, const tensor_view& out) {
    const std::int64_t n_tokens = q.shape[0], n_heads = q.shape[1], head_dim = q.shape[2];
    const std::int64_t capacity = k_cache.shape[1], n_keys = p.n_past + n_tokens;
    const int row_stride = static_cast<int>(n_heads * head_dim);  // q and out rows hold all heads
#pragma omp parallel num_threads(n_threads_)
    {
        std::vector<float> scores(static_cast<std::size_t>(n_tokens * n_keys));
#pragma omp for schedule(static)
        for (std::int64_t h = 0; h < n_heads; ++h) {
            const float* q_h = q.as<const float>() + h * head_dim;
            const float* k_h = k_cache.as<const float>() + h * capacity * head_dim;
            const float* v_h = v_cache.as<const float>() + h * capacity * head_dim;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n_tokens), static_cast<int>(n_keys),
                        static_cast<int>(head_dim), 1.0f, q_h, row_stride, k_h, static_cast<int>(head_dim), 0.0f,
                        scores.data(), static_cast<int>(n_keys));
            for (std::int64_t t = 0; t < n_tokens; ++t)
                masked_softmax_row(scores.data() + t * n_keys, n_keys, p.n_past + t, p.scale);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(n_tokens),
                        static_cast<int>(head_dim), static_cast<int>(n_keys), 1.0f, scores.data(),
                        static_cast<int>(n_keys), v_h, static_cast<int>(head_dim), 0.0f,
                        out.as<float>() + h * head_dim, row_stride);
        }
    }
}

void cpu_backend::attention_fused(const tensor_view& q, const tensor_view& k_cache, const tensor_view& v_cache,
                                  const attention_params& p, const tensor_view& out) {
    const std::int64_t n_tokens = q.shape[0], n_heads = q.shape[1], head_dim = q.shape[2];
    const std::int64_t capacity = k_cache.shape[1];
    const std::int64_t n_qblocks = (n_tokens + query_block - 1) / query_block;
    // Later query blocks see more keys: dynamic scheduling balances them.
#pragma omp parallel for num_threads(n_threads_) collapse(2) schedule(dynamic, 1)
    for (std::int64_t h = 0; h < n_heads; ++h) {
        for (std::int64_t b = 0; b < n_qblocks; ++b) {
            const fused_job job{q.as<const float>(),
                                k_cache.as<const float>() + h * capacity * head_dim,
                                v_cache.as<const float>() + h * capacity * head_dim,
                                out.as<float>(),
                                n_heads,
                                head_dim,
                                h,
                                p.n_past,
                                p.scale};
            fused_query_block(job, b * query_block, std::min(n_tokens, (b + 1) * query_block));
        }
    }
}

}  // namespace kernels::cpu
