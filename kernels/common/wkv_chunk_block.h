// The chunked (matrix-form) WKV-5.2 and WKV-7 recurrences for the threads of
// one CUDA block (one head): every thread calls the same function with its
// index `me` among `count`, the block's shared memory as scratch, and the
// steps meet at block_sync. The CPU tests run these functions with one
// thread (count = 1, block_sync a no-op) against the recurrence in double,
// so the GPU's arithmetic and indexing are checked on every machine.
// The algebra is the one in kernels/cpu/cpu_wkv_chunks.cpp's header (g_t:
// running sum of v7's log-decays per key channel; v5.2's constant decays as
// a table of powers); a chunk holds `len` <= L tokens (the last one fewer).
#pragma once

#include <math.h>

#include <cstdint>

#include "kernels/hd.h"

namespace kernels {

struct block_sync {
    KERNELS_HD void operator()() const {
#if defined(__CUDA_ARCH__)
        __syncthreads();
#endif
    }
};

// WKV-7 scratch: the state transposed (key rows), the chunk's decayed
// vectors and values, sa, and the token-pair weights of a and r against b
// (columns 0..L-1) and k (columns L..2L-1).
struct wkv7_block_scratch {
    float *state_t, *g, *at, *rt, *bb, *kb, *v, *sa, *m_a, *m_r;

    KERNELS_HD static std::int64_t floats(int n, int L) { return std::int64_t{n} * n + 7 * L * n + 4 * L * L; }
    KERNELS_HD wkv7_block_scratch(float* p, int n, int L) {
        state_t = p, p += n * n;
        g = p, p += L * n;
        at = p, p += L * n;
        rt = p, p += L * n;
        bb = p, p += L * n;
        kb = p, p += L * n;
        v = p, p += L * n;
        sa = p, p += L * n;
        m_a = p, p += 2 * L * L;
        m_r = p;
    }
};

// One chunk of `len` tokens; inputs at the chunk's first token, rows
// `stride` floats apart. s.state_t holds the state on entry and on exit.
KERNELS_HD void wkv7_chunk_block(int me, int count, const wkv7_block_scratch& s, int n, int L, int len,
                                 const float* r, const float* w, const float* k, const float* v, const float* kk,
                                 const float* iclr, std::int64_t stride, float* out) {
    const block_sync sync;
    // Per key channel, along the chunk: g_t, a e^{g_{t-1}}, r e^{g_t}, b e^{-g_t}, k e^{-g_t}.
    for (int j = me; j < n; j += count) {
        float before = 0;
        for (int t = 0; t < len; ++t) {
            const std::int64_t x = t * stride + j;
            const float g = before - 0.606531f / (1.0f + expf(-w[x]));
            const float grow = expf(-g);
            s.g[t * n + j] = g;
            s.at[t * n + j] = -kk[x] * expf(before);
            s.rt[t * n + j] = r[x] * expf(g);
            s.bb[t * n + j] = kk[x] * iclr[x] * grow;
            s.kb[t * n + j] = k[x] * grow;
            before = g;
        }
    }
    for (int e = me; e < len * n; e += count) s.v[e] = v[(e / n) * stride + e % n];
    sync();
    // Token-pair weights: a strictly before its own token, r up to it.
    for (int e = me; e < len * len; e += count) {
        const int t = e / len, u = e % len;
        float ab = 0, ak = 0, rb = 0, rk = 0;
        if (u <= t)
            for (int j = 0; j < n; ++j) {
                const float b_u = s.bb[u * n + j], k_u = s.kb[u * n + j];
                if (u < t) ab += s.at[t * n + j] * b_u, ak += s.at[t * n + j] * k_u;
                rb += s.rt[t * n + j] * b_u, rk += s.rt[t * n + j] * k_u;
            }
        s.m_a[t * 2 * L + u] = ab, s.m_a[t * 2 * L + L + u] = ak;
        s.m_r[t * 2 * L + u] = rb, s.m_r[t * 2 * L + L + u] = rk;
    }
    sync();
    // sa: the state and value parts...
    for (int e = me; e < len * n; e += count) {
        const int t = e / n, i = e % n;
        float x = 0;
        for (int j = 0; j < n; ++j) x += s.at[t * n + j] * s.state_t[j * n + i];
        for (int u = 0; u < t; ++u) x += s.m_a[t * 2 * L + L + u] * s.v[u * n + i];
        s.sa[e] = x;
    }
    sync();
    // ...then the forward substitution, one value channel per thread.
    for (int i = me; i < n; i += count)
        for (int t = 1; t < len; ++t) {
            float x = s.sa[t * n + i];
            for (int u = 0; u < t; ++u) x += s.m_a[t * 2 * L + u] * s.sa[u * n + i];
            s.sa[t * n + i] = x;
        }
    sync();
    for (int e = me; e < len * n; e += count) {
        const int t = e / n, i = e % n;
        float y = 0;
        for (int j = 0; j < n; ++j) y += s.rt[t * n + j] * s.state_t[j * n + i];
        for (int u = 0; u <= t; ++u)
            y += s.m_r[t * 2 * L + u] * s.sa[u * n + i] + s.m_r[t * 2 * L + L + u] * s.v[u * n + i];
        out[t * stride + i] = y;
    }
    sync();
    // The state carried on: (S0 + [b; k] e^{-g} against [sa; v]) e^{g_last}.
    for (int e = me; e < n * n; e += count) {
        const int j = e / n, i = e % n;
        float x = s.state_t[e];
        for (int u = 0; u < len; ++u) x += s.bb[u * n + j] * s.sa[u * n + i] + s.kb[u * n + j] * s.v[u * n + i];
        s.state_t[e] = x * expf(s.g[(len - 1) * n + j]);
    }
    sync();
}

// One head over n_tokens: state [n, n] (value rows) in global memory,
// inputs and out at the head's first channel of token 0.
KERNELS_HD void wkv7_head_block(int me, int count, float* scratch, int n, int L, std::int64_t n_tokens,
                                const float* r, const float* w, const float* k, const float* v, const float* kk,
                                const float* iclr, std::int64_t stride, float* state, float* out) {
    const wkv7_block_scratch s(scratch, n, L);
    for (int e = me; e < n * n; e += count) s.state_t[(e % n) * n + e / n] = state[e];
    block_sync{}();
    for (std::int64_t t0 = 0; t0 < n_tokens; t0 += L) {
        const int len = static_cast<int>(n_tokens - t0 < L ? n_tokens - t0 : L);
        const std::int64_t x = t0 * stride;
        wkv7_chunk_block(me, count, s, n, L, len, r + x, w + x, k + x, v + x, kk + x, iclr + x, stride, out + x);
    }
    for (int e = me; e < n * n; e += count) state[e] = s.state_t[(e % n) * n + e / n];
}

// WKV-5.2 scratch: the state (key rows), the powers w^0..w^L, the chunk's
// r, k, v and its token-pair weights.
struct wkv5_block_scratch {
    float *state, *powers, *r, *k, *v, *m;

    KERNELS_HD static std::int64_t floats(int n, int L) {
        return std::int64_t{n} * n + (L + 1) * n + 3 * L * n + L * L;
    }
    KERNELS_HD wkv5_block_scratch(float* p, int n, int L) {
        state = p, p += n * n;
        powers = p, p += (L + 1) * n;
        r = p, p += L * n;
        k = p, p += L * n;
        v = p, p += L * n;
        m = p;
    }
};

KERNELS_HD void wkv5_chunk_block(int me, int count, const wkv5_block_scratch& s, int n, int len, const float* r,
                                 const float* k, const float* v, const float* bonus, std::int64_t stride,
                                 float* out) {
    const block_sync sync;
    for (int e = me; e < len * n; e += count) {
        const std::int64_t x = (e / n) * stride + e % n;
        s.r[e] = r[x], s.k[e] = k[x], s.v[e] = v[x];
    }
    sync();
    for (int e = me; e < len * len; e += count) {
        const int t = e / len, u = e % len;
        float x = 0;
        if (u <= t) {
            const float* weight = u == t ? bonus : s.powers + (t - 1 - u) * n;
            for (int i = 0; i < n; ++i) x += s.r[t * n + i] * s.k[u * n + i] * weight[i];
        }
        s.m[e] = x;
    }
    sync();
    for (int e = me; e < len * n; e += count) {
        const int t = e / n, j = e % n;
        float y = 0;
        for (int i = 0; i < n; ++i) y += s.r[t * n + i] * s.powers[t * n + i] * s.state[i * n + j];
        for (int u = 0; u <= t; ++u) y += s.m[t * len + u] * s.v[u * n + j];
        out[t * stride + j] = y;
    }
    sync();
    for (int e = me; e < n * n; e += count) {
        const int i = e / n, j = e % n;
        float x = s.state[e] * s.powers[len * n + i];
        for (int u = 0; u < len; ++u) x += s.k[u * n + i] * s.powers[(len - 1 - u) * n + i] * s.v[u * n + j];
        s.state[e] = x;
    }
    sync();
}

// One head over n_tokens: state [n, n] (key rows) in global memory; decay
// and bonus at the head's channels.
KERNELS_HD void wkv5_head_block(int me, int count, float* scratch, int n, int L, std::int64_t n_tokens,
                                const float* r, const float* k, const float* v, const float* decay,
                                const float* bonus, std::int64_t stride, float* state, float* out) {
    const wkv5_block_scratch s(scratch, n, L);
    for (int e = me; e < n * n; e += count) s.state[e] = state[e];
    // w^d by repeated products; below 1e-30 flushed to zero (no denormals).
    for (int i = me; i < n; i += count) {
        float p = 1;
        for (int d = 0; d <= L; ++d) {
            s.powers[d * n + i] = p;
            p *= decay[i];
            if (fabsf(p) < 1e-30f) p = 0;
        }
    }
    block_sync{}();
    for (std::int64_t t0 = 0; t0 < n_tokens; t0 += L) {
        const int len = static_cast<int>(n_tokens - t0 < L ? n_tokens - t0 : L);
        const std::int64_t x = t0 * stride;
        wkv5_chunk_block(me, count, s, n, len, r + x, k + x, v + x, bonus, stride, out + x);
    }
    for (int e = me; e < n * n; e += count) state[e] = s.state[e];
}

}  // namespace kernels
