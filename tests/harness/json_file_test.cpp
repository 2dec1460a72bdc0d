// The JSON plumbing every reader uses: stranger's files are bad input (exit
// 2) naming the file, and writers find NaN before JSON turns it into null.
#include "harness/json_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

namespace {

using nlohmann::json;

std::string input_error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const harness::input_error& e) {
        return e.what();
    }
    return "(no input_error)";
}

TEST(JsonFile, ParseAndRangeErrorsNameTheFile) {
    EXPECT_NE(input_error_of([] { harness::parse_json("{\"a\": }", "x.json"); }).find("x.json: byte 6: malformed JSON"),
              std::string::npos);
    EXPECT_NE(input_error_of([] { harness::parse_json("{\"a\": 1e999}", "x.json"); }).find("x.json: "),
              std::string::npos);
}

TEST(JsonFile, DeepNestingIsRefusedWhileParsing) {
    // 300,000 nested lists inside a report once crashed `rwkvbench report`
    // (copying the value recursed once per level).
    const int deep = 300000;
    const std::string text = "{\"context\":" + std::string(deep, '[') + std::string(deep, ']') + "}";
    const std::string e = input_error_of([&] { harness::parse_json(text, "r.json"); });
    EXPECT_NE(e.find("r.json: [json.exception.too_deep] nested deeper than 256 levels"), std::string::npos) << e;
    // At the limit it parses; readers that catch nlohmann's exceptions (journal, JSONL rows) catch this one too.
    const int ok = harness::max_json_depth;
    EXPECT_NO_THROW(harness::parse_json_text(std::string(ok, '[') + std::string(ok, ']')));
    EXPECT_THROW(harness::parse_json_text(std::string(ok + 1, '[') + std::string(ok + 1, ']')), json::exception);
}

TEST(JsonFile, AFileTooLargeIsRefusedBeforeReading) {
    const std::string path = testing::TempDir() + "/big_" + std::to_string(::getpid()) + ".json";
    std::ofstream(path) << "[";
    std::filesystem::resize_file(path, harness::max_json_file_bytes + 1);  // sparse: nothing is written
    const std::string e = input_error_of([&] { harness::read_json_file(path); });
    EXPECT_NE(e.find(path + ": 256 MiB is more than a JSON file rwkvbench reads may hold"), std::string::npos) << e;
    std::filesystem::remove(path);
}

TEST(JsonFile, TypeErrorsWhileReadingNameTheFile) {
    const json j = json::parse(R"({"n": "three"})");
    const std::string e = input_error_of([&] { harness::with_json_errors("cfg.json", [&] { return j.at("n").get<int>(); }); });
    EXPECT_NE(e.find("cfg.json: [json.exception.type_error"), std::string::npos) << e;
    EXPECT_NE(input_error_of([&] { harness::with_json_errors("cfg.json", [&] { return j.at("missing"); }); }).find("out_of_range"),
              std::string::npos);
    EXPECT_EQ(harness::with_json_errors("cfg.json", [] { return 7; }), 7);
}

TEST(JsonFile, NonFiniteNumbersAreFoundByPath) {
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    EXPECT_EQ(harness::find_non_finite(json{{"a", 1.5}, {"b", {1, 2}}}), "");
    EXPECT_EQ(harness::find_non_finite(json{{"a", 1.5}, {"b", {1.0, nan}}}), "b[1]");
    EXPECT_EQ(harness::find_non_finite(json{{"x", {{"y", -inf}}}}), "x.y");
    EXPECT_EQ(harness::find_non_finite(json(nan)), "(value)");
}

}  // namespace
