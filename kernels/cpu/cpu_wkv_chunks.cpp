// The chunked WKV-5.2 and WKV-7 recurrences (see wkv_chunks.h). Notation for
// one head and one chunk of L tokens t = 0..L-1 starting from state S0:
//
// WKV-5.2 (S[i][j], i key, j value; per-channel constant decay w):
//   out_t = (r_t w^t) S0 + sum_{s<t} [sum_i r_t,i k_s,i w_i^(t-1-s)] v_s + [sum_i r_t,i u_i k_t,i] v_t
//   S_L   = diag(w^L) S0 + sum_s (k_s w^(L-1-s)) v_s^T
// v5.2's decays can be ~1e-9 per token, so the powers w^d are tabled and the
// token-pair weights summed directly (never split into w^t * w^-s).
//
// WKV-7 (S[i][j], i value, j key; S_t = S_{t-1} diag(w_t) + sa_t b_t^T +
// v_t k_t^T with sa_t = S_{t-1} a_t), with g_t = sum_{u<=t} log w_u per key
// channel:
//   sa_t  = S0 (a_t e^{g_{t-1}}) + sum_{s<t} [(a_t e^{g_{t-1}}) . (b_s e^{-g_s})] sa_s
//                                          + [(a_t e^{g_{t-1}}) . (k_s e^{-g_s})] v_s
//   out_t = S0 (r_t e^{g_t}) + sum_{s<=t} [(r_t e^{g_t}) . (b_s e^{-g_s})] sa_s + [(r_t e^{g_t}) . (k_s e^{-g_s})] v_s
//   S_L   = S0 diag(e^{g_{L-1}}) + sum_s (sa_s (b_s e^{g_{L-1}-g_s})^T + v_s (k_s e^{g_{L-1}-g_s})^T)
// The sa_t depend on each other only through the strictly lower-triangular
// L x L matrix of the first line: one forward substitution of L vectors.
// RWKV-7's decay is at least e^{-0.606531} per token, so e^{-g} stays below
// e^{0.606531 L} (3e8 at L = 32): splitting e^{g_t - g_s} into two factors
// keeps every product in float range and within a few ulp.
#include <algorithm>
#include <cmath>

#include "cpu_clones.h"
#include "small_gemm.h"
#include "vec_math.h"
#include "wkv_chunks.h"

namespace kernels::cpu {
namespace {

constexpr std::int64_t L = wkv_chunk;

// v5.2's powers w^d below this are flushed to zero: their terms are below
// 1e-30 of |r k v| and denormal arithmetic would cost far more than it adds.
constexpr float power_floor = 1e-30f;

// dst[j][i] = src[i][j] for src rows x cols, with leading dimensions.
void transpose(const float* src, std::int64_t rows, std::int64_t cols, std::int64_t ld_src, std::int64_t ld_dst,
               float* dst) {
    for (std::int64_t i = 0; i < rows; ++i)
        for (std::int64_t j = 0; j < cols; ++j) dst[j * ld_dst + i] = src[i * ld_src + j];
}

// The scratch of one WKV-7 chunk, carved from wkv_chunk_scratch's buffer.
// The head's state is held transposed (key rows) while its chunks run, so
// that every product below reads its operands row by row.
struct chunk_buffers {
    float *g, *at, *rt, *bb, *kb;  // L x n
    float* sv;                     // 2L x n: sa rows, then v rows
    float *bk_t, *hat_t;           // n x 2L: [b e^{-g} | k e^{-g}]^T, and the same times e^{g_last}
    float *m_a, *m_r;              // L x 2L: the token-pair weights of a and r against b and k
    float* zeros;                  // n
    float* state_t;                // n x n

    chunk_buffers(float* p, std::int64_t n) {
        for (float** slot : {&g, &at, &rt, &bb, &kb}) *slot = p, p += L * n;
        for (float** slot : {&sv, &bk_t, &hat_t}) *slot = p, p += 2 * L * n;
        for (float** slot : {&m_a, &m_r}) *slot = p, p += 2 * L * L;
        zeros = p, p += n;
        std::fill(zeros, zeros + n, 0.0f);
        state_t = p;
    }
    static std::int64_t floats(std::int64_t n) { return 11 * L * n + 4 * L * L + n + n * n; }
};

// One chunk of one head; st: the head's state transposed (st[j][i] = S[i][j]).
KERNELS_CLONES void wkv7_chunk(float* st, const float* r, const float* w, const float* k, const float* v,
                               const float* kk, const float* iclr, std::int64_t stride, std::int64_t n, float* out,
                               chunk_buffers& b) {
    // The decayed query and key vectors (see the top of the file), row by
    // row so that the exps vectorise; the key sides are transposed after.
    for (std::int64_t t = 0; t < L; ++t) {
        const float *__restrict wt = w + t * stride, *__restrict kkt = kk + t * stride,
                    *__restrict it = iclr + t * stride, *__restrict kt = k + t * stride, *__restrict rt = r + t * stride,
                    *__restrict before = t > 0 ? b.g + (t - 1) * n : b.zeros;
        float *__restrict g = b.g + t * n, *__restrict at = b.at + t * n, *__restrict rd = b.rt + t * n,
              *__restrict bb = b.bb + t * n, *__restrict kb = b.kb + t * n, *__restrict vt = b.sv + (L + t) * n;
        // One exp per loop: GCC if-converts and vectorises each of these.
        for (std::int64_t j = 0; j < n; ++j) g[j] = before[j] - 0.606531f / (1.0f + exp_fast(-wt[j]));
        for (std::int64_t j = 0; j < n; ++j) at[j] = -kkt[j] * exp_fast(before[j]);
        for (std::int64_t j = 0; j < n; ++j) rd[j] = rt[j] * exp_fast(g[j]);
        for (std::int64_t j = 0; j < n; ++j) {
            const float grow = exp_fast(-g[j]);
            bb[j] = kkt[j] * it[j] * grow;
            kb[j] = kt[j] * grow;
        }
        for (std::int64_t i = 0; i < n; ++i) vt[i] = v[t * stride + i];
    }
    transpose(b.bb, L, n, n, 2 * L, b.bk_t);
    transpose(b.kb, L, n, n, 2 * L, b.bk_t + L);

    // The token-pair weights, then their causal masks: a against b and k
    // strictly before it, r up to and including its own token.
    small_gemm(L, 2 * L, n, b.at, n, b.bk_t, 2 * L, b.m_a, 2 * L, false);
    small_gemm(L, 2 * L, n, b.rt, n, b.bk_t, 2 * L, b.m_r, 2 * L, false);
    for (std::int64_t t = 0; t < L; ++t)
        for (std::int64_t u = t; u < L; ++u) {
            b.m_a[t * 2 * L + u] = b.m_a[t * 2 * L + L + u] = 0;
            if (u > t) b.m_r[t * 2 * L + u] = b.m_r[t * 2 * L + L + u] = 0;
        }

    // sa: the state and value parts, then the substitution along the chunk.
    float* sa = b.sv;
    const float* vs = b.sv + L * n;
    small_gemm(L, n, n, b.at, n, st, n, sa, n, false);
    small_gemm(L, n, L, b.m_a + L, 2 * L, vs, n, sa, n, true);
    for (std::int64_t t = 1; t < L; ++t) {
        float* __restrict row = sa + t * n;
        for (std::int64_t u = 0; u < t; ++u) {
            const float x = b.m_a[t * 2 * L + u];
            const float* __restrict earlier = sa + u * n;
            for (std::int64_t i = 0; i < n; ++i) row[i] += x * earlier[i];
        }
    }

    // out = r's state part + its weights against [sa; v] in one product.
    small_gemm(L, n, n, b.rt, n, st, n, out, stride, false);
    small_gemm(L, n, 2 * L, b.m_r, 2 * L, b.sv, n, out, stride, true);

    // The state carried to the next chunk: st[j] * e^{g_last[j]} plus
    // [b; k] e^{g_last - g} against [sa; v].
    const float* g_last = b.g + (L - 1) * n;
    for (std::int64_t j = 0; j < n; ++j) {
        const float carry = exp_fast(g_last[j]);
        float *__restrict row = st + j * n, *__restrict hat = b.hat_t + j * 2 * L;
        const float* __restrict bk = b.bk_t + j * 2 * L;
        for (std::int64_t i = 0; i < n; ++i) row[i] *= carry;
        for (std::int64_t u = 0; u < 2 * L; ++u) hat[u] = bk[u] * carry;
    }
    small_gemm(n, n, 2 * L, b.hat_t, 2 * L, b.sv, n, st, n, true);
}

// v5.2's buffers reuse the same scratch: powers (L + 1) x n, r w^t L x n,
// (k w^(L-1-s))^T n x L, the token-pair weights L x L.
KERNELS_CLONES void wkv5_chunk(float* s, const float* r, const float* k, const float* v,
                               const float* powers, const float* bonus, std::int64_t stride, std::int64_t n,
                               float* out, float* rw, float* kw_t, float* m) {
    for (std::int64_t t = 0; t < L; ++t) {
        const float *rt = r + t * stride, *kt = k + t * stride;
        for (std::int64_t i = 0; i < n; ++i) {
            rw[t * n + i] = rt[i] * powers[t * n + i];
            kw_t[i * L + t] = kt[i] * powers[(L - 1 - t) * n + i];
        }
    }
    for (std::int64_t t = 0; t < L; ++t) {
        const float* rt = r + t * stride;
        for (std::int64_t u = 0; u <= t; ++u) {
            const float* ku = k + u * stride;
            const float* weight = u == t ? bonus : powers + (t - 1 - u) * n;
            float8 acc = {};
            for (std::int64_t i = 0; i < n; i += 8) acc += load8(rt + i) * load8(ku + i) * load8(weight + i);
            m[t * L + u] = hsum(acc);
        }
        for (std::int64_t u = t + 1; u < L; ++u) m[t * L + u] = 0;
    }
    small_gemm(L, n, n, rw, n, s, n, out, stride, false);
    small_gemm(L, n, L, m, L, v, stride, out, stride, true);
    for (std::int64_t i = 0; i < n; ++i) {
        const float decay = powers[L * n + i];
        for (std::int64_t j = 0; j < n; ++j) s[i * n + j] *= decay;
    }
    small_gemm(n, n, L, kw_t, L, v, stride, s, n, true);
}

}  // namespace

bool wkv7_chunks_pay(std::int64_t n) { return n % 8 == 0 && wide_vectors(); }

wkv_chunk_scratch::wkv_chunk_scratch(std::int64_t n)
    : n_(n), buf_(static_cast<std::size_t>(chunk_buffers::floats(n))) {}

void wkv7_head_chunks(float* state, const float* r, const float* w, const float* k, const float* v, const float* kk,
                      const float* iclr, std::int64_t stride, std::int64_t n_chunks, float* out,
                      wkv_chunk_scratch& scratch) {
    const std::int64_t n = scratch.head_size();
    chunk_buffers b(scratch.data(), n);
    transpose(state, n, n, n, n, b.state_t);
    for (std::int64_t c = 0; c < n_chunks; ++c) {
        const std::int64_t at = c * L * stride;
        wkv7_chunk(b.state_t, r + at, w + at, k + at, v + at, kk + at, iclr + at, stride, n, out + at, b);
    }
    transpose(b.state_t, n, n, n, n, state);
}

void wkv5_head_chunks(float* state, const float* r, const float* k, const float* v, const float* decay,
                      const float* bonus, std::int64_t stride, std::int64_t n_chunks, float* out,
                      wkv_chunk_scratch& scratch) {
    const std::int64_t n = scratch.head_size();
    float* powers = scratch.data();
    float* rw = powers + (L + 1) * n;
    float* kw_t = rw + L * n;
    float* m = kw_t + n * L;
    for (std::int64_t i = 0; i < n; ++i) powers[i] = 1;
    for (std::int64_t d = 1; d <= L; ++d)
        for (std::int64_t i = 0; i < n; ++i) {
            const float p = powers[(d - 1) * n + i] * decay[i];
            powers[d * n + i] = std::fabs(p) < power_floor ? 0.0f : p;
        }
    for (std::int64_t c = 0; c < n_chunks; ++c) {
        const std::int64_t at = c * L * stride;
        wkv5_chunk(state, r + at, k + at, v + at, powers, bonus, stride, n, out + at, rw, kw_t, m);
    }
}

}  // namespace kernels::cpu
