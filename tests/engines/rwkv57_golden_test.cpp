// The RWKV v5.2 and v7 engines against the official goldens
// (tests/data/golden/rwkv{5,7}-tiny, made by ChatRWKV's model.py, strategy
// cpu fp32; README-rwkv5-7.md), from every model format. Tolerances, from
// what the README observed (model.py vs rwkv.cpp: 5.4e-7 on v7's last
// logits, 1.4e-6 on all) and what we measured (logits up to 2.3e-5 for the
// v5.2 .bin, whose stored exp(-exp(w)) is up to 1 ulp from what the .pth's w
// gives; states up to 7e-6), with room for other BLAS kernels' summation
// order:
//   logits |d| <= 5e-5 at every position, argmax equal wherever the top two
//   are more than 1e-4 apart, log-softmax |d| <= 5e-5;
//   state att_xx/ffn_xx and att_kv |d| <= 2e-5 + 2e-5 |ref|.
// The bf16 checkpoint (no bf16 goldens) upcast to f32 is held to a KL and
// top-1 bound against the f32 goldens. rwkv.cpp's expected logits: v7 within
// 5e-5; v5.2 differ by the documented GroupNorm epsilon (about 1.09), which
// is asserted, not hidden.
// RWKVBENCH_ENGINE_DEVICE picks the backend ("cpu" or "cuda": skipped
// without a device).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <random>

#include "engines/rwkv57_engine.h"
#include "kernels/backend.h"
#include "test_paths.h"

namespace {

using namespace engines;

const std::string golden_dir = test_paths::data() + "/golden/";
const std::string model_dir = test_paths::data() + "/models/";

constexpr double logit_tol = 5e-5, state_tol = 2e-5;

struct golden {
    std::vector<std::int32_t> ids;
    std::vector<float> logits;  // [T, V]
    std::map<std::string, std::vector<float>> state;  // state.att_xx, state.att_kv, state.ffn_xx
    std::int64_t n_vocab = 0;
};

golden read_golden(const std::string& file, const std::string& logits_name = "logits") {
    const auto f = model_file::open(golden_dir + file);
    golden g;
    const tensor_entry& ids = f->at("input_ids");
    g.ids.resize(static_cast<std::size_t>(ids.numel()));
    std::memcpy(g.ids.data(), ids.data, g.ids.size() * 4);
    g.logits = decode_f32(*f, f->at(logits_name)).values;
    g.n_vocab = f->at(logits_name).shape.back();
    for (const char* name : {"state.att_xx", "state.att_kv", "state.ffn_xx"})
        g.state[name] = decode_f32(*f, f->at(name)).values;
    return g;
}

std::unique_ptr<kernels::backend> make_device() { return kernels::make_backend(RWKVBENCH_ENGINE_DEVICE, 0); }

bool device_missing(std::string* why) {
    return std::string(RWKVBENCH_ENGINE_DEVICE) == "cuda" && !kernels::cuda_available(why);
}

void expect_logits(const std::vector<float>& got, const std::vector<float>& ref, std::int64_t v, double tol,
                   const std::string& what) {
    ASSERT_EQ(got.size(), ref.size()) << what;
    const std::size_t rows = ref.size() / static_cast<std::size_t>(v);
    double worst = 0;
    std::size_t worst_at = 0;
    for (std::size_t r = 0; r < rows; ++r) {
        const float* g = got.data() + r * static_cast<std::size_t>(v);
        const float* e = ref.data() + r * static_cast<std::size_t>(v);
        std::size_t g_arg = 0, e_arg = 0;
        for (std::int64_t i = 0; i < v; ++i) {
            if (g[i] > g[g_arg]) g_arg = static_cast<std::size_t>(i);
            if (e[i] > e[e_arg]) e_arg = static_cast<std::size_t>(i);
            const double d = std::fabs(double(g[i]) - e[i]);
            if (d > worst) worst = d, worst_at = r * static_cast<std::size_t>(v) + static_cast<std::size_t>(i);
        }
        if (g_arg != e_arg) ASSERT_LE(std::fabs(double(e[e_arg]) - e[g_arg]), 1e-4) << what << ": argmax at " << r;
        double g_max = g[g_arg], e_max = e[e_arg], g_sum = 0, e_sum = 0;
        for (std::int64_t i = 0; i < v; ++i) g_sum += std::exp(g[i] - g_max), e_sum += std::exp(e[i] - e_max);
        for (std::int64_t i = 0; i < v; ++i)
            ASSERT_LE(std::fabs((g[i] - g_max - std::log(g_sum)) - (e[i] - e_max - std::log(e_sum))), tol)
                << what << ": log-softmax at position " << r << " token " << i;
    }
    EXPECT_LE(worst, tol) << what << ": worst logit |d| at position " << worst_at / static_cast<std::size_t>(v)
                          << " token " << worst_at % static_cast<std::size_t>(v);
    testing::Test::RecordProperty(what + " worst logit |d|", std::to_string(worst));
}

// The engine's exported state against the golden's, array by array.
void expect_state(const engine_state& st, const golden& g, const std::string& what) {
    for (const named_array& a : st.export_arrays()) {
        ASSERT_TRUE(g.state.count(a.name)) << what << ": unexpected array " << a.name;
        const std::vector<float>& ref = g.state.at(a.name);
        ASSERT_EQ(a.values.size(), ref.size()) << what << ": " << a.name;
        double worst = 0;
        for (std::size_t i = 0; i < ref.size(); ++i) {
            const double d = std::fabs(double(a.values[i]) - ref[i]);
            worst = std::max(worst, d);
            ASSERT_LE(d, state_tol + state_tol * std::fabs(ref[i])) << what << ": " << a.name << " element " << i;
        }
        testing::Test::RecordProperty(what + " worst " + a.name + " |d|", std::to_string(worst));
    }
}

struct model_case {
    std::string model;    // under tests/data/models
    std::string golden;   // under tests/data/golden
};

class Rwkv57Golden : public testing::TestWithParam<model_case> {
protected:
    void SetUp() override {
        std::string why;
        if (device_missing(&why)) GTEST_SKIP() << why;
        backend_ = make_device();
        file_ = model_file::open(model_dir + GetParam().model);
        weights_ = load_rwkv57(*file_, *backend_, kernels::dtype::f32);
    }
    std::unique_ptr<engine> make(bool serial) { return make_rwkv57_engine(serial, weights_, *backend_); }

    std::unique_ptr<kernels::backend> backend_;
    std::unique_ptr<model_file> file_;
    std::shared_ptr<const rwkv57_weights> weights_;
};

TEST_P(Rwkv57Golden, ParallelWholeSequence) {
    const golden g = read_golden(GetParam().golden + "ml300_gpt.safetensors");
    auto e = make(false);
    auto st = e->new_state();
    std::vector<float> logits;
    e->forward(g.ids, *st, logits_mode::all, logits);
    expect_logits(logits, g.logits, g.n_vocab, logit_tol, "gpt");
    expect_state(*st, g, "gpt final state");
}

TEST_P(Rwkv57Golden, SerialMatchesRnnGolden) {
    const golden g = read_golden(GetParam().golden + "ml300_rnn.safetensors");
    auto e = make(true);
    auto st = e->new_state();
    std::vector<float> logits;
    e->forward(g.ids, *st, logits_mode::all, logits);
    expect_logits(logits, g.logits, g.n_vocab, logit_tol, "rnn");
    expect_state(*st, g, "rnn final state");
}

TEST_P(Rwkv57Golden, ChunkedFeeding) {
    for (int chunk : {1, 7, 64}) {
        const golden g = read_golden(GetParam().golden + "ml300_chunk" + std::to_string(chunk) + ".safetensors");
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
            expect_logits(all, g.logits, g.n_vocab, logit_tol, what);
            expect_state(*st, g, what + " state");
        }
    }
}

// rwkv.cpp's test prompt `"in`: both modes, and the state the golden holds.
TEST_P(Rwkv57Golden, RwkvcppPrompt) {
    for (bool serial : {false, true}) {
        const golden g = read_golden(GetParam().golden + "rwkvcpp_prompt_quote_in.safetensors",
                                     serial ? "logits_rnn" : "logits_gpt");
        auto e = make(serial);
        auto st = e->new_state();
        std::vector<float> logits;
        e->forward(g.ids, *st, logits_mode::all, logits);
        expect_logits(logits, g.logits, g.n_vocab, logit_tol, serial ? "quote_in rnn" : "quote_in gpt");
        expect_state(*st, g, serial ? "quote_in rnn state" : "quote_in gpt state");
    }
}

std::string case_name(const testing::TestParamInfo<model_case>& info) {
    std::string s = info.param.model;
    for (char& c : s)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return s;
}

INSTANTIATE_TEST_SUITE_P(
    Formats, Rwkv57Golden,
    testing::Values(model_case{"rwkv5-tiny/rwkv5-tiny-730K-f32.pth", "rwkv5-tiny/"},
                    model_case{"rwkv5-tiny/rwkv5-tiny-730K-f32.safetensors", "rwkv5-tiny/"},
                    model_case{"rwkv5-tiny/tiny-rwkv-5v2-730K-FP32.bin", "rwkv5-tiny/"},
                    model_case{"rwkv7-tiny/rwkv7-tiny-834K-f32.pth", "rwkv7-tiny/"},
                    model_case{"rwkv7-tiny/rwkv7-tiny-834K-f32.safetensors", "rwkv7-tiny/"},
                    model_case{"rwkv7-tiny/tiny-rwkv-7v0-834K-FP32.bin", "rwkv7-tiny/"}),
    case_name);

std::vector<float> rwkvcpp_expected(const std::string& file) {
    std::ifstream in(model_dir + file, std::ios::binary);
    std::vector<float> expected(256);
    in.read(reinterpret_cast<char*>(expected.data()), 1024);
    EXPECT_TRUE(in) << file;
    return expected;
}

std::vector<float> last_logits(const std::string& model, bool serial, kernels::backend& b,
                               const std::vector<std::int32_t>& ids) {
    const auto f = model_file::open(model_dir + model);
    auto e = make_rwkv57_engine(serial, load_rwkv57(*f, b, kernels::dtype::f32), b);
    auto st = e->new_state();
    std::vector<float> logits;
    e->forward(ids, *st, logits_mode::last, logits);
    return logits;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(double(a[i]) - b[i]));
    return worst;
}

const std::vector<std::int32_t> quote_in = {34, 105, 110};

TEST(Rwkv57GoldenExtra, Rwkv7MatchesRwkvcppExpectedLogits) {
    std::string why;
    if (device_missing(&why)) GTEST_SKIP() << why;
    auto b = make_device();
    const auto expected = rwkvcpp_expected("rwkv7-tiny/expected-logits-7v0-834K.bin");
    for (const std::string model : {"rwkv7-tiny/rwkv7-tiny-834K-f32.pth", "rwkv7-tiny/tiny-rwkv-7v0-834K-FP32.bin"})
        for (bool serial : {false, true})
            EXPECT_LE(max_abs_diff(last_logits(model, serial, *b, quote_in), expected), logit_tol) << model;
}

// rwkv.cpp's v5.2 uses GroupNorm eps 1e-5 where the official code uses 64e-5:
// its expected logits are 1.09 away from ours (and the official ones) on
// this prompt. We follow the official code; the gap is asserted so that a
// change in either shows up here.
TEST(Rwkv57GoldenExtra, Rwkv5DiffersFromRwkvcppByTheDocumentedEpsilonGap) {
    std::string why;
    if (device_missing(&why)) GTEST_SKIP() << why;
    auto b = make_device();
    const auto expected = rwkvcpp_expected("rwkv5-tiny/expected-logits-5v2-730K.bin");
    const golden official = read_golden("rwkv5-tiny/rwkvcpp_prompt_quote_in.safetensors", "logits_gpt");
    const std::vector<float> official_last(official.logits.end() - 256, official.logits.end());
    const double documented = max_abs_diff(official_last, expected);  // 1.0949...
    for (bool serial : {false, true}) {
        const auto ours = last_logits("rwkv5-tiny/tiny-rwkv-5v2-730K-FP32.bin", serial, *b, quote_in);
        EXPECT_LE(max_abs_diff(ours, official_last), logit_tol);
        EXPECT_NEAR(max_abs_diff(ours, expected), documented, 1e-4);
        EXPECT_GT(max_abs_diff(ours, expected), 1.0);
    }
}

// The bf16 .pth upcast to f32 against the f32 goldens (no bf16 goldens exist):
// mean KL(golden || ours) per position and top-1 agreement.
TEST(Rwkv57GoldenExtra, Bf16CheckpointUpcastStaysCloseToF32Goldens) {
    std::string why;
    if (device_missing(&why)) GTEST_SKIP() << why;
    auto b = make_device();
    for (const std::string v : {"rwkv5-tiny/", "rwkv7-tiny/"}) {
        const golden g = read_golden(v + "ml300_gpt.safetensors");
        const std::string model = v + (v == "rwkv5-tiny/" ? "rwkv5-tiny-730K-bf16.pth" : "rwkv7-tiny-834K-bf16.pth");
        const auto f = model_file::open(model_dir + model);
        auto e = make_rwkv57_engine(false, load_rwkv57(*f, *b, kernels::dtype::f32), *b);
        auto st = e->new_state();
        std::vector<float> logits;
        e->forward(g.ids, *st, logits_mode::all, logits);
        ASSERT_EQ(logits.size(), g.logits.size());
        const std::size_t rows = g.ids.size(), n = static_cast<std::size_t>(g.n_vocab);
        double kl_sum = 0;
        std::size_t top1 = 0;
        for (std::size_t r = 0; r < rows; ++r) {
            const float* p = g.logits.data() + r * n;
            const float* q = logits.data() + r * n;
            const double pm = *std::max_element(p, p + n), qm = *std::max_element(q, q + n);
            double ps = 0, qs = 0;
            for (std::size_t i = 0; i < n; ++i) ps += std::exp(p[i] - pm), qs += std::exp(q[i] - qm);
            double kl = 0;
            for (std::size_t i = 0; i < n; ++i) {
                const double lp = p[i] - pm - std::log(ps), lq = q[i] - qm - std::log(qs);
                kl += std::exp(lp) * (lp - lq);
            }
            kl_sum += kl;
            top1 += std::max_element(p, p + n) - p == std::max_element(q, q + n) - q;
        }
        const double mean_kl = kl_sum / static_cast<double>(rows), agree = double(top1) / double(rows);
        testing::Test::RecordProperty(v + " bf16 mean KL", std::to_string(mean_kl));
        testing::Test::RecordProperty(v + " bf16 top-1 agreement", std::to_string(agree));
        EXPECT_LE(mean_kl, 2e-3) << model;
        EXPECT_GE(agree, 0.95) << model;
    }
}

}  // namespace
