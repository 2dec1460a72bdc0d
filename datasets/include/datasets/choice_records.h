// The multiple-choice data sets, one reader per file format. Each reader
// validates every row (errors name the file and line) and returns typed
// records; turning a record into a prompt is the task's job (tasks/). Every
// record keeps its source as a JSON object (`doc`): the JSONL object as it
// is, or a table row keyed by its column names. Its canonical serialisation
// (sorted keys, UTF-8, no insignificant whitespace) is what doc_hash hashes.
//
// Adding a data set: a record type and reader here, its .cpp under src/, and
// one line in tasks/src/choice_formats.cpp's table.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace datasets {

struct source_row {
    std::int64_t line = 0;  // 1-based line in the file
    nlohmann::json doc;     // the source record
};

// XCOPA (test.{lang}.jsonl): premise, choice1, choice2, question
// ("cause"|"effect"), label (0|1).
struct xcopa_record {
    source_row src;
    std::string premise, choice1, choice2;
    bool effect = false;
    int label = 0;
};
std::vector<xcopa_record> read_xcopa(const std::string& path);

// XStoryCloze (tab-separated with a header): InputStoryid, four
// InputSentence columns, two RandomFifthSentenceQuiz endings, AnswerRightEnding (1|2).
struct xstorycloze_record {
    source_row src;
    std::string story_id;
    std::array<std::string, 4> sentences;
    std::array<std::string, 2> endings;
    int right_ending = 0;  // 0 or 1
};
std::vector<xstorycloze_record> read_xstorycloze(const std::string& path);

// XWinograd (dataset.tsv, every language in one file): lang, source, id,
// text, tokens (a JSON list), pronoun ([text, [start, end), tokens]) and
// candidates ([[text, [start, end), tokens, is_correct], ...]). Token ranges
// are resolved to byte offsets in the text (tokens are found in order;
// PTB quotes `` and '' match '"').
struct xwinograd_record {
    source_row src;
    std::string language;
    std::string text;
    std::size_t pronoun_begin = 0, pronoun_end = 0;  // bytes of the text
    std::vector<std::string> candidates;
    int correct = 0;  // the one candidate marked true
};
std::vector<xwinograd_record> read_xwinograd(const std::string& path);

// PAWS-X (dev-{lang}.tsv, CSV quoting): sentence1, sentence2, label (0|1).
struct pawsx_record {
    source_row src;
    std::string sentence1, sentence2;
    bool paraphrase = false;
};
std::vector<pawsx_record> read_pawsx(const std::string& path);

// XNLI in XTREME's layout (dev-{lang}.tsv): premise, hypothesis, label
// (entailment|neutral|contradiction, as 0|1|2).
struct xnli_record {
    source_row src;
    std::string premise, hypothesis;
    int label = 0;
};
std::vector<xnli_record> read_xnli(const std::string& path);

// Any multiple-choice set in a plain JSONL form, for users' own data and the
// tests: {"id": "...", "context": "...", "choices": ["...", ...], "gold": N}
// with at least 2 non-empty choices and N an index into them; ids unique.
struct choices_record {
    source_row src;
    std::string id, context;
    std::vector<std::string> choices;
    int gold = 0;
};
std::vector<choices_record> read_choices_jsonl(const std::string& path);

}  // namespace datasets
