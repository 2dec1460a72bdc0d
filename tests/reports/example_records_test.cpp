// The journal's per-example records: what a scorer writes reads back as the
// same outcome, a line of an earlier version (no hashes) still reads, and a
// damaged one is a field_error naming the field.
#include "reports/example_records.h"

#include <gtest/gtest.h>

namespace {

using json = nlohmann::json;

TEST(ExampleRecords, AJournalLineIsTheHeaderAndTheOutcomeSideBySide) {
    const reports::example_header h{"xcopa", "rwkv", "it:1", "it", "d", "p", "t"};
    const reports::choice_outcome o{{-12.5, -14.0}, {12, 11}, 0};
    json line = h;
    line.update(json(o));
    EXPECT_EQ(line.dump(),
              R"({"bytes":[12.0,11.0],"doc_hash":"d","example":"it:1","gold":0,"language":"it",)"
              R"("logprobs":[-12.5,-14.0],"model":"rwkv","prompt_hash":"p","target_hash":"t","task":"xcopa"})");
    const auto back = line.get<reports::choice_outcome>();
    EXPECT_EQ(back.logprobs, o.logprobs);
    EXPECT_EQ(back.bytes, o.bytes);
    EXPECT_EQ(back.gold, 0);
    const auto header = line.get<reports::example_header>();
    EXPECT_EQ(header.example, "it:1");
    EXPECT_EQ(header.doc_hash, "d");
}

TEST(ExampleRecords, ALineFromBeforeTheHashesStillReads) {
    const json old = {{"task", "lambada_openai"}, {"model", "m"},   {"example", "7"},
                      {"logprob", -3.5},          {"greedy", true}, {"n_tokens", 2}};
    const auto h = old.get<reports::example_header>();
    EXPECT_EQ(h.doc_hash, "");
    EXPECT_EQ(h.language, "");
    const auto o = old.get<reports::target_outcome>();
    EXPECT_EQ(o.logprob, -3.5);
    EXPECT_TRUE(o.greedy);
    EXPECT_EQ(json(h).contains("doc_hash"), false);  // written as it was read: no empty hashes
}

TEST(ExampleRecords, PredictionsTieToTheFirstChoiceAndNormaliseByBytes) {
    const reports::choice_outcome tie{{-2.0, -2.0, -3.0}, {1, 1, 1}, 1};
    EXPECT_EQ(tie.predicted(), 0u);
    EXPECT_FALSE(tie.correct());
    // -10 over 10 bytes beats -4 over 2: the per-byte choice differs from the raw one.
    const reports::choice_outcome norm{{-4.0, -10.0}, {2, 10}, 1};
    EXPECT_EQ(norm.predicted(), 0u);
    EXPECT_EQ(norm.predicted_per_byte(), 1u);
    EXPECT_TRUE(norm.correct_per_byte());
}

TEST(ExampleRecords, DamagedRecordsNameTheField) {
    const auto field_of = [](const json& j) -> std::string {
        try {
            (void)j.get<reports::choice_outcome>();
        } catch (const reports::field_error& e) {
            return e.key + (e.missing ? " missing" : " bad");
        }
        return "read";
    };
    EXPECT_EQ(field_of({{"bytes", {1}}, {"gold", 0}}), "logprobs missing");
    EXPECT_EQ(field_of({{"logprobs", "x"}, {"bytes", {1}}, {"gold", 0}}), "logprobs bad");
    EXPECT_EQ(field_of({{"logprobs", {-1.0, -2.0}}, {"bytes", {1}}, {"gold", 0}}), "bytes bad");
    EXPECT_EQ(field_of({{"logprobs", {-1.0, -2.0}}, {"bytes", {1, 1}}, {"gold", 2}}), "gold bad");
    EXPECT_EQ(field_of({{"logprobs", {-1.0, -2.0}}, {"bytes", {1, 1}}, {"gold", 1}}), "read");
    EXPECT_THROW((void)json({{"nll", 1.0}, {"bytes", 3}}).get<reports::line_outcome>(), reports::field_error);
    EXPECT_THROW(
        (void)json({{"nll", 1.0}, {"n_tokens", 1}, {"n_bytes", 1}, {"n_words", "1"}}).get<reports::stream_outcome>(),
        reports::field_error);
}

}  // namespace
