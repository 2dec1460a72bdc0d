#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "datasets/lambada.h"
#include "harness/errors.h"
#include "test_paths.h"

namespace {

const std::string shipped = test_paths::source() + "/datasets/lambada_openai/lambada_test.jsonl";

TEST(Lambada, ShippedFileHasAll5153Examples) {
    const auto all = datasets::load_lambada(shipped);
    ASSERT_EQ(all.size(), 5153u);  // MANIFEST.json: num_examples
    for (const auto& ex : all) {
        ASSERT_EQ(ex.target[0], ' ');
        ASSERT_EQ(ex.target.find(' ', 1), std::string::npos) << "line " << ex.line;
    }
    EXPECT_EQ(all.front().line, 1);
}

TEST(Lambada, EachExampleKeepsItsLineAndSourceRecord) {
    const auto all = datasets::load_lambada(shipped);
    EXPECT_EQ(all[2].line, 3);
    EXPECT_EQ(all[2].doc.at("text").get<std::string>(), all[2].context + all[2].target);
}

std::string temp_with(const std::string& content) {
    const std::string path = testing::TempDir() + "/lambada_" + std::to_string(::getpid()) + ".jsonl";
    std::ofstream(path, std::ios::binary) << content;
    return path;
}

TEST(Lambada, TargetIsSpaceAndLastWord) {
    const auto ex = datasets::load_lambada(temp_with("{\"text\": \"she opened the door\"}\r\n"));
    ASSERT_EQ(ex.size(), 1u);
    EXPECT_EQ(ex[0].context, "she opened the");
    EXPECT_EQ(ex[0].target, " door");
}

TEST(Lambada, BadLinesNameTheLine) {
    for (const auto& [content, what] : std::vector<std::pair<std::string, std::string>>{
             {"{\"text\": \"a b\"}\n{\"text\": 5}\n", "line 2: expected a string field \"text\""},
             {"{\"text\": \"a b\"}\nnot json\n", "line 2: malformed JSON"},
             {"{\"text\": \"oneword\"}\n", "line 1: \"text\" needs a context"},
             {"{\"text\": \"ends with space \"}\n", "line 1: \"text\" needs a context"}}) {
        try {
            datasets::load_lambada(temp_with(content));
            FAIL() << what;
        } catch (const harness::input_error& e) {
            EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
        }
    }
    EXPECT_THROW(datasets::load_lambada("/nonexistent.jsonl"), harness::input_error);
}

}  // namespace
