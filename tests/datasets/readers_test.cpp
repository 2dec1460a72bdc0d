// The shared dataset readers: MANIFEST checks, JSONL and TSV validation with
// file and line in every error, language discovery from file patterns.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "datasets/language_files.h"
#include "datasets/manifest.h"
#include "datasets/text_table.h"
#include "harness/errors.h"
#include "harness/sha256.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
const std::string data = test_paths::source() + "/datasets";

std::string temp_dir(const std::string& name) {
    const std::string dir = testing::TempDir() + "/readers_" + name + "_" + std::to_string(::getpid());
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

void write(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const harness::input_error& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(Manifest, EveryShippedDataFileMatchesItsManifest) {
    int checked = 0;
    for (const auto& e : fs::recursive_directory_iterator(data)) {
        const std::string p = e.path().string();
        // The readers' own code lives in datasets/include and datasets/src;
        // judged by the path inside datasets/, not the whole path, which may
        // hold "/src/" anywhere (a checkout at /src).
        const fs::path inside = fs::relative(e.path(), data);
        const std::string top = inside.begin()->string();
        if (!e.is_regular_file() || e.path().filename() == "MANIFEST.json" || top == "include" || top == "src" ||
            e.path().filename() == "CMakeLists.txt" || e.path().extension() == ".md")
            continue;
        EXPECT_TRUE(datasets::check_against_manifest(p)) << p << " is not listed in a MANIFEST.json";
        ++checked;
    }
    EXPECT_GE(checked, 58);
}

TEST(Manifest, AChangedFileIsRefusedWithBothHashes) {
    const std::string dir = temp_dir("manifest");
    write(dir + "/a.txt", "hello\n");
    write(dir + "/b.txt", "unlisted\n");
    write(dir + "/MANIFEST.json",
          R"({"files": [{"path": "a.txt", "sha256": ")" + harness::sha256_hex("hello!\n") + R"("}]})");
    const std::string e = error_of([&] { datasets::read_lines(dir + "/a.txt"); });
    EXPECT_NE(e.find("sha256 " + harness::sha256_hex("hello\n") + " does not match " + harness::sha256_hex("hello!\n")),
              std::string::npos)
        << e;
    EXPECT_FALSE(datasets::check_against_manifest(dir + "/b.txt"));  // not listed: a user's own file, read as it is
    EXPECT_NO_THROW(datasets::read_lines(dir + "/b.txt"));
    // The keyed-object form, one folder up.
    fs::create_directories(dir + "/sub");
    write(dir + "/sub/c.txt", "c\n");
    write(dir + "/sub/../MANIFEST.json", R"({"files": {"sub/c.txt": {"sha256": "00"}}})");
    EXPECT_NE(error_of([&] { datasets::read_lines(dir + "/sub/c.txt"); }).find("does not match 00"), std::string::npos);
}

TEST(TextTable, JsonlErrorsNameFileAndLine) {
    const std::string dir = temp_dir("jsonl");
    write(dir + "/x.jsonl", "{\"a\": \"1\"}\n\n{\"a\": 2}\n");
    const auto rows = datasets::read_jsonl(dir + "/x.jsonl");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[1].line, 3);  // the empty line counts
    EXPECT_NE(error_of([&] {
                  datasets::string_field(rows[1], "a", "x.jsonl");
              }).find("x.jsonl: line 3: expected a string field \"a\""),
              std::string::npos);
    write(dir + "/x.jsonl", "{\"a\": \"1\"}\n\n{\"a\": 2}\n[1]\n{broken\n");
    EXPECT_NE(error_of([&] { datasets::read_jsonl(dir + "/x.jsonl"); }).find("line 4: expected a JSON object"),
              std::string::npos);
    write(dir + "/y.jsonl", "{\"a\": \"\xC3(\"}\n");
    EXPECT_NE(error_of([&] { datasets::read_jsonl(dir + "/y.jsonl"); }).find("line 1: invalid UTF-8 at byte 7"),
              std::string::npos);
}

TEST(TextTable, TsvQuotingCrlfAndColumnCounts) {
    const std::string dir = temp_dir("tsv");
    write(dir + "/q.tsv", "\"He said \"\"hi\"\"\"\tplain\t1\r\nx\ty\t0\r\n");
    const auto rows = datasets::read_tsv(dir + "/q.tsv", {.columns = 3, .quoted = true});
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].fields[0], "He said \"hi\"");
    EXPECT_EQ(rows[0].fields[2], "1");  // the CR is not part of the last field
    write(dir + "/bad.tsv", "h1\th2\na\tb\nonly one\n");
    EXPECT_NE(error_of([&] {
                  datasets::read_tsv(dir + "/bad.tsv", {.columns = 2, .header = true});
              }).find("bad.tsv: line 3: 1 tab-separated columns, expected 2"),
              std::string::npos);
    write(dir + "/open.tsv", "\"never closed\tb\n");
    EXPECT_NE(error_of([&] {
                  datasets::read_tsv(dir + "/open.tsv", {.columns = 2, .quoted = true});
              }).find("no closing quote"),
              std::string::npos);
}

TEST(LanguageFiles, ShippedPatternsFindTheirLanguages) {
    EXPECT_EQ(datasets::languages_of_pattern(data, "xcopa/test.{lang}.jsonl").size(), 11u);
    EXPECT_EQ(datasets::languages_of_pattern(data, "flores200_devtest/devtest/{lang}.devtest").size(), 10u);
    EXPECT_EQ(datasets::languages_of_pattern(data, "pawsx/dev-{lang}.tsv"),
              (std::vector<std::string>{"de", "en", "es", "fr", "ja", "ko", "zh"}));
    EXPECT_TRUE(datasets::languages_of_pattern(data, "xnli/dev-{lang}.tsv").empty());  // not shipped
}

}  // namespace
