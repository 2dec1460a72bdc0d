// Tokenizers against the reference ids in tests/data/tokenizers (official
// TRIE_TOKENIZER for RWKV World; the Hugging Face tokenizers library for
// GPT-NeoX-20B), round trips, and bad input.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "engines/tokenizer.h"
#include "harness/errors.h"
#include "harness/timing.h"
#include "test_paths.h"

namespace {

using namespace engines;

const std::string data_dir = test_paths::data();
const std::string world_vocab = test_paths::source() + "/datasets/tokenizers/rwkv_vocab_v20230424.txt";
const std::string neox_json = test_paths::source() + "/datasets/tokenizers/20B_tokenizer.json";

std::vector<nlohmann::json> golden_cases() {
    std::ifstream in(data_dir + "/tokenizers/tokenizer_cases.jsonl");
    std::vector<nlohmann::json> cases;
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) cases.push_back(nlohmann::json::parse(line));
    return cases;
}

const tokenizer& world() {
    static const auto t = load_tokenizer(world_vocab);
    return *t;
}
const tokenizer& neox() {
    static const auto t = load_tokenizer(neox_json);
    return *t;
}

TEST(Tokenizers, GoldenCasesArePresent) { EXPECT_EQ(golden_cases().size(), 86u); }

TEST(Tokenizers, WorldMatchesTheReferenceIds) {
    for (const auto& c : golden_cases()) {
        const std::string text = c.at("text").get<std::string>();
        EXPECT_EQ(world().encode(text), c.at("world_ids").get<std::vector<std::int32_t>>()) << c.at("id");
        EXPECT_EQ(world().decode(c.at("world_ids").get<std::vector<std::int32_t>>()), text) << c.at("id");
    }
}

TEST(Tokenizers, NeoxMatchesTheReferenceIds) {
    for (const auto& c : golden_cases()) {
        const std::string text = c.at("text").get<std::string>();
        EXPECT_EQ(neox().encode(text), c.at("neox20b_ids").get<std::vector<std::int32_t>>()) << c.at("id");
        // Round trip, except where NFC changes the text (the golden says what to expect).
        const std::string expected = c.contains("neox20b_decoded") ? c.at("neox20b_decoded").get<std::string>() : text;
        EXPECT_EQ(neox().decode(c.at("neox20b_ids").get<std::vector<std::int32_t>>()), expected) << c.at("id");
    }
}

TEST(Tokenizers, NewlinePadIds) {
    // LAMBADA's pad token: the encoding of "\n" (DESIGN.md).
    EXPECT_EQ(neox().encode("\n"), std::vector<std::int32_t>{187});
    EXPECT_EQ(world().encode("\n"), std::vector<std::int32_t>{11});
    EXPECT_EQ(make_byte_tokenizer()->encode("\n"), std::vector<std::int32_t>{10});
}

TEST(Tokenizers, VocabSizes) {
    EXPECT_EQ(world().vocab_size(), 65530);  // ids 0..65529
    EXPECT_EQ(neox().vocab_size(), 50277);
    EXPECT_EQ(make_byte_tokenizer()->vocab_size(), 256);
}

TEST(Tokenizers, WorldTakesAnyBytes) {
    const std::string bad = "ok\xff\xfe\xc3";
    EXPECT_EQ(world().decode(world().encode(bad)), bad);
}

TEST(Tokenizers, NeoxRejectsInvalidUtf8WithTheOffset) {
    try {
        neox().encode("abc\xc3(");
        FAIL();
    } catch (const harness::input_error& e) {
        EXPECT_NE(std::string(e.what()).find("byte 3: invalid UTF-8"), std::string::npos) << e.what();
    }
}

TEST(Tokenizers, UnknownIdsAreErrors) {
    EXPECT_THROW(world().decode(std::vector<std::int32_t>{70000}), harness::input_error);
    EXPECT_THROW(neox().decode(std::vector<std::int32_t>{-1}), harness::input_error);
    EXPECT_THROW(make_byte_tokenizer()->decode(std::vector<std::int32_t>{256}), harness::input_error);
}

TEST(Tokenizers, EndOfTextInTextIsSpecialOnlyForNeox) {
    EXPECT_EQ(neox().encode("a<|endoftext|>b"), (std::vector<std::int32_t>{66, 0, 67}));
    EXPECT_GT(world().encode("<|endoftext|>").size(), 1u);
}

TEST(Tokenizers, ChosenByContentNotExtension) {
    const std::string copy = testing::TempDir() + "/vocab_without_extension";
    std::ifstream src(world_vocab, std::ios::binary);
    std::ofstream(copy, std::ios::binary) << src.rdbuf();
    EXPECT_EQ(load_tokenizer(copy)->kind(), "rwkv-world");
    EXPECT_EQ(load_tokenizer("bytes")->kind(), "bytes");
}

TEST(Tokenizers, MalformedFilesNameTheLine) {
    const std::string bad = testing::TempDir() + "/bad_vocab.txt";
    std::ofstream(bad) << "1 'a' 1\n2 'bc' 3\n";
    try {
        load_tokenizer(bad);
        FAIL();
    } catch (const harness::input_error& e) {
        EXPECT_NE(std::string(e.what()).find("line 2: literal has 2 bytes, the line says 3"), std::string::npos) << e.what();
    }
    const std::string not_bpe = testing::TempDir() + "/wordpiece.json";
    std::ofstream(not_bpe) << R"({"model": {"type": "WordPiece", "vocab": {}}})";
    EXPECT_THROW(load_tokenizer(not_bpe), harness::input_error);
    EXPECT_THROW(load_tokenizer(testing::TempDir() + "/missing.json"), harness::input_error);
}

TEST(Tokenizers, NeoxLoadsFast) {
    harness::stopwatch clock;
    auto t = load_tokenizer(neox_json);
    // "Well under a second" on the 2-core CI machines; generous for sanitizer builds.
    EXPECT_LT(clock.elapsed_seconds(), 3.0);
    EXPECT_EQ(t->encode("hello world").size(), 2u);
}

}  // namespace
