// The runner's newer scorers end to end on the tiny test models: multiple
// choice against the engine's own log-likelihoods, the scaling series and its
// fits, samples, RUN.json files, and resume for a multiple-choice task.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "engines/registry.h"
#include "harness/errors.h"
#include "kernels/backend.h"
#include "reports/report_model.h"
#include "tasks/request.h"
#include "tasks/runner.h"
#include "tasks/scorer.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
const std::string test_data = test_paths::data();
const std::string source = test_paths::source();
const std::string synth = test_data + "/models/rwkv4-synth/rwkv4-synth-3x64-f32.pth";
const std::string neox = test_data + "/models/gptneox-tiny";

std::string fresh_dir(const std::string& name) { return test_paths::fresh_dir("run_tasks", name); }

tasks::model_entry model(const std::string& name, const std::string& path, const std::string& engine) {
    return {name, engines::parse_engine_spec({engine, path, "bytes", {}, {}, false}, "test")};
}

std::vector<json> results_of(const json& report, const std::string& metric) {
    std::vector<json> out;
    for (const auto& r : report.at("results"))
        if (r.at("metric") == metric) out.push_back(r);
    return out;
}

TEST(RunTasks, MultipleChoiceAccuracyFromTheEnginesOwnLoglikelihoods) {
    // A hand-made XCOPA set: the answers follow from the engine's log-likelihoods computed here.
    const std::string data = fresh_dir("mc_data");
    fs::create_directories(data + "/xcopa");
    const std::vector<std::array<std::string, 4>> rows = {
        {"The cat sat.", "It purred", "It exploded", "effect"},
        {"I was cold.", "I wore a coat", "Zq xv", "effect"},
        {"The road was wet", "It rained", "Bananas are long", "cause"},
        {"He laughed.", "The joke was funny", "A", "cause"}};
    {
        std::ofstream f(data + "/xcopa/test.it.jsonl");
        for (std::size_t i = 0; i < rows.size(); ++i)
            f << json{{"premise", rows[i][0]},
                      {"choice1", rows[i][1]},
                      {"choice2", rows[i][2]},
                      {"question", rows[i][3]},
                      {"label", static_cast<int>(i % 2)}}
                     .dump()
              << "\n";
    }
    tasks::run_config c;
    c.models = {model("synth", synth, "rwkv4-parallel")};
    c.tasks = {tasks::task_request::named("xcopa")};
    c.data_dir = data;  // over the shipped data: its test.it.jsonl replaces the shipped one
    c.langs = {"it"};
    c.out_dir = fresh_dir("mc");
    const json report = tasks::run_tasks(c);

    auto b = kernels::make_cpu_backend(0);
    auto e = engines::make_engine("rwkv4-parallel", synth, *b);
    const auto ids = [](const std::string& s) {
        std::vector<std::int32_t> out;
        for (const unsigned char ch : s) out.push_back(ch);
        return out;
    };
    const auto d = tasks::load_task_definition(source + "/tasks/definitions/xcopa.json");
    const auto built = tasks::build_requests(d, {datasets::data_folders(data, source + "/datasets"), "", {"it"}, {}});
    ASSERT_EQ(built.requests.size(), 4u);
    double correct = 0, correct_norm = 0;
    for (const auto& ex : built.requests) {
        double lp[2], norm[2];
        for (std::size_t ch = 0; ch < 2; ++ch) {
            lp[ch] = tasks::loglikelihood(*e, ids("\n" + ex.context(ch)), ids(ex.continuation(ch))).logprob;
            norm[ch] = lp[ch] / static_cast<double>(ex.continuation(ch).size());
        }
        correct += (lp[1] > lp[0] ? 1 : 0) == ex.gold;
        correct_norm += (norm[1] > norm[0] ? 1 : 0) == ex.gold;
    }
    const auto acc = results_of(report, "acc"), acc_norm = results_of(report, "acc_norm");
    ASSERT_EQ(acc.size(), 2u);  // "it" and the macro average
    EXPECT_EQ(acc[0].at("language"), "it");
    EXPECT_DOUBLE_EQ(acc[0].at("value").get<double>(), correct / 4);
    EXPECT_DOUBLE_EQ(acc_norm[0].at("value").get<double>(), correct_norm / 4);
    const double p = correct / 4;
    EXPECT_NEAR(acc[0].at("stderr").get<double>(), std::sqrt(p * (1 - p) / 3), 1e-12);
    EXPECT_EQ(acc[1].at("language"), "macro");
    EXPECT_EQ(report.at("tasks")[0].at("request_hash").get<std::string>().size(), 64u);
}

TEST(RunTasks, MultipleChoiceSameFromSerialAndParallelAndResumable) {
    const auto run = [](const std::string& engine, const std::string& out, bool resume, std::size_t limit = 3) {
        tasks::run_config c;
        c.models = {model("m", synth, engine)};
        c.tasks = {tasks::task_request::named("xwinograd"), tasks::task_request::named("pawsx")};
        c.data_dir = source + "/datasets";
        c.langs = {"en", "jp"};  // xwinograd has both, pawsx only en
        c.limit = limit;
        c.out_dir = out;
        c.resume = resume;
        return tasks::run_tasks(c);
    };
    const json parallel = run("rwkv4-parallel", fresh_dir("mc_parallel"), false);
    const json serial = run("rwkv4-serial", fresh_dir("mc_serial"), false);
    ASSERT_EQ(parallel.at("results").size(), serial.at("results").size());
    for (std::size_t i = 0; i < parallel.at("results").size(); ++i)
        EXPECT_EQ(parallel.at("results")[i].at("value"), serial.at("results")[i].at("value")) << i;
    EXPECT_EQ(results_of(parallel, "acc").size(), 3u + 2u);  // xwinograd en, jp, macro; pawsx en, macro
    // Kill after 4 journal lines, resume: the same results.
    const std::string dir = fresh_dir("mc_resume");
    const json whole = run("rwkv4-parallel", dir, false, 5);
    std::vector<std::string> lines;
    {
        std::ifstream in(dir + "/journal.jsonl");
        for (std::string l; std::getline(in, l);) lines.push_back(l);
    }
    {
        std::ofstream out(dir + "/journal.jsonl", std::ios::trunc);
        for (int i = 0; i < 4; ++i) out << lines[static_cast<std::size_t>(i)] << "\n";
    }
    EXPECT_EQ(run("rwkv4-parallel", dir, true, 5).at("results"), whole.at("results"));
}

class Scaling : public testing::TestWithParam<bool> {};

TEST_P(Scaling, SeriesFitsAndCaps) {
    tasks::run_config c;
    c.models = {model("rwkv serial", synth, "rwkv4-serial"), model("rwkv parallel", synth, "rwkv4-parallel"),
                model("neox cache", neox, "transformer"), model("neox no cache", neox, "transformer")};
    c.models[3].spec.no_cache = true;
    tasks::task_request t = tasks::task_request::named("scaling");
    t.options = {{"prompt_tokens", 4},         {"generate_tokens", 12},      {"repeats", 2},
                 {"warmup_tokens", 1},         {"max_context_no_cache", 10}, {"prefill_lengths", {4, 8}},
                 {"report_contexts", {8, 16}}, {"interleave", GetParam()}};
    c.tasks = {t};
    c.out_dir = fresh_dir(GetParam() ? "scaling_interleaved" : "scaling_one_by_one");
    const json report = tasks::run_tasks(c);
    std::map<std::string, json> gen, prefill;
    for (const auto& s : report.at("series"))
        (s.at("kind") == "generation" ? gen : prefill)[s.at("model").get<std::string>()] = s;
    ASSERT_EQ(gen.size(), 4u);
    EXPECT_EQ(prefill.size(), 2u);  // the parallel engines only
    EXPECT_TRUE(prefill.count("rwkv parallel") && prefill.count("neox cache"));
    const json& rs = gen.at("rwkv serial");
    EXPECT_EQ(rs.at("latency_ms").size(), 2u);
    EXPECT_EQ(rs.at("latency_ms")[0].size(), 12u);
    EXPECT_EQ(rs.at("context")[0].get<int>(), 5);
    EXPECT_EQ(rs.at("context")[11].get<int>(), 16);
    EXPECT_EQ(rs.at("state_bytes")[0], rs.at("state_bytes")[11]);  // RWKV: constant state
    EXPECT_GT(rs.at("state_bytes")[0].get<std::uint64_t>(), 0u);
    const auto cum = rs.at("cumulative_ms").get<std::vector<double>>();
    for (std::size_t i = 1; i < cum.size(); ++i) EXPECT_GT(cum[i], cum[i - 1]);
    EXPECT_EQ(rs.at("fits").at("cumulative_quadratic").at("coef").size(), 3u);
    EXPECT_EQ(gen.at("neox no cache").at("latency_ms")[0].size(), 6u);  // capped at a context of 10
    EXPECT_GT(gen.at("neox cache").at("state_bytes")[0].get<std::uint64_t>(), 0u);
    // The metrics: ms/token at both contexts for the full sweeps, with the raw samples.
    int at16 = 0;
    for (const auto& r : results_of(report, "ms_per_token")) {
        EXPECT_EQ(r.at("samples").size(), 2u);
        at16 += r.at("context") == 16;
    }
    EXPECT_EQ(at16, 3);  // not the capped no-cache sweep
    EXPECT_EQ(results_of(report, "prefill_tokens_per_s").size(), 4u);
    for (const auto& r : results_of(report, "growth_exponent")) EXPECT_TRUE(std::isfinite(r.at("value").get<double>()));
    EXPECT_EQ(report.at("timings").size(), GetParam() ? 1u : 4u);  // one interleaved measurement, or one per model
}

INSTANTIATE_TEST_SUITE_P(RunTasks, Scaling, testing::Values(true, false),
                         [](const testing::TestParamInfo<bool>& i) { return i.param ? "Interleaved" : "OneByOne"; });

// The depth sweep on the tiny models: every engine reaches each depth by one
// incremental prefill (chunks that do not divide the depths), decodes at it
// per repeat; the serial RWKV engine takes the parallel one's states
// instead; the no-cache engine decodes fewer tokens, it and GPT-2's learned
// positions stop short and say why, GPT-NeoX's rotary limit is lifted;
// memory agrees with the shapes.
TEST(RunTasks, DepthSweepReachesEachDepthOnceAndSaysWhereItStops) {
    const std::string gpt2 = test_data + "/models/gpt2-tiny";
    tasks::run_config c;
    c.models = {model("rwkv serial", synth, "rwkv4-serial"), model("rwkv parallel", synth, "rwkv4-parallel"),
                model("neox cache", neox, "transformer"), model("neox no cache", neox, "transformer"),
                model("gpt2 cache", gpt2, "transformer")};
    c.models[3].spec.no_cache = true;
    tasks::task_request t = tasks::task_request::named("scaling_depth");
    t.options = {{"depths", {0, 64, 256, 700}}, {"decode_tokens", 4},       {"repeats", 2},
                 {"warmup_tokens", 1},          {"prefill_chunk", 100},     {"max_depth_no_cache", 64},
                 {"reference_depth", 64},       {"decode_tokens_no_cache", 2}};
    c.tasks = {t};
    c.out_dir = fresh_dir("scaling_depth");
    const json report = tasks::run_tasks(c);
    std::map<std::string, json> by_model;
    for (const auto& s : report.at("series")) {
        ASSERT_EQ(s.at("kind"), "depth");
        by_model[s.at("model").get<std::string>()] = s;
    }
    ASSERT_EQ(by_model.size(), 5u);
    const auto depths = [&](const std::string& m) { return by_model.at(m).at("depth").get<std::vector<int>>(); };
    EXPECT_EQ(depths("rwkv serial"), (std::vector<int>{0, 64, 256, 700}));
    EXPECT_EQ(depths("neox cache"), (std::vector<int>{0, 64, 256, 700}));
    EXPECT_EQ(depths("neox no cache"), (std::vector<int>{0, 64}));
    EXPECT_EQ(depths("gpt2 cache"), (std::vector<int>{0, 64, 256}));
    EXPECT_EQ(by_model.at("rwkv parallel").at("depth_note"), "");
    const auto serial_note = by_model.at("rwkv serial").at("depth_note").get<std::string>();
    EXPECT_NE(serial_note.find("state at each depth from rwkv parallel"), std::string::npos) << serial_note;
    EXPECT_NE(by_model.at("neox cache").at("depth_note").get<std::string>().find("lifted to 705"), std::string::npos);
    EXPECT_NE(by_model.at("neox no cache").at("depth_note").get<std::string>().find("no KV cache"), std::string::npos);
    EXPECT_NE(by_model.at("gpt2 cache").at("depth_note").get<std::string>().find("learned positions"),
              std::string::npos);
    for (const auto& [name, s] : by_model) {
        SCOPED_TRACE(name);
        const std::size_t n = s.at("depth").size();
        ASSERT_EQ(s.at("latency_ms").size(), n);
        EXPECT_EQ(s.at("latency_ms")[0].size(), 2u);  // repeats
        EXPECT_EQ(s.at("latency_ms")[0][0].size(), name == "neox no cache" ? 2u : 4u);  // decode tokens
        EXPECT_EQ(s.at("decode_tokens"), name == "neox no cache" ? 2 : 4);
        // One incremental prefill: each depth from the one before; none of
        // the serial engine's own.
        const bool own_prefill = name != "rwkv serial";
        for (std::size_t k = 1; k < n; ++k) EXPECT_EQ(s.at("prefill_from")[k], s.at("depth")[own_prefill ? k - 1 : k]);
        for (std::size_t k = 0; k < n; ++k)
            EXPECT_EQ(s.at("prefill_tokens_per_s")[k].is_null(), k == 0 || !own_prefill) << s.at("depth")[k];
        for (std::size_t k = 0; k < n; ++k) {
            const json& m = s.at("memory")[k];
            EXPECT_EQ(m.at("state_used_bytes"), m.at("expected_state_bytes")) << "depth " << s.at("depth")[k];
            EXPECT_LE(m.at("state_used_bytes").get<std::uint64_t>(), m.at("state_allocated_bytes").get<std::uint64_t>());
            if (name != "gpt2 cache") {  // GPT-2 stores its tied head twice
                EXPECT_NEAR(m.at("weight_bytes").get<double>(), m.at("expected_weight_bytes").get<double>(),
                            0.01 * m.at("expected_weight_bytes").get<double>());
            }
        }
        const auto cum = s.at("integrated_cumulative_ms").get<std::vector<double>>();
        for (std::size_t k = 1; k < cum.size(); ++k) EXPECT_GT(cum[k], cum[k - 1]);
    }
    // The RWKV state does not grow with depth; the KV cache grows with it, linearly.
    const json& rm = by_model.at("rwkv serial").at("memory");
    EXPECT_EQ(rm[0].at("state_used_bytes"), rm[3].at("state_used_bytes"));
    const json& km = by_model.at("neox cache").at("memory");
    EXPECT_EQ(km[0].at("state_used_bytes"), 0);
    EXPECT_EQ(km[3].at("state_used_bytes").get<std::uint64_t>(), km[1].at("state_used_bytes").get<std::uint64_t>() * 700 / 64);
    // Metrics: ms/token per depth with both repeats, prefill per depth above 0,
    // latency growth past the reference depth, the growth exponent over 3 depths above 0 or more.
    const auto count = [&](const std::string& metric, const std::string& m) {
        int k = 0;
        for (const auto& r : results_of(report, metric)) k += r.at("model") == m;
        return k;
    };
    EXPECT_EQ(count("ms_per_token", "rwkv parallel"), 4);
    EXPECT_EQ(count("prefill_tokens_per_s", "rwkv parallel"), 3);
    EXPECT_EQ(count("prefill_tokens_per_s", "rwkv serial"), 0);
    EXPECT_EQ(count("latency_growth", "rwkv serial"), 1);
    EXPECT_EQ(count("latency_growth", "neox cache"), 1);
    EXPECT_EQ(count("latency_growth", "neox no cache"), 0);  // only the reference depth
    EXPECT_EQ(count("growth_exponent", "neox cache"), 1);
    EXPECT_EQ(count("growth_exponent", "gpt2 cache"), 0);  // two depths above 0: too few to fit
    for (const auto& r : results_of(report, "ms_per_token")) EXPECT_EQ(r.at("samples").size(), 2u);
    // The series read back as the report model's.
    for (const auto& [name, s] : by_model) EXPECT_EQ(json(s.get<reports::depth_series>()), s) << name;
    // The decode cases ran in rounds over the depths (up, then down), not
    // depth after depth; only the first round's cases carry the prefill.
    std::ifstream in(c.out_dir + "/journal.jsonl");
    std::vector<std::string> order;
    for (std::string line; std::getline(in, line);) {
        const json rec = json::parse(line);
        if (rec.value("model", "") != "neox cache") continue;
        order.push_back(rec.at("example").get<std::string>());
        const bool first_round = order.back().ends_with(":0");
        EXPECT_EQ(rec.at("prefill_from").get<int>() >= 0, first_round && rec.at("depth").get<int>() > 0) << order.back();
    }
    EXPECT_EQ(order, (std::vector<std::string>{"depth:0:0", "depth:64:0", "depth:256:0", "depth:700:0", "depth:700:1",
                                               "depth:256:1", "depth:64:1", "depth:0:1"}));
}

// samples/<task>/<model>.jsonl: one lm-eval --log_samples line per scored
// example, agreeing with the metrics; a resumed run writes the same file.
// Every shipped task on the RWKV v5.2 and v7 engines (rwkv.cpp's tiny
// models): each model gets each task's metrics, finite, and the scaling
// series; v7's serial and parallel engines score the same examples alike.
TEST(RunTasks, EveryTaskRunsOnTheRwkv5And7Engines) {
    const std::string v5 = test_data + "/models/rwkv5-tiny/tiny-rwkv-5v2-730K-FP32.bin";
    const std::string v7 = test_data + "/models/rwkv7-tiny/rwkv7-tiny-834K-f32.pth";
    const std::vector<tasks::model_entry> models = {model("v5 serial", v5, "rwkv5-serial"),
                                                    model("v7 serial", v7, "rwkv7-serial"),
                                                    model("v7 parallel", v7, "rwkv7-parallel")};
    const auto run = [&](std::vector<tasks::task_request> requested, std::vector<std::string> langs,
                         const std::string& out) {
        tasks::run_config c;
        c.models = models;
        c.tasks = std::move(requested);
        c.data_dir = source + "/datasets";
        c.langs = std::move(langs);
        c.limit = 3;
        c.out_dir = fresh_dir(out);
        return tasks::run_tasks(c);
    };
    tasks::task_request scaling = tasks::task_request::named("scaling");
    scaling.options = {{"prompt_tokens", 4}, {"generate_tokens", 8}, {"repeats", 1}, {"warmup_tokens", 1},
                       {"prefill_lengths", {8}}, {"report_contexts", {8}}};
    tasks::task_request depth = tasks::task_request::named("scaling_depth");
    depth.options = {{"depths", {0, 40}}, {"decode_tokens", 2}, {"repeats", 1}, {"warmup_tokens", 1},
                     {"reference_depth", 40}};
    const json plain = run({tasks::task_request::named("lambada_openai"), tasks::task_request::named("wikitext2"),
                            scaling, depth},
                           {}, "v57_plain");
    const json multilingual = run({tasks::task_request::named("xcopa"), tasks::task_request::named("bpb_flores")},
                                  {"it", "deu_Latn"}, "v57_multilingual");
    std::map<std::string, std::set<std::string>> tasks_of;
    std::map<std::string, double> v7_values[2];
    for (const json* report : {&plain, &multilingual})
        for (const auto& r : report->at("results")) {
            const std::string m = r.at("model").get<std::string>();
            tasks_of[m].insert(r.at("task").get<std::string>());
            ASSERT_TRUE(r.at("value").is_number()) << r.dump();
            EXPECT_TRUE(std::isfinite(r.at("value").get<double>())) << r.dump();
            if (m != "v5 serial")
                v7_values[m == "v7 parallel"][r.at("task").get<std::string>() + "/" + r.at("metric").get<std::string>() +
                                                "/" + r.value("language", "")] = r.at("value").get<double>();
        }
    for (const auto& m : models)
        for (const char* t : {"lambada_openai", "wikitext2", "xcopa", "bpb_flores", "scaling", "scaling_depth"})
            EXPECT_TRUE(tasks_of[m.name].count(t)) << m.name << " has no " << t << " results";
    for (const auto& [key, value] : v7_values[0]) {
        if (key.starts_with("scaling")) continue;  // timings differ run to run
        ASSERT_TRUE(v7_values[1].count(key)) << key;
        EXPECT_NEAR(v7_values[1].at(key), value, 1e-4 * std::max(1.0, std::fabs(value))) << key;
    }
    std::set<std::string> depth_models;
    for (const auto& sr : plain.at("series"))
        if (sr.at("kind") == "depth") depth_models.insert(sr.at("model").get<std::string>());
    EXPECT_EQ(depth_models.size(), 3u);
}

TEST(RunTasks, SamplesAreLmEvalLinesThatAgreeWithTheMetrics) {
    tasks::run_config c;
    c.models = {model("synth", synth, "rwkv4-parallel")};
    c.tasks = {tasks::task_request::named("xcopa")};
    c.data_dir = source + "/datasets";
    c.langs = {"it", "th"};
    c.limit = 6;
    c.out_dir = fresh_dir("lm_eval_samples");
    const json report = tasks::run_tasks(c);
    const auto read = [&] {
        std::ifstream in(c.out_dir + "/samples/xcopa/synth.jsonl");
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    };
    const std::string text = read();
    std::vector<json> lines;
    std::istringstream ls(text);
    for (std::string l; std::getline(ls, l);) lines.push_back(json::parse(l));
    ASSERT_EQ(lines.size(), 12u);
    double it_correct = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const json& x = lines[i];
        for (const char* k : {"doc_id", "doc", "target", "arguments", "resps", "filtered_resps", "doc_hash",
                              "prompt_hash", "target_hash", "acc", "acc_norm", "example", "language"})
            EXPECT_TRUE(x.contains(k)) << k;
        EXPECT_EQ(x.at("doc_id"), static_cast<std::int64_t>(i));
        ASSERT_EQ(x.at("arguments").size(), 2u);  // [context, continuation] per choice
        EXPECT_EQ(x.at("resps").size(), 2u);
        // acc: the choice with the larger log-likelihood is the target.
        const double lp0 = x.at("filtered_resps")[0][0].get<double>(), lp1 = x.at("filtered_resps")[1][0].get<double>();
        EXPECT_EQ(x.at("acc").get<int>(), ((lp1 > lp0 ? 1 : 0) == x.at("target").get<int>()) ? 1 : 0);
        if (x.at("language") == "it") it_correct += x.at("acc").get<int>();
    }
    for (const auto& r : results_of(report, "acc")) {
        if (r.at("language") == "it") {
            EXPECT_DOUBLE_EQ(r.at("value").get<double>(), it_correct / 6);
        }
    }
    // Resumed: written again from the journal, byte for byte.
    c.resume = true;
    tasks::run_tasks(c);
    EXPECT_EQ(read(), text);
}

TEST(RunTasks, BpbFloresRecordsContinuationsPerLanguage) {
    tasks::run_config c;
    c.models = {model("udhr rwkv", source + "/datasets/models/pair-udhr/rwkv4-udhr-4x128-f32.pth", "rwkv4-parallel")};
    c.tasks = {tasks::task_request::named("bpb_flores")};
    c.data_dir = source + "/datasets";
    c.langs = {"deu_Latn", "zho_Hans"};
    c.limit = 2;
    c.out_dir = fresh_dir("samples");
    tasks::run_tasks(c);
    std::ifstream in(c.out_dir + "/continuations/bpb_flores/udhr_rwkv.jsonl");
    std::vector<json> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(json::parse(l));
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0].at("language"), "deu_Latn");
    EXPECT_TRUE(lines[0].at("prompt").get<std::string>().starts_with("„Wir haben jetzt 4 Monate alte Mäuse"));
    EXPECT_GT(lines[0].at("n_tokens").get<int>(), 50);
    EXPECT_FALSE(lines[1].at("continuation").get<std::string>().empty());
}

TEST(RunTasks, RunConfigFilesAndTheirMistakes) {
    const std::string dir = fresh_dir("config");
    fs::create_directories(dir + "/sub");
    fs::copy_file(synth, dir + "/sub/m.pth");
    const auto write = [&](const std::string& s) {
        std::ofstream(dir + "/run.json") << s;
        return dir + "/run.json";
    };
    tasks::run_config c;
    tasks::load_run_config(
        write(R"({"models": [{"name": "a", "model": "sub/m.pth", "engine": "rwkv4-serial", "tokenizer": "bytes"},
        {"model": "random:pythia-160m", "engine": "transformer", "tokenizer": "bytes", "no_cache": true}],
        "tasks": ["xcopa", {"task": "scaling", "models": ["random:pythia-160m"], "limit": 3, "options": {"repeats": 2}}],
        "limit": 7})"),
        c);
    ASSERT_EQ(c.models.size(), 2u);
    EXPECT_EQ(c.models[0].spec.model, (fs::path(dir) / "sub/m.pth").lexically_normal().string());  // relative to the file
    EXPECT_EQ(c.models[1].name, "random:pythia-160m");
    EXPECT_TRUE(c.models[1].spec.no_cache);
    ASSERT_EQ(c.tasks.size(), 2u);
    EXPECT_EQ(c.file_limit, 7u);  // run-wide; a task's own limit wins, --limit beats both
    EXPECT_FALSE(c.tasks[0].limit);
    EXPECT_EQ(tasks::effective_limit(c, c.tasks[0]), 7u);
    EXPECT_EQ(c.tasks[1].limit, 3u);
    EXPECT_EQ(tasks::effective_limit(c, c.tasks[1]), 3u);
    tasks::run_config with_cli = c;
    with_cli.limit = 2;
    EXPECT_EQ(tasks::effective_limit(with_cli, c.tasks[1]), 2u);
    // The scaling task has no examples: its own limit is refused before any work, naming where it was given.
    c.out_dir = fresh_dir("limit_on_scaling");
    try {
        tasks::run_tasks(c);
        FAIL();
    } catch (const harness::input_error& e) {
        EXPECT_NE(std::string(e.what()).find("tasks[1]: limit: scaling has no examples to limit"), std::string::npos)
            << e.what();
    }
    EXPECT_FALSE(fs::exists(c.out_dir));
    EXPECT_EQ(c.tasks[1].options.at("repeats").get<int>(), 2);
    for (
        const auto& [bad, what] : std::vector<std::pair<std::string, std::string>>{
            {R"({"models": [], "tasks": ["xcopa"]})", "models: expected a non-empty list"},
            {R"({"models": [{"model": "x", "engine": "e"}], "tasks": ["xcopa"]})",
             "models[0].tokenizer: expected a string"},
            {R"({"models": [{"model": "x", "engine": "e", "tokenizer": "bytes", "dtyp": "fp16"}], "tasks": ["x"]})",
             "models[0].dtyp: unknown key"},
            {R"({"models": [{"model": "x", "engine": "rwkv4-serial", "tokenizer": "bytes"}], "tasks": [{"task": "x", "models": ["y"]}]})",
             "tasks[0].models: 'y' is not one of the models"},
            {R"({"models": [{"model": "x", "engine": "rwkv4-serial", "tokenizer": "bytes"}], "tasks": [3]})",
             "tasks[0]: expected a task name"},
            // The engine spec's own rules, in the words `run` and `logits` use.
            {R"({"models": [{"model": "x", "engine": "e", "tokenizer": "bytes"}], "tasks": ["x"]})",
             "models[0]: unknown engine 'e' (expected one of: rwkv4-serial, rwkv4-parallel, rwkv5-serial, rwkv5-parallel, rwkv7-serial, rwkv7-parallel, transformer)"},
            {R"({"models": [{"model": "x", "engine": "rwkv4-serial", "tokenizer": "bytes", "dtype": "q8"}], "tasks": ["x"]})",
             "models[0]: dtype must be fp32, fp16, bf16, q8_0, q5_0, q5_1, q4_0 or q4_1, got 'q8'"},
            {R"({"models": [{"model": "x", "engine": "rwkv4-serial", "tokenizer": "bytes", "no_cache": true}], "tasks": ["x"]})",
             "models[0]: attention and no_cache apply to the transformer engine only"}}) {
        tasks::run_config bad_config;
        try {
            tasks::load_run_config(write(bad), bad_config);
            ADD_FAILURE() << what;
        } catch (const harness::input_error& e) {
            EXPECT_NE(std::string(e.what()).find("run.json: " + what), std::string::npos) << e.what();
        }
    }
}

TEST(RunTasks, TheDefaultSuiteFileLoads) {
    tasks::run_config c;
    tasks::load_run_config(tasks::default_suite_path(), c);
    EXPECT_EQ(c.models.size(), 8u);
    for (const auto& m : c.models)
        if (!m.spec.model.starts_with("random:")) {
            EXPECT_TRUE(fs::exists(m.spec.model)) << m.spec.model;
        }
    EXPECT_EQ(c.tasks.size(), 6u);
}

TEST(RunTasks, AGroupSkipsTasksWithoutDataButANamedTaskDoesNot) {
    tasks::run_config c;
    c.models = {model("m", synth, "rwkv4-parallel")};
    c.tasks = {tasks::task_request::named("xnli")};  // not shipped
    c.data_dir = source + "/datasets";
    c.out_dir = fresh_dir("xnli");
    EXPECT_THROW(tasks::run_tasks(c), harness::input_error);
}

}  // namespace
