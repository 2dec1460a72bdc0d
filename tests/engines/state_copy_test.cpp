// Engine states that can be copied and rewound (engine.h): what the
// scaling task's depth sweep relies on to time decode tokens at a depth
// again and again without prefilling again. A copy continues exactly as its
// original; a rewound KV cache continues as if the tokens after the point
// had never been fed; RWKV's state cannot be rewound and says so.
#include <gtest/gtest.h>

#include <numeric>

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
    if (!GetParam().no_cache) EXPECT_EQ(s->download(), at_depth);
    e->forward(next, *s, logits_mode::all, got);
    EXPECT_EQ(got, expected);
    EXPECT_FALSE(s->rewind(40)) << "rewinding past the end";
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
