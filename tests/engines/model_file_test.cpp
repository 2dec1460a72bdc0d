// The shipped checkpoints load in every format, describe themselves, and give
// the same float32 tensors once normalised into the engine's layout.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "engines/model_file.h"
#include "engines/model_info.h"
#include "engines/rwkv4_weights.h"
#include "harness/errors.h"
#include "test_paths.h"

namespace {

using namespace engines;

std::string data(const std::string& rel) { return test_paths::data() + "/models/" + rel; }
const std::string synth = "rwkv4-synth/rwkv4-synth-3x64-";

TEST(ModelFile, EveryRwkvFormatLoads) {
    const std::pair<std::string, file_format> files[] = {
        {synth + "f32.pth", file_format::pth},          {synth + "bf16.pth", file_format::pth},
        {synth + "f32.safetensors", file_format::safetensors}, {synth + "bf16.safetensors", file_format::safetensors},
        {synth + "FP32.bin", file_format::rwkvcpp_bin}, {synth + "FP16.bin", file_format::rwkvcpp_bin},
        {"rwkv4-tiny/tiny-rwkv-4v0-660K-FP32.bin", file_format::rwkvcpp_bin}};
    for (const auto& [rel, format] : files) {
        SCOPED_TRACE(rel);
        const auto f = model_file::open(data(rel));
        EXPECT_EQ(f->format(), format);
        const tensor_entry& emb = f->at("emb.weight");
        EXPECT_EQ(emb.shape[0], 256);
        const auto info = describe_model({model_file::open(data(rel)), std::nullopt, ""});
        EXPECT_EQ(info.architecture, "rwkv4");
        EXPECT_EQ(info.n_vocab, 256);
    }
}

TEST(ModelFile, SynthHyperParametersAndParameterCount) {
    const auto info = describe_model(open_model(data(synth + "f32.pth")));
    EXPECT_EQ(info.n_layer, 3);
    EXPECT_EQ(info.n_embd, 64);
    EXPECT_EQ(info.n_ffn, 256);
    EXPECT_EQ(info.n_ctx, 0);
    EXPECT_EQ(info.n_params, 194880u);  // the model's README
}

TEST(ModelFile, TinyFromRwkvcppVersion100) {
    const auto f = model_file::open(data("rwkv4-tiny/tiny-rwkv-4v0-660K-FP32.bin"));
    EXPECT_EQ(f->metadata().at("rwkvcpp_version"), "100");
    EXPECT_EQ(f->tensors().size(), 78u);
    // .bin dims are stored reversed; we report PyTorch order.
    EXPECT_EQ(f->at("blocks.0.ffn.key.weight").shape, (std::vector<std::int64_t>{256, 128}));
    EXPECT_EQ(describe_model(open_model(data("rwkv4-tiny/tiny-rwkv-4v0-660K-FP32.bin"))).n_params, 661504u);
}

TEST(ModelFile, PthTensorsPointIntoStorages) {
    const auto f = model_file::open(data(synth + "f32.pth"));
    const tensor_entry& t = f->at("blocks.0.att.time_mix_k");
    EXPECT_EQ(t.stored_dtype, "torch.FloatStorage");
    EXPECT_EQ(t.shape, (std::vector<std::int64_t>{1, 1, 64}));
    EXPECT_EQ(t.n_bytes, 256u);
}

TEST(ModelFile, SafetensorsKeepsMetadataAndFileOrder) {
    const auto f = model_file::open(data(synth + "f32.safetensors"));
    EXPECT_FALSE(f->metadata().empty());
    for (std::size_t i = 1; i < f->tensors().size(); ++i)
        EXPECT_LT(f->tensors()[i - 1].file_offset, f->tensors()[i].file_offset);
}

// Same values after normalisation: f32 .pth == f32 .safetensors == FP32 .bin
// exactly (time_decay: -exp(w) in float, at most 1 ulp from the .bin's value
// since libm's expf and torch's may round differently); the synth model's
// values are bf16-representable, so the bf16 files are identical too; FP16
// .bin matrices are within half rounding.
TEST(ModelFile, FormatsAgreeAfterNormalisation) {
    const auto pth = model_file::open(data(synth + "f32.pth"));
    const auto others = {model_file::open(data(synth + "f32.safetensors")), model_file::open(data(synth + "FP32.bin")),
                         model_file::open(data(synth + "bf16.pth")), model_file::open(data(synth + "bf16.safetensors"))};
    const auto fp16 = model_file::open(data(synth + "FP16.bin"));
    for (const auto& t : pth->tensors()) {
        const float_tensor ref = rwkv4_tensor_f32(*pth, t.name);
        const bool is_decay = t.name.find("time_decay") != std::string::npos;
        for (const auto& other : others) {
            const float_tensor got = rwkv4_tensor_f32(*other, t.name);
            ASSERT_EQ(got.shape, ref.shape) << t.name << " in " << other->path();
            for (std::size_t i = 0; i < ref.values.size(); ++i) {
                const float tol = is_decay ? std::nextafter(std::fabs(ref.values[i]), INFINITY) - std::fabs(ref.values[i]) : 0.0f;
                ASSERT_NEAR(got.values[i], ref.values[i], tol) << t.name << "[" << i << "] in " << other->path();
            }
        }
        const float_tensor half = rwkv4_tensor_f32(*fp16, t.name);
        ASSERT_EQ(half.shape, ref.shape) << t.name;
        for (std::size_t i = 0; i < ref.values.size(); ++i)
            ASSERT_NEAR(half.values[i], ref.values[i], std::fabs(ref.values[i]) * (is_decay ? 1.2e-7 : 4.9e-4) + 1e-7)
                << t.name << "[" << i << "]";
    }
}

// The tiny model in its seven files: the f32 formats agree exactly (decay to
// 1 ulp), the FP16 .bin within half rounding, the bf16 checkpoints within
// bf16 rounding of the raw values (time_decay: of w, before -exp).
TEST(ModelFile, TinyFormatsAgreeAfterNormalisation) {
    const std::string tiny = "rwkv4-tiny/";
    const auto pth = model_file::open(data(tiny + "rwkv4-tiny-660K-f32.pth"));
    const auto exact = {model_file::open(data(tiny + "rwkv4-tiny-660K-f32.safetensors")),
                        model_file::open(data(tiny + "tiny-rwkv-4v0-660K-FP32.bin"))};
    const auto fp16 = model_file::open(data(tiny + "tiny-rwkv-4v0-660K-FP16.bin"));
    const auto bf16 = {model_file::open(data(tiny + "rwkv4-tiny-660K-bf16.pth")),
                       model_file::open(data(tiny + "rwkv4-tiny-660K-bf16.safetensors"))};
    ASSERT_EQ(pth->tensors().size(), 78u);
    for (const auto& t : pth->tensors()) {
        const float_tensor ref = rwkv4_tensor_f32(*pth, t.name);
        const bool is_decay = t.name.find("time_decay") != std::string::npos;
        for (const auto& other : exact) {
            const float_tensor got = rwkv4_tensor_f32(*other, t.name);
            ASSERT_EQ(got.shape, ref.shape) << t.name;
            for (std::size_t i = 0; i < ref.values.size(); ++i)
                ASSERT_NEAR(got.values[i], ref.values[i],
                            is_decay ? std::nextafter(std::fabs(ref.values[i]), INFINITY) - std::fabs(ref.values[i]) : 0.0f)
                    << t.name << "[" << i << "] in " << other->path();
        }
        const float_tensor half = rwkv4_tensor_f32(*fp16, t.name);
        for (std::size_t i = 0; i < ref.values.size(); ++i)
            ASSERT_NEAR(half.values[i], ref.values[i], std::fabs(ref.values[i]) * (is_decay ? 1.2e-7 : 4.9e-4) + 6e-8)
                << t.name << "[" << i << "]";
        const float_tensor raw = decode_f32(*pth, t);
        for (const auto& other : bf16) {
            const float_tensor got = decode_f32(*other, other->at(t.name));
            for (std::size_t i = 0; i < raw.values.size(); ++i)
                ASSERT_NEAR(got.values[i], raw.values[i], std::fabs(raw.values[i]) * 0x1p-8f) << t.name << "[" << i << "]";
        }
    }
}

TEST(ModelFile, TimeMixIsSqueezedAndDecayTransformed) {
    const auto f = model_file::open(data(synth + "f32.pth"));
    EXPECT_EQ(rwkv4_tensor_f32(*f, "blocks.1.att.time_mix_r").shape, (std::vector<std::int64_t>{64}));
    const float_tensor raw = decode_f32(*f, f->at("blocks.1.att.time_decay"));
    const float_tensor w = rwkv4_tensor_f32(*f, "blocks.1.att.time_decay");
    for (std::size_t i = 0; i < raw.values.size(); ++i) EXPECT_EQ(w.values[i], -std::exp(raw.values[i]));
}

TEST(ModelInfo, GptNeoxFolderWithConfig) {
    const auto info = describe_model(open_model(data("gptneox-tiny")));
    EXPECT_EQ(info.architecture, "gpt-neox");
    EXPECT_EQ(info.n_head, 4);
    EXPECT_EQ(info.n_layer, 2);
    EXPECT_EQ(info.n_ctx, 512);
    bool saw_rotary = false;
    for (const auto& [k, v] : info.hyperparameters) saw_rotary |= k == "rotary_pct" && v == "0.25";
    EXPECT_TRUE(saw_rotary);
}

TEST(ModelInfo, GptNeoxFp16CopyHasSameParameterCount) {
    EXPECT_EQ(describe_model(open_model(data("gptneox-tiny/fp16"))).n_params,
              describe_model(open_model(data("gptneox-tiny"))).n_params);
}

TEST(ModelInfo, Gpt2SafetensorsFileReadsItsFoldersConfig) {
    const auto s = open_model(data("gpt2-tiny/model.safetensors"));
    EXPECT_FALSE(s.config_path.empty());
    const auto info = describe_model(s);
    EXPECT_EQ(info.architecture, "gpt2");
    EXPECT_EQ(info.n_ffn, 256);  // n_inner null -> 4 n_embd
    // Every stored tensor counted once (the head is tied to wte, not stored).
    std::uint64_t total = 0;
    for (const auto& t : s.file->tensors()) total += static_cast<std::uint64_t>(t.numel());
    EXPECT_EQ(info.n_params, total);
}

}  // namespace
