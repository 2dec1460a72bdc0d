// The chunked WKV-5.2 / WKV-7 kernels called directly, on every machine:
// the CPU's (kernels/cpu/wkv_chunks.h; the op dispatch takes the chunked
// WKV-7 only where it is the faster form, AVX-512, so the parity table alone
// would leave it untested on AVX2 hosts) and the CUDA blocks' shared code
// (kernels/common/wkv_chunk_block.h) run as a block of one thread. The
// expected values come from the per-token recurrences written out here in
// double.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "../../kernels/common/wkv_chunk_block.h"
#include "../../kernels/cpu/wkv_chunks.h"

namespace {

using kernels::cpu::wkv_chunk;
using kernels::cpu::wkv_chunk_scratch;

struct head_inputs {
    std::int64_t n, n_tokens, stride, offset;  // one head at `offset` in rows of `stride` floats
    std::vector<float> r, w, k, v, kk, iclr;   // [n_tokens, stride]
    std::vector<float> decay, bonus;           // v5.2: [n]
    std::vector<float> state;                  // [n, n]
};

head_inputs make_inputs(std::int64_t n, std::int64_t n_tokens, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> unit(-1, 1), logit(-8, 8), rate(0, 1), log_log_decay(-5, 3);
    head_inputs in{n, n_tokens, 2 * n, n, {}, {}, {}, {}, {}, {}, {}, {}, {}};
    const std::size_t size = static_cast<std::size_t>(in.n_tokens * in.stride);
    for (auto* x : {&in.r, &in.k, &in.v, &in.kk}) {
        x->resize(size);
        for (float& f : *x) f = unit(rng);
    }
    in.w.resize(size);
    for (float& f : in.w) f = logit(rng);
    in.iclr.resize(size);
    for (float& f : in.iclr) f = rate(rng);
    // kk unit length per head and token, as the model makes it.
    for (std::int64_t t = 0; t < in.n_tokens; ++t) {
        float* x = in.kk.data() + t * in.stride + in.offset;
        double sq = 0;
        for (std::int64_t j = 0; j < n; ++j) sq += double(x[j]) * x[j];
        for (std::int64_t j = 0; j < n; ++j) x[j] = static_cast<float>(x[j] / std::sqrt(sq));
    }
    for (std::int64_t i = 0; i < n; ++i) {
        in.decay.push_back(static_cast<float>(std::exp(-std::exp(double(log_log_decay(rng))))));
        in.bonus.push_back(unit(rng));
    }
    for (std::int64_t i = 0; i < n * n; ++i) in.state.push_back(unit(rng));
    return in;
}

struct expected {
    std::vector<double> out, state;  // out: [n_tokens, n]
};

double at(const std::vector<float>& x, const head_inputs& in, std::int64_t t, std::int64_t j) {
    return x[static_cast<std::size_t>(t * in.stride + in.offset + j)];
}

expected wkv5_in_double(const head_inputs& in) {
    const std::int64_t n = in.n;
    expected e{{}, {in.state.begin(), in.state.end()}};
    for (std::int64_t t = 0; t < in.n_tokens; ++t)
        for (std::int64_t j = 0; j < n; ++j) {
            double y = 0;
            for (std::int64_t i = 0; i < n; ++i) {
                double& s = e.state[i * n + j];
                const double kv = at(in.k, in, t, i) * at(in.v, in, t, j);
                y += at(in.r, in, t, i) * (in.bonus[i] * kv + s);
                s = kv + in.decay[i] * s;
            }
            e.out.push_back(y);
        }
    return e;
}

expected wkv7_in_double(const head_inputs& in) {
    const std::int64_t n = in.n;
    expected e{{}, {in.state.begin(), in.state.end()}};
    std::vector<double> next(e.state.size());
    for (std::int64_t t = 0; t < in.n_tokens; ++t) {
        for (std::int64_t i = 0; i < n; ++i) {
            double sa = 0;
            for (std::int64_t j = 0; j < n; ++j) sa += e.state[i * n + j] * -at(in.kk, in, t, j);
            double y = 0;
            for (std::int64_t j = 0; j < n; ++j) {
                const double decay = std::exp(-0.606531 / (1 + std::exp(-at(in.w, in, t, j))));
                const double b = at(in.kk, in, t, j) * at(in.iclr, in, t, j);
                next[i * n + j] = e.state[i * n + j] * decay + sa * b + at(in.v, in, t, i) * at(in.k, in, t, j);
                y += next[i * n + j] * at(in.r, in, t, j);
            }
            e.out.push_back(y);
        }
        e.state = next;
    }
    return e;
}

void expect_close(const std::vector<float>& out, const std::vector<float>& state, const head_inputs& in,
                  const expected& e, const char* what) {
    // Float rounding over 96 tokens stays near 1e-6 of the values; a wrong
    // term of the matrix form shows at 1e-2 and above.
    constexpr double tol = 2e-5;
    for (std::int64_t t = 0; t < in.n_tokens; ++t)
        for (std::int64_t j = 0; j < in.n; ++j) {
            const double want = e.out[t * in.n + j], got = at(out, in, t, j);
            ASSERT_NEAR(got, want, tol * (1 + std::fabs(want))) << what << " out, token " << t << " channel " << j;
        }
    for (std::size_t i = 0; i < state.size(); ++i)
        ASSERT_NEAR(state[i], e.state[i], tol * (1 + std::fabs(e.state[i]))) << what << " state element " << i;
    // The other head's channels in the rows are not written.
    for (std::int64_t t = 0; t < in.n_tokens; ++t) ASSERT_EQ(out[t * in.stride], -7.0f) << what << " token " << t;
}

class WkvChunks : public testing::TestWithParam<std::int64_t> {};

TEST_P(WkvChunks, Wkv7MatchesTheRecurrence) {
    const head_inputs in = make_inputs(GetParam(), 3 * wkv_chunk, 11);
    std::vector<float> out(in.r.size(), -7.0f), state = in.state;
    wkv_chunk_scratch scratch(in.n);
    const auto o = static_cast<std::size_t>(in.offset);
    kernels::cpu::wkv7_head_chunks(state.data(), &in.r[o], &in.w[o], &in.k[o], &in.v[o], &in.kk[o], &in.iclr[o],
                                   in.stride, 3, &out[o], scratch);
    expect_close(out, state, in, wkv7_in_double(in), "wkv7");
}

TEST_P(WkvChunks, Wkv5MatchesTheRecurrence) {
    const head_inputs in = make_inputs(GetParam(), 3 * wkv_chunk, 12);
    std::vector<float> out(in.r.size(), -7.0f), state = in.state;
    wkv_chunk_scratch scratch(in.n);
    const auto o = static_cast<std::size_t>(in.offset);
    kernels::cpu::wkv5_head_chunks(state.data(), &in.r[o], &in.k[o], &in.v[o], in.decay.data(), in.bonus.data(),
                                   in.stride, 3, &out[o], scratch);
    expect_close(out, state, in, wkv5_in_double(in), "wkv5");
}

// The CUDA form: chunks of 16 as the GPU runs them, the last one 5 tokens.
constexpr int block_chunk = 16;
constexpr std::int64_t block_tokens = 3 * block_chunk + 5;

TEST_P(WkvChunks, Wkv7BlockFormMatchesTheRecurrence) {
    const head_inputs in = make_inputs(GetParam(), block_tokens, 13);
    std::vector<float> out(in.r.size(), -7.0f), state = in.state;
    const int n = static_cast<int>(in.n);
    std::vector<float> scratch(static_cast<std::size_t>(kernels::wkv7_block_scratch::floats(n, block_chunk)));
    const auto o = static_cast<std::size_t>(in.offset);
    kernels::wkv7_head_block(0, 1, scratch.data(), n, block_chunk, in.n_tokens, &in.r[o], &in.w[o], &in.k[o],
                             &in.v[o], &in.kk[o], &in.iclr[o], in.stride, state.data(), &out[o]);
    expect_close(out, state, in, wkv7_in_double(in), "wkv7 block");
}

TEST_P(WkvChunks, Wkv5BlockFormMatchesTheRecurrence) {
    const head_inputs in = make_inputs(GetParam(), block_tokens, 14);
    std::vector<float> out(in.r.size(), -7.0f), state = in.state;
    const int n = static_cast<int>(in.n);
    std::vector<float> scratch(static_cast<std::size_t>(kernels::wkv5_block_scratch::floats(n, block_chunk)));
    const auto o = static_cast<std::size_t>(in.offset);
    kernels::wkv5_head_block(0, 1, scratch.data(), n, block_chunk, in.n_tokens, &in.r[o], &in.k[o], &in.v[o],
                             in.decay.data(), in.bonus.data(), in.stride, state.data(), &out[o]);
    expect_close(out, state, in, wkv5_in_double(in), "wkv5 block");
}

// 64: the real head size (the 16-float blocks where AVX-512 has them); 16
// and 8: the 8-float blocks and their edges.
INSTANTIATE_TEST_SUITE_P(HeadSizes, WkvChunks, testing::Values(64, 16, 8));

}  // namespace
