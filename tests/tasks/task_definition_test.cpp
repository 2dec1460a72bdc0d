// Task definitions: the shipped ones load, includes merge, and every kind of
// mistake in a definition is an input_error naming the file and the key.
#include "tasks/task_definition.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "harness/errors.h"
#include "tasks/request.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
const std::string defs = test_paths::source() + "/tasks/definitions";
const std::string data = test_paths::source() + "/datasets";

std::string temp_dir() {
    const std::string d = testing::TempDir() + "/taskdefs_" + std::to_string(::getpid());
    fs::create_directories(d);
    return d;
}

std::string write(const std::string& name, const std::string& json) {
    const std::string p = temp_dir() + "/" + name;
    std::ofstream(p) << json;
    return p;
}

std::string error_of(const std::string& json) {
    try {
        tasks::load_task_definition(write("t.json", json));
    } catch (const harness::input_error& e) {
        return e.what();
    }
    return "(no error)";
}

const std::string good = R"({"task": "t", "version": 1, "scorer": "lambada",
  "dataset": {"path": "lambada_openai/lambada_test.jsonl", "format": "lambada_jsonl"},
  "metrics": [{"metric": "acc", "aggregation": "mean", "higher_is_better": true}]})";

TEST(TaskDefinition, ShippedCatalogHasEveryTaskOfTheInterface) {
    tasks::task_catalog catalog(defs);
    for (const char* t : {"lambada_openai", "perplexity", "wikitext2", "xcopa", "xstorycloze", "xwinograd", "pawsx",
                          "xnli", "bpb_flores", "bpb_udhr", "scaling"})
        EXPECT_TRUE(catalog.has_task(t)) << t;
    EXPECT_TRUE(catalog.is_group("multilingual"));
    EXPECT_FALSE(catalog.is_group("default"));  // "default" is the suite (tasks/suites/default.json) only
    EXPECT_EQ(
        catalog.expand({"multilingual", "xcopa"}),
        (std::vector<std::string>{"xcopa", "xstorycloze", "xwinograd", "pawsx", "xnli", "bpb_flores", "bpb_udhr"}));
    EXPECT_THROW(catalog.expand({"no_such_task"}), harness::usage_error);
}

TEST(TaskDefinition, IncludeOverridesKeyByKey) {
    const auto d = tasks::load_task_definition(defs + "/lambada_openai_nopad.json");
    EXPECT_EQ(d.name, "lambada_openai_nopad");
    EXPECT_EQ(d.scorer, "lambada");                               // from the base
    EXPECT_EQ(d.data_path, "lambada_openai/lambada_test.jsonl");  // from the base
    EXPECT_EQ(d.options.at("pad").get<std::string>(), "");        // overridden
    EXPECT_FALSE(d.merged.contains("include"));
    const auto w = tasks::load_task_definition(defs + "/wikitext2.json");
    EXPECT_EQ(w.options.at("normalize").get<std::string>(), "crlf_to_lf");
    EXPECT_EQ(w.metrics.size(), 3u);
}

TEST(TaskDefinition, MistakesNameFileAndKey) {
    EXPECT_EQ(error_of(good), "(no error)");
    const auto with = [&](const std::string& from, const std::string& to) {
        std::string s = good;
        s.replace(s.find(from), from.size(), to);
        return error_of(s);
    };
    EXPECT_NE(with("\"version\": 1", "\"version\": 0").find("t.json: version: expected an integer >= 1"),
              std::string::npos);
    EXPECT_NE(with("\"scorer\": \"lambada\"", "\"scorer\": \"exec\"").find("scorer: 'exec' is not one of"),
              std::string::npos);
    EXPECT_NE(with("lambada_jsonl", "csv").find("dataset.format: 'csv' is not a format the lambada scorer reads"),
              std::string::npos);
    EXPECT_NE(with("\"metric\": \"acc\"", "\"metric\": \"bleu\"").find("metrics: 'bleu' is not a metric"),
              std::string::npos);
    EXPECT_NE(with("\"task\": \"t\",", "\"task\": \"t\", \"doc_to_text\": \"{{x}}\",").find("doc_to_text: unknown key"),
              std::string::npos);
    EXPECT_NE(with("\"metrics\"", "\"options\": {\"stride\": 2}, \"metrics\"")
                  .find("options.stride: not an option of the lambada scorer"),
              std::string::npos);
    EXPECT_NE(with("\"higher_is_better\": true", "\"higher_is_better\": \"yes\"").find("boolean \"higher_is_better\""),
              std::string::npos);
    // Include cycles are named, file by file.
    EXPECT_NE(error_of("{\"task\": \"t\", \"include\": \"t.json\"}").find("t.json: include: an include cycle: t.json -> t.json"),
              std::string::npos);
    write("u.json", "{\"include\": \"t.json\"}");
    EXPECT_NE(error_of("{\"task\": \"t\", \"include\": \"u.json\"}").find("an include cycle: t.json -> u.json -> t.json"),
              std::string::npos);
    EXPECT_NE(error_of("[1, 2]").find("expected a JSON object"), std::string::npos);
    EXPECT_NE(error_of("{\"task\": ").find("malformed JSON"), std::string::npos);
    // Formats that build prompts need the words of each language.
    const std::string xcopa = R"({"task": "x", "version": 1, "scorer": "multiple_choice",
      "dataset": {"path": "xcopa/test.{lang}.jsonl", "format": "xcopa"}, "options": {"words": {"it": {"cause": "perché"}}},
      "metrics": [{"metric": "acc", "aggregation": "mean", "higher_is_better": true}]})";
    EXPECT_NE(error_of(xcopa).find("options.words.it.effect: expected a string"), std::string::npos);
}

TEST(TaskDefinition, OverridesAreValidatedToo) {
    const auto d = tasks::load_task_definition(defs + "/scaling.json");
    EXPECT_EQ(tasks::with_options(d, {{"repeats", 2}}).options.at("repeats").get<int>(), 2);
    EXPECT_THROW(tasks::with_options(d, {{"repeats", -1}}), harness::input_error);
    EXPECT_THROW(tasks::with_options(d, {{"prompt_tokens", 0}}), harness::input_error);
    EXPECT_NO_THROW(tasks::with_options(d, {{"warmup_tokens", 0}}));
    EXPECT_THROW(tasks::with_options(d, {{"prefill_lengths", nlohmann::json::array()}}), harness::input_error);
    EXPECT_THROW(tasks::with_options(d, {{"no_such_option", 1}}), harness::input_error);
}

// The requests each task version asks of a model, before tokenization, on
// the shipped data. A change here changes scores: bump the task's "version"
// (with a dated line in tasks/definitions/README.md) and update the hash.
TEST(TaskDefinition, RequestHashesArePinned) {
    const std::vector<std::pair<std::string, std::string>> pinned = {
        {"bpb_flores", "467be3dd15f867a868bac5dc1f4fdfa196a27ad6e8ee00b082e9bb6a8764fc33"},
        {"bpb_udhr", "9cbdef60b526855d318b46cc94f1f686730881052393edae01cb32f57bfd0004"},
        {"kl_divergence", "42fece2dc99c411b98ae2d4f3ec851bfb0cbb0b5615d6357ea2a0f7997bd3f11"},
        {"lambada_openai", "b6dcb03c7908238be261cf4310f0901898c5933c6632830850a758d2bb220e00"},
        {"lambada_openai_nopad", "90a684ff41f9610ae14120cc04e83c457d92ae05ce3184a9d399fb57a7dcfce8"},
        {"pawsx", "e6761a5bb838b5b2b1d64c12d48c2b98d85b9d102fa8fc67ef79e85656a0ed0b"},
        {"wikitext2", "ad9d771db34173f9f23cdce73b90848cb13260407be02a8c41e27c3a350931a2"},
        {"xcopa", "8752faf484ee22829a463c3c3deb53384ffec6b363cab891767ec9a61551353a"},
        {"xstorycloze", "a400d96d55627e631879bb75adbbbdc8db1a063cdc556e1d99bda86d759f9ad1"},
        {"xwinograd", "2362a0e0e7ce90e199463228412d6c558a64e16dc9365c1c555c4b6c2bc0a515"},
    };
    tasks::task_catalog catalog(defs);
    for (const auto& [name, hash] : pinned) {
        const auto& d = catalog.task(name);
        const auto built = tasks::build_requests(d, {datasets::data_folders(data, data), "", {}, std::nullopt});
        EXPECT_EQ(tasks::requests_hash(d, built.requests), hash)
            << name << " v" << d.version << ": its requests changed";
    }
}

}  // namespace
