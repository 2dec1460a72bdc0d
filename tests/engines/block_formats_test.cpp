// rwkv.cpp's block formats (q8_0, q5_0, q5_1, q4_0, q4_1) on the engines
// other than RWKV-4 (whose quantized files have their own goldens,
// quantized_test.cpp): RWKV v5.2 and v7, serial and parallel, and the
// GPT-NeoX and GPT-2 transformers, their weights quantized at load.
//
// The contract: an engine on blocks computes what the f32 engine computes
// on the same weights quantized and dequantized (activations stay f32, so
// only the summation order differs), with the embedding and the head left
// in f32 as rwkv.cpp's quantizer leaves them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "engines/engine_spec.h"
#include "engines/model_info.h"
#include "engines/registry.h"
#include "engines/rwkv57_engine.h"
#include "engines/transformer_engine.h"
#include "harness/errors.h"
#include "kernels/backend.h"
#include "kernels/quant.h"
#include "test_paths.h"

namespace {

using namespace engines;

struct block_case {
    const char* name;
    const char* engine;
    const char* model;  // under tests/data/models
};

void PrintTo(const block_case& c, std::ostream* os) { *os << c.name; }

// `t` quantized to `type` and back, as the loader's blocks hold it.
float_tensor round_trip(float_tensor t, kernels::dtype type) {
    const kernels::quant_format f = kernels::quant_format_of(type);
    const auto n = static_cast<std::int64_t>(t.values.size());
    std::vector<unsigned char> blocks(static_cast<std::size_t>(kernels::storage_bytes(type, n)));
    kernels::quantize_row(f, t.values.data(), n, blocks.data());
    kernels::dequantize_row(f, blocks.data(), n, t.values.data());
    return t;
}

// The reference: the f32 engine on the weights the block engine holds.
// The matrices the loaders store in the weight dtype are the blocks'
// ".weight" matrices (RWKV) and the per-layer ".w" roles of two dimensions
// (transformer); embedding, head and the v7 low-rank matrices stay f32.
std::unique_ptr<engine> f32_on_blocks_values(const block_case& c, kernels::dtype type, kernels::backend& b) {
    const std::string path = test_paths::data() + "/models/" + c.model;
    const std::string engine_name = c.engine;
    if (engine_name == "transformer") {
        const model_source source = open_model(path);  // read while the weights upload, below
        const transformer_config config = transformer_config_of(source);
        const transformer_tensor_source hf = hf_transformer_source(source, config);
        const auto rounded = [&](const std::string& role) {
            float_tensor t = hf(role);
            return t.shape.size() == 2 && role.ends_with(".w") ? round_trip(std::move(t), type) : t;
        };
        return make_transformer_engine(upload_transformer(config, rounded, b, kernels::dtype::f32), b, {});
    }
    const auto file = model_file::open(path);
    const int version = engine_name.rfind("rwkv5", 0) == 0 ? 5 : 7;
    const auto rounded = [&](const std::string& name) {
        float_tensor t = rwkv57_tensor_f32(*file, name);
        const bool block_matrix = name.rfind("blocks.", 0) == 0 && name.ends_with(".weight") && t.shape.size() == 2;
        return block_matrix ? round_trip(std::move(t), type) : t;
    };
    const bool serial = engine_name.ends_with("-serial");
    return make_rwkv57_engine(serial, upload_rwkv57(rwkv57_shape_of(*file, version), rounded, b, kernels::dtype::f32),
                              b);
}

std::unique_ptr<engine> on_blocks(const block_case& c, kernels::dtype type, kernels::backend& b) {
    engine_spec spec;
    spec.engine = c.engine, spec.model = test_paths::data() + "/models/" + c.model, spec.tokenizer = "bytes";
    spec.dtype = type;
    return make_engine(spec, b);
}

std::vector<float> all_logits(engine& e, std::span<const std::int32_t> ids) {
    auto state = e.new_state();
    std::vector<float> out;
    e.forward(ids, *state, logits_mode::all, out);
    return out;
}

class BlockFormats : public testing::TestWithParam<block_case> {};

TEST_P(BlockFormats, ComputeAsF32OnTheDequantizedWeights) {
    auto b = kernels::make_cpu_backend(1);
    std::vector<std::int32_t> ids;
    for (std::int32_t i = 0; i < 24; ++i) ids.push_back((i * 37 + 11) % 250);
    const auto f32 = all_logits(*on_blocks(GetParam(), kernels::dtype::f32, *b), ids);
    for (const kernels::dtype type : {kernels::dtype::q8_0, kernels::dtype::q5_0, kernels::dtype::q5_1,
                                      kernels::dtype::q4_0, kernels::dtype::q4_1}) {
        const std::string what(kernels::dtype_name(type));
        auto blocks = on_blocks(GetParam(), type, *b);
        EXPECT_EQ(blocks->info().weight_type, type) << what;
        const auto got = all_logits(*blocks, ids);
        const auto want = all_logits(*f32_on_blocks_values(GetParam(), type, *b), ids);
        ASSERT_EQ(got.size(), want.size()) << what;
        double diff = 0, scale = 1, moved = 0;
        for (std::size_t i = 0; i < want.size(); ++i) {
            diff = std::max(diff, std::abs(static_cast<double>(got[i]) - want[i]));
            scale = std::max(scale, std::abs(static_cast<double>(want[i])));
            moved = std::max(moved, std::abs(static_cast<double>(got[i]) - f32[i]));
        }
        RecordProperty(what + "_scaled_difference", testing::PrintToString(diff / scale));
        RecordProperty(what + "_moved_from_f32", testing::PrintToString(moved / scale));
        // Measured: at most 1.3e-6 (v5.2, q5_1); a wrong scale or a missed
        // block moves the logits by 1e-3 and more.
        EXPECT_LT(diff / scale, 1e-5) << what << ": blocks against f32 on their values";
        // The weights did change (q8_0 moves these logits by 1e-3 of their
        // scale and more): a loader that kept f32 would pass the first check.
        EXPECT_GT(moved / scale, 1e-4) << what << ": the logits should move from the f32 model's";
    }
}

// A matrix whose rows are not whole blocks of 32 cannot be stored in a block
// format: refused naming the weight, before anything runs.
TEST(BlockFormatRows, MustBeWholeBlocks) {
    auto b = kernels::make_cpu_backend(1);
    rwkv57_shape shape;
    shape.version = 5, shape.n_layer = 1, shape.n_embd = 48, shape.n_ffn = 96, shape.n_vocab = 64, shape.head_size = 16;
    try {
        upload_rwkv57(shape, random_rwkv57_source(shape, 1), *b, kernels::dtype::q8_0);
        FAIL() << "a row of 48 weights was stored as q8_0";
    } catch (const harness::unsupported_error& e) {
        EXPECT_NE(std::string(e.what()).find("blocks.0.att.receptance.weight' [48, 48] cannot be stored as q8_0"),
                  std::string::npos)
            << e.what();
    }
}

INSTANTIATE_TEST_SUITE_P(
    Engines, BlockFormats,
    testing::Values(block_case{"rwkv5_serial", "rwkv5-serial", "rwkv5-tiny/rwkv5-tiny-730K-f32.pth"},
                    block_case{"rwkv5_parallel", "rwkv5-parallel", "rwkv5-tiny/rwkv5-tiny-730K-f32.pth"},
                    block_case{"rwkv7_serial", "rwkv7-serial", "rwkv7-tiny/rwkv7-tiny-834K-f32.pth"},
                    block_case{"rwkv7_parallel", "rwkv7-parallel", "rwkv7-tiny/rwkv7-tiny-834K-f32.pth"},
                    block_case{"neox", "transformer", "gptneox-tiny"}, block_case{"gpt2", "transformer", "gpt2-tiny"}),
    [](const testing::TestParamInfo<block_case>& i) { return std::string(i.param.name); });

}  // namespace
