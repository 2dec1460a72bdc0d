// CPU backend: the per-row and per-element ops. Loops are parallel over rows
// (or elements) when there is enough work to pay for waking the other thread;
// the per-element math comes from kernels/common, shared with CUDA. Hot
// loops are compiled for AVX-512, AVX2 and plain x86-64 (target_clones) and
// the loader picks one at run time.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "../common/activation_math.h"
#include "../common/rotary_math.h"
#include "../common/rwkv57_math.h"
#include "../common/wkv_math.h"
#include "cpu_backend.h"
#include "cpu_clones.h"
#include "harness/errors.h"
#include "kernels/half_math.h"
#include "kernels/softmax_shift.h"
#include "parallel_for.h"
#include "vec_math.h"

namespace kernels::cpu {
namespace {

KERNELS_CLONES void layernorm_row(const float* x, const float* weight, const float* bias, float eps,
                                  std::int64_t n, float* out) {
    // Two passes in float with a float sum per row, as torch's CPU kernel:
    // the mean first, then the centred variance (no cancellation).
    float sum = 0;
    for (std::int64_t i = 0; i < n; ++i) sum += x[i];
    const float mean = sum / static_cast<float>(n);
    float sq = 0;
    for (std::int64_t i = 0; i < n; ++i) sq += (x[i] - mean) * (x[i] - mean);
    const float inv_std = 1.0f / std::sqrt(sq / static_cast<float>(n) + eps);
    for (std::int64_t i = 0; i < n; ++i) out[i] = (x[i] - mean) * inv_std * weight[i] + bias[i];
}

// Both reductions below keep 16 running values in a plain array, summed at
// the end: GCC 12 vectorises that (each clone at its width) where it leaves
// a float max, or a double sum of float terms, scalar (NaN order, and
// omp simd reductions of mixed widths under target_clones). The order of the
// sum is the same at every ISA.
constexpr int reduction_lanes = 16;

KERNELS_CLONES float row_max(const float* x, std::int64_t n) {
    float lane[reduction_lanes];
    std::fill_n(lane, reduction_lanes, -std::numeric_limits<float>::infinity());
    std::int64_t i = 0;
    for (; i + reduction_lanes <= n; i += reduction_lanes)
        for (int j = 0; j < reduction_lanes; ++j) lane[j] = std::max(lane[j], x[i + j]);
    float max = *std::max_element(lane, lane + reduction_lanes);
    for (; i < n; ++i) max = std::max(max, x[i]);
    return max;
}

// Sum in double: the vocabulary rows are 50k long and the log of the sum is
// what perplexity is made of. The exponentials themselves are float.
KERNELS_CLONES double exp_sum(const float* x, std::int64_t n, float max) {
    double lane[reduction_lanes] = {};
    std::int64_t i = 0;
    for (; i + reduction_lanes <= n; i += reduction_lanes) {
        float e[reduction_lanes];
        for (int j = 0; j < reduction_lanes; ++j) e[j] = exp_fast(x[i + j] - max);
        for (int j = 0; j < reduction_lanes; ++j) lane[j] += static_cast<double>(e[j]);
    }
    double sum = 0;
    for (; i < n; ++i) sum += static_cast<double>(exp_fast(x[i] - max));
    for (const double v : lane) sum += v;
    return sum;
}

KERNELS_CLONES void softmax_row(const float* x, std::int64_t n, bool log_form, float* out) {
    const float max = row_max(x, n);
    if (log_form) {
        const float log_sum = static_cast<float>(std::log(exp_sum(x, n, max)));
        for (std::int64_t i = 0; i < n; ++i) out[i] = x[i] - max - log_sum;
    } else {
        // out may alias x: keep the exponentials in out, then scale them.
        double sum = 0;
        for (std::int64_t i = 0; i < n; ++i) sum += (out[i] = exp_fast(x[i] - max));
        const float inv = static_cast<float>(1.0 / sum);
        for (std::int64_t i = 0; i < n; ++i) out[i] *= inv;
    }
}

template <class F>
KERNELS_CLONES void map_unary(const float* x, float* out, std::int64_t n, F f) {
    for (std::int64_t i = 0; i < n; ++i) out[i] = f(x[i]);
}

// Channels per wkv_channels call: their state (3 x 64 floats) stays in L1
// while the tokens stream by, and 768 channels still make 12 parallel pieces.
constexpr std::int64_t wkv_block = 64;

// The WKV-4 scan of n channels (state aa/bb/pp, decay w, bonus u) over
// n_tokens rows of k/v/out, `stride` floats apart. Per token the channels
// are one loop of the shared math with exp_fast, which GCC vectorises:
// 8-14x faster than a channel at a time with libm's expf (1 ulp apart).
// __restrict: without it GCC gives up on the alias checks of eight pointers.
KERNELS_CLONES void wkv_channels(float* __restrict aa, float* __restrict bb, float* __restrict pp, const float* w,
                                 const float* u, const float* k, const float* v, float* __restrict out,
                                 std::int64_t n_tokens, std::int64_t stride, std::int64_t n) {
    for (std::int64_t t = 0; t < n_tokens; ++t) {
        const float* kt = k + t * stride;
        const float* vt = v + t * stride;
        float* ot = out + t * stride;
        for (std::int64_t c = 0; c < n; ++c) {
            const wkv_triplet s{aa[c], bb[c], pp[c]};
            ot[c] = wkv_output(s, u[c], kt[c], vt[c], fast_exp{});
            const wkv_triplet next = wkv_update(s, w[c], kt[c], vt[c], fast_exp{});
            aa[c] = next.aa, bb[c] = next.bb, pp[c] = next.pp;
        }
    }
}

}  // namespace

void cpu_backend::embedding(const tensor_view& table, const tensor_view& ids, const tensor_view& out) {
    check_embedding(table, ids, out);
    check_on_cpu(table), check_on_cpu(ids), check_on_cpu(out);
    const std::int64_t n_tokens = ids.shape[0], n_embd = table.shape[1], n_vocab = table.shape[0];
    const std::int32_t* id = ids.as<const std::int32_t>();
    for (std::int64_t t = 0; t < n_tokens; ++t)
        if (id[t] < 0 || id[t] >= n_vocab)
            throw harness::unsupported_error("embedding: token id " + std::to_string(id[t]) + " at position " +
                                             std::to_string(t) + " is outside the vocabulary of " +
                                             std::to_string(n_vocab));
    parallel_for(n_tokens, n_threads_, n_tokens * n_embd > parallel_threshold, [&](std::int64_t t) {
        float* dst = out.as<float>() + t * n_embd;
        const std::int64_t row = id[t] * n_embd;
        if (table.type == dtype::f32) {
            std::copy_n(table.as<const float>() + row, n_embd, dst);
        } else {
            const std::uint16_t* src = table.as<const std::uint16_t>() + row;
            for (std::int64_t c = 0; c < n_embd; ++c)
                dst[c] = table.type == dtype::f16 ? f16_to_f32(src[c]) : bf16_to_f32(src[c]);
        }
    });
}

void cpu_backend::layernorm(const tensor_view& x, const tensor_view& weight, const tensor_view& bias, float eps,
                            const tensor_view& out) {
    check_layernorm(x, weight, bias, out);
    const std::int64_t n = x.dim_from_end(0), rows = x.rows();
    parallel_for(rows, n_threads_, rows * n > parallel_threshold, [&](std::int64_t r) {
        layernorm_row(x.as<const float>() + r * n, weight.as<const float>(), bias.as<const float>(), eps, n,
                      out.as<float>() + r * n);
    });
}

// Each group of a row is a layernorm of its own over its slice of weight and bias.
void cpu_backend::group_norm(const tensor_view& x, const tensor_view& weight, const tensor_view& bias,
                             std::int64_t n_groups, float eps, const tensor_view& out) {
    check_group_norm(x, weight, bias, n_groups, out);
    const std::int64_t c = x.shape[1], n = c / n_groups, pieces = x.shape[0] * n_groups;
    parallel_for(pieces, n_threads_, pieces * n > parallel_threshold, [&](std::int64_t p) {
        const std::int64_t ch0 = (p % n_groups) * n;
        layernorm_row(x.as<const float>() + p * n, weight.as<const float>() + ch0, bias.as<const float>() + ch0, eps, n,
                      out.as<float>() + p * n);
    });
}

namespace {

// out[t, c] = mixed(x[t, c], x[t-1, c] (x_prev for t = 0), mix[c]), rows in parallel.
template <class Mix>
void shift_rows(const tensor_view& x, const tensor_view& x_prev, const tensor_view& mix, const tensor_view& out,
                int n_threads, Mix mixed) {
    const std::int64_t n_tokens = x.shape[0], n_embd = x.shape[1];
    const float* m = mix.as<const float>();
    parallel_for(n_tokens, n_threads, n_tokens * n_embd > parallel_threshold, [&](std::int64_t t) {
        const float* cur = x.as<const float>() + t * n_embd;
        const float* prev = t == 0 ? x_prev.as<const float>() : cur - n_embd;
        float* dst = out.as<float>() + t * n_embd;
        for (std::int64_t c = 0; c < n_embd; ++c) dst[c] = mixed(cur[c], prev[c], m[c]);
    });
}

}  // namespace

void cpu_backend::token_shift(const tensor_view& x, const tensor_view& x_prev, const tensor_view& mix,
                              const tensor_view& out) {
    check_token_shift(x, x_prev, mix, out);
    shift_rows(x, x_prev, mix, out, n_threads_, [](float cur, float prev, float m) { return cur * m + prev * (1.0f - m); });
}

// RWKV-7's form: x + (x_prev - x) * mix.
void cpu_backend::token_lerp(const tensor_view& x, const tensor_view& x_prev, const tensor_view& mix,
                             const tensor_view& out) {
    check_token_lerp(x, x_prev, mix, out);
    shift_rows(x, x_prev, mix, out, n_threads_, [](float cur, float prev, float m) { return lerp_f(cur, prev, m); });
}

void cpu_backend::wkv_step(const tensor_view& w, const tensor_view& u, const tensor_view& k, const tensor_view& v,
                           const tensor_view& state, const tensor_view& out) {
    check_wkv(w, u, k, v, state, out);
    if (k.rows() != 1) throw harness::unsupported_error("wkv_step: expected one token, got " + k.describe());
    wkv_sequence(w, u, k, v, state, out);
}

// Parallel over blocks of channels, sequential over time: the scan.
void cpu_backend::wkv_sequence(const tensor_view& w, const tensor_view& u, const tensor_view& k,
                               const tensor_view& v, const tensor_view& state, const tensor_view& out) {
    check_wkv(w, u, k, v, state, out);
    const std::int64_t n_embd = k.dim_from_end(0), n_tokens = k.rows();
    const std::int64_t n_blocks = (n_embd + wkv_block - 1) / wkv_block;
    float* aa = state.as<float>();
    parallel_for(n_blocks, n_threads_, n_tokens * n_embd > parallel_threshold, [&](std::int64_t b) {
        const std::int64_t c0 = b * wkv_block;
        wkv_channels(aa + c0, aa + n_embd + c0, aa + 2 * n_embd + c0, w.as<const float>() + c0,
                     u.as<const float>() + c0, k.as<const float>() + c0, v.as<const float>() + c0, out.as<float>() + c0,
                     n_tokens, n_embd, std::min(wkv_block, n_embd - c0));
    });
}

void cpu_backend::unary(op_kind kind, const tensor_view& x, const tensor_view& out) {
    check_unary(kind, x, out);
    const std::int64_t n = x.numel();
    const float* src = x.as<const float>();
    float* dst = out.as<float>();
    // Chunks keep each parallel piece vectorisable.
    const std::int64_t chunk = 4096, n_chunks = (n + chunk - 1) / chunk;
    parallel_for(n_chunks, n_threads_, n > parallel_threshold, [&](std::int64_t ci) {
        const std::int64_t b = ci * chunk, len = std::min(chunk, n - b);
        switch (kind) {
            case op_kind::sigmoid:
                map_unary(src + b, dst + b, len, [](float v) { return sigmoid_f(v); });
                break;
            case op_kind::squared_relu:
                map_unary(src + b, dst + b, len, [](float v) { return squared_relu_f(v); });
                break;
            case op_kind::gelu_erf:
                map_unary(src + b, dst + b, len, [](float v) { return gelu_erf_f(v); });
                break;
            case op_kind::gelu_tanh:
                map_unary(src + b, dst + b, len, [](float v) { return gelu_tanh_f(v); });
                break;
            case op_kind::tanh:
                map_unary(src + b, dst + b, len, [](float v) { return std::tanh(v); });
                break;
            case op_kind::silu:
                map_unary(src + b, dst + b, len, [](float v) { return silu_f(v); });
                break;
            default:
                break;
        }
    });
}

void cpu_backend::binary(op_kind kind, const tensor_view& a, const tensor_view& b, const tensor_view& out) {
    check_binary(kind, a, b, out);
    const std::int64_t n = a.numel(), nb = b.numel(), rows = n / nb;
    const float* pa = a.as<const float>();
    const float* pb = b.as<const float>();
    float* po = out.as<float>();
    // b is either a's shape (rows == 1) or one row repeated over a's rows.
    parallel_for(rows, n_threads_, n > parallel_threshold, [&](std::int64_t r) {
        const float* ar = pa + r * nb;
        float* o = po + r * nb;
        if (kind == op_kind::add)
            for (std::int64_t i = 0; i < nb; ++i) o[i] = ar[i] + pb[i];
        else
            for (std::int64_t i = 0; i < nb; ++i) o[i] = ar[i] * pb[i];
    });
}

void cpu_backend::row_softmax(op_kind kind, const tensor_view& x, const tensor_view& out) {
    check_row_softmax(kind, x, out);
    const std::int64_t n = x.dim_from_end(0), rows = x.rows();
    parallel_for(rows, n_threads_, rows > 1 && rows * n > parallel_threshold, [&](std::int64_t r) {
        softmax_row(x.as<const float>() + r * n, n, kind == op_kind::log_softmax, out.as<float>() + r * n);
    });
}

void cpu_backend::argmax(const tensor_view& x, const tensor_view& out) {
    check_argmax(x, out);
    const std::int64_t n = x.dim_from_end(0), rows = x.rows();
    parallel_for(rows, n_threads_, rows > 1 && rows * n > parallel_threshold, [&](std::int64_t r) {
        const float* row = x.as<const float>() + r * n;
        out.as<std::int32_t>()[r] = static_cast<std::int32_t>(std::max_element(row, row + n) - row);
    });
}

void cpu_backend::rotary(const tensor_view& x, const rotary_params& p, const tensor_view& out) {
    check_rotary(x, p, out);
    const std::int64_t n_tokens = x.shape[0], n_heads = x.shape[1], head_dim = x.shape[2];
    const int half = p.n_rot / 2;
    parallel_for(n_tokens, n_threads_, n_tokens * n_heads * head_dim > parallel_threshold, [&](std::int64_t t) {
        // One table of angles per position, shared by the heads.
        std::vector<float> angle(half);
        for (int i = 0; i < half; ++i) angle[i] = rotary_angle(static_cast<int>(p.pos0 + t), i, p.n_rot, p.base);
        for (std::int64_t h = 0; h < n_heads; ++h) {
            const float* src = x.as<const float>() + (t * n_heads + h) * head_dim;
            float* dst = out.as<float>() + (t * n_heads + h) * head_dim;
            for (int i = 0; i < half; ++i) {
                float y1, y2;
                rotary_rotate(src[i], src[i + half], angle[i], &y1, &y2);
                dst[i] = y1, dst[i + half] = y2;
            }
            if (dst != src) std::copy(src + p.n_rot, src + head_dim, dst + p.n_rot);
        }
    });
}

}  // namespace kernels::cpu

namespace kernels {

void softmax_shifts(const float* x, std::int64_t rows, std::int64_t n, softmax_shift* out) {
    cpu::parallel_for(rows, omp_get_max_threads(), rows > 1 && rows * n > cpu::parallel_threshold, [&](std::int64_t r) {
        const float* row = x + r * n;
        const float max = cpu::row_max(row, n);
        out[r] = {max, std::log(cpu::exp_sum(row, n, max))};
    });
}

void target_logprobs(const float* x, std::int64_t rows, std::int64_t n, const std::int32_t* targets, double* out) {
    std::vector<softmax_shift> shift(static_cast<std::size_t>(rows));
    softmax_shifts(x, rows, n, shift.data());
    for (std::int64_t r = 0; r < rows; ++r) {
        const softmax_shift& s = shift[static_cast<std::size_t>(r)];
        out[r] = static_cast<double>(x[r * n + targets[r]]) - (s.max + s.log_sum);
    }
}

}  // namespace kernels
