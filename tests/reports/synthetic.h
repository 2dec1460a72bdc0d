// Synthetic reports for the reports tests: a few quality metrics with
// standard errors and timings with repeated samples, from a seed, so that
// tests can make known regressions, improvements and pure noise.
#pragma once

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace synthetic {

using json = nlohmann::json;

inline json quality(const std::string& task, const std::string& model, const std::string& metric,
                    const std::string& language, double value, double stderr_, bool higher_is_better) {
    json r = {{"task", task},
              {"task_version", 1},
              {"model", model},
              {"engine", "rwkv4-parallel"},
              {"device", "cpu"},
              {"dtype", "fp32"},
              {"metric", metric},
              {"value", value},
              {"stderr", stderr_},
              {"n", 500},
              {"higher_is_better", higher_is_better}};
    if (!language.empty()) r["language"] = language;
    return r;
}

// ms_per_token at `context` with `repeats` samples around `ms` (noise: relative spread).
inline json timing(const std::string& model, const std::string& engine, std::int64_t context, double ms, double noise,
                   int repeats, std::mt19937_64& rng) {
    std::normal_distribution<double> d(0.0, noise);
    std::vector<double> s;
    for (int i = 0; i < repeats; ++i) s.push_back(ms * (1 + d(rng)));
    std::vector<double> sorted = s;
    std::sort(sorted.begin(), sorted.end());
    return {{"task", "scaling"},
            {"task_version", 1},
            {"model", model},
            {"engine", engine},
            {"device", "cpu"},
            {"dtype", "fp32"},
            {"metric", "ms_per_token"},
            {"context", context},
            {"value", sorted[sorted.size() / 2]},
            {"stderr", 0.01 * ms},
            {"n", repeats},
            {"higher_is_better", false},
            {"samples", s}};
}

struct knobs {
    double acc_it = 0.60, bpb_en = 2.50, rwkv_ms = 20.0, neox_ms = 22.0;
    double noise = 0.03;  // timing spread
    int repeats = 7;
    std::uint64_t seed = 1;
    bool with_xcopa = true;
};

inline json report(const knobs& k) {
    std::mt19937_64 rng(k.seed);
    json results = json::array();
    if (k.with_xcopa) results.push_back(quality("xcopa", "rwkv", "acc", "it", k.acc_it, 0.02, true));
    results.push_back(quality("bpb_flores", "rwkv", "bits_per_byte", "eng_Latn", k.bpb_en, 0.03, false));
    results.push_back(quality("wikitext2", "rwkv", "bits_per_byte", "", 4.0, 0.0, false));
    for (std::int64_t ctx : {64, 256}) {
        results.push_back(timing("rwkv", "rwkv4-serial", ctx, k.rwkv_ms, k.noise, k.repeats, rng));
        results.push_back(timing("neox", "transformer", ctx, k.neox_ms * (1 + ctx / 1024.0), k.noise, k.repeats, rng));
    }
    return {{"schema_version", 1},
            {"context",
             {{"git_commit", "abc"},
              {"build_type", "Release"},
              {"compiler", "GNU"},
              {"cuda", ""},
              {"gpu", ""},
              {"cpu", "test"},
              {"threads", 2},
              {"date", "2026-11-25T00:00:00Z"},
              {"argv", json::array()}}},
            {"config", {{"device", "cpu"}, {"limit", nullptr}, {"langs", json::array()}, {"seed", 1}}},
            {"models",
             {{{"name", "rwkv"},
               {"model", "m.pth"},
               {"engine", "rwkv4-serial"},
               {"tokenizer", "bytes"},
               {"dtype", "fp32"},
               {"architecture", "rwkv4"},
               {"n_params", 1}},
              {{"name", "neox"},
               {"model", "n"},
               {"engine", "transformer"},
               {"tokenizer", "bytes"},
               {"dtype", "fp32"},
               {"architecture", "gpt-neox"},
               {"n_params", 1},
               {"no_cache", false}}}},
            {"tasks", json::array()},
            {"results", results},
            {"series", json::array()},
            {"a_field_from_the_future", {{"readers", "ignore it"}}}};
}

}  // namespace synthetic
