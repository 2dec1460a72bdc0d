// The prompts each multiple-choice format builds, checked on shipped rows
// against the protocols (lm-evaluation-harness's prompts, the dataset
// README's quirks), and malformed rows.
#include "tasks/requests.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "harness/errors.h"
#include "tasks/task_definition.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
const std::string defs = test_paths::source() + "/tasks/definitions";
const std::string data = test_paths::source() + "/datasets";

tasks::choice_example first(const std::string& task, const std::string& lang, std::size_t index = 0) {
    const auto d = tasks::load_task_definition(defs + "/" + task + ".json");
    const auto sets = tasks::load_choice_sets(d, data, {lang}, index + 1);
    return sets.at(0).examples.at(index);
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
    EXPECT_EQ(ex.id, "fec30953-c68e-4d9d-9698-384bfe8fe857");
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
    EXPECT_EQ(de.id, "115");
    EXPECT_TRUE(
        de.continuations[0].starts_with("Siebenberg bezeichnete ihn als seinen Lieblingssong auf dem Album \", weil"))
        << de.continuations[0];
}

TEST(Requests, XnliFromAFileInTheXtremeLayout) {
    const std::string dir = testing::TempDir() + "/xnli_" + std::to_string(::getpid());
    fs::create_directories(dir + "/xnli");
    std::ofstream(dir + "/xnli/dev-en.tsv", std::ios::binary)
        << "And he said, Mama, I'm home.\tHe didn't say a word.\tcontradiction\r\nA\tB\tmaybe\r\n";
    const auto d = tasks::load_task_definition(defs + "/xnli.json");
    EXPECT_EQ(tasks::task_languages(d, dir, {}), (std::vector<std::string>{"en"}));
    const auto sets = tasks::load_choice_sets(d, dir, {"en"}, 1);
    const auto& ex = sets.at(0).examples.at(0);
    EXPECT_EQ(ex.contexts[0], "And he said, Mama, I'm home., right?");
    EXPECT_EQ(ex.continuations, (std::vector<std::string>{" Yes, He didn't say a word.", " Also, He didn't say a word.",
                                                          " No, He didn't say a word."}));
    EXPECT_EQ(ex.gold, 2);
    try {
        tasks::load_choice_sets(d, dir, {"en"}, std::nullopt);
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
        tasks::load_choice_sets(d, dir, {"it"}, std::nullopt);
        FAIL();
    } catch (const harness::input_error& e) {
        EXPECT_NE(std::string(e.what()).find("test.it.jsonl: line 2: \"question\" must be \"cause\" or \"effect\""),
                  std::string::npos)
            << e.what();
    }
}

TEST(Requests, UdhrLinesSkipTheHeaderAndBlanks) {
    const auto d = tasks::load_task_definition(defs + "/bpb_udhr.json");
    const auto sets = tasks::load_line_sets(d, data, {"deu_1996"}, 2);
    ASSERT_EQ(sets.at(0).lines.size(), 2u);
    EXPECT_EQ(sets[0].lines[0].text, "Die Allgemeine Erklärung der Menschenrechte");
    EXPECT_EQ(sets[0].lines[0].line, 7);
    EXPECT_EQ(sets[0].lines[1].text, "Resolution 217 A (III) vom 10.12.1948");  // indentation stripped
}

}  // namespace
