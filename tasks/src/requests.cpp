#include "tasks/requests.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <map>

#include "datasets/lambada.h"
#include "datasets/language_files.h"
#include "datasets/manifest.h"
#include "harness/errors.h"
#include "harness/read_file.h"
#include "harness/sha256.h"
#include "harness/utf8.h"

namespace tasks {
namespace {

using json = nlohmann::json;

[[noreturn]] void bad_row(const std::string& path, std::int64_t line, const std::string& what) {
    throw harness::input_error(path, "line", static_cast<std::uint64_t>(line), what);
}

// The prompt words of `lang` from options.words (validated to exist per language at load).
const json& words_for(const task_definition& d, const std::string& lang) {
    const json& w = d.options.at("words");
    if (!w.contains(lang))
        throw harness::input_error(d.file + ": options.words." + lang + ": no prompt words for language '" + lang +
                                   "'");
    return w.at(lang);
}

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

std::vector<choice_example> xcopa(const std::string& path, const json& words, std::optional<std::size_t> limit) {
    std::vector<choice_example> out;
    for (const auto& row : datasets::read_jsonl(path, limit)) {
        const std::string q = datasets::string_field(row, "question", path);
        if (q != "cause" && q != "effect") bad_row(path, row.line, "\"question\" must be \"cause\" or \"effect\"");
        const std::int64_t label = datasets::int_field(row, "label", path);
        if (label != 0 && label != 1) bad_row(path, row.line, "\"label\" must be 0 or 1");
        out.push_back(
            {std::to_string(row.line),
             {without_final_punctuation(datasets::string_field(row, "premise", path)) + " " + word(words, q.c_str())},
             {" " + lower_first(datasets::string_field(row, "choice1", path)),
              " " + lower_first(datasets::string_field(row, "choice2", path))},
             static_cast<int>(label)});
    }
    return out;
}

std::vector<choice_example> xstorycloze(const std::string& path, std::optional<std::size_t> limit) {
    std::vector<choice_example> out;
    for (const auto& row : datasets::read_tsv(path, {.columns = 8, .header = true}, limit)) {
        const auto& f = row.fields;
        for (std::size_t i = 1; i < 7; ++i)
            if (f[i].empty()) bad_row(path, row.line, "column " + std::to_string(i + 1) + " is empty");
        if (f[7] != "1" && f[7] != "2") bad_row(path, row.line, "AnswerRightEnding must be 1 or 2, got '" + f[7] + "'");
        out.push_back(
            {f[0], {f[1] + " " + f[2] + " " + f[3] + " " + f[4]}, {" " + f[5], " " + f[6]}, f[7] == "1" ? 0 : 1});
    }
    return out;
}

// XWinograd: the pronoun and candidates are token ranges over column 5's
// tokens. Tokens are found in the text in order, which gives their byte
// offsets; each candidate replaces the pronoun, the context ends with the
// candidate and the continuation is the text after the pronoun, as is
// (partial scoring; whole-sentence scoring where the span ends the text).
std::map<std::string, std::vector<choice_example>> xwinograd(const std::string& path,
                                                             std::optional<std::size_t> limit) {
    std::map<std::string, std::vector<choice_example>> out;
    for (const auto& row : datasets::read_tsv(path, {.columns = 7})) {
        const auto& f = row.fields;
        auto& examples = out[f[0]];
        if (limit && examples.size() >= *limit) continue;
        json tokens, pronoun, candidates;
        try {
            tokens = json::parse(f[4]), pronoun = json::parse(f[5]), candidates = json::parse(f[6]);
        } catch (const json::exception& e) {
            bad_row(path, row.line, std::string("malformed JSON in columns 5-7: ") + e.what());
        }
        const std::string& text = f[3];
        std::vector<std::pair<std::size_t, std::size_t>> spans;  // byte [begin, end) of each token
        std::size_t at = 0;
        for (const auto& t : tokens) {
            if (!t.is_string()) bad_row(path, row.line, "column 5 must be a list of strings");
            std::string tok = t.get<std::string>();
            std::size_t pos = text.find(tok, at);
            if (pos == std::string::npos && (tok == "``" || tok == "''")) pos = text.find('"', at), tok = "\"";
            if (pos == std::string::npos) bad_row(path, row.line, "token '" + tok + "' not found in the text");
            spans.emplace_back(pos, pos + tok.size());
            at = pos + tok.size();
        }
        const auto range = [&](const json& r) -> std::pair<std::size_t, std::size_t> {
            if (!r.is_array() || r.size() != 2 || !r[0].is_number_integer() || !r[1].is_number_integer() ||
                r[0].get<std::int64_t>() < 0 || r[0].get<std::int64_t>() >= r[1].get<std::int64_t>() ||
                r[1].get<std::size_t>() > spans.size())
                bad_row(path, row.line, "a token range [start, end) outside the tokens");
            return {spans[r[0].get<std::size_t>()].first, spans[r[1].get<std::size_t>() - 1].second};
        };
        if (!pronoun.is_array() || pronoun.size() != 3)
            bad_row(path, row.line, "column 6 must be [text, [start, end), tokens]");
        const auto [p_begin, p_end] = range(pronoun[1]);
        choice_example ex{std::to_string(row.line), {}, {text.substr(p_end)}, -1};
        if (!candidates.is_array() || candidates.size() < 2)
            bad_row(path, row.line, "column 7 must list at least 2 candidates");
        for (const auto& c : candidates) {
            if (!c.is_array() || c.size() != 4 || !c[0].is_string() || !c[3].is_boolean())
                bad_row(path, row.line, "a candidate must be [text, [start, end), tokens, is_correct]");
            ex.contexts.push_back(text.substr(0, p_begin) + c[0].get<std::string>());
            if (c[3].get<bool>()) {
                if (ex.gold >= 0) bad_row(path, row.line, "more than one candidate is marked correct");
                ex.gold = static_cast<int>(ex.contexts.size() - 1);
            }
        }
        if (ex.gold < 0) bad_row(path, row.line, "no candidate is marked correct");
        if (text.find_first_not_of(" \t", p_end) == std::string::npos) {
            // The marked span ends the sentence (10 ru rows include the final "."): nothing but
            // blanks is left to score partially, so score each whole sentence with the candidate in place.
            ex.continuations.clear();
            for (auto& ctx : ex.contexts) ex.continuations.push_back(ctx + text.substr(p_end));
            ex.contexts = {""};
        }
        examples.push_back(std::move(ex));
    }
    return out;
}

std::vector<choice_example> pawsx(const std::string& path, const json& words, std::optional<std::size_t> limit) {
    std::vector<choice_example> out;
    const std::string q = word(words, "question"), yes = word(words, "yes"), no = word(words, "no");
    for (const auto& row : datasets::read_tsv(path, {.columns = 3, .quoted = true}, limit)) {
        const auto& f = row.fields;
        if (f[0].empty() || f[1].empty()) bad_row(path, row.line, "an empty sentence");
        if (f[2] != "0" && f[2] != "1") bad_row(path, row.line, "label must be 0 or 1, got '" + f[2] + "'");
        // Choices in label order: 0 = not a paraphrase ("No"), 1 = paraphrase ("Yes").
        out.push_back({std::to_string(row.line),
                       {""},
                       {f[0] + ", " + q + "? " + no + ", " + f[1], f[0] + ", " + q + "? " + yes + ", " + f[1]},
                       f[2] == "1" ? 1 : 0});
    }
    return out;
}

std::vector<choice_example> xnli(const std::string& path, const json& words, std::optional<std::size_t> limit) {
    std::vector<choice_example> out;
    const std::vector<std::string> labels = {"entailment", "neutral", "contradiction"};
    for (const auto& row : datasets::read_tsv(path, {.columns = 3}, limit)) {
        const auto& f = row.fields;
        if (f[0].empty() || f[1].empty()) bad_row(path, row.line, "an empty sentence");
        const auto it = std::find(labels.begin(), labels.end(), f[2]);
        if (it == labels.end())
            bad_row(path, row.line, "label must be entailment, neutral or contradiction, got '" + f[2] + "'");
        choice_example ex{std::to_string(row.line),
                          {f[0] + ", " + word(words, "question") + "?"},
                          {},
                          static_cast<int>(it - labels.begin())};
        for (const auto& l : labels)
            ex.continuations.push_back(std::string(" ").append(word(words, l.c_str())).append(", ").append(f[1]));
        out.push_back(std::move(ex));
    }
    return out;
}

std::string strip_blanks(const std::string& s) {
    const std::size_t b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

}  // namespace

std::vector<std::string> task_languages(const task_definition& d, const std::string& data_dir,
                                        const std::vector<std::string>& wanted) {
    if (!d.per_language()) return {};
    std::vector<std::string> have;
    if (d.format == "xwinograd") {
        for (const auto& [lang, ex] : xwinograd(data_dir + "/" + d.data_path, 1)) have.push_back(lang);
    } else {
        have = datasets::languages_of_pattern(data_dir, d.data_path);
    }
    if (wanted.empty()) return have;
    std::vector<std::string> out;
    for (const auto& w : wanted)
        if (std::find(have.begin(), have.end(), w) != have.end()) out.push_back(w);
    return out;
}

std::vector<choice_set> load_choice_sets(const task_definition& d, const std::string& data_dir,
                                         const std::vector<std::string>& langs, std::optional<std::size_t> limit) {
    std::vector<choice_set> out;
    if (d.format == "xwinograd") {
        auto all = xwinograd(data_dir + "/" + d.data_path, limit);
        for (const auto& l : langs) out.push_back({l, std::move(all.at(l))});
        return out;
    }
    for (const auto& l : langs) {
        const std::string path = datasets::path_for_language(data_dir, d.data_path, l);
        if (d.format == "xcopa")
            out.push_back({l, xcopa(path, words_for(d, l), limit)});
        else if (d.format == "xstorycloze")
            out.push_back({l, xstorycloze(path, limit)});
        else if (d.format == "pawsx")
            out.push_back({l, pawsx(path, words_for(d, l), limit)});
        else if (d.format == "xnli")
            out.push_back({l, xnli(path, words_for(d, l), limit)});
        else
            throw harness::input_error(d.file + ": dataset.format: '" + d.format + "' is not a multiple-choice format");
    }
    return out;
}

std::vector<line_set> load_line_sets(const task_definition& d, const std::string& data_dir,
                                     const std::vector<std::string>& langs, std::optional<std::size_t> limit) {
    std::vector<line_set> out;
    for (const auto& l : langs) {
        const std::string path = datasets::path_for_language(data_dir, d.data_path, l);
        line_set s{l, {}};
        for (auto& line : datasets::read_lines(path)) {
            if (limit && s.lines.size() >= *limit) break;
            if (d.format == "udhr") {
                if (line.line <= 6) continue;  // title, copyright, credit (2 lines), "---", blank
                line.text = strip_blanks(line.text);
                if (line.text.empty()) continue;
            } else if (line.text.empty()) {
                throw harness::input_error(path, "line", static_cast<std::uint64_t>(line.line), "empty sentence");
            }
            s.lines.push_back(std::move(line));
        }
        if (s.lines.empty()) throw harness::input_error(path + ": no text to score");
        out.push_back(std::move(s));
    }
    return out;
}

std::string load_rolling_text(const task_definition& d, const std::string& path, std::optional<std::size_t> limit) {
    datasets::check_against_manifest(path);
    std::string text = harness::read_file(path);
    if (const std::size_t bad = harness::find_invalid_utf8(text); bad != std::string::npos)
        throw harness::input_error(path, "byte", bad, "invalid UTF-8");
    if (d.options.value("normalize", std::string("none")) == "crlf_to_lf") {
        std::string lf;
        lf.reserve(text.size());
        for (std::size_t i = 0; i < text.size(); ++i)
            if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) lf += text[i];
        text = std::move(lf);
    }
    if (limit) {  // the first N lines, each with its line ending
        std::size_t at = 0;
        for (std::size_t n = 0; n < *limit && at < text.size(); ++n) {
            const std::size_t nl = text.find('\n', at);
            at = nl == std::string::npos ? text.size() : nl + 1;
        }
        text.resize(at);
    }
    if (text.empty()) throw harness::input_error(path + ": no text to score");
    return text;
}

std::string requests_hash(const task_definition& d, const std::string& data_dir, const std::vector<std::string>& langs,
                          std::optional<std::size_t> limit, const std::string& data_file) {
    harness::sha256 h;
    const auto field = [&](const std::string& s) { h.update(s).update(std::string_view("\x1E", 1)); };
    field(d.name + "/v" + std::to_string(d.version));
    field(d.options.dump());
    if (d.scorer == "multiple_choice") {
        for (const auto& set : load_choice_sets(d, data_dir, langs, limit))
            for (const auto& ex : set.examples) {
                field(set.language), field(ex.id), field(std::to_string(ex.gold));
                for (const auto& c : ex.contexts) field(c);
                for (const auto& c : ex.continuations) field(c);
            }
    } else if (d.scorer == "bpb_lines") {
        for (const auto& set : load_line_sets(d, data_dir, langs, limit))
            for (const auto& l : set.lines) field(set.language), field(l.text);
    } else if (d.scorer == "lambada") {
        for (const auto& ex : datasets::load_lambada(data_dir + "/" + d.data_path, limit))
            field(ex.context), field(ex.target);
    } else if (d.scorer == "rolling_text") {
        field(load_rolling_text(d, d.data_path == "--data" ? data_file : data_dir + "/" + d.data_path, limit));
    }
    return h.hex_digest();
}

}  // namespace tasks
