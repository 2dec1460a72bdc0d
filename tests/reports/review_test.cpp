// The review page on two real runs that disagree: the shipped RWKV-4 and
// GPT-NeoX pair under one model name, so that XCOPA and LAMBADA items flip
// and FLORES lines change. What a native speaker gets: the flipped items
// with prompt, choices, picks and margins; the lines that changed most; text
// marked with its language and direction; item verdicts (Thai, Arabic) that
// survive a round trip and feed errata.jsonl.
#include "reports/review.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "harness/errors.h"
#include "harness/read_file.h"
#include "reports/report.h"
#include "tasks/runner.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;

// One run of `model_file` (engine) named "m", so both runs' samples pair.
std::string run_of(const std::string& name, const std::string& model_file, const std::string& engine) {
    const std::string dir = test_paths::fresh_dir("review", name);
    tasks::run_config c;
    c.models = {{"m", {engine, test_paths::source() + "/datasets/models/pair-udhr/" + model_file, "bytes"}}};
    const auto task = [](const char* task_name, std::size_t limit) {
        tasks::task_request t = tasks::task_request::named(task_name);
        t.limit = limit;  // examples (per language); WikiText: lines, as the transformer slides windows over them
        return t;
    };
    tasks::task_request wikitext = task("wikitext2", 4);
    wikitext.options = {{"unit_tokens", 128}};
    c.tasks = {task("xcopa", 24), task("bpb_flores", 24), task("lambada_openai", 24), wikitext};
    c.data_dir = test_paths::source() + "/datasets";
    c.langs = {"th", "it", "arb_Arab", "tha_Thai"};
    c.out_dir = dir;
    tasks::run_tasks(c);
    return dir;
}

struct two_runs {
    reports::run_report base, now;
};

const two_runs& runs() {
    static const two_runs r{reports::load_report(run_of("base", "rwkv4-udhr-4x128-f32.pth", "rwkv4-parallel")),
                            reports::load_report(run_of("new", "gptneox-udhr-4x128", "transformer"))};
    return r;
}

const reports::review_language& language(const reports::review& r, const std::string& code) {
    for (const auto& l : r.languages)
        if (l.language == code) return l;
    throw std::runtime_error("no language " + code);
}

TEST(ReviewItems, FlippedItemsCarryPromptChoicesPicksAndMargins) {
    const reports::review r = reports::build_review(runs().base, runs().now);
    const auto& th = language(r, "th");
    ASSERT_FALSE(th.flipped.empty());
    bool broke_seen_last = true;
    for (const auto& f : th.flipped) {
        EXPECT_EQ(f.task, "xcopa");
        EXPECT_NE(f.base.correct, f.now.correct);
        EXPECT_FALSE(f.prompt.empty());
        ASSERT_EQ(f.choices.size(), 2u);
        EXPECT_TRUE(f.gold == 0 || f.gold == 1);
        EXPECT_EQ(f.base.pick == f.gold, f.base.correct) << f.doc_hash;  // acc: the larger log-likelihood is right
        EXPECT_EQ(f.now.pick == f.gold, f.now.correct) << f.doc_hash;
        EXPECT_GE(f.base.margin, 0);
        EXPECT_EQ(f.doc_hash.size(), 64u);
        // Items that broke come before the ones that were fixed.
        const bool broke = f.base.correct && !f.now.correct;
        EXPECT_FALSE(broke && !broke_seen_last) << "broke after fixed";
        broke_seen_last = broke;
    }
}

TEST(ReviewItems, LambadaFlipsHaveTheTargetAsTheirOneChoice) {
    // The tiny models never get a LAMBADA word right, so this pair is made by hand.
    const auto sample = [](int acc, double logprob) {
        return nlohmann::json{
            {"task", "lambada_openai"},
            {"model", "m"},
            {"doc_hash", "h1"},
            {"doc_id", 3},
            {"doc", {{"text", "the cat sat on the mat"}}},
            {"target", " mat"},
            {"arguments", nlohmann::json::array({nlohmann::json::array({"the cat sat on the", " mat"})})},
            {"resps", {{{logprob, acc == 1}}}},
            {"filtered_resps", {{logprob, acc == 1}}},
            {"acc", acc},
            {"logprob", logprob}};
    };
    reports::run_samples base, now;
    base[{"lambada_openai", "m"}] = {sample(1, -0.5)};
    now[{"lambada_openai", "m"}] = {sample(0, -3.25)};
    const reports::review_items items = reports::find_review_items(base, now);
    ASSERT_EQ(items.flipped.at("").size(), 1u);
    const auto& f = items.flipped.at("")[0];
    EXPECT_EQ(f.prompt, "the cat sat on the");
    EXPECT_EQ(f.choices, std::vector<std::string>{" mat"});
    EXPECT_TRUE(f.base.correct);
    EXPECT_FALSE(f.now.correct);
    EXPECT_EQ(f.base.margin, -0.5);
    EXPECT_EQ(f.now.margin, -3.25);
}

TEST(ReviewItems, LinesThatChangedMostComeFirstWithTheirText) {
    const reports::review r = reports::build_review(runs().base, runs().now);
    const auto& arb = language(r, "arb_Arab");
    ASSERT_EQ(arb.lines.size(), 5u);  // the top 5 of 24 lines
    for (std::size_t i = 1; i < arb.lines.size(); ++i)
        EXPECT_GE(std::abs(arb.lines[i - 1].new_bpb - arb.lines[i - 1].base_bpb),
                  std::abs(arb.lines[i].new_bpb - arb.lines[i].base_bpb));
    EXPECT_NE(arb.lines[0].text.find("\xd8"), std::string::npos) << "Arabic letters (U+06xx start with 0xD8..0xDB)";
    EXPECT_EQ(arb.lines[0].task, "bpb_flores");
    // The languages that regressed come first: the transformer is worse on FLORES.
    EXPECT_TRUE(r.languages[0].flagged()) << r.languages[0].language;
}

TEST(ReviewItems, RollingTextIsComparedUnitByUnit) {
    // WikiText-2 is one stream; its samples are blocks of 128 tokens, so
    // compare has per-example units for a paired bootstrap.
    const reports::comparison c = reports::compare_reports(runs().base, runs().now, {});
    const auto row = std::find_if(c.rows.begin(), c.rows.end(), [](const reports::comparison_row& r) {
        return r.task == "wikitext2" && r.metric == "bits_per_byte";
    });
    ASSERT_NE(row, c.rows.end());
    EXPECT_EQ(row->test, "paired bootstrap");
    EXPECT_GT(row->pairs, 5);
    EXPECT_NEAR(row->effect, row->now - row->base, 1e-9);  // per byte, over all units
    // No text in a unit's sample: not among the review's changed lines.
    for (const auto& l : reports::build_review(runs().base, runs().now).languages)
        for (const auto& line : l.lines) EXPECT_NE(line.task, "wikitext2");
}

TEST(ReviewItems, ScriptsGetTheirDirection) {
    EXPECT_EQ(reports::text_direction("arb_Arab"), "rtl");
    EXPECT_EQ(reports::text_direction("heb_Hebr"), "rtl");
    EXPECT_EQ(reports::text_direction("he"), "rtl");
    EXPECT_EQ(reports::text_direction("ar"), "rtl");
    EXPECT_EQ(reports::text_direction("tha_Thai"), "ltr");
    EXPECT_EQ(reports::text_direction("th"), "ltr");
    EXPECT_EQ(reports::text_direction("all"), "auto");
    EXPECT_EQ(reports::bcp47_tag("arb_Arab"), "arb-Arab");
}

TEST(ReviewItems, ItemVerdictsRoundTripAndFeedErrata) {
    const reports::review r = reports::build_review(runs().base, runs().now);
    const auto& item = language(r, "th").flipped.at(0);
    const auto& line = language(r, "arb_Arab").lines.at(0);
    const std::string out = test_paths::fresh_dir("review", "page");
    fs::create_directories(out);
    reports::item_verdicts v;
    v[{item.task, item.doc_hash}] = {item.task,  item.doc_hash, "data_error", "คำแปลผิด: ตัวเลือกที่สองถูกต้อง \"ok\"",
                                     "สมชาย",    "2026-11-28",  "th",         "m",
                                     item.doc_id};
    v[{line.task, line.doc_hash}] = {line.task,  line.doc_hash, "model_error", "النموذج أخطأ في الإعراب",
                                     "ليلى",     "2026-11-28",  "arb_Arab",    "m",
                                     line.doc_id};
    std::ofstream(out + "/item_verdicts.jsonl") << reports::item_verdicts_to_jsonl(v);
    EXPECT_EQ(reports::load_item_verdicts(out + "/item_verdicts.jsonl"), v);

    reports::write_review(runs().base, runs().now, out);
    const std::string html = harness::read_file(out + "/index.html");
    // The item's controls, keyed by its hash, with the verdict selected.
    const std::size_t at = html.find("data-hash=\"" + item.doc_hash + "\"");
    ASSERT_NE(at, std::string::npos);
    EXPECT_NE(html.find("<option selected>data_error</option>", at), std::string::npos);
    EXPECT_NE(html.find("คำแปลผิด: ตัวเลือกที่สองถูกต้อง &quot;ok&quot;"), std::string::npos);
    EXPECT_NE(html.find("lang=\"arb-Arab\" dir=\"rtl\""), std::string::npos);
    EXPECT_EQ(html.find("http"), std::string::npos) << "nothing from the network";
    // errata.jsonl: the data_error item only, with its source record.
    const std::string errata = harness::read_file(out + "/errata.jsonl");
    ASSERT_EQ(std::count(errata.begin(), errata.end(), '\n'), 1);
    const auto e = nlohmann::json::parse(errata);
    EXPECT_EQ(e.at("doc_hash"), item.doc_hash);
    EXPECT_EQ(e.at("reviewer"), "สมชาย");
    EXPECT_TRUE(e.at("doc").contains("premise")) << e.dump();
    // review.json lists the items for scripts (and the browser test).
    const auto j = nlohmann::json::parse(harness::read_file(out + "/review.json"));
    EXPECT_FALSE(j.at("languages").at(0).at("rows").empty());
}

TEST(ReviewItems, BadItemVerdictFilesNameTheLine) {
    const std::string dir = test_paths::fresh_dir("review", "bad");
    fs::create_directories(dir);
    const auto expect_error = [&](const std::string& text, const std::string& what) {
        std::ofstream(dir + "/v.jsonl") << text;
        try {
            reports::load_item_verdicts(dir + "/v.jsonl");
            ADD_FAILURE() << "accepted: " << text;
        } catch (const harness::input_error& e) {
            EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
        }
    };
    const std::string good = R"({"task": "xcopa", "doc_hash": "ab", "verdict": "fine"})";
    expect_error(good + "\n{\"task\": \"xcopa\", \"doc_hash\": \"ab\", \"verdict\": \"meh\"}\n",
                 "v.jsonl: line 2: verdict: expected model_error, data_error, ambiguous or fine");
    expect_error("{\"task\": \"xcopa\", \"verdict\": \"fine\"}\n",
                 "line 1: an item verdict needs 'task' and 'doc_hash'");
    expect_error(good + "\n\n[1]\n", "line 3: expected an object");
    expect_error("{\"task\": \"x\", \"doc_hash\": \"y\", \"verdict\": \"fine\", \"colour\": \"red\"}",
                 "unknown key 'colour'");
    expect_error("{\"task\": \"x\", \"doc_hash\": \"y\", \"verdict\": \"fine\", \"doc_id\": \"7\"}",
                 "doc_id: expected an integer");
    expect_error("{\"task\": \"x\",", "line 1:");
}

}  // namespace
