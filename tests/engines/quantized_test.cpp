// rwkv.cpp's quantized RWKV-4 files (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 of the
// synthetic and the tiny model, tests/data/quantized; contract in its
// README-quantized.md):
//   1. every quantized tensor dequantizes bit-identically to ggml's
//      dequantize_row_* (sha256 of the F32 bytes), fp16 subnormal scales
//      included, and the FP32 tensors are the file's bytes;
//   2. the serial engine on the dequantized weights matches a float64 run
//      on the same weights (ml300_<F>_f64deq) within 1e-4 — this tells Q8_0
//      weights from the FP32 model's;
//   3. and rwkv.cpp's own logits for the file (which quantize activations to
//      8 bits as well) within the README's tolerances for an implementation
//      that does not: max |d| 0.3 / 0.07, mean KL 5e-4 / 5e-5, top-1 0.97 /
//      0.99 (synthetic / tiny);
//   4. with int8 activations (rwkv.cpp's own matmul arithmetic) rwkv.cpp's
//      logits far closer: the tiny model to 4e-6.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engines/float_tensor.h"
#include "engines/rwkv4_engine.h"
#include "golden_arrays.h"
#include "harness/sha256.h"
#include "kernels/backend.h"
#include "kernels/cpu_options.h"
#include "test_paths.h"

namespace {

using namespace engines;

const std::string quant_dir = test_paths::data() + "/quantized/";

struct quant_case {
    std::string model;  // folder under models/ and golden/
    std::string stem;   // file name stem of the .bin
    std::string format;
    double max_abs, mean_kl, top1;  // against rwkv.cpp
};

// Test names and failure messages show the case, not its bytes.
void PrintTo(const quant_case& c, std::ostream* os) { *os << c.model << " " << c.format; }

std::string bin_path(const quant_case& c) { return quant_dir + "models/" + c.model + "/" + c.stem + "-" + c.format + ".bin"; }

// The FP32 file rwkv.cpp quantized.
std::string source_path(const quant_case& c) {
    return test_paths::data() + "/models/" + c.model + "/" + c.stem + "-FP32.bin";
}

kernels::dtype dtype_of(const quant_case& c) {
    std::string lower = c.format;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return *kernels::parse_dtype(lower);
}

std::vector<std::int32_t> input_ids(const model_file& f) {
    const tensor_entry& t = f.at("input_ids");
    std::vector<std::int32_t> ids(static_cast<std::size_t>(t.numel()));
    std::memcpy(ids.data(), t.data, ids.size() * 4);
    return ids;
}

class Quantized : public testing::TestWithParam<quant_case> {};

TEST_P(Quantized, DequantizesBitIdenticallyToGgml) {
    const quant_case& c = GetParam();
    std::ifstream in(quant_dir + "golden/dequant_ggml_sha256.json");
    const auto expected = nlohmann::json::parse(in)["models"][c.model + "/" + c.format]["tensors"];
    const auto file = model_file::open(bin_path(c));
    std::size_t quantized = 0;
    for (const tensor_entry& t : file->tensors()) {
        const float_tensor v = decode_f32(*file, t);
        const std::string_view bytes(reinterpret_cast<const char*>(v.values.data()), v.values.size() * 4);
        if (!t.quant) {  // FP32 tensors: the file's bytes
            ASSERT_EQ(t.stored_dtype, "FP32") << t.name;
            EXPECT_EQ(0, std::memcmp(v.values.data(), t.data, t.n_bytes)) << t.name;
            continue;
        }
        ++quantized;
        EXPECT_EQ(kernels::quant_name(*t.quant), c.format) << t.name;
        ASSERT_TRUE(expected.contains(t.name)) << t.name << " is quantized here but not in ggml's file";
        EXPECT_EQ(expected[t.name]["shape"].get<std::vector<std::int64_t>>(), t.shape) << t.name;
        EXPECT_EQ(harness::sha256_hex(bytes), expected[t.name]["sha256"].get<std::string>()) << t.name;
    }
    EXPECT_EQ(quantized, expected.size());
}

struct logit_check {
    double max_abs_vs_f64, max_abs_vs_rwkvcpp, mean_kl_vs_rwkvcpp, top1_vs_rwkvcpp;
};

// The serial engine token by token (or the parallel one over all tokens at
// once) on the file's weights stored as `type`, against both references;
// `int8`: the block formats on int8 activations (cpu_options).
logit_check run_and_compare(const quant_case& c, kernels::dtype type, bool serial,
                            std::vector<float>* logits_out = nullptr, bool int8 = false) {
    auto backend = kernels::make_backend("cpu", 0, 0, int8);
    const auto file = model_file::open(bin_path(c));
    const auto weights = load_rwkv4(*file, *backend, type);
    const auto golden = model_file::open(quant_dir + "golden/" + c.model + "/ml300_" + c.format + "_rwkvcpp.safetensors");
    const std::vector<std::int32_t> ids = input_ids(*golden);
    const std::vector<double> rwkvcpp = golden_doubles(*golden, "logits");
    const auto vocab = static_cast<std::size_t>(golden->at("logits").shape.back());

    auto engine = make_rwkv4_engine(serial, weights, *backend);
    auto state = engine->new_state();
    std::vector<float> logits, one;
    if (serial) {
        for (std::size_t t = 0; t < ids.size(); ++t) {
            engine->forward(std::span(ids).subspan(t, 1), *state, logits_mode::last, one);
            logits.insert(logits.end(), one.begin(), one.end());
        }
    } else {
        engine->forward(ids, *state, logits_mode::all, logits);
    }
    EXPECT_EQ(logits.size(), rwkvcpp.size());
    const auto f64 = model_file::open(quant_dir + "golden/" + c.model + "/ml300_" + c.format + "_f64deq.safetensors");
    const std::vector<double> exact = golden_doubles(*f64, "logits");
    EXPECT_EQ(exact.size(), logits.size());
    if (logits.size() != rwkvcpp.size() || exact.size() != logits.size()) return {1e9, 1e9, 1e9, 0};

    logit_check r{0, 0, 0, 0};
    std::size_t same_top1 = 0;
    for (std::size_t row = 0; row < ids.size(); ++row) {
        const float* ours = logits.data() + row * vocab;
        const double* theirs = rwkvcpp.data() + row * vocab;
        double max_ours = ours[0], max_theirs = theirs[0];
        std::size_t arg_ours = 0, arg_theirs = 0;
        for (std::size_t i = 0; i < vocab; ++i) {
            r.max_abs_vs_f64 = std::max(r.max_abs_vs_f64, std::fabs(ours[i] - exact[row * vocab + i]));
            r.max_abs_vs_rwkvcpp = std::max(r.max_abs_vs_rwkvcpp, std::fabs(ours[i] - theirs[i]));
            if (ours[i] > max_ours) max_ours = ours[i], arg_ours = i;
            if (theirs[i] > max_theirs) max_theirs = theirs[i], arg_theirs = i;
        }
        same_top1 += arg_ours == arg_theirs;
        // KL(rwkv.cpp || ours) over the softmaxes, in double.
        double z_ours = 0, z_theirs = 0;
        for (std::size_t i = 0; i < vocab; ++i)
            z_ours += std::exp(ours[i] - max_ours), z_theirs += std::exp(theirs[i] - max_theirs);
        const double log_z_ours = max_ours + std::log(z_ours), log_z_theirs = max_theirs + std::log(z_theirs);
        for (std::size_t i = 0; i < vocab; ++i) {
            const double lp_theirs = theirs[i] - log_z_theirs, lp_ours = ours[i] - log_z_ours;
            r.mean_kl_vs_rwkvcpp += std::exp(lp_theirs) * (lp_theirs - lp_ours);
        }
    }
    r.mean_kl_vs_rwkvcpp /= static_cast<double>(ids.size());
    r.top1_vs_rwkvcpp = static_cast<double>(same_top1) / static_cast<double>(ids.size());
    if (logits_out) *logits_out = std::move(logits);
    return r;
}

void expect_within(const logit_check& r, const quant_case& c, const std::string& what) {
    testing::Test::RecordProperty(what + " max_abs_vs_f64", std::to_string(r.max_abs_vs_f64));
    testing::Test::RecordProperty(what + " max_abs_vs_rwkvcpp", std::to_string(r.max_abs_vs_rwkvcpp));
    testing::Test::RecordProperty(what + " mean_kl_vs_rwkvcpp", std::to_string(r.mean_kl_vs_rwkvcpp));
    EXPECT_LE(r.max_abs_vs_f64, 1e-4) << what;
    EXPECT_LE(r.max_abs_vs_rwkvcpp, c.max_abs) << what;
    EXPECT_LE(r.mean_kl_vs_rwkvcpp, c.mean_kl) << what;
    EXPECT_GE(r.top1_vs_rwkvcpp, c.top1) << what;
}

TEST_P(Quantized, DequantizedToF32MatchesFloat64AndRwkvcpp) {
    expect_within(run_and_compare(GetParam(), kernels::dtype::f32, true), GetParam(), "f32 serial");
}

// The engines computing on the blocks themselves: the serial engine's
// block dot products, the parallel engine's dequantize-and-sgemm.
TEST_P(Quantized, BlocksMatchFloat64AndRwkvcpp) {
    const kernels::dtype type = dtype_of(GetParam());
    expect_within(run_and_compare(GetParam(), type, true), GetParam(), "blocks serial");
    expect_within(run_and_compare(GetParam(), type, false), GetParam(), "blocks parallel");
}

// With int8 activations the serial engine runs rwkv.cpp's own arithmetic in
// its matmuls (activations quantized as ggml's quantize_row_q8_0/q8_1, exact
// integer block dots), so it comes much closer to rwkv.cpp's logits than with
// f32 activations; what is left is the other ops' float rounding.
TEST_P(Quantized, Int8ActivationsComeCloseToRwkvcpp) {
    if (!kernels::int8_activations_available()) GTEST_SKIP() << "this CPU lacks AVX2";
    const quant_case& c = GetParam();
    const logit_check exact = run_and_compare(c, dtype_of(c), true);
    const logit_check int8 = run_and_compare(c, dtype_of(c), true, nullptr, true);
    RecordProperty("int8 max_abs_vs_rwkvcpp", std::to_string(int8.max_abs_vs_rwkvcpp));
    RecordProperty("int8 mean_kl_vs_rwkvcpp", std::to_string(int8.mean_kl_vs_rwkvcpp));
    RecordProperty("exact max_abs_vs_rwkvcpp", std::to_string(exact.max_abs_vs_rwkvcpp));
    // Measured: tiny 3.8e-6 (4.5e-4 Q5_1), KL 1e-13..1e-11, against 0.026-0.035
    // and 7e-6..2e-5 with f32 activations; synthetic 0.030-0.069, KL 2e-7..4e-5,
    // against 0.11-0.15 and 2.4e-4.
    const bool tiny = c.model == "rwkv4-tiny";
    EXPECT_LE(int8.max_abs_vs_rwkvcpp, tiny ? 2e-3 : 0.1);
    EXPECT_LE(int8.mean_kl_vs_rwkvcpp, tiny ? 1e-9 : 1e-4);
    EXPECT_LT(int8.mean_kl_vs_rwkvcpp, exact.mean_kl_vs_rwkvcpp / 4) << "int8 activations should come closer";
    EXPECT_GE(int8.top1_vs_rwkvcpp, tiny ? 1.0 : 0.99);
}

// --dtype q*: the FP32 model quantized at load holds the same bytes as the
// file rwkv.cpp's quantizer wrote, tensor by tensor...
TEST_P(Quantized, QuantizingTheFp32ModelGivesRwkvcppsBytes) {
    const quant_case& c = GetParam();
    const auto source = model_file::open(source_path(c));
    const auto quantized = model_file::open(bin_path(c));
    std::size_t compared = 0;
    for (const tensor_entry& t : quantized->tensors()) {
        if (!t.quant) continue;
        const float_tensor values = decode_f32(*source, source->at(t.name));
        std::vector<unsigned char> blocks(static_cast<std::size_t>(t.n_bytes));
        kernels::quantize_row(*t.quant, values.values.data(), t.numel(), blocks.data());
        EXPECT_EQ(0, std::memcmp(blocks.data(), t.data, blocks.size())) << t.name;
        ++compared;
    }
    EXPECT_GT(compared, 20u);
}

// ...so the engine computes the same logits from either.
TEST_P(Quantized, QuantizedAtLoadRunsLikeTheFile) {
    const quant_case& c = GetParam();
    auto backend = kernels::make_backend("cpu", 0);
    std::vector<std::vector<float>> logits;
    for (const std::string& path : {source_path(c), bin_path(c)}) {
        const auto file = model_file::open(path);
        auto engine = make_rwkv4_engine(true, load_rwkv4(*file, *backend, dtype_of(c)), *backend);
        auto state = engine->new_state();
        const std::vector<std::int32_t> ids = {10, 200, 33, 7, 255, 0, 64};
        logits.emplace_back();
        engine->forward(ids, *state, logits_mode::all, logits.back());
    }
    EXPECT_EQ(logits[0], logits[1]);
}

std::vector<quant_case> cases() {
    std::vector<quant_case> out;
    for (const char* f : {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0"}) {
        out.push_back({"rwkv4-synth", "rwkv4-synth-3x64", f, 0.3, 5e-4, 0.97});
        out.push_back({"rwkv4-tiny", "tiny-rwkv-4v0-660K", f, 0.07, 5e-5, 0.99});
    }
    return out;
}

INSTANTIATE_TEST_SUITE_P(Files, Quantized, testing::ValuesIn(cases()), [](const auto& p) {
    return (p.param.model == "rwkv4-synth" ? std::string("synth_") : std::string("tiny_")) + p.param.format;
});

}  // namespace
