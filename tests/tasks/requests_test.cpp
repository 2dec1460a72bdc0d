// The requests each task builds: the prompts of each multiple-choice format,
// checked on shipped rows against the protocols (lm-evaluation-harness's
// prompts, the dataset README's quirks); malformed rows; the hashes, the
// limit and the languages applied once; --data-dir layered over the shipped data.
#include "tasks/request.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "datasets/text_table.h"
#include "harness/errors.h"
#include "harness/sha256.h"
#include "tasks/task_definition.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
const std::string defs = test_paths::source() + "/tasks/definitions";
const std::string data = test_paths::source() + "/datasets";

tasks::task_requests build(const tasks::task_definition& d, const std::string& dir, std::vector<std::string> langs = {},
                           std::optional<std::size_t> limit = std::nullopt) {
    return tasks::build_requests(d, {datasets::data_folders(dir, data), "", std::move(langs), limit});
}

tasks::request first(const std::string& task, const std::string& lang, std::size_t index = 0) {
    const auto d = tasks::load_task_definition(defs + "/" + task + ".json");
    return build(d, data, {lang}, index + 1).requests.at(index);
}

TEST(Requests, XcopaDropsFinalPunctuationAddsTheConnectiveAndLowersChoices) {
    const auto it = first("xcopa", "it");  // "L'oggetto era incartato nella plastica bollata." cause
    EXPECT_EQ(it.contexts, (std::vector<std::string>{"L'oggetto era incartato nella plastica bollata perché"}));
    EXPECT_EQ(it.continuations, (std::vector<std::string>{" era delicato.", " era piccolo."}));
    EXPECT_EQ(it.gold, 0);
    // Thai premises have no final punctuation: nothing is cut.
    const auto th = first("xcopa", "th");
    EXPECT_EQ(th.contexts[0], "สิ่งของถูกห่อไว้ในพลาสติก ดังนั้น");
}

TEST(Requests, XStoryClozeJoinsFourSentences) {
    const auto ex = first("xstorycloze", "en");
    EXPECT_EQ(ex.id, "en:fec30953-c68e-4d9d-9698-384bfe8fe857");
    EXPECT_EQ(
        ex.contexts[0],
        "I became a Law and Order fan in 2011. I was recovering from a stroke. When I got home I tried to watch every "
        "episode. It was hard trying to binge watch 20 Year's of a show.");
    EXPECT_EQ(ex.continuations[1], " Eventually I watched them all.");
    EXPECT_EQ(ex.gold, 1);  // AnswerRightEnding 2
}

TEST(Requests, XWinogradReplacesThePronounByToken) {
    const auto en = first("xwinograd", "en");
    // "The city councilmen refused the demonstrators a permit because they feared violence."
    EXPECT_EQ(en.contexts, (std::vector<std::string>{
                               "The city councilmen refused the demonstrators a permit because The city councilmen",
                               "The city councilmen refused the demonstrators a permit because the demonstrators"}));
    EXPECT_EQ(en.continuations, (std::vector<std::string>{" feared violence."}));
    EXPECT_EQ(en.gold, 0);
    // Japanese: no spaces; the tokens still give the byte offsets.
    const auto jp = first("xwinograd", "jp");
    EXPECT_EQ(jp.contexts[1], "狙撃兵はテロリストを撃った。テロリスト");
    EXPECT_EQ(jp.continuations[0], "は悪漢だったからだ。");
    EXPECT_EQ(jp.gold, 1);
}

TEST(Requests, PawsxUnquotesFieldsAndOrdersChoicesByLabel) {
    const auto en = first("pawsx", "en");
    ASSERT_EQ(en.continuations.size(), 2u);
    EXPECT_EQ(en.contexts[0], "");
    EXPECT_EQ(en.continuations[1].substr(0, 40), "From the merger of the Four Rivers Counc");
    EXPECT_NE(en.continuations[1].find(" ., right? Yes, Shawnee Trails"), std::string::npos);
    EXPECT_NE(en.continuations[0].find(" ., right? No, Shawnee Trails"), std::string::npos);
    EXPECT_EQ(en.gold, 1);                      // label 1: a paraphrase, "Yes"
    const auto de = first("pawsx", "de", 114);  // line 115 has a CSV-quoted first field
    EXPECT_EQ(de.id, "de:115");
    EXPECT_TRUE(
        de.continuations[0].starts_with("Siebenberg bezeichnete ihn als seinen Lieblingssong auf dem Album \", weil"))
        << de.continuations[0];
}

TEST(Requests, XnliFromAFileInTheXtremeLayout) {
    const std::string dir = testing::TempDir() + "/xnli_" + std::to_string(::getpid());
    fs::create_directories(dir + "/xnli");
    std::ofstream(dir + "/xnli/dev-en.tsv", std::ios::binary)
        << "And he said, Mama, I'm home.\tHe didn't say a word.\tcontradiction\r\n";
    const auto d = tasks::load_task_definition(defs + "/xnli.json");
    EXPECT_EQ(build(d, dir, {}, 1).languages, (std::vector<std::string>{"en"}));  // XNLI is not shipped
    const auto ex = build(d, dir, {}, 1).requests.at(0);
    EXPECT_EQ(ex.contexts[0], "And he said, Mama, I'm home., right?");
    EXPECT_EQ(ex.continuations, (std::vector<std::string>{" Yes, He didn't say a word.", " Also, He didn't say a word.",
                                                          " No, He didn't say a word."}));
    EXPECT_EQ(ex.gold, 2);
    std::ofstream(dir + "/xnli/dev-en.tsv", std::ios::binary | std::ios::app) << "A\tB\tmaybe\r\n";
    try {
        build(d, dir, {}, 1);  // the limit does not hide a bad row
        FAIL();
    } catch (const harness::input_error& e) {
        EXPECT_NE(std::string(e.what()).find("dev-en.tsv: line 2: label must be entailment, neutral or contradiction"),
                  std::string::npos)
            << e.what();
    }
}

TEST(Requests, MalformedRowsNameTheLine) {
    const std::string dir = testing::TempDir() + "/mc_bad_" + std::to_string(::getpid());
    fs::create_directories(dir + "/xcopa");
    std::ofstream(dir + "/xcopa/test.it.jsonl")
        << R"({"premise": "P.", "choice1": "A", "choice2": "B", "question": "cause", "label": 0})"
        << "\n"
        << R"({"premise": "P.", "choice1": "A", "choice2": "B", "question": "why", "label": 0})"
        << "\n";
    const auto d = tasks::load_task_definition(defs + "/xcopa.json");
    try {
        build(d, dir, {"it"}, 1);  // the limit does not hide a bad row: every row is read and checked
        FAIL();
    } catch (const harness::input_error& e) {
        EXPECT_NE(std::string(e.what()).find("test.it.jsonl: line 2: \"question\" must be \"cause\" or \"effect\""),
                  std::string::npos)
            << e.what();
    }
}

TEST(Requests, UdhrLinesSkipTheHeaderAndBlanks) {
    const auto d = tasks::load_task_definition(defs + "/bpb_udhr.json");
    const auto lines = build(d, data, {"deu_1996"}, 2).requests;
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0].continuations[0], "Die Allgemeine Erklärung der Menschenrechte");
    EXPECT_EQ(lines[0].id, "deu_1996:7");
    EXPECT_EQ(lines[0].kind, tasks::request_kind::rolling);
    EXPECT_EQ(lines[1].continuations[0], "Resolution 217 A (III) vom 10.12.1948");  // indentation stripped
}

TEST(Requests, HashesAreOfTheSourceRecordAndTheExactStrings) {
    const auto r = first("xcopa", "it");
    EXPECT_EQ(r.kind, tasks::request_kind::multiple_choice);
    EXPECT_EQ(r.doc.at("premise").get<std::string>(), "L'oggetto era incartato nella plastica bollata.");
    // Canonical: sorted keys, no spaces, UTF-8 as is.
    EXPECT_TRUE(r.doc.dump().starts_with("{\"changed\":false,\"choice1\":")) << r.doc.dump();
    EXPECT_EQ(r.doc_hash, harness::sha256_hex(r.doc.dump()));
    EXPECT_EQ(r.prompt_hash, harness::sha256_hex(r.contexts[0]));
    EXPECT_EQ(r.target_hash, harness::sha256_hex(r.continuations[0] + "\x1E" + r.continuations[1] + "\x1E" + "0"));
    // A table row's record is keyed by its columns.
    const auto x = first("xstorycloze", "en");
    EXPECT_EQ(x.doc.at("AnswerRightEnding").get<std::string>(), "2");
    // Different rows, different doc hashes; the same row in two builds, the same.
    EXPECT_NE(first("xcopa", "it", 1).doc_hash, r.doc_hash);
    EXPECT_EQ(first("xcopa", "it").doc_hash, r.doc_hash);
}

TEST(Requests, LimitAndLanguagesAreAppliedPerLanguageInOnePlace) {
    const auto d = tasks::load_task_definition(defs + "/xcopa.json");
    const auto two = build(d, data, {"th", "it", "xx", "yy"}, 3);
    EXPECT_EQ(two.languages, (std::vector<std::string>{"th", "it"}));  // in the order asked
    EXPECT_EQ(two.missing, (std::vector<std::string>{"xx", "yy"}));
    ASSERT_EQ(two.requests.size(), 6u);
    EXPECT_EQ(two.requests[0].id, "th:1");
    EXPECT_EQ(two.requests[3].id, "it:1");
    EXPECT_EQ(build(d, data).requests.size(), 11u * 500u);
    EXPECT_EQ(build(d, data).available.size(), 11u);
    // XWinograd's languages are in its rows: the same rules.
    const auto w = build(tasks::load_task_definition(defs + "/xwinograd.json"), data, {"jp", "zz"}, 2);
    EXPECT_EQ(w.languages, (std::vector<std::string>{"jp"}));
    EXPECT_EQ(w.missing, (std::vector<std::string>{"zz"}));
    EXPECT_EQ(w.requests.size(), 2u);
}

TEST(Requests, BatchesAreRunsOfConsecutiveExamplesWithinALanguage) {
    const auto d = tasks::load_task_definition(defs + "/xcopa.json");
    tasks::task_input in{datasets::data_folders(data, data), "", {"th", "it"}, 5};
    in.batch_examples = 2;
    const auto built = tasks::build_requests(d, in);
    ASSERT_EQ(built.requests.size(), 10u);
    std::vector<std::int64_t> batches;
    for (const auto& r : built.requests) batches.push_back(r.batch);
    // th: 2, 2, 1; it starts a batch of its own.
    EXPECT_EQ(batches, (std::vector<std::int64_t>{0, 0, 1, 1, 2, 3, 3, 4, 4, 5}));
    const auto runs = tasks::batch_runs(built.requests);
    ASSERT_EQ(runs.size(), 6u);
    EXPECT_EQ(runs[2].size(), 1u);
    EXPECT_EQ(runs[3].front().id, "it:1");
    // Batch size 1 (and the default): every example alone.
    in.batch_examples = 1;
    EXPECT_EQ(tasks::build_requests(d, in).requests[9].batch, 9);
    // bpb_lines batches its lines; its greedy sample prompts (not examples)
    // are in no batch.
    tasks::task_input lines{datasets::data_folders(data, data), "", {"eng_Latn"}, 3};
    lines.batch_examples = 8;
    const auto bpb = tasks::build_requests(tasks::load_task_definition(defs + "/bpb_flores.json"), lines);
    std::vector<std::int64_t> bpb_batches;
    for (const auto& r : bpb.requests) bpb_batches.push_back(r.batch);
    EXPECT_EQ(bpb_batches, (std::vector<std::int64_t>{0, 0, 0, -1}));
}

TEST(Requests, RollingTextLimitIsItsFirstLines) {
    const auto d = tasks::load_task_definition(defs + "/wikitext2.json");
    const auto r = build(d, data, {}, 3).requests;
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].id, "wiki.test.raw");
    const std::string& text = r[0].continuations[0];
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);
    EXPECT_EQ(text.find('\r'), std::string::npos);  // crlf_to_lf
}

TEST(Requests, EachDataFileIsReadOncePerBuild) {
    const auto d = tasks::load_task_definition(defs + "/bpb_flores.json");
    const std::string eng = data + "/flores200_devtest/devtest/eng_Latn.devtest";
    const std::string prompts = data + "/prompts/flores_first_sentence.jsonl";
    const std::size_t before = datasets::times_read(eng), prompts_before = datasets::times_read(prompts);
    const auto built = build(d, data, {"eng_Latn"});
    EXPECT_EQ(datasets::times_read(eng), before + 1);
    EXPECT_EQ(datasets::times_read(prompts), prompts_before + 1);
    ASSERT_EQ(built.requests.size(), 101u);  // 100 sentences and the sample prompt
    EXPECT_EQ(built.requests.back().kind, tasks::request_kind::greedy);
    EXPECT_EQ(built.requests.back().id, "sample:eng_Latn");
}

TEST(Requests, ScalingCasesArePassesAndPrefillsPerRepeatAndAreNotLimited) {
    const auto d = tasks::with_options(tasks::load_task_definition(defs + "/scaling.json"),
                                       {{"repeats", 2}, {"prefill_lengths", {16, 64}}});
    const auto cases = build(d, data, {}, 1).requests;  // a limit does not cut timing cases
    std::vector<std::string> ids;
    for (const auto& c : cases) {
        EXPECT_EQ(c.kind, tasks::request_kind::scaling_case);
        ids.push_back(c.id);
    }
    // Generation pass by pass, then each prefill length repeat by repeat:
    // the order measure_scaling() interleaves engines in, and the journal keys of earlier runs.
    EXPECT_EQ(ids, (std::vector<std::string>{"generate:0", "generate:1", "prefill:16:0", "prefill:16:1", "prefill:64:0",
                                             "prefill:64:1"}));
    EXPECT_EQ(cases[3].doc, (nlohmann::json{{"case", "prefill"}, {"prompt_tokens", 16}, {"repeat", 1}}));
    EXPECT_EQ(cases[3].doc_hash, harness::sha256_hex(R"({"case":"prefill","prompt_tokens":16,"repeat":1})"));
}

TEST(Requests, DataDirIsLayeredOverTheShippedData) {
    // A folder with one more FLORES language and nothing else: its file is
    // read from it, the shipped languages and the shipped prompts file still are.
    const std::string dir = test_paths::fresh_dir("requests", "layered");
    fs::create_directories(dir + "/flores200_devtest/devtest");
    std::ofstream(dir + "/flores200_devtest/devtest/fra_Latn.devtest") << "Bonjour.\nAu revoir.\n";
    const auto d = tasks::load_task_definition(defs + "/bpb_flores.json");
    const auto built = build(d, dir, {"fra_Latn", "eng_Latn"});
    EXPECT_EQ(built.languages, (std::vector<std::string>{"fra_Latn", "eng_Latn"}));
    EXPECT_EQ(built.available.size(), 11u);
    EXPECT_EQ(built.requests[0].continuations[0], "Bonjour.");
    std::size_t samples = 0;
    for (const auto& r : built.requests) samples += r.kind == tasks::request_kind::greedy;
    EXPECT_EQ(samples, 2u);  // both languages have a prompt in the shipped prompts file
    // A folder that is not there is an error, not a silent fall-back to the shipped data.
    EXPECT_THROW(datasets::data_folders(dir + "/typo", data), harness::input_error);
}

TEST(Requests, ChoicesJsonlIsAPlainMultipleChoiceFormat) {
    const std::string dir = test_paths::fresh_dir("requests", "choices");
    fs::create_directories(dir);
    std::ofstream(dir + "/set.jsonl") << R"({"id": "a", "context": "2 + 2 =", "choices": ["4", "5"], "gold": 0})"
                                      << "\n"
                                      << R"({"id": "b", "context": "Paris is in", "choices": ["Spain", "France", "Peru"], "gold": 1})"
                                      << "\n";
    std::ofstream(dir + "/task.json") << R"({"task": "tiny", "version": 1, "scorer": "multiple_choice",
        "dataset": {"path": "set.jsonl", "format": "choices_jsonl"},
        "metrics": [{"metric": "acc", "aggregation": "mean", "higher_is_better": true}]})";
    const auto d = tasks::load_task_definition(dir + "/task.json");
    const auto r = build(d, dir).requests;
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[1].id, "b");
    EXPECT_EQ(r[1].contexts, (std::vector<std::string>{"Paris is in"}));
    EXPECT_EQ(r[1].continuations, (std::vector<std::string>{" Spain", " France", " Peru"}));
    EXPECT_EQ(r[1].gold, 1);
    std::ofstream(dir + "/set.jsonl") << R"({"id": "a", "context": "x", "choices": ["4", "5"], "gold": 2})" << "\n";
    try {
        build(d, dir);
        FAIL();
    } catch (const harness::input_error& e) {
        EXPECT_NE(std::string(e.what()).find("set.jsonl: line 1: \"gold\" must index \"choices\" (0 to 1)"),
                  std::string::npos)
            << e.what();
    }
}

}  // namespace
