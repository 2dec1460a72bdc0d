// Engine states that can be copied and rewound (engine.h): what the
// scaling task's depth sweep relies on to time decode tokens at a depth
// again and again without prefilling again. A copy continues exactly as its
// original; a rewound KV cache continues as if the tokens after the point
// had never been fed; RWKV's state cannot be rewound and says so.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <tuple>

#include "engines/engine_spec.h"
#include "engines/registry.h"
#include "kernels/backend.h"
#include "test_paths.h"

namespace {

using namespace engines;

struct state_case {
    const char* name;
    const char* engine;
    const char* model;  // under tests/data/models
    bool no_cache;
};

void PrintTo(const state_case& c, std::ostream* os) { *os << c.name; }

class EngineStateCopy : public testing::TestWithParam<state_case> {};

std::vector<std::int32_t> ids(std::size_t n, std::int32_t salt) {
    std::vector<std::int32_t> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::int32_t>((i * 37 + 11 + static_cast<std::size_t>(salt)) % 200);
    return out;
}

std::unique_ptr<engine> make(const state_case& c, kernels::backend& b) {
    engine_spec spec;
    spec.engine = c.engine, spec.model = test_paths::data() + "/models/" + c.model, spec.tokenizer = "bytes";
    spec.no_cache = c.no_cache;
    return make_engine(spec, b);
}

TEST_P(EngineStateCopy, ACopyContinuesExactlyAsItsOriginal) {
    auto b = kernels::make_cpu_backend(1);
    auto e = make(GetParam(), *b);
    const auto a = ids(12, 0), next = ids(5, 3);
    auto original = e->new_state();
    std::vector<float> logits, from_copy, from_original;
    e->forward(a, *original, logits_mode::all, logits);
    const auto copy = original->copy();
    EXPECT_EQ(copy->n_tokens(), 12);
    e->forward(next, *copy, logits_mode::all, from_copy);
    EXPECT_EQ(original->n_tokens(), 12) << "feeding the copy moved the original";
    e->forward(next, *original, logits_mode::all, from_original);
    EXPECT_EQ(from_copy, from_original);
    EXPECT_EQ(copy->download(), original->download());
}

TEST_P(EngineStateCopy, ARewoundCacheContinuesAsIfTheTokensAfterWereNeverFed) {
    auto b = kernels::make_cpu_backend(1);
    auto e = make(GetParam(), *b);
    const auto a = ids(12, 0), detour = ids(9, 5), next = ids(5, 3);
    std::vector<float> logits, expected, got;
    auto straight = e->new_state();
    e->forward(a, *straight, logits_mode::all, logits);
    e->forward(next, *straight, logits_mode::all, expected);

    auto s = e->new_state();
    e->forward(a, *s, logits_mode::all, logits);
    const std::vector<float> at_depth = s->download();
    e->forward(detour, *s, logits_mode::all, logits);
    if (std::string(GetParam().engine).starts_with("rwkv4")) {
        EXPECT_FALSE(s->rewind(12)) << "a recurrent state cannot be rewound";
        EXPECT_EQ(s->n_tokens(), 21);
        EXPECT_TRUE(s->rewind(21));  // to where it is: nothing to undo
        return;
    }
    ASSERT_TRUE(s->rewind(12));
    EXPECT_EQ(s->n_tokens(), 12);
    // Without a cache every call recomputes the whole history (other batch
    // shapes, other last bits), so only the logits are compared there.
    if (!GetParam().no_cache) {
        EXPECT_EQ(s->download(), at_depth);
    }
    e->forward(next, *s, logits_mode::all, got);
    EXPECT_EQ(got, expected);
    EXPECT_FALSE(s->rewind(40)) << "rewinding past the end";
}

// copy_first(n): what copy() then rewind(n) gives (the depth sweep takes its
// shallow depths from the deepest KV cache this way), the original untouched.
TEST_P(EngineStateCopy, CopyFirstIsACopyRewound) {
    auto b = kernels::make_cpu_backend(1);
    auto e = make(GetParam(), *b);
    const auto a = ids(20, 0), next = ids(5, 3);
    auto s = e->new_state();
    std::vector<float> logits, expected, got;
    e->forward(a, *s, logits_mode::all, logits);
    const std::vector<float> before = s->download();
    EXPECT_EQ(s->copy_first(21), nullptr) << "past the end";
    const std::int64_t n = s->keeps_history() ? 7 : 20;
    if (!s->keeps_history()) {
        EXPECT_EQ(s->copy_first(7), nullptr) << "a recurrent state cannot go back";
    }
    const auto first = s->copy_first(n);
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->n_tokens(), n);
    auto rewound = s->copy();
    ASSERT_TRUE(rewound->rewind(n));
    if (!GetParam().no_cache) {
        EXPECT_EQ(first->download(), rewound->download());
    }
    e->forward(next, *rewound, logits_mode::all, expected);
    e->forward(next, *first, logits_mode::all, got);
    EXPECT_EQ(got, expected);
    EXPECT_EQ(s->n_tokens(), 20);
    EXPECT_EQ(s->download(), before);
}

// The depth sweep gives the serial RWKV engine the parallel engine's state at
// each depth instead of prefilling again: their prefills agree bit for bit
// (the serial engine's prefill runs the parallel mode's kernels).
TEST(EnginePrefill, SerialRwkvPrefillsExactlyAsTheParallelEngine) {
    auto b = kernels::make_cpu_backend(2);
    for (const auto& [serial, parallel, model] :
         {std::tuple{"rwkv4-serial", "rwkv4-parallel", "rwkv4-tiny/rwkv4-tiny-660K-f32.pth"},
          std::tuple{"rwkv7-serial", "rwkv7-parallel", "rwkv7-tiny/rwkv7-tiny-834K-f32.pth"},
          std::tuple{"rwkv5-serial", "rwkv5-parallel", "rwkv5-tiny/tiny-rwkv-5v2-730K-FP32.bin"}}) {
        SCOPED_TRACE(serial);
        auto s = make({"", serial, model, false}, *b), p = make({"", parallel, model, false}, *b);
        auto from_s = s->new_state(), from_p = p->new_state();
        std::vector<float> logits_s, logits_p;
        for (const std::size_t chunk : {33u, 40u, 7u}) {  // an incremental prefill, as the sweep's
            const auto part = ids(chunk, static_cast<std::int32_t>(chunk));
            s->prefill(part, *from_s, logits_s);
            p->prefill(part, *from_p, logits_p);
        }
        EXPECT_EQ(from_s->download(), from_p->download());
        EXPECT_EQ(logits_s, logits_p);
        // ...and the serial engine decodes on the parallel engine's state.
        std::vector<float> a, c;
        s->forward(ids(3, 9), *from_p, logits_mode::all, a);
        s->forward(ids(3, 9), *from_s, logits_mode::all, c);
        EXPECT_EQ(a, c);
    }
}

TEST_P(EngineStateCopy, KeepsHistorySaysWhetherRewindCanGoBack) {
    auto b = kernels::make_cpu_backend(1);
    auto e = make(GetParam(), *b);
    auto s = e->new_state();
    std::vector<float> logits;
    e->forward(ids(6, 0), *s, logits_mode::last, logits);
    const bool keeps = s->keeps_history();
    EXPECT_EQ(keeps, std::string(GetParam().engine) == "transformer");
    EXPECT_EQ(s->rewind(3), keeps);
}

// The depth sweep's memory check: what a state holds against the model's shape.
TEST_P(EngineStateCopy, UsedBytesAndWeightBytesMatchTheModelsShape) {
    auto b = kernels::make_cpu_backend(1);
    auto e = make(GetParam(), *b);
    auto s = e->new_state();
    std::vector<float> logits;
    e->forward(ids(21, 0), *s, logits_mode::last, logits);
    const engine_info info = e->info();
    const auto layer_floats = static_cast<std::uint64_t>(info.n_layer * info.n_embd);
    if (std::string(GetParam().engine) == "transformer")
        EXPECT_EQ(s->used_bytes(), 2 * layer_floats * 21 * sizeof(float));
    else
        EXPECT_EQ(s->used_bytes(), 5 * layer_floats * sizeof(float));
    EXPECT_LE(s->used_bytes(), s->bytes());
    // Weights as loaded: every parameter in fp32, less RWKV's ln0 (folded into
    // the embedding), plus GPT-2's tied head (stored twice).
    const double expected = static_cast<double>(info.n_params) * 4;
    const double tied = std::string(GetParam().model) == "gpt2-tiny" ? static_cast<double>(info.n_vocab * info.n_embd) * 4 : 0;
    EXPECT_NEAR(static_cast<double>(info.weight_bytes), expected + tied, 0.01 * expected);
    EXPECT_GT(info.scratch_bytes, 0u);
}

// prefill() reaches the state forward() does: the serial RWKV engine through
// its parallel kernels (within their parity tolerance), the others exactly.
TEST_P(EngineStateCopy, PrefillReachesTheStateForwardDoes) {
    auto b = kernels::make_cpu_backend(1);
    auto e = make(GetParam(), *b);
    const auto a = ids(40, 1);
    auto fed = e->new_state(), prefilled = e->new_state();
    std::vector<float> by_forward, by_prefill;
    e->forward(a, *fed, logits_mode::last, by_forward);
    e->prefill(a, *prefilled, by_prefill);
    EXPECT_EQ(prefilled->n_tokens(), 40);
    const auto x = fed->download(), y = prefilled->download();
    ASSERT_EQ(x.size(), y.size());
    ASSERT_EQ(by_forward.size(), by_prefill.size());
    for (std::size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(x[i], y[i], 1e-4 * (1 + std::abs(x[i]))) << "state " << i;
    for (std::size_t i = 0; i < by_forward.size(); ++i) ASSERT_NEAR(by_forward[i], by_prefill[i], 1e-4) << "logit " << i;
}

// Rotary positions let the depth sweep run a transformer past its context
// limit; GPT-2's learned positions do not; extend_context(0) restores it.
TEST(EngineContext, RotaryLimitsLiftAndRestoreLearnedOnesDoNot) {
    auto b = kernels::make_cpu_backend(1);
    engine_spec spec;
    spec.engine = "transformer", spec.model = test_paths::data() + "/models/gptneox-tiny", spec.tokenizer = "bytes";
    auto neox = make_engine(spec, *b);
    ASSERT_EQ(neox->info().context_limit, 512);
    const auto long_input = ids(520, 0);
    std::vector<float> logits;
    {
        auto s = neox->new_state();
        EXPECT_THROW(neox->forward(long_input, *s, logits_mode::last, logits), std::exception);
    }
    EXPECT_TRUE(neox->extend_context(600));
    EXPECT_EQ(neox->info().context_limit, 600);
    auto s = neox->new_state();
    neox->forward(long_input, *s, logits_mode::last, logits);
    EXPECT_EQ(s->n_tokens(), 520);
    for (const float v : logits) ASSERT_TRUE(std::isfinite(v));
    EXPECT_TRUE(neox->extend_context(0));
    EXPECT_EQ(neox->info().context_limit, 512);

    spec.model = test_paths::data() + "/models/gpt2-tiny";
    auto gpt2 = make_engine(spec, *b);
    EXPECT_FALSE(gpt2->extend_context(600));
    EXPECT_EQ(gpt2->info().context_limit, 512);
    EXPECT_TRUE(gpt2->extend_context(100));
    EXPECT_EQ(gpt2->info().context_limit, 512);
}

INSTANTIATE_TEST_SUITE_P(
    Engines, EngineStateCopy,
    testing::Values(state_case{"rwkv4_serial", "rwkv4-serial", "rwkv4-tiny/rwkv4-tiny-660K-f32.pth", false},
                    state_case{"rwkv4_parallel", "rwkv4-parallel", "rwkv4-tiny/rwkv4-tiny-660K-f32.pth", false},
                    state_case{"neox_cached", "transformer", "gptneox-tiny", false},
                    state_case{"neox_no_cache", "transformer", "gptneox-tiny", true},
                    state_case{"gpt2_cached", "transformer", "gpt2-tiny", false}),
    [](const testing::TestParamInfo<state_case>& i) { return std::string(i.param.name); });

}  // namespace
