// CPU backend: the RWKV v5.2 / v7 ops (group_norm, token_lerp, tanh and silu
// live with the other row and element ops). The recurrences are parallel over
// heads; within a head, whole chunks of wkv_chunk tokens go through the
// matrix form (cpu_wkv_chunks.cpp) and the rest token by token, the head's
// state (N x N floats, 16 KiB at N = 64) staying in L1/L2 throughout. The
// per-element math is kernels/common/rwkv57_math.h, shared with CUDA (v7's
// decay uses the CPU's vectorisable exp instead of libm's expf).
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "../common/rwkv57_math.h"
#include "cpu_backend.h"
#include "cpu_clones.h"
#include "float8.h"
#include "parallel_for.h"
#include "vec_math.h"
#include "wkv_chunks.h"

namespace kernels::cpu {
namespace {

// One token of one WKV-5.2 head: s [N, N] (key rows), out[N] written.
KERNELS_CLONES void wkv5_head_token(float* __restrict s, const float* __restrict r, const float* __restrict k,
                                    const float* __restrict v, const float* __restrict w, const float* __restrict u,
                                    std::int64_t n, float* __restrict out) {
    for (std::int64_t j = 0; j < n; ++j) out[j] = 0;
    // Key rows outer, value columns inner: the inner loop vectorises, and each
    // out[j] still sums over i in order, as model.py's r @ (u a + s) does.
    for (std::int64_t i = 0; i < n; ++i) {
        float* row = s + i * n;
        for (std::int64_t j = 0; j < n; ++j) out[j] += wkv5_element(row[j], r[i], k[i], w[i], u[i], v[j]);
    }
}

// Dot products in two 8-lane accumulators (float8.h), then a fixed tree
// over the lanes: one order on every machine, no 16-add latency chain per row.
[[gnu::always_inline]] inline float dot(const float* __restrict x, const float* __restrict y, std::int64_t n) {
    float8 acc0 = {}, acc1 = {};
    std::int64_t j = 0;
    for (; j + 16 <= n; j += 16) {
        acc0 += load8(x + j) * load8(y + j);
        acc1 += load8(x + j + 8) * load8(y + j + 8);
    }
    float sum = hsum(acc0 + acc1);
    for (; j < n; ++j) sum += x[j] * y[j];
    return sum;
}

// One token of one WKV-7 head: s [N, N] (value rows); decay, a (= -kk) and
// b (= kk * iclr) precomputed. Row i: sa = s_i . a, the update along the
// contiguous key channels, then out_i = s_i . r. For N a multiple of 8 (the
// real head size 64) two rows go together in 8-lane vectors: the key-side
// vectors are loaded once for both, the update and the second dot product
// share one pass, and the two rows' sums are independent chains.
KERNELS_CLONES void wkv7_head_token(float* __restrict s, const float* __restrict r, const float* __restrict decay,
                                    const float* __restrict k, const float* __restrict v, const float* __restrict a,
                                    const float* __restrict b, std::int64_t n, float* __restrict out) {
    if (n % 8 == 0) {
        for (std::int64_t i = 0; i < n; i += 2) {
            float* __restrict row0 = s + i * n;
            float* __restrict row1 = row0 + n;
            float8 sa0 = {}, sa1 = {};
            for (std::int64_t j = 0; j < n; j += 8) {
                const float8 a8 = load8(a + j);
                sa0 += load8(row0 + j) * a8;
                sa1 += load8(row1 + j) * a8;
            }
            const float sa_0 = hsum(sa0), sa_1 = hsum(sa1), v_0 = v[i], v_1 = v[i + 1];
            float8 y0 = {}, y1 = {};
            for (std::int64_t j = 0; j < n; j += 8) {
                const float8 w8 = load8(decay + j), b8 = load8(b + j), k8 = load8(k + j), r8 = load8(r + j);
                // wkv7_element on 8 lanes: s w + sa b + v k, in that order.
                const float8 s0 = load8(row0 + j) * w8 + sa_0 * b8 + v_0 * k8;
                const float8 s1 = load8(row1 + j) * w8 + sa_1 * b8 + v_1 * k8;
                std::memcpy(row0 + j, &s0, sizeof s0);
                std::memcpy(row1 + j, &s1, sizeof s1);
                y0 += s0 * r8;
                y1 += s1 * r8;
            }
            out[i] = hsum(y0);
            out[i + 1] = hsum(y1);
        }
        return;
    }
    for (std::int64_t i = 0; i < n; ++i) {
        float* __restrict row = s + i * n;
        const float sa = dot(row, a, n), v_i = v[i];
        for (std::int64_t j = 0; j < n; ++j) row[j] = wkv7_element(row[j], decay[j], sa, b[j], v_i, k[j]);
        out[i] = dot(row, r, n);
    }
}

// One head's per-token vectors: rwkv7_decay with the vectorisable exp of
// the softmax (vec_math.h, ~1 ulp) where libm's expf would be a call per
// element; a = -kk and b = kk * iclr as model.py hands them to its kernel.
KERNELS_CLONES void wkv7_token_vectors(const float* __restrict w, const float* __restrict kk,
                                       const float* __restrict iclr, std::int64_t n, float* __restrict decay,
                                       float* __restrict a, float* __restrict b) {
    for (std::int64_t j = 0; j < n; ++j) {
        decay[j] = exp_fast(-0.606531f / (1.0f + exp_fast(-w[j])));
        a[j] = -kk[j];
        b[j] = kk[j] * iclr[j];
    }
}

}  // namespace

void cpu_backend::lerp(const tensor_view& a, const tensor_view& b, const tensor_view& t, const tensor_view& out) {
    check_lerp(a, b, t, out);
    const std::int64_t n = a.numel();
    const float *pa = a.as<const float>(), *pb = b.as<const float>(), *pt = t.as<const float>();
    float* po = out.as<float>();
    parallel_for(n, n_threads_, n > parallel_threshold, [&](std::int64_t i) { po[i] = lerp_f(pa[i], pb[i], pt[i]); });
}

void cpu_backend::wkv5(const tensor_view& r, const tensor_view& k, const tensor_view& v, const tensor_view& decay,
                       const tensor_view& bonus, const tensor_view& state, const tensor_view& out) {
    check_wkv5(r, k, v, decay, bonus, state, out);
    const std::int64_t n_tokens = r.shape[0], c = r.shape[1], heads = state.shape[0], n = state.shape[1];
    const std::int64_t n_chunks = wkv5_chunks_pay(n) ? n_tokens / wkv_chunk : 0, chunked = n_chunks * wkv_chunk;
    parallel_region(n_threads_, heads > 1 && n_tokens * n * n * heads > parallel_threshold, [&] {
        wkv_chunk_scratch scratch(n_chunks > 0 ? n : 0);
#pragma omp for
        for (std::int64_t h = 0; h < heads; ++h) {
            float* s = state.as<float>() + h * n * n;
            const float* w = decay.as<const float>() + h * n;
            const float* u = bonus.as<const float>() + h * n;
            if (n_chunks > 0)
                wkv5_head_chunks(s, r.as<const float>() + h * n, k.as<const float>() + h * n,
                                 v.as<const float>() + h * n, w, u, c, n_chunks, out.as<float>() + h * n, scratch);
            for (std::int64_t t = chunked; t < n_tokens; ++t) {
                const std::int64_t at = t * c + h * n;
                wkv5_head_token(s, r.as<const float>() + at, k.as<const float>() + at, v.as<const float>() + at, w,
                                u, n, out.as<float>() + at);
            }
        }
    });
}

void cpu_backend::wkv7(const tensor_view& r, const tensor_view& w, const tensor_view& k, const tensor_view& v,
                       const tensor_view& kk, const tensor_view& a, const tensor_view& state, const tensor_view& out) {
    check_wkv7(r, w, k, v, kk, a, state, out);
    const std::int64_t n_tokens = r.shape[0], c = r.shape[1], heads = state.shape[0], n = state.shape[1];
    const std::int64_t n_chunks = wkv7_chunks_pay(n) ? n_tokens / wkv_chunk : 0, chunked = n_chunks * wkv_chunk;
    // Each thread takes a contiguous range of heads: their whole chunks in
    // matrix form, then the remaining tokens one at a time, reading one
    // contiguous span of every input per token while its heads' states stay
    // in its cache.
    const int workers = static_cast<int>(std::min<std::int64_t>(n_threads_, heads));
    parallel_region(workers, n_tokens * n * n * heads > parallel_threshold, [&] {
        const std::int64_t id = omp_get_thread_num(), count = omp_get_num_threads();
        const std::int64_t h0 = heads * id / count, h1 = heads * (id + 1) / count;
        if (n_chunks > 0) {
            wkv_chunk_scratch scratch(n);
            for (std::int64_t h = h0; h < h1; ++h)
                wkv7_head_chunks(state.as<float>() + h * n * n, r.as<const float>() + h * n,
                                 w.as<const float>() + h * n, k.as<const float>() + h * n,
                                 v.as<const float>() + h * n, kk.as<const float>() + h * n,
                                 a.as<const float>() + h * n, c, n_chunks, out.as<float>() + h * n, scratch);
        }
        std::vector<float> decay(static_cast<std::size_t>(n)), av(decay.size()), bv(decay.size());
        for (std::int64_t t = chunked; t < n_tokens; ++t)
            for (std::int64_t h = h0; h < h1; ++h) {
                const std::int64_t at = t * c + h * n;
                wkv7_token_vectors(w.as<const float>() + at, kk.as<const float>() + at, a.as<const float>() + at, n,
                                   decay.data(), av.data(), bv.data());
                wkv7_head_token(state.as<float>() + h * n * n, r.as<const float>() + at, decay.data(),
                                k.as<const float>() + at, v.as<const float>() + at, av.data(), bv.data(), n,
                                out.as<float>() + at);
            }
    });
}

void cpu_backend::rwkv7_keys(const tensor_view& k, const tensor_view& a, const tensor_view& k_k,
                             const tensor_view& k_a, std::int64_t head_size, const tensor_view& kk) {
    check_rwkv7_keys(k, a, k_k, k_a, head_size, kk);
    const std::int64_t c = k.shape[1], pieces = k.numel() / head_size;
    parallel_for(pieces, n_threads_, k.numel() > parallel_threshold, [&](std::int64_t p) {
        const std::int64_t base = p * head_size, ch0 = base % c;
        float* kp = k.as<float>() + base;
        float* kkp = kk.as<float>() + base;
        const float *ap = a.as<const float>() + base, *kkw = k_k.as<const float>() + ch0,
                    *kaw = k_a.as<const float>() + ch0;
        float sq = 0;
        for (std::int64_t j = 0; j < head_size; ++j) {
            kkp[j] = kp[j] * kkw[j];
            sq += kkp[j] * kkp[j];
        }
        const float norm = std::max(std::sqrt(sq), rwkv7_normalize_eps);
        for (std::int64_t j = 0; j < head_size; ++j) {
            kkp[j] /= norm;
            kp[j] = rwkv7_key(kp[j], ap[j], kaw[j]);
        }
    });
}

void cpu_backend::rwkv7_bonus(const tensor_view& r, const tensor_view& k, const tensor_view& v, const tensor_view& r_k,
                              const tensor_view& out) {
    check_rwkv7_bonus(r, k, v, r_k, out);
    const std::int64_t c = r.shape[1], n = r_k.shape[1], pieces = r.numel() / n;
    parallel_for(pieces, n_threads_, r.numel() > parallel_threshold, [&](std::int64_t p) {
        const std::int64_t base = p * n, ch0 = base % c;
        const float *rp = r.as<const float>() + base, *kp = k.as<const float>() + base,
                    *vp = v.as<const float>() + base, *rk = r_k.as<const float>() + ch0;
        float sum = 0;
        for (std::int64_t j = 0; j < n; ++j) sum += rp[j] * kp[j] * rk[j];
        float* o = out.as<float>() + base;
        for (std::int64_t j = 0; j < n; ++j) o[j] += sum * vp[j];
    });
}

}  // namespace kernels::cpu
