// engine::forward_batch (engine.h): several independent sequences fed at
// once, each after its own state, with the logits of each from a position
// on. Engines without a batched path loop over forward() and must agree
// with it exactly; the serial RWKV engines step the sequences together (B
// rows per matmul) and agree with one sequence at a time to the last bits
// (GEMM against GEMV summation order), exactly when one sequence is fed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>

#include "harness/errors.h"
#include "test_engine.h"

namespace {

using namespace engines;

struct batch_case {
    const char* name;
    const char* engine;
    const char* model;  // under tests/data/models
    kernels::dtype dtype;
    bool batched;  // steps sequences together
};

void PrintTo(const batch_case& c, std::ostream* os) { *os << c.name; }

class ForwardBatch : public testing::TestWithParam<batch_case> {};

std::unique_ptr<engine> make(const batch_case& c, kernels::backend& b) {
    return test_engine::make(c.engine, c.model, c.dtype, b);
}

std::vector<std::int32_t> ids(std::size_t n, std::int32_t salt) {
    return test_engine::ids(n, static_cast<std::size_t>(salt));
}

// What forward_batch must give: forward(all) of each sequence, rows cut.
std::vector<float> one_at_a_time(engine& e, engine_state& st, std::span<const std::int32_t> tokens, std::int64_t from) {
    std::vector<float> all;
    e.forward(tokens, st, logits_mode::all, all);
    const auto v = static_cast<std::ptrdiff_t>(e.info().n_vocab);
    return {all.begin() + from * v, all.end()};
}

// Largest |a - b| over the largest |b| (1 at least): GEMM-vs-GEMV rounding
// moves logits by a few float ulps of the row's scale.
double scaled_difference(const std::vector<float>& a, const std::vector<float>& b) {
    double diff = 0, scale = 1;
    for (std::size_t i = 0; i < b.size(); ++i) {
        diff = std::max(diff, std::abs(static_cast<double>(a[i]) - b[i]));
        scale = std::max(scale, std::abs(static_cast<double>(b[i])));
    }
    return diff / scale;
}

TEST_P(ForwardBatch, EachSequenceAsIfFedAlone) {
    auto b = kernels::make_cpu_backend(1);
    auto e = make(GetParam(), *b);
    // 36 sequences of 1 to 13 tokens (the batch shrinks as they end), logits
    // from the start, the middle, the last token or none; one state already
    // holds tokens; every fifth state is null (the engine makes a fresh one).
    // All 36 at once (more rows than the CPU's row-dot kernels take, so
    // OpenBLAS's GEMM), and 2 rows taking the sequences in turn.
    std::vector<std::vector<std::int32_t>> seqs;
    std::vector<std::int64_t> from;
    for (std::int32_t i = 0; i < 36; ++i) {
        seqs.push_back(ids(static_cast<std::size_t>((i * 7) % 13 + 1), i));
        const auto n = static_cast<std::int64_t>(seqs.back().size());
        from.push_back(i % 4 == 0 ? 0 : i % 4 == 1 ? n / 2 : i % 4 == 2 ? n - 1 : n);
    }
    const std::vector<std::span<const std::int32_t>> tokens(seqs.begin(), seqs.end());
    const auto prefix = ids(4, 99);
    const auto v = static_cast<std::size_t>(e->info().n_vocab);
    std::vector<float> ignored;
    for (const std::size_t rows : {std::size_t{0}, std::size_t{2}}) {
        std::vector<std::unique_ptr<engine_state>> batch_states, alone_states;
        std::vector<engine_state*> states;
        for (std::size_t i = 0; i < seqs.size(); ++i) {
            batch_states.push_back(e->new_state());
            alone_states.push_back(e->new_state());
            states.push_back(i % 5 == 3 ? nullptr : batch_states.back().get());
        }
        e->forward(prefix, *batch_states[5], logits_mode::last, ignored);
        e->forward(prefix, *alone_states[5], logits_mode::last, ignored);
        std::vector<std::vector<float>> out;
        e->forward_batch(tokens, states, from, rows, out);
        ASSERT_EQ(out.size(), seqs.size());
        for (std::size_t i = 0; i < seqs.size(); ++i) {
            const auto want = one_at_a_time(*e, *alone_states[i], seqs[i], from[i]);
            ASSERT_EQ(out[i].size(), (seqs[i].size() - static_cast<std::size_t>(from[i])) * v) << "sequence " << i;
            if (GetParam().batched)
                EXPECT_LT(scaled_difference(out[i], want), 1e-5) << "rows " << rows << ", sequence " << i;
            else
                EXPECT_EQ(out[i], want) << "sequence " << i;
            if (!states[i]) continue;  // made and dropped by the engine
            EXPECT_EQ(batch_states[i]->n_tokens(), alone_states[i]->n_tokens()) << "sequence " << i;
            EXPECT_LT(scaled_difference(batch_states[i]->download(), alone_states[i]->download()), 1e-5)
                << "rows " << rows << ", sequence " << i;
        }
    }
}

// The same batch on CUDA (cuBLAS takes the B-row matmuls, the custom kernels
// the rest) against the CPU's batch, and against CUDA one sequence at a
// time. Skipped without a device.
TEST_P(ForwardBatch, OnCudaAsOnTheCpu) {
    std::string why;
    if (!kernels::cuda_available(&why)) GTEST_SKIP() << why;
    auto cpu = kernels::make_cpu_backend(1);
    auto gpu = kernels::make_backend("cuda", 0);
    auto on_cpu = make(GetParam(), *cpu);
    auto on_gpu = make(GetParam(), *gpu);
    std::vector<std::vector<std::int32_t>> seqs;
    std::vector<std::int64_t> from;
    for (std::int32_t i = 0; i < 40; ++i) {
        seqs.push_back(ids(static_cast<std::size_t>((i * 5) % 11 + 1), i));
        from.push_back(i % 3 == 0 ? 0 : static_cast<std::int64_t>(seqs.back().size()) - 1);
    }
    const std::vector<std::span<const std::int32_t>> tokens(seqs.begin(), seqs.end());
    auto run = [&](engine& e, std::size_t rows, std::vector<std::unique_ptr<engine_state>>& owned) {
        std::vector<engine_state*> states;
        for (std::size_t i = 0; i < seqs.size(); ++i)
            owned.push_back(e.new_state()), states.push_back(owned.back().get());
        std::vector<std::vector<float>> out;
        e.forward_batch(tokens, states, from, rows, out);
        return out;
    };
    std::vector<std::unique_ptr<engine_state>> cpu_states, gpu_states, gpu_pair_states;
    const auto want = run(*on_cpu, 0, cpu_states);
    const auto got = run(*on_gpu, 0, gpu_states);
    const auto got_pairs = run(*on_gpu, 2, gpu_pair_states);
    double worst = 0;
    for (std::size_t i = 0; i < seqs.size(); ++i) {
        ASSERT_EQ(got[i].size(), want[i].size()) << "sequence " << i;
        worst = std::max(worst, scaled_difference(got[i], want[i]));
        EXPECT_LT(scaled_difference(got[i], want[i]), 1e-4) << "CUDA against the CPU, sequence " << i;
        EXPECT_LT(scaled_difference(got_pairs[i], got[i]), 1e-5) << "CUDA 2 rows against all rows, sequence " << i;
        EXPECT_LT(scaled_difference(gpu_states[i]->download(), cpu_states[i]->download()), 1e-4) << "state " << i;
        std::vector<float> alone;
        auto st = on_gpu->new_state();
        alone = one_at_a_time(*on_gpu, *st, seqs[i], from[i]);
        EXPECT_LT(scaled_difference(got[i], alone), 1e-5) << "CUDA batch against CUDA alone, sequence " << i;
    }
    RecordProperty("largest_scaled_difference_cuda_vs_cpu", std::to_string(worst));
    std::cout << "largest scaled difference, CUDA against CPU: " << worst << "\n";
}

TEST_P(ForwardBatch, OneSequenceIsExactlyForward) {
    auto b = kernels::make_cpu_backend(1);
    auto e = make(GetParam(), *b);
    const auto seq = ids(10, 6);
    auto batch_state = e->new_state(), alone_state = e->new_state();
    std::vector<std::span<const std::int32_t>> tokens = {seq};
    std::vector<engine_state*> states = {batch_state.get()};
    const std::vector<std::int64_t> from = {2};
    std::vector<std::vector<float>> out;
    e->forward_batch(tokens, states, from, 0, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], one_at_a_time(*e, *alone_state, seq, 2));
    EXPECT_EQ(batch_state->download(), alone_state->download());
}

TEST_P(ForwardBatch, RefusesMismatchedListsAndBadPositions) {
    auto b = kernels::make_cpu_backend(1);
    auto e = make(GetParam(), *b);
    const auto seq = ids(4, 1);
    auto st = e->new_state(), other = e->new_state();
    std::vector<std::span<const std::int32_t>> tokens = {seq, seq};
    std::vector<engine_state*> one_state = {st.get()}, two_states = {st.get(), other.get()};
    std::vector<std::vector<float>> out;
    EXPECT_THROW(e->forward_batch(tokens, one_state, std::vector<std::int64_t>{0, 0}, 0, out), harness::input_error);
    tokens.pop_back();
    EXPECT_THROW(e->forward_batch(tokens, one_state, std::vector<std::int64_t>{5}, 0, out), harness::input_error);
    EXPECT_THROW(e->forward_batch(tokens, one_state, std::vector<std::int64_t>{-1}, 0, out), harness::input_error);
    const std::vector<std::int32_t> bad = {1, -3};
    tokens = {seq, bad};  // the bad id in the second sequence: the first is not fed either
    EXPECT_THROW(e->forward_batch(tokens, two_states, std::vector<std::int64_t>{0, 0}, 0, out), harness::input_error);
    EXPECT_EQ(st->n_tokens(), 0) << "a refused batch fed nothing";
    EXPECT_EQ(other->n_tokens(), 0) << "a refused batch fed nothing";
}

INSTANTIATE_TEST_SUITE_P(Engines, ForwardBatch,
                         testing::Values(batch_case{"rwkv4_serial", "rwkv4-serial",
                                                    "rwkv4-tiny/rwkv4-tiny-660K-f32.pth", kernels::dtype::f32, true},
                                         batch_case{"rwkv4_serial_bf16", "rwkv4-serial",
                                                    "rwkv4-tiny/rwkv4-tiny-660K-f32.pth", kernels::dtype::bf16, true},
                                         batch_case{"rwkv4_serial_q8_0", "rwkv4-serial",
                                                    "rwkv4-synth/rwkv4-synth-3x64-f32.pth", kernels::dtype::q8_0, true},
                                         batch_case{"rwkv4_parallel", "rwkv4-parallel",
                                                    "rwkv4-tiny/rwkv4-tiny-660K-f32.pth", kernels::dtype::f32, false},
                                         batch_case{"rwkv5_serial", "rwkv5-serial",
                                                    "rwkv5-tiny/rwkv5-tiny-730K-f32.pth", kernels::dtype::f32, true},
                                         batch_case{"rwkv7_serial", "rwkv7-serial",
                                                    "rwkv7-tiny/rwkv7-tiny-834K-f32.pth", kernels::dtype::f32, true},
                                         batch_case{"rwkv5_serial_q4_0", "rwkv5-serial",
                                                    "rwkv5-tiny/rwkv5-tiny-730K-f32.pth", kernels::dtype::q4_0, true},
                                         batch_case{"rwkv7_serial_q8_0", "rwkv7-serial",
                                                    "rwkv7-tiny/rwkv7-tiny-834K-f32.pth", kernels::dtype::q8_0, true},
                                         batch_case{"rwkv7_parallel", "rwkv7-parallel",
                                                    "rwkv7-tiny/rwkv7-tiny-834K-f32.pth", kernels::dtype::f32, false},
                                         batch_case{"neox", "transformer", "gptneox-tiny", kernels::dtype::f32, false},
                                         batch_case{"gpt2", "transformer", "gpt2-tiny", kernels::dtype::f32, false}),
                         [](const testing::TestParamInfo<batch_case>& i) { return std::string(i.param.name); });

}  // namespace
