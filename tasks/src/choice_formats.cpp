#include "choice_formats.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "datasets/choice_records.h"

namespace tasks {
namespace {

using json = nlohmann::json;

std::string word(const json& words, const char* key) { return words.at(key).get<std::string>(); }

// XCOPA: drop the premise's final character only when it is punctuation
// (Thai and most Tamil premises have none).
std::string without_final_punctuation(std::string s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
    if (s.empty()) return s;
    auto i = static_cast<std::int32_t>(s.size());
    UChar32 c;
    U8_PREV(reinterpret_cast<const std::uint8_t*>(s.data()), 0, i, c);
    if (c >= 0 && u_ispunct(c)) s.resize(static_cast<std::size_t>(i));
    return s;
}

// lm-eval's convert_choice: the first character in lower case (Unicode-aware).
std::string lower_first(const std::string& s) {
    if (s.empty()) return s;
    std::int32_t i = 0;
    UChar32 c;
    U8_NEXT(reinterpret_cast<const std::uint8_t*>(s.data()), i, static_cast<std::int32_t>(s.size()), c);
    if (c < 0) return s;
    const UChar32 lower = u_tolower(c);
    char buf[4];
    std::int32_t n = 0;
    UBool error = false;
    U8_APPEND(reinterpret_cast<std::uint8_t*>(buf), n, 4, lower, error);
    if (error) return s;
    return std::string(buf, static_cast<std::size_t>(n)) + s.substr(static_cast<std::size_t>(i));
}

// "<premise without final punctuation> <because|therefore>" -> " <choice>".
std::vector<choice_item> xcopa(const std::string& path, const json& words) {
    std::vector<choice_item> out;
    for (auto& r : datasets::read_xcopa(path))
        out.push_back({std::to_string(r.src.line),
                       "",
                       {without_final_punctuation(r.premise) + " " + word(words, r.effect ? "effect" : "cause")},
                       {" " + lower_first(r.choice1), " " + lower_first(r.choice2)},
                       r.label,
                       std::move(r.src.doc)});
    return out;
}

// The four sentences joined by spaces -> " <ending>".
std::vector<choice_item> xstorycloze(const std::string& path, const json&) {
    std::vector<choice_item> out;
    for (auto& r : datasets::read_xstorycloze(path)) {
        const auto& s = r.sentences;
        out.push_back({r.story_id,
                       "",
                       {s[0] + " " + s[1] + " " + s[2] + " " + s[3]},
                       {" " + r.endings[0], " " + r.endings[1]},
                       r.right_ending,
                       std::move(r.src.doc)});
    }
    return out;
}

// Partial scoring: each candidate replaces the pronoun and ends its context;
// the shared continuation is the text after the pronoun, as is. Where the
// marked span ends the sentence (10 ru rows include the final ".") nothing
// but blanks is left to score partially, so each whole sentence with the
// candidate in place is scored instead.
std::vector<choice_item> xwinograd(const std::string& path, const json&) {
    std::vector<choice_item> out;
    for (auto& r : datasets::read_xwinograd(path)) {
        choice_item ex{std::to_string(r.src.line), r.language, {}, {r.text.substr(r.pronoun_end)}, r.correct,
                       std::move(r.src.doc)};
        for (const auto& c : r.candidates) ex.contexts.push_back(r.text.substr(0, r.pronoun_begin) + c);
        if (r.text.find_first_not_of(" \t", r.pronoun_end) == std::string::npos) {
            ex.continuations.clear();
            for (auto& ctx : ex.contexts) ex.continuations.push_back(ctx + r.text.substr(r.pronoun_end));
            ex.contexts = {""};
        }
        out.push_back(std::move(ex));
    }
    return out;
}

// "<s1>, <right>? <No|Yes>, <s2>" as two whole continuations, in label order.
std::vector<choice_item> pawsx(const std::string& path, const json& words) {
    std::vector<choice_item> out;
    const std::string q = word(words, "question"), yes = word(words, "yes"), no = word(words, "no");
    for (auto& r : datasets::read_pawsx(path))
        out.push_back({std::to_string(r.src.line),
                       "",
                       {""},
                       {r.sentence1 + ", " + q + "? " + no + ", " + r.sentence2,
                        r.sentence1 + ", " + q + "? " + yes + ", " + r.sentence2},
                       r.paraphrase ? 1 : 0,
                       std::move(r.src.doc)});
    return out;
}

// "<premise>, <right>?" -> " <Yes|Also|No>, <hypothesis>".
std::vector<choice_item> xnli(const std::string& path, const json& words) {
    std::vector<choice_item> out;
    for (auto& r : datasets::read_xnli(path)) {
        choice_item ex{std::to_string(r.src.line), "", {r.premise + ", " + word(words, "question") + "?"}, {}, r.label,
                       std::move(r.src.doc)};
        for (const char* l : {"entailment", "neutral", "contradiction"})
            ex.continuations.push_back(" " + word(words, l) + ", " + r.hypothesis);
        out.push_back(std::move(ex));
    }
    return out;
}

// "<context>" -> " <choice>".
std::vector<choice_item> choices_jsonl(const std::string& path, const json&) {
    std::vector<choice_item> out;
    for (auto& r : datasets::read_choices_jsonl(path)) {
        choice_item ex{r.id, "", {r.context}, {}, r.gold, std::move(r.src.doc)};
        for (const auto& c : r.choices) ex.continuations.push_back(" " + c);
        out.push_back(std::move(ex));
    }
    return out;
}

}  // namespace

const std::vector<choice_format>& choice_formats() {
    static const std::vector<choice_format> table = {
        {"xcopa", {"cause", "effect"}, false, xcopa},
        {"xstorycloze", {}, false, xstorycloze},
        {"xwinograd", {}, true, xwinograd},
        {"pawsx", {"question", "yes", "no"}, false, pawsx},
        {"xnli", {"question", "entailment", "neutral", "contradiction"}, false, xnli},
        {"choices_jsonl", {}, false, choices_jsonl},
    };
    return table;
}

const choice_format* find_choice_format(const std::string& name) {
    for (const auto& f : choice_formats())
        if (f.name == name) return &f;
    return nullptr;
}

}  // namespace tasks
