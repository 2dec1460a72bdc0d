// Transformer engine invariants on random models of shapes unlike the shared
// ones (odd head counts, other vocabularies, rotary fractions): naive ==
// fused, cache == no cache, chunking does not matter, dtype paths stay close.
#include <gtest/gtest.h>

#include <cmath>

#include "array_diff.h"
#include "engines/registry.h"
#include "harness/errors.h"
#include "kernels/backend.h"

namespace engines {
// Shown by ctest instead of the raw bytes of the struct.
void PrintTo(const transformer_config& c, std::ostream* os) { *os << c.architecture << " " << c.n_layer << "x" << c.n_embd; }
}  // namespace engines

namespace {

using namespace engines;

transformer_config odd_neox() {
    // 3 heads of 16, 6 rotary dims (rotary_pct 0.4), vocab 77, sequential residual.
    return {"gpt-neox", 2, 48, 3, 80, 77, 300, 6, 500.0f, 1e-5f, false, false};
}
transformer_config odd_gpt2() { return {"gpt2", 3, 40, 5, 72, 91, 300, 0, 10000.0f, 1e-5f, false, true}; }

std::vector<std::int32_t> ids_for(const transformer_config& c, std::size_t n) {
    std::vector<std::int32_t> ids(n);
    for (std::size_t i = 0; i < n; ++i) ids[i] = static_cast<std::int32_t>((i * 37 + 11) % static_cast<std::size_t>(c.n_vocab));
    return ids;
}

std::vector<float> run(const std::shared_ptr<const transformer_weights>& w, kernels::backend& b, transformer_options o,
                       const std::vector<std::int32_t>& ids, std::size_t chunk) {
    auto e = make_transformer_engine(w, b, o);
    auto st = e->new_state();
    std::vector<float> all, part;
    for (std::size_t at = 0; at < ids.size(); at += chunk) {
        e->forward(std::span(ids).subspan(at, std::min(chunk, ids.size() - at)), *st, logits_mode::all, part);
        all.insert(all.end(), part.begin(), part.end());
    }
    return all;
}

class TransformerConsistency : public testing::TestWithParam<transformer_config> {};

TEST_P(TransformerConsistency, AttentionVariantsCachingAndChunkingAgree) {
    auto b = kernels::make_cpu_backend(0);
    const auto& c = GetParam();
    const auto w = upload_transformer(c, random_transformer_source(c, 3), *b, kernels::dtype::f32);
    const auto ids = ids_for(c, 290);  // crosses the cache's growth from 256 positions
    const auto reference = run(w, *b, {kernels::attention_variant::naive, false}, ids, ids.size());
    for (auto variant : {kernels::attention_variant::naive, kernels::attention_variant::fused})
        for (std::size_t chunk : {1u, 7u, 64u}) {
            EXPECT_LE(max_diff(run(w, *b, {variant, false}, ids, chunk), reference), 1e-4)
                << kernels::attention_variant_name(variant) << " chunk " << chunk;
        }
    const auto short_ids = ids_for(c, 40);
    const auto short_ref = run(w, *b, {kernels::attention_variant::naive, false}, short_ids, 40);
    EXPECT_LE(max_diff(run(w, *b, {kernels::attention_variant::fused, true}, short_ids, 3), short_ref), 1e-4) << "no cache";
}

TEST_P(TransformerConsistency, HalfWeightsStayClose) {
    auto b = kernels::make_cpu_backend(0);
    const auto& c = GetParam();
    const auto ids = ids_for(c, 30);
    const auto ref = run(upload_transformer(c, random_transformer_source(c, 3), *b, kernels::dtype::f32), *b, {}, ids, 30);
    for (kernels::dtype wt : {kernels::dtype::f16, kernels::dtype::bf16}) {
        const auto got = run(upload_transformer(c, random_transformer_source(c, 3), *b, wt), *b, {}, ids, 30);
        EXPECT_LE(max_diff(got, ref), wt == kernels::dtype::f16 ? 5e-3 : 5e-2) << kernels::dtype_name(wt);
        EXPECT_GT(max_diff(got, ref), 0.0);
    }
}

INSTANTIATE_TEST_SUITE_P(OddShapes, TransformerConsistency, testing::Values(odd_neox(), odd_gpt2()),
                         [](const testing::TestParamInfo<transformer_config>& p) {
                             return p.param.architecture == "gpt2" ? std::string("gpt2") : std::string("neox");
                         });

TEST(TransformerRegistry, PresetsHavePublishedShapes) {
    EXPECT_EQ(transformer_preset("random:pythia-160m")->n_vocab, 50304);
    EXPECT_EQ(transformer_preset("random:pythia-2.8b")->n_rot, 20);  // 80-dim heads, rotary_pct 0.25
    EXPECT_EQ(transformer_preset("random:gpt2-124m")->n_ctx, 1024);
    auto b = kernels::make_cpu_backend(1);
    EXPECT_THROW(make_engine("rwkv4-serial", "random:pythia-160m", *b), harness::unsupported_error);
    EXPECT_THROW(make_engine("transformer", "random:pythia-7b", *b), harness::usage_error);
}

}  // namespace

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "engines/safetensors_writer.h"
#include "test_paths.h"

namespace {

// Real Pythia checkpoints carry non-parameter buffers (causal mask, masked
// bias, rotary inv_freq): a copy of the tiny model with them added loads,
// counts the same parameters and gives the same logits.
TEST(TransformerCheckpoints, PythiaBuffersAreIgnored) {
    namespace fs = std::filesystem;
    const fs::path src = fs::path(test_paths::data()) / "models" / "gptneox-tiny";
    const fs::path dst = fs::path(testing::TempDir()) / ("neox_with_buffers_" + std::to_string(::getpid()));
    fs::create_directories(dst);
    fs::copy_file(src / "config.json", dst / "config.json", fs::copy_options::overwrite_existing);
    const auto original = model_file::open((src / "model.safetensors").string());
    std::vector<output_tensor> tensors;
    for (const auto& t : original->tensors()) tensors.push_back(f32_tensor(t.name, t.shape, decode_f32(*original, t).values));
    for (int l = 0; l < 2; ++l) {
        const std::string p = "gpt_neox.layers." + std::to_string(l) + ".attention.";
        tensors.push_back(f32_tensor(p + "bias", {1, 1, 4, 4}, std::vector<float>(16, 1.0f)));
        tensors.push_back(f32_tensor(p + "masked_bias", {}, {-1e9f}));
        tensors.push_back(f32_tensor(p + "rotary_emb.inv_freq", {2}, {1.0f, 0.01f}));
    }
    write_safetensors((dst / "model.safetensors").string(), tensors);

    EXPECT_EQ(describe_model(open_model(dst.string())).n_params, describe_model(open_model(src.string())).n_params);
    auto b = kernels::make_cpu_backend(0);
    const std::vector<std::int32_t> ids = {5, 200, 17, 3, 99};
    std::vector<float> a, c;
    auto e1 = make_engine("transformer", src.string(), *b);
    auto s1 = e1->new_state();
    e1->forward(ids, *s1, logits_mode::all, a);
    auto e2 = make_engine("transformer", dst.string(), *b);
    auto s2 = e2->new_state();
    e2->forward(ids, *s2, logits_mode::all, c);
    EXPECT_EQ(a, c);
}

}  // namespace
