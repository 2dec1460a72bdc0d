// The runner end to end on the tiny models: LAMBADA from the serial and the
// parallel engine, resume after a simulated kill, perplexity on a text file.
#include "tasks/runner.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "engines/registry.h"
#include "harness/errors.h"
#include "kernels/backend.h"
#include "lambada_run.h"
#include "tasks/scorer.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
const std::string data = test_paths::data();
const std::string tiny = data + "/models/rwkv4-tiny/rwkv4-tiny-660K-f32.pth";

tasks::run_config lambada_config(const std::string& engine, const std::string& out, std::size_t limit) {
    return lambada_run("tiny", tiny, engine, out, limit);
}

std::string fresh_dir(const std::string& name) { return test_paths::fresh_dir("runner", name); }

double metric(const nlohmann::json& report, const std::string& name) {
    for (const auto& r : report.at("results"))
        if (r.at("metric").get<std::string>() == name) return r.at("value").get<double>();
    ADD_FAILURE() << "no metric " << name;
    return NAN;
}

TEST(Runner, LambadaSameFromSerialAndParallel) {
    const auto serial = tasks::run_tasks(lambada_config("rwkv4-serial", fresh_dir("serial"), 20));
    const auto parallel = tasks::run_tasks(lambada_config("rwkv4-parallel", fresh_dir("parallel"), 20));
    EXPECT_EQ(metric(serial, "acc"), metric(parallel, "acc"));
    EXPECT_NEAR(metric(serial, "ppl"), metric(parallel, "ppl"), 1e-5 * metric(parallel, "ppl"));
    EXPECT_EQ(serial.at("results")[0].at("n").get<std::int64_t>(), 20);
    EXPECT_EQ(serial.at("schema_version").get<int>(), 1);
}

TEST(Runner, ResumeAfterAKillGivesTheSameReport) {
    const std::string dir = fresh_dir("resume");
    const auto whole = tasks::run_tasks(lambada_config("rwkv4-parallel", dir, 30));
    // Simulate a kill: keep 12 finished lines and half of the 13th.
    std::ifstream in(dir + "/journal.jsonl");
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    ASSERT_EQ(lines.size(), 30u);
    {
        std::ofstream out(dir + "/journal.jsonl", std::ios::trunc);
        for (int i = 0; i < 12; ++i) out << lines[static_cast<std::size_t>(i)] << "\n";
        out << lines[12].substr(0, lines[12].size() / 2);
    }
    fs::remove(dir + "/report.json");
    auto config = lambada_config("rwkv4-parallel", dir, 30);
    config.resume = true;
    const auto resumed = tasks::run_tasks(config);
    EXPECT_EQ(resumed.at("results"), whole.at("results"));
    std::ifstream again(dir + "/journal.jsonl");
    std::vector<std::string> after;
    for (std::string l; std::getline(again, l);) after.push_back(l);
    ASSERT_EQ(after.size(), 30u);
    for (int i = 0; i < 12; ++i) EXPECT_EQ(after[static_cast<std::size_t>(i)], lines[static_cast<std::size_t>(i)]);
}

// Each journal line's example id and log-likelihood.
std::map<std::string, double> journal_logprobs(const std::string& dir) {
    std::map<std::string, double> out;
    std::ifstream in(dir + "/journal.jsonl");
    for (std::string l; std::getline(in, l);) {
        const auto j = nlohmann::json::parse(l);
        out[j.at("example").get<std::string>()] = j.at("logprob").get<double>();
    }
    return out;
}

// More rows than the CPU backend's row-dot kernels take (row_dot_tokens_max):
// while more than 32 passages run, OpenBLAS's GEMM sums them.
constexpr std::size_t gemm_rows = 33;

TEST(Runner, BatchedLambadaAgreesWithOneAtATime) {
    // The serial engine steps a batch's passages together: each
    // log-likelihood agrees with batch 1 to 1e-6 relative.
    auto one = lambada_config("rwkv4-serial", fresh_dir("batch_1"), 40);
    one.batch_size = 1;
    auto many = lambada_config("rwkv4-serial", fresh_dir("batch_33"), 40);
    many.batch_size = gemm_rows;
    (void)tasks::run_tasks(one);
    const auto report = tasks::run_tasks(many);
    EXPECT_EQ(report.at("config").at("batch_size").get<std::int64_t>(), 33);
    const auto a = journal_logprobs(one.out_dir), b = journal_logprobs(many.out_dir);
    ASSERT_EQ(a.size(), 40u);
    ASSERT_EQ(b.size(), 40u);
    for (const auto& [example, lp] : a) {
        ASSERT_TRUE(b.count(example)) << example;
        EXPECT_NEAR(b.at(example), lp, 1e-6 * std::fabs(lp)) << example;
    }
}

TEST(Runner, AResumedRunFormsTheSameBatches) {
    const std::string dir = fresh_dir("resume_batches");
    auto config = lambada_config("rwkv4-serial", dir, 40);
    config.batch_size = gemm_rows;  // one batch of all 40
    (void)tasks::run_tasks(config);
    const auto whole = journal_logprobs(dir);
    // Lose example 8: resumed, the batch is scored whole again, so it comes
    // back bit for bit (scored alone, GEMVs instead of GEMM rows, its sums
    // would round otherwise).
    std::ifstream in(dir + "/journal.jsonl");
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    ASSERT_EQ(lines.size(), 40u);
    {
        std::ofstream out(dir + "/journal.jsonl", std::ios::trunc);
        for (std::size_t i = 0; i < lines.size(); ++i)
            if (i != 7) out << lines[i] << "\n";
    }
    config.resume = true;
    (void)tasks::run_tasks(config);
    EXPECT_EQ(journal_logprobs(dir), whole);
    std::ifstream again(dir + "/journal.jsonl");
    std::size_t n = 0;
    for (std::string l; std::getline(again, l);) ++n;
    EXPECT_EQ(n, 40u) << "only the lost example is journaled again";
}

TEST(Runner, ADamagedJournalRecordIsBadInputNamingTheExample) {
    const std::string dir = fresh_dir("damaged_record");
    (void)tasks::run_tasks(lambada_config("rwkv4-parallel", dir, 3));
    std::ifstream in(dir + "/journal.jsonl");
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    ASSERT_EQ(lines.size(), 3u);
    auto second = nlohmann::json::parse(lines[1]);
    second.erase("greedy");  // a well-formed line that is not a lambada outcome
    lines[1] = second.dump();
    {
        std::ofstream out(dir + "/journal.jsonl", std::ios::trunc);
        for (const auto& l : lines) out << l << "\n";
    }
    auto config = lambada_config("rwkv4-parallel", dir, 3);
    config.resume = true;
    try {
        (void)tasks::run_tasks(config);
        FAIL() << "a damaged record was accepted";
    } catch (const harness::input_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("journal.jsonl: lambada_openai"), std::string::npos) << what;
        EXPECT_NE(what.find("example " + second.at("example").get<std::string>() + ": missing key 'greedy'"),
                  std::string::npos)
            << what;
    }
}

TEST(Runner, PerplexityOnATextFile) {
    const std::string dir = fresh_dir("ppl");
    fs::create_directories(dir);
    const std::string text_path = dir + "/text.txt";
    const std::string text = "The quick brown fox jumps over the lazy dog. RWKV is an RNN.\n";
    std::ofstream(text_path, std::ios::binary) << text;
    tasks::run_config c;
    c.models.push_back({"synth", {"rwkv4-parallel", data + "/models/rwkv4-synth/rwkv4-synth-3x64-f32.pth", "bytes"}});
    c.tasks = {tasks::task_request::named("perplexity")};
    c.data_file = text_path;
    c.out_dir = dir;
    const auto report = tasks::run_tasks(c);
    // By hand: every byte scored after the "\n" pad.
    auto b = kernels::make_cpu_backend(0);
    auto e = engines::make_engine("rwkv4-parallel", c.models[0].spec.model, *b);
    std::vector<std::int32_t> ids = {10};
    for (unsigned char ch : text) ids.push_back(ch);
    const double nll = -tasks::loglikelihood_rolling(*e, ids).logprob;
    EXPECT_NEAR(metric(report, "bits_per_byte"), nll / std::log(2.0) / static_cast<double>(text.size()), 1e-9);
    EXPECT_NEAR(metric(report, "token_perplexity"), std::exp(nll / static_cast<double>(text.size())), 1e-9);
    EXPECT_NEAR(metric(report, "word_perplexity") / std::exp(nll / 13.0), 1.0, 1e-9);  // 13 words
    EXPECT_TRUE(fs::exists(dir + "/report.json"));
}

TEST(Runner, BadRequestsAreUsageErrors) {
    auto c = lambada_config("rwkv4-parallel", fresh_dir("bad"), 1);
    c.tasks = {tasks::task_request::named("xnli_but_wrong")};
    EXPECT_THROW(tasks::run_tasks(c), harness::usage_error);
    c.tasks = {tasks::task_request::named("perplexity")};  // without --data
    EXPECT_THROW(tasks::run_tasks(c), harness::usage_error);
}

}  // namespace

namespace {

TEST(Runner, BpbFloresSameFromSerialAndParallelAndBoundedByLanguages) {
    const std::string pair = test_paths::source() + "/datasets/models/pair-udhr/rwkv4-udhr-4x128-f32.pth";
    nlohmann::json reports[2];
    for (int s = 0; s < 2; ++s) {
        tasks::run_config c;
        c.models.push_back({"udhr", {s ? "rwkv4-serial" : "rwkv4-parallel", pair, "bytes"}});
        c.tasks = {tasks::task_request::named("bpb_flores")};
        c.data_dir = test_paths::source() + "/datasets";
        c.langs = {"eng_Latn", "tha_Thai"};
        c.limit = 5;
        c.out_dir = fresh_dir(s ? "bpb_serial" : "bpb_parallel");
        reports[s] = tasks::run_tasks(c);
    }
    nlohmann::json r = nlohmann::json::array(), serial = nlohmann::json::array();
    for (const auto& x : reports[0].at("results"))
        if (x.at("metric") == "bits_per_byte") r.push_back(x);
    for (const auto& x : reports[1].at("results"))
        if (x.at("metric") == "bits_per_byte") serial.push_back(x);
    ASSERT_EQ(r.size(), 3u);  // two languages and "all"
    EXPECT_EQ(r[2].at("language").get<std::string>(), "all");
    for (std::size_t i = 0; i < 3; ++i)
        EXPECT_NEAR(r[i].at("value").get<double>(), serial[i].at("value").get<double>(), 1e-5);
    // The byte-weighted mean lies between the languages.
    const double a = r[0].at("value").get<double>(), b = r[1].at("value").get<double>(), all = r[2].at("value").get<double>();
    EXPECT_GE(all, std::min(a, b));
    EXPECT_LE(all, std::max(a, b));
    // A trained model: well under 8 bits per byte on held-out text.
    EXPECT_LT(all, 5.0);
}

}  // namespace

namespace {

// bpb_lines scores a batch's lines together: through one GEMM (more rows
// than the row-dot kernels take) each line's NLL agrees with batch 1 to
// 1e-6 relative; through the row-dot kernels (8 rows) bit for bit.
TEST(Runner, BatchedBpbAgreesWithOneAtATime) {
    const std::string pair = test_paths::source() + "/datasets/models/pair-udhr/rwkv4-udhr-4x128-f32.pth";
    std::map<std::string, double> nll[3];
    const std::size_t sizes[3] = {1, 8, gemm_rows};
    for (int s = 0; s < 3; ++s) {
        tasks::run_config c;
        c.models.push_back({"udhr", {"rwkv4-serial", pair, "bytes"}});
        c.tasks = {tasks::task_request::named("bpb_flores")};
        c.data_dir = test_paths::source() + "/datasets";
        c.langs = {"eng_Latn"};
        c.limit = 40;
        c.batch_size = sizes[s];
        c.out_dir = fresh_dir("bpb_batch_" + std::to_string(sizes[s]));
        (void)tasks::run_tasks(c);
        std::ifstream in(c.out_dir + "/journal.jsonl");
        for (std::string l; std::getline(in, l);) {
            const auto j = nlohmann::json::parse(l);
            if (j.contains("nll")) nll[s][j.at("example").get<std::string>()] = j.at("nll").get<double>();
        }
    }
    ASSERT_EQ(nll[0].size(), 40u);
    ASSERT_EQ(nll[1], nll[0]) << "8 rows through the row-dot kernels";
    ASSERT_EQ(nll[2].size(), 40u);
    for (const auto& [example, x] : nll[0]) EXPECT_NEAR(nll[2].at(example), x, 1e-6 * x) << example;
}

TEST(Runner, Wikitext2IsTheShippedRawTextWithLfLineEnds) {
    tasks::run_config c;
    c.models.push_back({"synth", {"rwkv4-parallel", data + "/models/rwkv4-synth/rwkv4-synth-3x64-f32.pth", "bytes"}});
    c.tasks = {tasks::task_request::named("wikitext2")};
    c.data_dir = test_paths::source() + "/datasets";
    c.limit = 3;
    c.out_dir = fresh_dir("wikitext2");
    const auto report = tasks::run_tasks(c);
    // The first three lines of the CRLF file, fed with LF endings.
    std::ifstream in(c.data_dir + "/wikitext2/raw/wiki.test.raw", std::ios::binary);
    std::int64_t bytes = 0;
    std::string line;
    for (int i = 0; i < 3 && std::getline(in, line); ++i) {
        ASSERT_FALSE(line.empty());
        ASSERT_EQ(line.back(), '\r');
        bytes += static_cast<std::int64_t>(line.size());  // the '\r' becomes the '\n'
    }
    EXPECT_EQ(report.at("results")[2].at("metric").get<std::string>(), "bits_per_byte");
    EXPECT_EQ(report.at("results")[2].at("n").get<std::int64_t>(), bytes);
}

TEST(Runner, RollingTextSamplesAreUnitsThatAddUpToTheStream) {
    tasks::run_config c;
    c.models.push_back({"synth", {"rwkv4-parallel", data + "/models/rwkv4-synth/rwkv4-synth-3x64-f32.pth", "bytes"}});
    tasks::task_request wikitext = tasks::task_request::named("wikitext2");
    wikitext.options = {{"unit_tokens", 256}};
    c.tasks = {wikitext};
    c.data_dir = test_paths::source() + "/datasets";
    c.limit = 40;
    c.out_dir = fresh_dir("wikitext2_units");
    const auto report = tasks::run_tasks(c);
    const auto& bpb = report.at("results")[2];
    ASSERT_EQ(bpb.at("metric").get<std::string>(), "bits_per_byte");
    const auto n_bytes = bpb.at("n").get<std::int64_t>();
    std::ifstream in(c.out_dir + "/samples/wikitext2/synth.jsonl");
    std::vector<nlohmann::json> units;
    for (std::string l; std::getline(in, l);) units.push_back(nlohmann::json::parse(l));
    // Bytes tokenizer with the "\n" pad: every byte is a scored token.
    ASSERT_EQ(units.size(), static_cast<std::size_t>((n_bytes + 255) / 256));
    double bits = 0;
    std::int64_t bytes = 0;
    std::set<std::string> hashes;
    for (std::size_t k = 0; k < units.size(); ++k) {
        const auto& u = units[k];
        EXPECT_EQ(u.at("unit").get<std::size_t>(), k);
        EXPECT_EQ(u.at("doc_id").get<std::size_t>(), k);
        EXPECT_EQ(u.at("doc").at("scored_tokens")[0].get<std::size_t>(), 256 * k);
        EXPECT_EQ(u.at("tokens").get<std::int64_t>(), k + 1 < units.size() ? 256 : n_bytes - 256 * std::int64_t(k));
        EXPECT_EQ(u.at("doc").at("file"), "wiki.test.raw");
        hashes.insert(u.at("doc_hash").get<std::string>());
        bits += u.at("bits").get<double>();
        bytes += u.at("bytes").get<std::int64_t>();
    }
    EXPECT_EQ(hashes.size(), units.size());
    EXPECT_EQ(bytes, n_bytes);
    EXPECT_NEAR(bits / static_cast<double>(bytes), bpb.at("value").get<double>(), 1e-12);
}

}  // namespace
