// The RWKV-4 engines against the official goldens (tests/data/golden, made by
// ChatRWKV's model.py, strategy cpu fp32), from every model format, with the
// tolerances of tests/data/golden/README-rwkv.md:
//   logits |d| <= 1e-4 at every position (2.5e-5 against the float64
//   reference), argmax equal everywhere, log-softmax |d| <= 1e-4;
//   state att_xx/ffn_xx |d| <= 1e-5 + 1e-5|ref|; raw aa/bb/pp
//   |d| <= 1e-3 + 1e-4|ref|, and what the model uses — aa/bb at a common
//   exponent — to 2e-5.
// RWKVBENCH_ENGINE_DEVICE picks the backend ("cpu" or "cuda": skipped
// without a device).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include "engines/rwkv4_engine.h"
#include "kernels/backend.h"
#include "golden_arrays.h"
#include "test_paths.h"

namespace {

using namespace engines;

const std::string golden_dir = test_paths::data() + "/golden/";
const std::string model_dir = test_paths::data() + "/models/";

struct golden {
    std::vector<std::int32_t> ids;
    std::vector<double> logits;  // [T, V]
    std::vector<float> state;    // [L, 5, C]
    std::vector<float> states_after_each_token;
    std::int64_t n_vocab = 0;
};

golden read_golden(const std::string& file, const std::string& logits_name = "logits", const std::string& state_name = "state") {
    const auto f = model_file::open(golden_dir + file);
    golden g;
    const tensor_entry& ids = f->at("input_ids");
    g.ids.resize(static_cast<std::size_t>(ids.numel()));
    std::memcpy(g.ids.data(), ids.data, g.ids.size() * 4);
    g.logits = golden_doubles(*f, logits_name);
    g.n_vocab = f->at(logits_name).shape.back();
    if (f->find(state_name)) {
        const auto s = golden_doubles(*f, state_name);
        g.state.assign(s.begin(), s.end());
    }
    if (f->find("states_after_each_token")) g.states_after_each_token = decode_f32(*f, f->at("states_after_each_token")).values;
    return g;
}

std::unique_ptr<kernels::backend> make_device() { return kernels::make_backend(RWKVBENCH_ENGINE_DEVICE, 0); }

bool device_missing(std::string* why) {
    return std::string(RWKVBENCH_ENGINE_DEVICE) == "cuda" && !kernels::cuda_available(why);
}

void expect_logits(const std::vector<float>& got, const std::vector<double>& ref, std::int64_t v, double tol,
                   const std::string& what) {
    ASSERT_EQ(got.size(), ref.size()) << what;
    const std::size_t rows = ref.size() / static_cast<std::size_t>(v);
    double worst = 0;
    std::size_t worst_at = 0;
    for (std::size_t r = 0; r < rows; ++r) {
        const float* g = got.data() + r * static_cast<std::size_t>(v);
        const double* e = ref.data() + r * static_cast<std::size_t>(v);
        std::size_t g_arg = 0, e_arg = 0;
        double g_max = g[0], e_max = e[0], g_sum = 0, e_sum = 0;
        for (std::int64_t i = 0; i < v; ++i) {
            if (g[i] > g[g_arg]) g_arg = static_cast<std::size_t>(i);
            if (e[i] > e[e_arg]) e_arg = static_cast<std::size_t>(i);
            g_max = std::max<double>(g_max, g[i]);
            e_max = std::max(e_max, e[i]);
            const double d = std::fabs(g[i] - e[i]);
            if (d > worst) worst = d, worst_at = r * static_cast<std::size_t>(v) + static_cast<std::size_t>(i);
        }
        ASSERT_EQ(g_arg, e_arg) << what << ": argmax differs at position " << r;
        for (std::int64_t i = 0; i < v; ++i) g_sum += std::exp(g[i] - g_max), e_sum += std::exp(e[i] - e_max);
        for (std::int64_t i = 0; i < v; ++i) {
            const double gl = g[i] - g_max - std::log(g_sum), el = e[i] - e_max - std::log(e_sum);
            ASSERT_LE(std::fabs(gl - el), 1e-4) << what << ": log-softmax at position " << r << " token " << i;
        }
    }
    EXPECT_LE(worst, tol) << what << ": worst logit |d| at position " << worst_at / static_cast<std::size_t>(v)
                          << " token " << worst_at % static_cast<std::size_t>(v);
}

void expect_state(const std::vector<float>& got, const std::vector<float>& ref, std::int64_t n_embd, const std::string& what) {
    ASSERT_EQ(got.size(), ref.size()) << what;
    const std::int64_t n_layer = static_cast<std::int64_t>(ref.size()) / (5 * n_embd);
    for (std::int64_t l = 0; l < n_layer; ++l) {
        const auto at = [&](const std::vector<float>& s, int slot, std::int64_t c) { return s[static_cast<std::size_t>((l * 5 + slot) * n_embd + c)]; };
        for (std::int64_t c = 0; c < n_embd; ++c) {
            for (int slot : {0, 4})
                ASSERT_NEAR(at(got, slot, c), at(ref, slot, c), 1e-5 + 1e-5 * std::fabs(at(ref, slot, c)))
                    << what << ": layer " << l << " slot " << slot << " channel " << c;
            for (int slot : {1, 2, 3})
                ASSERT_NEAR(at(got, slot, c), at(ref, slot, c), 1e-3 + 1e-4 * std::fabs(at(ref, slot, c)))
                    << what << ": layer " << l << " slot " << slot << " channel " << c;
            // What the model consumes: aa/bb at a common exponent.
            const double p = std::max(at(got, 3, c), at(ref, 3, c));
            const double a = at(got, 1, c) * std::exp(at(got, 3, c) - p), b = at(got, 2, c) * std::exp(at(got, 3, c) - p);
            const double ar = at(ref, 1, c) * std::exp(at(ref, 3, c) - p), br = at(ref, 2, c) * std::exp(at(ref, 3, c) - p);
            if (br > 0) {
                ASSERT_NEAR(a / b, ar / br, 2e-5) << what << ": aa/bb layer " << l << " channel " << c;
                ASSERT_NEAR(b, br, 2e-4 * br) << what << ": bb layer " << l << " channel " << c;
            }
        }
    }
}

struct model_case {
    std::string model;   // under tests/data/models
    std::string golden;  // case prefix under tests/data/golden
    std::int64_t n_embd;
};

class Rwkv4Golden : public testing::TestWithParam<model_case> {
protected:
    void SetUp() override {
        std::string why;
        if (device_missing(&why)) GTEST_SKIP() << why;
        backend_ = make_device();
        file_ = model_file::open(model_dir + GetParam().model);
        weights_ = load_rwkv4(*file_, *backend_, kernels::dtype::f32);
    }
    std::unique_ptr<engine> make(bool serial) { return make_rwkv4_engine(serial, weights_, *backend_); }

    std::unique_ptr<kernels::backend> backend_;
    std::unique_ptr<model_file> file_;
    std::shared_ptr<const rwkv4_weights> weights_;
};

TEST_P(Rwkv4Golden, ParallelWholeSequence) {
    const golden g = read_golden(GetParam().golden + "_gpt.safetensors");
    auto e = make(false);
    auto st = e->new_state();
    std::vector<float> logits;
    e->forward(g.ids, *st, logits_mode::all, logits);
    expect_logits(logits, g.logits, g.n_vocab, 1e-4, "gpt");
    expect_state(st->download(), g.state, GetParam().n_embd, "gpt final state");
    // Against the float64 reference: the engine's own float32 error.
    const golden ref = read_golden(GetParam().golden + "_f64ref.safetensors");
    expect_logits(logits, ref.logits, ref.n_vocab, 2.5e-5, "f64ref");
}

TEST_P(Rwkv4Golden, SerialMatchesRnnGoldenAfterEveryToken) {
    const golden g = read_golden(GetParam().golden + "_rnn.safetensors");
    auto e = make(true);
    auto st = e->new_state();
    std::vector<float> all(g.logits.size()), one;
    const std::size_t state_size = g.state.size();
    for (std::size_t t = 0; t < g.ids.size(); ++t) {
        e->forward(std::span(g.ids).subspan(t, 1), *st, logits_mode::last, one);
        std::copy(one.begin(), one.end(), all.begin() + static_cast<std::ptrdiff_t>(t * one.size()));
        const std::vector<float> expected(g.states_after_each_token.begin() + static_cast<std::ptrdiff_t>(t * state_size),
                                          g.states_after_each_token.begin() + static_cast<std::ptrdiff_t>((t + 1) * state_size));
        expect_state(st->download(), expected, GetParam().n_embd, "state after token " + std::to_string(t));
        if (HasFatalFailure()) return;
    }
    expect_logits(all, g.logits, g.n_vocab, 1e-4, "rnn");
}

TEST_P(Rwkv4Golden, ChunkedFeeding) {
    for (int chunk : {1, 7, 64}) {
        const golden g = read_golden(GetParam().golden + "_chunk" + std::to_string(chunk) + ".safetensors");
        for (bool serial : {false, true}) {
            auto e = make(serial);
            auto st = e->new_state();
            std::vector<float> all, part;
            for (std::size_t s = 0; s < g.ids.size(); s += static_cast<std::size_t>(chunk)) {
                const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(chunk), g.ids.size() - s);
                e->forward(std::span(g.ids).subspan(s, n), *st, logits_mode::all, part);
                all.insert(all.end(), part.begin(), part.end());
            }
            const std::string what = "chunk" + std::to_string(chunk) + (serial ? " serial" : " parallel");
            expect_logits(all, g.logits, g.n_vocab, 1e-4, what);
            expect_state(st->download(), g.state, GetParam().n_embd, what + " state");
        }
    }
}

// Every format of the synthetic model (every tensor matters) and the tiny one.
const std::string synth = "rwkv4-synth/rwkv4-synth-3x64-";
const std::string tiny = "rwkv4-tiny/";
INSTANTIATE_TEST_SUITE_P(
    Formats, Rwkv4Golden,
    testing::Values(model_case{synth + "f32.pth", "rwkv4-synth/en128", 64}, model_case{synth + "f32.pth", "rwkv4-synth/ml300", 64},
                    model_case{synth + "f32.safetensors", "rwkv4-synth/en128", 64},
                    model_case{synth + "FP32.bin", "rwkv4-synth/en128", 64},
                    model_case{synth + "FP32.bin", "rwkv4-synth/ml300", 64},
                    // bf16 checkpoints upcast to f32: the synth values are bf16-exact, so the f32 goldens apply.
                    model_case{synth + "bf16.pth", "rwkv4-synth/en128", 64},
                    model_case{synth + "bf16.safetensors", "rwkv4-synth/ml300", 64},
                    model_case{tiny + "rwkv4-tiny-660K-f32.pth", "rwkv4-tiny/en128", 128},
                    model_case{tiny + "rwkv4-tiny-660K-f32.safetensors", "rwkv4-tiny/en128", 128},
                    model_case{tiny + "tiny-rwkv-4v0-660K-FP32.bin", "rwkv4-tiny/en128", 128}),
    [](const testing::TestParamInfo<model_case>& info) {
        std::string s = info.param.model + "_" + info.param.golden;
        for (char& c : s)
            if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
        return s;
    });

TEST(Rwkv4GoldenExtra, TinyBf16CheckpointUpcastMatchesItsGolden) {
    std::string why;
    if (device_missing(&why)) GTEST_SKIP() << why;
    auto b = make_device();
    const auto f = model_file::open(model_dir + tiny + "rwkv4-tiny-660K-bf16.pth");
    const auto w = load_rwkv4(*f, *b, kernels::dtype::f32);
    for (bool serial : {false, true}) {
        const golden g = read_golden(std::string("rwkv4-tiny/en128_bf16upcast_") + (serial ? "rnn" : "gpt") + ".safetensors");
        auto e = make_rwkv4_engine(serial, w, *b);
        auto st = e->new_state();
        std::vector<float> logits;
        e->forward(g.ids, *st, logits_mode::all, logits);
        expect_logits(logits, g.logits, g.n_vocab, 1e-4, serial ? "bf16 upcast rnn" : "bf16 upcast gpt");
    }
}

// rwkv.cpp's own check: the logits after the bytes `"in`, compared element by
// element (rwkv.cpp's test sums signed differences; we do not).
TEST(Rwkv4GoldenExtra, RwkvcppExpectedLogits) {
    std::string why;
    if (device_missing(&why)) GTEST_SKIP() << why;
    auto b = make_device();
    std::ifstream in(model_dir + tiny + "expected-logits-4v0-660K.bin", std::ios::binary);
    std::vector<float> expected(256);
    in.read(reinterpret_cast<char*>(expected.data()), 1024);
    ASSERT_TRUE(in);
    for (const std::string file : {"rwkv4-tiny-660K-f32.pth", "tiny-rwkv-4v0-660K-FP32.bin"}) {
        const auto f = model_file::open(model_dir + tiny + file);
        const auto w = load_rwkv4(*f, *b, kernels::dtype::f32);
        for (bool serial : {false, true}) {
            auto e = make_rwkv4_engine(serial, w, *b);
            auto st = e->new_state();
            std::vector<float> logits;
            e->forward(std::vector<std::int32_t>{34, 105, 110}, *st, logits_mode::last, logits);
            for (std::size_t i = 0; i < 256; ++i)
                ASSERT_NEAR(logits[i], expected[i], 1e-4) << file << (serial ? " serial" : " parallel") << " token " << i;
        }
    }
}

// FP16 weights (the .bin) against the f32 goldens: max |d| <= 2e-2 (README).
TEST(Rwkv4GoldenExtra, Fp16BinWithinHalfPrecisionTolerance) {
    std::string why;
    if (device_missing(&why)) GTEST_SKIP() << why;
    auto b = make_device();
    const auto f = model_file::open(model_dir + synth + "FP16.bin");
    const golden g = read_golden("rwkv4-synth/en128_gpt.safetensors");
    for (kernels::dtype wt : {kernels::dtype::f32, kernels::dtype::f16}) {
        auto e = make_rwkv4_engine(false, load_rwkv4(*f, *b, wt), *b);
        auto st = e->new_state();
        std::vector<float> logits;
        e->forward(g.ids, *st, logits_mode::all, logits);
        double worst = 0;
        for (std::size_t i = 0; i < logits.size(); ++i) worst = std::max(worst, std::fabs(logits[i] - g.logits[i]));
        EXPECT_LE(worst, 2e-2) << kernels::dtype_name(wt);
    }
}

}  // namespace
