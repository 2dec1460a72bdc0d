// CPU causal attention over a KV cache, in two variants.
//
// naive: per head, the whole score matrix S = Q K^T (T x n_keys, sgemm), a
//        masked row softmax, then O = P V (sgemm). Memory and time grow with
//        T x n_keys: the honest quadratic baseline.
// fused: per head and block of 64 queries, stream over blocks of 256 keys
//        keeping a running maximum, normaliser and output per query (online
//        softmax, as FlashAttention); both tile products are sgemm calls.
//        Same quadratic compute; memory is one tile per thread.
//        Decode steps (at most 4 queries) instead split the keys into chunks
//        across threads (flash-decoding): a 12-head decode over a long cache
//        would otherwise leave threads idle or pay two tiny sgemm calls per
//        256 keys; each chunk is scored, exponentiated and summed in plain
//        vectorised loops, then the chunks' softmaxes are merged.
// Heads (and query blocks) run in parallel; BLAS calls inside our parallel
// region run on the calling thread.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu_backend.h"
#include "vec_math.h"

// clang 14 multiversions no templates: its builds (the fuzzers) run the default code.
#if defined(__clang__)
#define KERNELS_CLONES
#else
#define KERNELS_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif

namespace kernels::cpu {
namespace {

// Fused tiles: 64 queries x 256 keys of scores (64 KiB) live at a time.
constexpr std::int64_t query_block = 64;
constexpr std::int64_t key_block = 256;
// Decode: chunks of at least this many keys, enough of them to keep every thread busy.
constexpr std::int64_t decode_max_tokens = 4;
constexpr std::int64_t decode_min_chunk = 256;

// One chunk of a decode step: keys [begin, end) of one (query, head). Leaves
// the chunk's max m, normaliser l = sum exp(s - m) and unnormalised output
// acc = sum exp(s - m) v in `partial` = [m, l, acc[head_dim]].
KERNELS_CLONES void decode_chunk(const float* q, const float* k, const float* v, std::int64_t key_stride,
                                 std::int64_t head_dim, std::int64_t begin, std::int64_t end, float scale,
                                 float* scores, float* partial) {
    float m = -std::numeric_limits<float>::infinity();
    // Dot products in 16 independent lanes (one AVX-512 or two AVX2
    // vectors): a single running sum would wait on each FMA's latency.
    constexpr int lanes = 16;
    const std::int64_t vec_dims = head_dim - head_dim % lanes;
    for (std::int64_t j = begin; j < end; ++j) {
        const float* k_j = k + j * key_stride;
        float part[lanes] = {};
        for (std::int64_t e = 0; e < vec_dims; e += lanes)
            for (int i = 0; i < lanes; ++i) part[i] += q[e + i] * k_j[e + i];
        float s = 0;
        for (int i = 0; i < lanes; ++i) s += part[i];
        for (std::int64_t e = vec_dims; e < head_dim; ++e) s += q[e] * k_j[e];
        scores[j - begin] = s * scale;
        m = std::max(m, s * scale);
    }
    float l = 0;
    for (std::int64_t j = 0; j < end - begin; ++j) l += (scores[j] = exp_fast(scores[j] - m));
    float* acc = partial + 2;
    std::fill_n(acc, head_dim, 0.0f);
    for (std::int64_t j = begin; j < end; ++j) {
        const float* v_j = v + j * key_stride;
        const float w = scores[j - begin];
        for (std::int64_t e = 0; e < head_dim; ++e) acc[e] += w * v_j[e];
    }
    partial[0] = m;
    partial[1] = l;
}

// Scaled, masked softmax of one score row in place: keys after `last` get 0.
KERNELS_CLONES void masked_softmax_row(float* row, std::int64_t n_keys, std::int64_t last, float scale) {
    float max = -std::numeric_limits<float>::infinity();
    for (std::int64_t j = 0; j <= last; ++j) max = std::max(max, row[j] * scale);
    float sum = 0;
    for (std::int64_t j = 0; j <= last; ++j) sum += (row[j] = exp_fast(row[j] * scale - max));
    const float inv = 1.0f / sum;
    for (std::int64_t j = 0; j <= last; ++j) row[j] *= inv;
    for (std::int64_t j = last + 1; j < n_keys; ++j) row[j] = 0;
}

// One row of a score tile in the online softmax: turns scores s[0..n_valid)
// into p = exp(s * scale - m_new) (the rest of the row into 0), and rescales
// the row's running max m, normaliser l and output acc[0..head_dim).
KERNELS_CLONES void online_softmax_row(float* s, std::int64_t n_keys, std::int64_t n_valid, float scale, float& m,
                                       float& l, float* acc, std::int64_t head_dim) {
    float block_max = -std::numeric_limits<float>::infinity();
    for (std::int64_t j = 0; j < n_valid; ++j) block_max = std::max(block_max, s[j] * scale);
    const float m_new = std::max(m, block_max);
    const float correction = m == -std::numeric_limits<float>::infinity() ? 0.0f : exp_fast(m - m_new);  // 0 on the first tile
    float sum = 0;
    for (std::int64_t j = 0; j < n_valid; ++j) sum += (s[j] = exp_fast(s[j] * scale - m_new));
    for (std::int64_t j = n_valid; j < n_keys; ++j) s[j] = 0;
    for (std::int64_t d = 0; d < head_dim; ++d) acc[d] *= correction;
    l = l * correction + sum;
    m = m_new;
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
    const std::int64_t n_keys = p.n_past + n_tokens;
    // q, out and the caches all have rows of all heads: one leading dimension.
    const int row_stride = static_cast<int>(n_heads * head_dim);
#pragma omp parallel num_threads(n_threads_)
    {
        std::vector<float> scores(static_cast<std::size_t>(n_tokens * n_keys));
#pragma omp for schedule(static)
        for (std::int64_t h = 0; h < n_heads; ++h) {
            const float* q_h = q.as<const float>() + h * head_dim;
            const float* k_h = k_cache.as<const float>() + h * head_dim;
            const float* v_h = v_cache.as<const float>() + h * head_dim;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n_tokens), static_cast<int>(n_keys),
                        static_cast<int>(head_dim), 1.0f, q_h, row_stride, k_h, row_stride, 0.0f,
                        scores.data(), static_cast<int>(n_keys));
            for (std::int64_t t = 0; t < n_tokens; ++t)
                masked_softmax_row(scores.data() + t * n_keys, n_keys, p.n_past + t, p.scale);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(n_tokens),
                        static_cast<int>(head_dim), static_cast<int>(n_keys), 1.0f, scores.data(),
                        static_cast<int>(n_keys), v_h, row_stride, 0.0f, out.as<float>() + h * head_dim, row_stride);
        }
    }
}

void cpu_backend::attention_decode(const tensor_view& q, const tensor_view& k_cache, const tensor_view& v_cache,
                                   const attention_params& p, const tensor_view& out) {
    const std::int64_t n_tokens = q.shape[0], n_heads = q.shape[1], head_dim = q.shape[2];
    const std::int64_t key_stride = n_heads * head_dim, n_keys = p.n_past + n_tokens;
    // Chunks so that (query, head, chunk) items are at least 4 per thread.
    const std::int64_t pairs = n_tokens * n_heads;
    const std::int64_t wanted = (4 * n_threads_ + pairs - 1) / pairs;
    const std::int64_t n_chunks = std::max<std::int64_t>(1, std::min(wanted, n_keys / decode_min_chunk));
    const std::int64_t chunk = (n_keys + n_chunks - 1) / n_chunks;
    const std::int64_t stride = head_dim + 2;
    std::vector<float> partials(static_cast<std::size_t>(pairs * n_chunks * stride));
#pragma omp parallel num_threads(n_threads_)
    {
        std::vector<float> scores(static_cast<std::size_t>(chunk));
#pragma omp for schedule(static)
        for (std::int64_t item = 0; item < pairs * n_chunks; ++item) {
            const std::int64_t pair = item / n_chunks, c = item % n_chunks;
            const std::int64_t t = pair / n_heads, h = pair % n_heads;
            const std::int64_t visible = p.n_past + t + 1;  // causal: keys 0 .. n_past + t
            const std::int64_t begin = std::min(c * chunk, visible), end = std::min(begin + chunk, visible);
            float* part = partials.data() + item * stride;
            if (begin == end) {  // nothing visible in this chunk: weight 0 in the merge
                part[0] = -std::numeric_limits<float>::infinity();
                part[1] = 0;
                std::fill_n(part + 2, head_dim, 0.0f);
                continue;
            }
            decode_chunk(q.as<const float>() + pair * head_dim, k_cache.as<const float>() + h * head_dim,
                         v_cache.as<const float>() + h * head_dim, key_stride, head_dim, begin, end, p.scale,
                         scores.data(), part);
        }
    }
    // Merge: out = sum_c e^(m_c - M) acc_c / sum_c e^(m_c - M) l_c.
    for (std::int64_t pair = 0; pair < pairs; ++pair) {
        const float* part = partials.data() + pair * n_chunks * stride;
        float m = -std::numeric_limits<float>::infinity();
        for (std::int64_t c = 0; c < n_chunks; ++c) m = std::max(m, part[c * stride]);
        float* out_p = out.as<float>() + pair * head_dim;
        std::fill_n(out_p, head_dim, 0.0f);
        float l = 0;
        for (std::int64_t c = 0; c < n_chunks; ++c) {
            const float* pc = part + c * stride;
            if (pc[1] == 0) continue;
            const float w = exp_fast(pc[0] - m);
            l += w * pc[1];
            for (std::int64_t e = 0; e < head_dim; ++e) out_p[e] += w * pc[2 + e];
        }
        const float inv = 1.0f / l;
        for (std::int64_t e = 0; e < head_dim; ++e) out_p[e] *= inv;
    }
}

void cpu_backend::attention_fused(const tensor_view& q, const tensor_view& k_cache, const tensor_view& v_cache,
                                  const attention_params& p, const tensor_view& out) {
    const std::int64_t n_tokens = q.shape[0], n_heads = q.shape[1], head_dim = q.shape[2];
    if (n_tokens <= decode_max_tokens) {
        attention_decode(q, k_cache, v_cache, p, out);
        return;
    }
    const std::int64_t n_qblocks = (n_tokens + query_block - 1) / query_block;
    // q and the caches have rows of all heads: one leading dimension.
    const int ld = static_cast<int>(n_heads * head_dim), d = static_cast<int>(head_dim);
#pragma omp parallel num_threads(n_threads_)
    {
        // Per thread: one score tile, the running output, max and normaliser.
        std::vector<float> tile(query_block * key_block), acc(query_block * head_dim), m(query_block), l(query_block);
        // Later query blocks see more keys: dynamic scheduling balances them.
#pragma omp for collapse(2) schedule(dynamic, 1)
        for (std::int64_t h = 0; h < n_heads; ++h) {
            for (std::int64_t b = 0; b < n_qblocks; ++b) {
                const std::int64_t t0 = b * query_block, n_q = std::min(query_block, n_tokens - t0);
                const float* q_blk = q.as<const float>() + (t0 * n_heads + h) * head_dim;
                const float* k_h = k_cache.as<const float>() + h * head_dim;
                const float* v_h = v_cache.as<const float>() + h * head_dim;
                std::fill_n(m.begin(), n_q, -std::numeric_limits<float>::infinity());
                std::fill_n(l.begin(), n_q, 0.0f);
                std::fill_n(acc.begin(), n_q * head_dim, 0.0f);
                const std::int64_t keys_end = p.n_past + t0 + n_q;  // the block's last query sees keys < keys_end
                for (std::int64_t j0 = 0; j0 < keys_end; j0 += key_block) {
                    const std::int64_t n_k = std::min(key_block, keys_end - j0);
                    // tile[i, j] = q[t0 + i] . k[j0 + j]; BLAS runs on this thread.
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n_q), static_cast<int>(n_k), d,
                                1.0f, q_blk, ld, k_h + j0 * ld, ld, 0.0f, tile.data(), static_cast<int>(n_k));
                    for (std::int64_t i = 0; i < n_q; ++i) {
                        // Causal: query t0 + i sees keys 0 .. n_past + t0 + i.
                        const std::int64_t n_valid = std::clamp<std::int64_t>(p.n_past + t0 + i + 1 - j0, 0, n_k);
                        online_softmax_row(tile.data() + i * n_k, n_k, n_valid, p.scale, m[i], l[i],
                                           acc.data() + i * head_dim, head_dim);
                    }
                    // acc += P V over this key block.
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(n_q), d, static_cast<int>(n_k),
                                1.0f, tile.data(), static_cast<int>(n_k), v_h + j0 * ld, ld, 1.0f, acc.data(), d);
                }
                for (std::int64_t i = 0; i < n_q; ++i) {
                    float* out_i = out.as<float>() + ((t0 + i) * n_heads + h) * head_dim;
                    const float inv = 1.0f / l[i];
                    for (std::int64_t e = 0; e < head_dim; ++e) out_i[e] = acc[i * head_dim + e] * inv;
                }
            }
        }
    }
}

}  // namespace kernels::cpu
