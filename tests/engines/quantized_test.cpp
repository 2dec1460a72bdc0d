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
//      0.99 (synthetic / tiny).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engines/float_tensor.h"
#include "engines/rwkv4_engine.h"
#include "harness/sha256.h"
#include "kernels/backend.h"
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

std::vector<double> as_doubles(const model_file& f, const std::string& name) {
    const tensor_entry& t = f.at(name);
    std::vector<double> out(static_cast<std::size_t>(t.numel()));
    if (t.stored_dtype == "F64") {
        std::memcpy(out.data(), t.data, out.size() * 8);
    } else {
        const float_tensor v = decode_f32(f, t);
        std::copy(v.values.begin(), v.values.end(), out.begin());
    }
    return out;
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

TEST_P(Quantized, LogitsMatchFloat64OnTheSameWeightsAndRwkvcpp) {
    const quant_case& c = GetParam();
    auto backend = kernels::make_backend("cpu", 0);
    const auto file = model_file::open(bin_path(c));
    const auto weights = load_rwkv4(*file, *backend, kernels::dtype::f32);
    const auto golden = model_file::open(quant_dir + "golden/" + c.model + "/ml300_" + c.format + "_rwkvcpp.safetensors");
    const std::vector<std::int32_t> ids = input_ids(*golden);
    const std::vector<double> rwkvcpp = as_doubles(*golden, "logits");
    const std::int64_t vocab = golden->at("logits").shape.back();

    auto engine = make_rwkv4_engine(true, weights, *backend);
    auto state = engine->new_state();
    std::vector<float> logits, one;
    for (std::size_t t = 0; t < ids.size(); ++t) {
        engine->forward(std::span(ids).subspan(t, 1), *state, logits_mode::last, one);
        logits.insert(logits.end(), one.begin(), one.end());
    }
    ASSERT_EQ(logits.size(), rwkvcpp.size());

    const auto f64 = model_file::open(quant_dir + "golden/" + c.model + "/ml300_" + c.format + "_f64deq.safetensors");
    const std::vector<double> exact = as_doubles(*f64, "logits");
    ASSERT_EQ(exact.size(), logits.size());
    double worst_exact = 0, worst = 0, kl_sum = 0;
    std::size_t same_top1 = 0;
    for (std::size_t r = 0; r < ids.size(); ++r) {
        const float* ours = logits.data() + r * vocab;
        const double* theirs = rwkvcpp.data() + r * vocab;
        double max_ours = ours[0], max_theirs = theirs[0];
        std::int64_t arg_ours = 0, arg_theirs = 0;
        for (std::int64_t i = 0; i < vocab; ++i) {
            worst_exact = std::max(worst_exact, std::fabs(ours[i] - exact[r * vocab + i]));
            worst = std::max(worst, std::fabs(ours[i] - theirs[i]));
            if (ours[i] > max_ours) max_ours = ours[i], arg_ours = i;
            if (theirs[i] > max_theirs) max_theirs = theirs[i], arg_theirs = i;
        }
        same_top1 += arg_ours == arg_theirs;
        // KL(rwkv.cpp || ours) over the softmaxes, in double.
        double z_ours = 0, z_theirs = 0;
        for (std::int64_t i = 0; i < vocab; ++i)
            z_ours += std::exp(ours[i] - max_ours), z_theirs += std::exp(theirs[i] - max_theirs);
        const double log_z_ours = max_ours + std::log(z_ours), log_z_theirs = max_theirs + std::log(z_theirs);
        for (std::int64_t i = 0; i < vocab; ++i) {
            const double lp_theirs = theirs[i] - log_z_theirs, lp_ours = ours[i] - log_z_ours;
            kl_sum += std::exp(lp_theirs) * (lp_theirs - lp_ours);
        }
    }
    const double mean_kl = kl_sum / static_cast<double>(ids.size());
    const double top1 = static_cast<double>(same_top1) / static_cast<double>(ids.size());
    RecordProperty("max_abs_vs_f64", std::to_string(worst_exact));
    RecordProperty("max_abs_vs_rwkvcpp", std::to_string(worst));
    RecordProperty("mean_kl_vs_rwkvcpp", std::to_string(mean_kl));
    EXPECT_LE(worst_exact, 1e-4);
    EXPECT_LE(worst, c.max_abs);
    EXPECT_LE(mean_kl, c.mean_kl);
    EXPECT_GE(top1, c.top1);
}

std::vector<quant_case> cases() {
    std::vector<quant_case> out;
    for (const char* f : {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0"}) {
        out.push_back({"rwkv4-synth", "rwkv4-synth-3x64", f, 0.3, 5e-4, 0.97});
        out.push_back({"rwkv4-tiny", "tiny-rwkv-4v0-660K", f, 0.07, 5e-5, 0.99});
    }
    return out;
}

INSTANTIATE_TEST_SUITE_P(Files, Quantized, testing::ValuesIn(cases()), [](const auto& info) {
    return (info.param.model == "rwkv4-synth" ? std::string("synth_") : std::string("tiny_")) + info.param.format;
});

}  // namespace
