// The kl_divergence task: a model at a lower precision against its fp32
// reference on one text, checked against the same sums done by hand from
// both engines' logits.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "engines/engine_spec.h"
#include "engines/registry.h"
#include "harness/errors.h"
#include "kernels/backend.h"
#include "tasks/runner.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
const std::string synth = test_paths::data() + "/models/rwkv4-synth/rwkv4-synth-3x64-f32.pth";
const std::string text = "All human beings are born free and equal in dignity and rights. They are endowed with reason.";

// A kl_divergence definition over --data, 40 tokens, buckets from 0 and 8.
tasks::run_config kl_run(const std::string& dir, kernels::dtype dtype, const std::string& buckets = "[0, 8]") {
    fs::create_directories(dir);
    std::ofstream(dir + "/text.txt", std::ios::binary) << text;
    std::ofstream(dir + "/kl.json") << R"({"task": "kl_test", "version": 1, "scorer": "kl_divergence",
        "dataset": {"path": "--data", "format": "text"},
        "options": {"pad": "\n", "max_tokens": 40, "buckets": )" << buckets << R"(},
        "metrics": [{"metric": "kl_mean", "aggregation": "mean", "higher_is_better": false},
                    {"metric": "top1_agreement", "aggregation": "mean", "higher_is_better": true},
                    {"metric": "ppl", "aggregation": "perplexity", "higher_is_better": false},
                    {"metric": "ppl_reference", "aggregation": "perplexity", "higher_is_better": false},
                    {"metric": "ppl_delta", "aggregation": "difference", "higher_is_better": false}]})";
    tasks::run_config c;
    engines::engine_spec spec{"rwkv4-parallel", synth, "bytes"};
    spec.dtype = dtype;
    c.models.push_back({"synth", spec});
    c.tasks = {tasks::task_request::named(dir + "/kl.json")};
    c.data_file = dir + "/text.txt";
    c.out_dir = dir + "/run";
    return c;
}

double result(const nlohmann::json& report, const std::string& metric, const std::string& where = "") {
    for (const auto& r : report.at("results"))
        if (r.at("metric").get<std::string>() == metric && r.value("language", std::string()) == where)
            return r.at("value").get<double>();
    ADD_FAILURE() << "no " << metric << " for '" << where << "'";
    return NAN;
}

std::vector<double> log_softmax(const float* row, std::size_t v) {
    double max = row[0], sum = 0;
    for (std::size_t i = 0; i < v; ++i) max = std::max<double>(max, row[i]);
    for (std::size_t i = 0; i < v; ++i) sum += std::exp(row[i] - max);
    std::vector<double> out(v);
    for (std::size_t i = 0; i < v; ++i) out[i] = row[i] - max - std::log(sum);
    return out;
}

TEST(KlDivergence, MatchesTheSumsByHandOverall) {
    const auto c = kl_run(test_paths::fresh_dir("kl", "q8"), kernels::dtype::q8_0);
    const auto report = tasks::run_tasks(c);
    // By hand: "\n" and the first 39 bytes, 39 positions fed to both engines.
    std::vector<std::int32_t> ids = {10};
    for (std::size_t i = 0; i < 39; ++i) ids.push_back(static_cast<unsigned char>(text[i]));
    auto b = kernels::make_cpu_backend(0);
    auto ref = engines::make_engine("rwkv4-parallel", synth, *b);
    auto q = engines::make_engine(c.models[0].spec, *b);
    const std::span<const std::int32_t> fed(ids.data(), ids.size() - 1);
    std::vector<float> l_ref, l_q;
    auto s1 = ref->new_state(), s2 = q->new_state();
    ref->forward(fed, *s1, engines::logits_mode::all, l_ref);
    q->forward(fed, *s2, engines::logits_mode::all, l_q);
    const std::size_t v = 256;
    double kl = 0, nll_ref = 0, nll_q = 0, kl_early = 0;
    int top1 = 0;
    for (std::size_t p = 0; p < fed.size(); ++p) {
        const auto a = log_softmax(l_ref.data() + p * v, v), z = log_softmax(l_q.data() + p * v, v);
        double k = 0;
        for (std::size_t i = 0; i < v; ++i) k += std::exp(a[i]) * (a[i] - z[i]);
        kl += k;
        if (p < 8) kl_early += k;
        top1 += std::max_element(a.begin(), a.end()) - a.begin() == std::max_element(z.begin(), z.end()) - z.begin();
        nll_ref -= a[static_cast<std::size_t>(ids[p + 1])], nll_q -= z[static_cast<std::size_t>(ids[p + 1])];
    }
    EXPECT_GT(kl, 0) << "q8_0 changes the distributions";
    EXPECT_NEAR(result(report, "kl_mean"), kl / 39, 1e-9 + 1e-6 * kl / 39);
    EXPECT_NEAR(result(report, "kl_mean", "tokens 0-7"), kl_early / 8, 1e-9 + 1e-6 * kl_early / 8);
    EXPECT_NEAR(result(report, "top1_agreement"), top1 / 39.0, 1e-12);
    EXPECT_NEAR(result(report, "ppl"), std::exp(nll_q / 39), 1e-6 * std::exp(nll_q / 39));
    EXPECT_NEAR(result(report, "ppl_reference"), std::exp(nll_ref / 39), 1e-6 * std::exp(nll_ref / 39));
    EXPECT_NEAR(result(report, "ppl_delta"), std::exp(nll_q / 39) - std::exp(nll_ref / 39), 1e-6);
    EXPECT_NEAR(result(report, "kl_mean", "tokens 8-") * 31 + result(report, "kl_mean", "tokens 0-7") * 8,
                result(report, "kl_mean") * 39, 1e-12 * kl);
}

TEST(KlDivergence, TheSameWeightsAsTheReferenceIsAnError) {
    const auto c = kl_run(test_paths::fresh_dir("kl", "same"), kernels::dtype::f32);
    try {
        (void)tasks::run_tasks(c);
        FAIL() << "a model compared with itself was accepted";
    } catch (const harness::input_error& e) {
        EXPECT_NE(std::string(e.what()).find("same f32 weights as its reference"), std::string::npos) << e.what();
    }
}

TEST(KlDivergence, BucketsMustStartAtZeroAndIncrease) {
    for (const char* bad : {"[8, 64]", "[0, 64, 64]", "[]", "[0, \"x\"]"}) {
        const auto c = kl_run(test_paths::fresh_dir("kl", "buckets"), kernels::dtype::q8_0, bad);
        EXPECT_THROW((void)tasks::run_tasks(c), harness::input_error) << bad;
    }
}

}  // namespace
