// Engine specs: one parser for `run`, `logits` and RUN.json, so the same
// mistake gets the same message wherever it is made; the engine table builds
// what it lists.
#include "engines/engine_spec.h"

#include <gtest/gtest.h>

#include "engines/registry.h"
#include "harness/errors.h"
#include "kernels/backend.h"
#include "test_paths.h"

namespace {

std::string error_of(const engines::engine_spec_text& t) {
    try {
        engines::parse_engine_spec(t, "here");
    } catch (const harness::usage_error& e) {
        return e.what();
    }
    return "";
}

// INTERFACES: "a quantized .bin keeps its format unless --dtype says otherwise".
TEST(EngineSpec, AQuantizedBinKeepsItsFormatUnlessTheDtypeIsGiven) {
    const std::string q51 = test_paths::data() + "/quantized/models/rwkv4-synth/rwkv4-synth-3x64-Q5_1.bin";
    const std::string fp32 = test_paths::data() + "/models/rwkv4-synth/rwkv4-synth-3x64-FP32.bin";
    const auto dtype = [](const std::string& engine, const std::string& model, std::optional<std::string> d) {
        return engines::parse_engine_spec({engine, model, "bytes", std::move(d), {}, false}, "x").dtype;
    };
    EXPECT_EQ(dtype("rwkv4-serial", q51, {}), kernels::dtype::q5_1);
    EXPECT_EQ(dtype("rwkv4-parallel", q51, {}), kernels::dtype::q5_1);
    EXPECT_EQ(dtype("rwkv4-serial", q51, "fp32"), kernels::dtype::f32);
    EXPECT_EQ(dtype("rwkv4-serial", q51, "q8_0"), kernels::dtype::q8_0);
    EXPECT_EQ(dtype("rwkv4-serial", fp32, {}), kernels::dtype::f32);
    EXPECT_EQ(dtype("rwkv4-serial", "no/such/file.bin", {}), kernels::dtype::f32);  // loading it reports the error
    EXPECT_EQ(engines::dtype_spelling(kernels::dtype::q5_1), "q5_1");
}

TEST(EngineSpec, ValidatesNamesAndCombinationsWithOneMessageEach) {
    const auto s = engines::parse_engine_spec({"transformer", "random:pythia-160m", "bytes", "f16", "fused", true}, "x");
    EXPECT_EQ(s.dtype, kernels::dtype::f16);
    EXPECT_EQ(engines::dtype_spelling(s.dtype), "fp16");  // typed f16, reported fp16
    EXPECT_EQ(s.attention, kernels::attention_variant::fused);
    EXPECT_TRUE(s.no_cache);
    EXPECT_EQ(engines::parse_engine_spec({"rwkv4-serial", "m.pth", "bytes", {}, {}, false}, "x").dtype,
              kernels::dtype::f32);
    EXPECT_EQ(error_of({"rwkv5", "m", "bytes", {}, {}, false}),
              "here: unknown engine 'rwkv5' (expected one of: rwkv4-serial, rwkv4-parallel, rwkv5-serial, "
              "rwkv5-parallel, rwkv7-serial, rwkv7-parallel, transformer)");
    EXPECT_EQ(error_of({"rwkv4-serial", "m", "bytes", "int8", {}, false}),
              "here: dtype must be fp32, fp16, bf16, q8_0, q5_0, q5_1, q4_0 or q4_1, got 'int8'");
    EXPECT_EQ(error_of({"transformer", "m", "bytes", {}, "flash", false}),
              "here: attention must be naive or fused, got 'flash'");
    EXPECT_EQ(error_of({"rwkv4-parallel", "m", "bytes", {}, "naive", false}),
              "here: attention and no_cache apply to the transformer engine only, not rwkv4-parallel");
    EXPECT_EQ(error_of({"rwkv4-parallel", "m", "bytes", {}, {}, true}),
              "here: attention and no_cache apply to the transformer engine only, not rwkv4-parallel");
    EXPECT_EQ(error_of({"rwkv4-parallel", "", "bytes", {}, {}, false}),
              "here: no model given (a checkpoint path or random:NAME)");
}

TEST(EngineSpec, TheTableBuildsEveryEngineItLists) {
    auto b = kernels::make_cpu_backend(1);
    ASSERT_EQ(engines::engine_kinds().size(), engines::list_engines().size());
    for (const auto& k : engines::engine_kinds()) {
        const std::string model =
            test_paths::data() + (k.name == "transformer"       ? "/models/gptneox-tiny"
                                  : k.name.starts_with("rwkv5") ? "/models/rwkv5-tiny/tiny-rwkv-5v2-730K-FP32.bin"
                                  : k.name.starts_with("rwkv7") ? "/models/rwkv7-tiny/tiny-rwkv-7v0-834K-FP32.bin"
                                                                : "/models/rwkv4-tiny/rwkv4-tiny-660K-f32.pth");
        const auto e = engines::make_engine({k.name, model, "bytes"}, *b);
        EXPECT_EQ(e->info().name, k.name);
    }
    EXPECT_THROW(engines::make_engine({"rwkv4-serial", test_paths::data() + "/models/gptneox-tiny", "bytes"}, *b),
                 harness::unsupported_error);
    // A v7 checkpoint on a v5 engine (and the other way) says which engine it needs.
    try {
        engines::make_engine({"rwkv5-serial", test_paths::data() + "/models/rwkv7-tiny/rwkv7-tiny-834K-f32.pth", "bytes"},
                             *b);
        ADD_FAILURE() << "a v7 model ran on rwkv5-serial";
    } catch (const harness::unsupported_error& e) {
        EXPECT_NE(std::string(e.what()).find("use --engine rwkv7-serial"), std::string::npos) << e.what();
    }
    EXPECT_THROW(engines::make_engine({"rwkv7-parallel", "random:rwkv5-0.4b", "bytes"}, *b), harness::usage_error);
}

}  // namespace
