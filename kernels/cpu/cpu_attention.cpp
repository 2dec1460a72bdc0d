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
//        across threads (flash-decoding): each chunk serves every (query,
//        head) pair, in blocks of 64 keys: the block's key rows (all heads
//        of a position are one contiguous row of the cache) are read once,
//        front to back, for every pair's scores, an online softmax per pair,
//        then the block's value rows (in cache by then) pair by pair; then
//        the chunks' softmaxes are merged. Walking one head's slice of every
//        row from memory instead (a chunk per head) reads the cache in
//        256-byte pieces 3 KiB apart, and ran at a fifth of the memory
//        bandwidth.
// Heads (and query blocks) run in parallel; BLAS calls inside our parallel
// region run on the calling thread.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "cpu_backend.h"
#include "cpu_clones.h"
#include "parallel_for.h"
#include "vec_math.h"

namespace kernels::cpu {
namespace {

// Fused tiles: 64 queries x 256 keys of scores (64 KiB) live at a time.
constexpr std::int64_t query_block = 64;
constexpr std::int64_t key_block = 256;
// Decode: chunks of at least this many keys, enough of them to keep every thread busy.
constexpr std::int64_t decode_max_tokens = 4;
constexpr std::int64_t decode_min_chunk = 256;
constexpr std::int64_t decode_key_block = 64;  // keys scored before their values are read
constexpr std::int64_t prefetch_ahead = 4;     // cache rows (every head of a position) asked for ahead of use

// The decode helpers below work on 16 floats at a time as GCC vector values:
// each clone of their caller (they are inlined) compiles them to one
// AVX-512 register, two AVX2 registers or four SSE registers. They pass
// vectors by value, which GCC warns (outside a clone built for AVX-512)
// changes the calling convention: they are always inlined, never called;
// the warning is off down to decode_keys.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
using f32x16 = float __attribute__((vector_size(64)));
constexpr int lanes = 16;

[[gnu::always_inline]] inline f32x16 load16(const float* p) {
    f32x16 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

[[gnu::always_inline]] inline void store16(float* p, f32x16 v) { std::memcpy(p, &v, sizeof v); }

// The 16 lanes summed as a tree.
[[gnu::always_inline]] inline float reduce_add(f32x16 v) {
    v += __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
    v += __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3);
    v += __builtin_shufflevector(v, v, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1);
    v += __builtin_shufflevector(v, v, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0);
    return v[0];
}

// a . b over n floats: 16 lanes at a time (one running vector: the dots of
// different heads and keys overlap instead), then the tail.
[[gnu::always_inline]] inline float dot(const float* a, const float* b, std::int64_t n) {
    const std::int64_t vec = n - n % lanes;
    f32x16 acc = {};
    for (std::int64_t e = 0; e < vec; e += lanes) acc += load16(a + e) * load16(b + e);
    float s = reduce_add(acc);
    for (std::int64_t e = vec; e < n; ++e) s += a[e] * b[e];
    return s;
}

// acc += w x over n floats.
[[gnu::always_inline]] inline void axpy(float* acc, float w, const float* x, std::int64_t n) {
    const std::int64_t vec = n - n % lanes;
    for (std::int64_t e = 0; e < vec; e += lanes) store16(acc + e, load16(acc + e) + w * load16(x + e));
    for (std::int64_t e = vec; e < n; ++e) acc[e] += w * x[e];
}

// Sum and maximum of n floats in 16 lanes (GCC keeps a float reduction in
// order, one scalar add after another, unless the lanes are written out).
[[gnu::always_inline]] inline float sum(const float* x, std::int64_t n) {
    const std::int64_t vec = n - n % lanes;
    f32x16 acc = {};
    for (std::int64_t e = 0; e < vec; e += lanes) acc += load16(x + e);
    float s = reduce_add(acc);
    for (std::int64_t e = vec; e < n; ++e) s += x[e];
    return s;
}

[[gnu::always_inline]] inline float max(const float* x, std::int64_t n) {
    float m = -std::numeric_limits<float>::infinity();
    const std::int64_t vec = n - n % lanes;
    if (vec > 0) {
        f32x16 acc = load16(x);
        for (std::int64_t e = lanes; e < vec; e += lanes) {
            const f32x16 v = load16(x + e);
            acc = acc > v ? acc : v;
        }
        for (int i = 0; i < lanes; ++i) m = std::max(m, acc[i]);
    }
    for (std::int64_t e = vec; e < n; ++e) m = std::max(m, x[e]);
    return m;
}

// Asks for the cache lines of one cache row (every head of a position) ahead
// of their use: the hardware prefetchers lose the stream each time a step
// turns from key rows to value rows and back (measured: x_bound 1.17 with,
// 1.25 without, at 16k keys).
[[gnu::always_inline]] inline void prefetch_row(const float* p, std::int64_t floats) {
    const char* c = reinterpret_cast<const char*>(p);
    for (std::int64_t off = 0; off < floats * static_cast<std::int64_t>(sizeof(float)); off += 64)
        __builtin_prefetch(c + off, 0, 3);
}

// Keys [begin, end) of a decode step for every (query t, head h) pair
// (pair = t * n_heads + h). k and v point at the cache's first row; a row
// holds every head. Leaves per pair the chunk's max m, normaliser
// l = sum exp(s - m) and unnormalised output acc = sum exp(s - m) v in
// partial + pair * (head_dim + 2) = [m, l, acc[head_dim]]. `scores` holds
// pairs x decode_key_block floats.
//
// Per block of keys: the scores read each key row once, front to back
// (every pair from each row); the values are then taken pair by pair from
// the block's value rows, which are in cache by then. D > 0 is head_dim
// known when compiled (a multiple of 16): a pair's output then stays in
// registers over the block (x_bound 1.2 instead of 1.5 at 16k keys, where
// an output in memory is loaded and stored for every key); D = 0 serves
// any head_dim.
template <int D>
[[gnu::always_inline]] inline void decode_keys_body(const float* q, const float* k, const float* v, std::int64_t n_tokens,
                                                    std::int64_t n_heads, std::int64_t dim, std::int64_t n_past,
                                                    std::int64_t begin, std::int64_t end, float scale, float* scores,
                                                    float* partial) {
    static_assert(D % lanes == 0);
    const std::int64_t head_dim = D > 0 ? D : dim;
    const std::int64_t pairs = n_tokens * n_heads, stride = head_dim + 2, row = n_heads * head_dim;
    constexpr float minus_inf = -std::numeric_limits<float>::infinity();
    for (std::int64_t pair = 0; pair < pairs; ++pair) {
        float* part = partial + pair * stride;
        part[0] = minus_inf, part[1] = 0;
        std::fill_n(part + 2, head_dim, 0.0f);
    }
    for (std::int64_t b0 = begin; b0 < end; b0 += decode_key_block) {
        const std::int64_t n = std::min(decode_key_block, end - b0);
        // Scores; causal: query t sees keys <= n_past + t.
        for (std::int64_t j = 0; j < n; ++j) {
            const float* k_j = k + (b0 + j) * row;
            const std::int64_t ahead = j + prefetch_ahead;  // this block's next key rows, then its first value rows
            prefetch_row(ahead < n ? k + (b0 + ahead) * row : v + (b0 + ahead - n) * row, row);
            for (std::int64_t t = 0; t < n_tokens; ++t) {
                const bool visible = b0 + j <= n_past + t;
                for (std::int64_t h = 0; h < n_heads; ++h) {
                    const std::int64_t pair = t * n_heads + h;
                    scores[pair * decode_key_block + j] =
                        visible ? dot(q + pair * head_dim, k_j + h * head_dim, head_dim) * scale : minus_inf;
                }
            }
        }
        // Online softmax per pair: weights in place of the scores, the running output rescaled.
        for (std::int64_t pair = 0; pair < pairs; ++pair) {
            float* s = scores + pair * decode_key_block;
            float* part = partial + pair * stride;
            const float block_max = max(s, n);
            if (block_max == minus_inf) {  // every key of the block is after this query
                std::fill_n(s, n, 0.0f);
                continue;
            }
            const float m_new = std::max(part[0], block_max);
            const float correction = part[0] == minus_inf ? 0.0f : exp_fast(part[0] - m_new);
            for (std::int64_t j = 0; j < n; ++j) s[j] = s[j] == minus_inf ? 0.0f : exp_fast(s[j] - m_new);
            part[0] = m_new;
            part[1] = part[1] * correction + sum(s, n);
            for (std::int64_t e = 0; e < head_dim; ++e) part[2 + e] *= correction;
        }
        // Values, pair by pair (a weight of 0 is a key after the query).
        for (std::int64_t pair = 0; pair < pairs; ++pair) {
            const float* s = scores + pair * decode_key_block;
            const float* v_h = v + b0 * row + (pair % n_heads) * head_dim;
            float* out = partial + pair * stride + 2;
            if constexpr (D > 0) {
                f32x16 acc[D / lanes];
                for (int g = 0; g < D / lanes; ++g) acc[g] = load16(out + g * lanes);
                for (std::int64_t j = 0; j < n; ++j)
                    for (int g = 0; g < D / lanes; ++g) acc[g] += s[j] * load16(v_h + j * row + g * lanes);
                for (int g = 0; g < D / lanes; ++g) store16(out + g * lanes, acc[g]);
            } else {
                for (std::int64_t j = 0; j < n; ++j)
                    if (s[j] != 0) axpy(out, s[j], v_h + j * row, head_dim);
            }
        }
    }
}

// The head sizes of the shipped presets (64: Pythia-160M/410M, GPT-2; 80:
// Pythia-2.8B; 128: Pythia-1.4B) get their own code.
KERNELS_CLONES void decode_keys(const float* q, const float* k, const float* v, std::int64_t n_tokens,
                                std::int64_t n_heads, std::int64_t head_dim, std::int64_t n_past, std::int64_t begin,
                                std::int64_t end, float scale, float* scores, float* partial) {
    switch (head_dim) {
        case 64: return decode_keys_body<64>(q, k, v, n_tokens, n_heads, head_dim, n_past, begin, end, scale, scores, partial);
        case 80: return decode_keys_body<80>(q, k, v, n_tokens, n_heads, head_dim, n_past, begin, end, scale, scores, partial);
        case 128: return decode_keys_body<128>(q, k, v, n_tokens, n_heads, head_dim, n_past, begin, end, scale, scores, partial);
        default: return decode_keys_body<0>(q, k, v, n_tokens, n_heads, head_dim, n_past, begin, end, scale, scores, partial);
    }
}
#pragma GCC diagnostic pop

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
    const std::int64_t n_keys = p.n_past + n_tokens, pairs = n_tokens * n_heads, stride = head_dim + 2;
    // Chunks of at least decode_min_chunk keys, up to 4 per thread (balance).
    const std::int64_t n_chunks = std::clamp<std::int64_t>(n_keys / decode_min_chunk, 1, 4 * n_threads_);
    const std::int64_t chunk = (n_keys + n_chunks - 1) / n_chunks;
    std::vector<float> partials(static_cast<std::size_t>(n_chunks * pairs * stride));  // [chunk][pair][m, l, acc]
    parallel_region(n_threads_, n_chunks > 1, [&] {
        std::vector<float> scores(static_cast<std::size_t>(pairs * decode_key_block));
#pragma omp for schedule(static)
        for (std::int64_t c = 0; c < n_chunks; ++c) {
            const std::int64_t begin = std::min(c * chunk, n_keys), end = std::min(begin + chunk, n_keys);
            decode_keys(q.as<const float>(), k_cache.as<const float>(), v_cache.as<const float>(), n_tokens, n_heads,
                        head_dim, p.n_past, begin, end, p.scale, scores.data(), partials.data() + c * pairs * stride);
        }
    });
    // Merge: out = sum_c e^(m_c - M) acc_c / sum_c e^(m_c - M) l_c (a chunk without visible keys has l = 0).
    for (std::int64_t pair = 0; pair < pairs; ++pair) {
        float m = -std::numeric_limits<float>::infinity();
        for (std::int64_t c = 0; c < n_chunks; ++c) m = std::max(m, partials[static_cast<std::size_t>((c * pairs + pair) * stride)]);
        float* out_p = out.as<float>() + pair * head_dim;
        std::fill_n(out_p, head_dim, 0.0f);
        float l = 0;
        for (std::int64_t c = 0; c < n_chunks; ++c) {
            const float* pc = partials.data() + (c * pairs + pair) * stride;
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
