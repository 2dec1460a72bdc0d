// engine::score (engine.h): the log-probability of one target per position,
// held to forward(..., all) and a log-softmax per row in double. The
// parallel RWKV engines on the CPU run the head in vocabulary slices
// (head_logits.h); the others take all logits. Either way the state moves
// exactly as forward() moves it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>

#include "harness/errors.h"
#include "test_engine.h"

namespace {

using namespace engines;

struct score_case {
    const char* name;
    const char* engine;
    const char* model;  // under tests/data/models
    kernels::dtype dtype;
};

void PrintTo(const score_case& c, std::ostream* os) { *os << c.name; }

class Score : public testing::TestWithParam<score_case> {};

std::unique_ptr<engine> make(const score_case& c, kernels::backend& b) {
    return test_engine::make(c.engine, c.model, c.dtype, b);
}

using test_engine::ids;

// log_softmax(row)[target] with every exponential in double.
double exact_logprob(std::span<const float> row, std::int32_t target) {
    const double max = *std::max_element(row.begin(), row.end());
    double sum = 0;
    for (const float x : row) sum += std::exp(static_cast<double>(x) - max);
    return static_cast<double>(row[static_cast<std::size_t>(target)]) - max - std::log(sum);
}

// score() of `tokens` against forward(all) after the same prefix: the
// log-probabilities within the float exponentials' rounding (plus
// `logit_ulps` float ulps of the logits' scale where score's head matmul has
// another shape than forward's), the states equal.
void expect_score_as_forward(engine& e, std::span<const std::int32_t> prefix, std::span<const std::int32_t> tokens,
                             std::span<const std::int32_t> targets, double logit_ulps = 0) {
    auto by_score = e.new_state(), by_forward = e.new_state();
    std::vector<float> logits;
    std::vector<double> logprobs;
    if (!prefix.empty()) {
        e.forward(prefix, *by_score, logits_mode::last, logits);
        e.forward(prefix, *by_forward, logits_mode::last, logits);
    }
    e.score(tokens, *by_score, targets, logprobs);
    e.forward(tokens, *by_forward, logits_mode::all, logits);
    ASSERT_EQ(logprobs.size(), tokens.size());
    const auto v = static_cast<std::size_t>(e.info().n_vocab);
    double worst = 0, scale = 0;
    for (std::size_t t = 0; t < tokens.size(); ++t) {
        const std::span<const float> row(logits.data() + t * v, v);
        const double want = exact_logprob(row, targets[t]);
        worst = std::max(worst, std::abs(logprobs[t] - want));
        for (const float x : row) scale = std::max(scale, static_cast<double>(std::abs(x)));
    }
    // exp_fast is about 1 float ulp (6e-8 relative): the log of the sum moves
    // by as much (at most 1.5e-8 measured).
    EXPECT_LE(worst, 1e-6 + logit_ulps * 6e-8 * scale);
    EXPECT_EQ(by_score->n_tokens(), by_forward->n_tokens());
    EXPECT_EQ(by_score->download(), by_forward->download());
}

TEST_P(Score, IsForwardAndALogSoftmax) {
    auto b = kernels::make_cpu_backend(2);
    auto e = make(GetParam(), *b);
    const auto prefix = ids(5, 1), tokens = ids(37, 2), targets = ids(37, 3);
    expect_score_as_forward(*e, prefix, tokens, targets);
    expect_score_as_forward(*e, {}, std::span(tokens).first(1), std::span(targets).first(1));
}

TEST_P(Score, RefusesBadTargetsAndFeedsNothing) {
    auto b = kernels::make_cpu_backend(1);
    auto e = make(GetParam(), *b);
    auto st = e->new_state();
    std::vector<double> logprobs;
    const auto tokens = ids(4, 1);
    std::vector<std::int32_t> targets = ids(3, 2);
    EXPECT_THROW(e->score(tokens, *st, targets, logprobs), harness::input_error);
    targets = ids(4, 2);
    targets[2] = static_cast<std::int32_t>(e->info().n_vocab);
    EXPECT_THROW(e->score(tokens, *st, targets, logprobs), harness::input_error);
    EXPECT_EQ(st->n_tokens(), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Engines, Score,
    testing::Values(
        score_case{"rwkv4_parallel", "rwkv4-parallel", "rwkv4-tiny/rwkv4-tiny-660K-f32.pth", kernels::dtype::f32},
        score_case{"rwkv4_parallel_bf16", "rwkv4-parallel", "rwkv4-synth/rwkv4-synth-3x64-f32.pth",
                   kernels::dtype::bf16},
        score_case{"rwkv4_serial", "rwkv4-serial", "rwkv4-tiny/rwkv4-tiny-660K-f32.pth", kernels::dtype::f32},
        score_case{"rwkv5_parallel", "rwkv5-parallel", "rwkv5-tiny/rwkv5-tiny-730K-f32.pth", kernels::dtype::f32},
        score_case{"rwkv7_parallel_q8_0", "rwkv7-parallel", "rwkv7-tiny/rwkv7-tiny-834K-f32.pth", kernels::dtype::q8_0},
        score_case{"neox", "transformer", "gptneox-tiny", kernels::dtype::f32}),
    [](const testing::TestParamInfo<score_case>& i) { return std::string(i.param.name); });

// More positions than one 16 MiB slice of a 256-word vocabulary's logits
// holds (16384 rows): the head runs in two slices, and their sums combine.
TEST(ScoreSlices, ALongInputSplitsTheVocabulary) {
    auto b = kernels::make_cpu_backend(2);
    const score_case c{"rwkv4_parallel", "rwkv4-parallel", "rwkv4-synth/rwkv4-synth-3x64-f32.pth", kernels::dtype::f32};
    auto e = make(c, *b);
    ASSERT_EQ(e->info().n_vocab, 256);
    const auto tokens = ids(17000, 4), targets = ids(17000, 5);
    // A logit is a 64-term dot product (n_embd 64), and a slice's sgemm may
    // take another OpenBLAS kernel than the whole head's and round it
    // otherwise: up to about 64 float ulps of the logits' scale. Measured:
    // 2.4 ulps with the Cooperlake kernels, 5.5 with Haswell's. A slice
    // dropped or a target taken from the wrong slice moves a log-probability
    // by far more.
    expect_score_as_forward(*e, {}, tokens, targets, 64);
}

}  // namespace
