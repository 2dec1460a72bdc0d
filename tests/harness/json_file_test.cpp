// The JSON plumbing every reader uses: stranger's files are bad input (exit
// 2) naming the file, and writers find NaN before JSON turns it into null.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "harness/json_file.h"

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
