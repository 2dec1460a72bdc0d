// The shared scorers against direct computations from the engines' logits.
#include <gtest/gtest.h>

#include <cmath>

#include "engines/registry.h"
#include "harness/errors.h"
#include "kernels/backend.h"
#include "tasks/scorer.h"
#include "test_paths.h"

namespace {

const std::string models = test_paths::data() + "/models/";

std::vector<std::int32_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

class Scorer : public testing::Test {
protected:
    std::unique_ptr<kernels::backend> b = kernels::make_cpu_backend(0);
    std::unique_ptr<engines::engine> rwkv(bool serial) {
        return engines::make_engine(serial ? "rwkv4-serial" : "rwkv4-parallel", models + "rwkv4-synth/rwkv4-synth-3x64-f32.pth", *b);
    }
};

TEST_F(Scorer, LoglikelihoodIsTheSumOfLogSoftmaxAtThePrecedingPositions) {
    auto e = rwkv(false);
    const auto ctx = bytes_of("\nThe quick brown fox jumps over the lazy"), cont = bytes_of(" dog");
    const auto r = tasks::loglikelihood(*e, ctx, cont);
    // Direct: one pass over everything, score each continuation byte by hand.
    std::vector<std::int32_t> all = ctx;
    all.insert(all.end(), cont.begin(), cont.end());
    auto st = e->new_state();
    std::vector<float> logits;
    e->forward(all, *st, engines::logits_mode::all, logits);
    double expected = 0;
    bool greedy = true;
    for (std::size_t i = 0; i < cont.size(); ++i) {
        const std::span<const float> row(logits.data() + (ctx.size() - 1 + i) * 256, 256);
        double max = row[0], sum = 0;
        std::size_t arg = 0;
        for (std::size_t k = 0; k < 256; ++k) {
            if (row[k] > row[arg]) arg = k;
            max = std::max<double>(max, row[k]);
        }
        for (float x : row) sum += std::exp(x - max);
        expected += row[static_cast<std::size_t>(cont[i])] - max - std::log(sum);
        greedy = greedy && static_cast<std::int32_t>(arg) == cont[i];
    }
    // The scorer runs the context and the continuation as separate chunks, so
    // its logits come from other matrix shapes than this one pass: BLAS may
    // sum in another order (Haswell and Zen kernels differ by 1e-6 here).
    // Float32 logits of ~10 carry ~1e-6 of rounding each; a wrong position
    // would be off by whole nats.
    EXPECT_NEAR(r.logprob, expected, 1e-5 * (1 + std::fabs(expected)));
    EXPECT_EQ(r.greedy, greedy);
    EXPECT_EQ(r.n_tokens, 4);
    EXPECT_LT(r.logprob, 0);
    // RNN mode gives the same number.
    auto s = rwkv(true);
    EXPECT_NEAR(tasks::loglikelihood(*s, ctx, cont).logprob, r.logprob, 1e-3);
}

TEST_F(Scorer, ABatchAgreesWithOneAtATime) {
    // Contexts and continuations of different lengths: the serial engine's
    // batch shrinks as they end. Each log-likelihood agrees with loglikelihood()
    // to 1e-6 relative (GEMM rows against GEMVs); engines that do not batch
    // (the parallel one here) agree exactly.
    const std::vector<std::pair<std::string, std::string>> texts = {
        {"\nThe quick brown fox jumps over the lazy", " dog"},
        {"\nA", " b"},
        {"\nAll human beings are born free and equal in dignity", " and rights."},
        {"\nEveryone has the right to life, liberty", " and security of person"},
        {"\nNo one", " shall"}};
    std::vector<std::vector<std::int32_t>> ctx, cont;
    for (const auto& [c, n] : texts) ctx.push_back(bytes_of(c)), cont.push_back(bytes_of(n));
    std::vector<tasks::loglikelihood_pair> pairs;
    for (std::size_t i = 0; i < ctx.size(); ++i) pairs.push_back({ctx[i], cont[i]});
    for (const bool serial : {true, false}) {
        auto e = rwkv(serial);
        const auto batch = tasks::loglikelihood_batch(*e, pairs);
        ASSERT_EQ(batch.size(), pairs.size());
        for (std::size_t i = 0; i < pairs.size(); ++i) {
            const auto one = tasks::loglikelihood(*e, ctx[i], cont[i]);
            if (serial)
                EXPECT_NEAR(batch[i].logprob, one.logprob, 1e-6 * std::fabs(one.logprob)) << i;
            else
                EXPECT_EQ(batch[i].logprob, one.logprob) << i;
            EXPECT_EQ(batch[i].greedy, one.greedy) << i;
            EXPECT_EQ(batch[i].n_tokens, static_cast<std::int64_t>(cont[i].size())) << i;
        }
    }
    // One bad pair refuses the batch before anything is fed.
    const std::vector<std::int32_t> none;
    pairs.push_back({ctx[0], none});
    EXPECT_THROW((void)tasks::loglikelihood_batch(*rwkv(true), pairs), harness::input_error);
}

TEST_F(Scorer, GreedyContinuationIsRecognised) {
    auto e = rwkv(false);
    std::vector<std::int32_t> ctx = bytes_of("\nHello"), cont;
    // Build the model's own greedy continuation of 5 bytes.
    auto st = e->new_state();
    std::vector<float> logits;
    e->forward(ctx, *st, engines::logits_mode::last, logits);
    for (int i = 0; i < 5; ++i) {
        cont.push_back(static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin()));
        e->forward(std::span(&cont.back(), 1), *st, engines::logits_mode::last, logits);
    }
    EXPECT_TRUE(tasks::loglikelihood(*e, ctx, cont).greedy);
    cont.back() = (cont.back() + 1) % 256;
    EXPECT_FALSE(tasks::loglikelihood(*e, ctx, cont).greedy);
}

TEST_F(Scorer, RollingCarriesTheRwkvStateAndScoresEveryTokenOnce) {
    auto e = rwkv(false);
    const auto text = bytes_of("RWKV is an RNN with transformer-level performance; it can be trained like a GPT. "
                               "So it combines the best of RNN and transformer: great performance, fast inference.");
    const auto whole = tasks::loglikelihood_rolling(*e, text, 0, 10000);
    const auto chunked = tasks::loglikelihood_rolling(*e, text, 0, 7);
    EXPECT_EQ(whole.n_scored, static_cast<std::int64_t>(text.size()) - 1);
    EXPECT_NEAR(chunked.logprob, whole.logprob, 1e-3);
    // And it equals loglikelihood of everything after the first token.
    const auto ll = tasks::loglikelihood(*e, std::span(text).first(1), std::span(text).subspan(1));
    EXPECT_NEAR(ll.logprob, whole.logprob, 1e-3);
}

TEST_F(Scorer, RollingUsesSlidingWindowsAtTheTransformerLimit) {
    auto e = engines::make_engine("transformer", models + "gptneox-tiny", *b);
    ASSERT_EQ(e->info().context_limit, 512);
    std::vector<std::int32_t> long_text(1300);
    for (std::size_t i = 0; i < long_text.size(); ++i) long_text[i] = static_cast<std::int32_t>((i * 31 + 7) % 256);
    const auto r = tasks::loglikelihood_rolling(*e, long_text, 256);
    EXPECT_EQ(r.n_scored, 1299);
    EXPECT_TRUE(std::isfinite(r.logprob));
    // A text that fits in one window is one plain pass.
    const std::span<const std::int32_t> short_text(long_text.data(), 300);
    EXPECT_NEAR(tasks::loglikelihood_rolling(*e, short_text).logprob,
                tasks::loglikelihood(*e, short_text.first(1), short_text.subspan(1)).logprob, 1e-6);
    // The first window's tokens score exactly as a single pass over them.
    const auto first = tasks::loglikelihood_rolling(*e, std::span(long_text).first(512));
    for (std::size_t i = 0; i < 511; ++i) ASSERT_NEAR(r.token_logprobs[i], first.token_logprobs[i], 1e-6) << i;
}

TEST_F(Scorer, LongContextsAreTruncatedFromTheLeftForTransformers) {
    auto e = engines::make_engine("transformer", models + "gptneox-tiny", *b);
    std::vector<std::int32_t> ctx(700);
    for (std::size_t i = 0; i < ctx.size(); ++i) ctx[i] = static_cast<std::int32_t>((i * 13 + 5) % 256);
    const std::vector<std::int32_t> cont = {7, 8, 9};
    const auto r = tasks::loglikelihood(*e, ctx, cont);
    // The same as giving only the last 510 context tokens (510 + 3 - 1 = 512 fed).
    const auto expected = tasks::loglikelihood(*e, std::span(ctx).last(510), cont);
    EXPECT_DOUBLE_EQ(r.logprob, expected.logprob);
    EXPECT_THROW(tasks::loglikelihood(*e, ctx, std::vector<std::int32_t>(600, 1)), harness::input_error);
}

TEST_F(Scorer, EmptyInputsAreErrors) {
    auto e = rwkv(false);
    const auto x = bytes_of("ab");
    EXPECT_THROW(tasks::loglikelihood(*e, x, {}), harness::input_error);
    EXPECT_THROW(tasks::loglikelihood(*e, {}, x), harness::input_error);
    EXPECT_EQ(tasks::loglikelihood_rolling(*e, std::span(x).first(1)).n_scored, 0);
}

}  // namespace

#include "tasks/lambada.h"

namespace {

TEST_F(Scorer, LambadaPadsWithTheNewlineAndScoresTheTarget) {
    auto e = rwkv(false);
    const auto tok = engines::make_byte_tokenizer();
    const auto padded = tasks::score_lambada(*e, *tok, "she opened the", " door", true);
    EXPECT_NEAR(padded.logprob, tasks::loglikelihood(*e, bytes_of("\nshe opened the"), bytes_of(" door")).logprob, 1e-9);
    const auto bare = tasks::score_lambada(*e, *tok, "she opened the", " door", false);
    EXPECT_NEAR(bare.logprob, tasks::loglikelihood(*e, bytes_of("she opened the"), bytes_of(" door")).logprob, 1e-9);
    EXPECT_NE(padded.logprob, bare.logprob);
    EXPECT_EQ(padded.n_tokens, 5);
}

TEST(LambadaMetrics, AccuracyPerplexityAndStandardErrors) {
    std::vector<tasks::loglikelihood_result> r = {{-1.0, true, 1}, {-3.0, false, 2}, {-2.0, true, 1}, {-2.0, false, 1}};
    const auto m = tasks::aggregate_lambada(r);
    EXPECT_DOUBLE_EQ(m.acc.value, 0.5);
    EXPECT_NEAR(m.acc.stderr_, std::sqrt(0.25 / 3), 1e-12);  // sample (n - 1) form, as lm-eval
    EXPECT_NEAR(m.ppl.value, std::exp(2.0), 1e-12);          // exp(-mean(-1, -3, -2, -2))
    // sample variance of the log-probs = 2/3; se(mean) = sqrt(2/3 / 4); delta method x ppl
    EXPECT_NEAR(m.ppl.stderr_, std::exp(2.0) * std::sqrt(2.0 / 3.0 / 4.0), 1e-12);
    EXPECT_EQ(m.acc.n, 4);
}

}  // namespace
