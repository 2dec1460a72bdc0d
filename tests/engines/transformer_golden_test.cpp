// The transformer engine against the Hugging Face goldens (tests/data/golden/
// gptneox-tiny, gpt2-tiny; tolerances from their READMEs: logits 1e-4, KV
// cache 1e-4 x max(1, |ref|), greedy tokens exact), with naive and fused
// attention, with and without the cache, in one call, token by token and as
// prefill + decode. RWKVBENCH_ENGINE_DEVICE picks the backend.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "engines/registry.h"
#include "harness/errors.h"
#include "kernels/backend.h"
#include "golden_arrays.h"
#include "test_paths.h"

namespace {

using namespace engines;

const std::string data_dir = test_paths::data() + "/";

std::vector<std::int32_t> ints(const model_file& f, const std::string& name) {
    const auto d = golden_doubles(f, name);
    return {d.begin(), d.end()};
}

double max_diff(const std::vector<float>& got, const std::vector<double>& ref, bool relative_to_one = false) {
    EXPECT_EQ(got.size(), ref.size());
    double m = 0;
    for (std::size_t i = 0; i < std::min(got.size(), ref.size()); ++i) {
        const double d = std::fabs(got[i] - ref[i]);
        m = std::max(m, relative_to_one ? d / std::max(1.0, std::fabs(ref[i])) : d);
    }
    return m;
}

struct param {
    std::string model;  // folder under tests/data/models
    kernels::attention_variant attention;
};

class TransformerGolden : public testing::TestWithParam<param> {
protected:
    void SetUp() override {
        std::string why;
        if (std::string(RWKVBENCH_ENGINE_DEVICE) == "cuda" && !kernels::cuda_available(&why)) GTEST_SKIP() << why;
        backend_ = kernels::make_backend(RWKVBENCH_ENGINE_DEVICE, 0);
        golden_ = model_file::open(data_dir + "golden/" + GetParam().model + "/golden.safetensors");
        ids_ = ints(*golden_, "input_ids");
    }
    std::unique_ptr<engine> make(bool no_cache = false, const std::string& sub = "",
                                 kernels::dtype wt = kernels::dtype::f32) {
        transformer_options o;
        o.attention = GetParam().attention;
        o.no_cache = no_cache;
        return make_engine("transformer", data_dir + "models/" + GetParam().model + sub, *backend_, wt, o);
    }
    std::vector<float> feed(engine& e, engine_state& st, std::span<const std::int32_t> ids, std::size_t chunk) {
        std::vector<float> all, part;
        for (std::size_t at = 0; at < ids.size(); at += chunk) {
            e.forward(ids.subspan(at, std::min(chunk, ids.size() - at)), st, logits_mode::all, part);
            all.insert(all.end(), part.begin(), part.end());
        }
        return all;
    }

    std::unique_ptr<kernels::backend> backend_;
    std::unique_ptr<model_file> golden_;
    std::vector<std::int32_t> ids_;
};

TEST_P(TransformerGolden, FullSequenceAndKvCache) {
    auto e = make();
    auto st = e->new_state();
    const auto logits = feed(*e, *st, ids_, ids_.size());
    EXPECT_LE(max_diff(logits, golden_doubles(*golden_, "logits_full")), 1e-4);
    EXPECT_LE(max_diff(logits, golden_doubles(*golden_, "logits_full_f64")), 1e-4);
    const auto arrays = st->export_arrays();
    ASSERT_EQ(arrays.size(), 2u);
    EXPECT_EQ(arrays[0].name, "present_key");
    EXPECT_LE(max_diff(arrays[0].values, golden_doubles(*golden_, "present_key"), true), 1e-4);
    EXPECT_LE(max_diff(arrays[1].values, golden_doubles(*golden_, "present_value"), true), 1e-4);
}

TEST_P(TransformerGolden, IncrementalOneTokenPerCall) {
    auto e = make();
    auto st = e->new_state();
    EXPECT_LE(max_diff(feed(*e, *st, ids_, 1), golden_doubles(*golden_, "logits_incremental")), 1e-4);
}

TEST_P(TransformerGolden, PrefillThenDecode) {
    auto e = make();
    auto st = e->new_state();
    auto logits = feed(*e, *st, std::span(ids_).first(64), 64);
    const auto rest = feed(*e, *st, std::span(ids_).subspan(64), 1);
    logits.insert(logits.end(), rest.begin(), rest.end());
    EXPECT_LE(max_diff(logits, golden_doubles(*golden_, "logits_prefill_decode")), 1e-4);
}

TEST_P(TransformerGolden, OddChunksMatchTheFullSequence) {
    auto e = make();
    auto st = e->new_state();
    EXPECT_LE(max_diff(feed(*e, *st, ids_, 7), golden_doubles(*golden_, "logits_full")), 1e-4);
}

TEST_P(TransformerGolden, NoCacheRecomputesTheSameLogits) {
    auto e = make(true);
    auto st = e->new_state();
    EXPECT_LE(max_diff(feed(*e, *st, ids_, 1), golden_doubles(*golden_, "logits_full")), 1e-4);
}

TEST_P(TransformerGolden, GreedyContinuation) {
    auto e = make();
    auto st = e->new_state();
    std::vector<float> logits;
    e->forward(std::span(ids_).first(64), *st, logits_mode::last, logits);
    const auto expected = ints(*golden_, "greedy_tokens");
    std::vector<std::int32_t> got;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const auto best = static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
        got.push_back(best);
        e->forward(std::span(&got.back(), 1), *st, logits_mode::last, logits);
    }
    EXPECT_EQ(got, expected);
}

TEST_P(TransformerGolden, ContextLimitIsEnforced) {
    auto e = make();
    auto st = e->new_state();
    std::vector<std::int32_t> too_many(513, 1);  // both tiny models have a context of 512
    std::vector<float> out;
    EXPECT_THROW(e->forward(too_many, *st, logits_mode::last, out), harness::input_error);
    EXPECT_NO_THROW(e->forward(std::span(too_many).first(512), *st, logits_mode::last, out));
    EXPECT_THROW(e->forward(std::span(too_many).first(1), *st, logits_mode::last, out), harness::input_error);
}

INSTANTIATE_TEST_SUITE_P(Models, TransformerGolden,
                         testing::Values(param{"gptneox-tiny", kernels::attention_variant::naive},
                                         param{"gptneox-tiny", kernels::attention_variant::fused},
                                         param{"gpt2-tiny", kernels::attention_variant::naive},
                                         param{"gpt2-tiny", kernels::attention_variant::fused}),
                         [](const testing::TestParamInfo<param>& info) {
                             std::string s = info.param.model + "_" +
                                             std::string(kernels::attention_variant_name(info.param.attention));
                             for (char& c : s)
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             return s;
                         });

// fp16 weights (upcast, or stored as f16) against HF's run on the same fp16 weights.
TEST(TransformerGoldenExtra, NeoxFp16Weights) {
    std::string why;
    if (std::string(RWKVBENCH_ENGINE_DEVICE) == "cuda" && !kernels::cuda_available(&why)) GTEST_SKIP() << why;
    auto b = kernels::make_backend(RWKVBENCH_ENGINE_DEVICE, 0);
    const auto golden = model_file::open(data_dir + "golden/gptneox-tiny/golden.safetensors");
    const auto ids = ints(*golden, "input_ids");
    for (kernels::dtype wt : {kernels::dtype::f32, kernels::dtype::f16}) {
        auto e = make_engine("transformer", data_dir + "models/gptneox-tiny/fp16", *b, wt);
        auto st = e->new_state();
        std::vector<float> logits;
        e->forward(ids, *st, logits_mode::all, logits);
        EXPECT_LE(max_diff(logits, golden_doubles(*golden, "logits_full_f16weights")), 1e-4) << kernels::dtype_name(wt);
    }
}

}  // namespace
