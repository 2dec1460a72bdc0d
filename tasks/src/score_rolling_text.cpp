// The rolling_text scorer: one stream, every token scored once after the pad
// (RWKV carries its state; transformers slide windows at their context limit
// with options.stride, 0 = half the limit). Token perplexity, word
// perplexity (whitespace-separated words) and bits per UTF-8 byte.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "datasets/text_table.h"
#include "harness/errors.h"
#include "harness/sha256.h"
#include "task_context.h"
#include "tasks/scorer.h"

namespace tasks {
namespace {

// options.normalize "crlf_to_lf": CRLF line endings fed as LF.
std::string crlf_to_lf(const std::string& text) {
    std::string lf;
    lf.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i)
        if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) lf += text[i];
    return lf;
}

// The first `lines` lines, each with its line ending.
std::string first_lines(const std::string& text, std::size_t lines) {
    std::size_t at = 0;
    for (std::size_t n = 0; n < lines && at < text.size(); ++n) {
        const std::size_t nl = text.find('\n', at);
        at = nl == std::string::npos ? text.size() : nl + 1;
    }
    return text.substr(0, at);
}

// The per-unit sums that paired tests pair: blocks of options.unit_tokens
// (default 1024) scored tokens, with the bytes those tokens decode to.
void add_units(reports::stream_outcome& o, const std::vector<double>& token_nll, const std::vector<std::int32_t>& body,
               const task_context& c) {
    const auto unit = static_cast<std::size_t>(std::max<std::int64_t>(1, c.def.options.value("unit_tokens", 1024)));
    const std::size_t first = body.size() - token_nll.size();  // the unscored first token, without a pad
    for (std::size_t start = 0; start < token_nll.size(); start += unit) {
        const std::size_t end = std::min(token_nll.size(), start + unit);
        double nll = 0;
        std::int64_t bytes = 0;
        for (std::size_t i = start; i < end; ++i) {
            nll += token_nll[i];
            bytes += static_cast<std::int64_t>(c.tok.decode(std::span(&body[first + i], 1)).size());
        }
        o.unit_nll.push_back(nll);
        o.unit_tokens.push_back(static_cast<std::int64_t>(end - start));
        o.unit_bytes.push_back(bytes);
    }
}

}  // namespace

// One rolling request: the text (normalised; `limit` = its first N lines).
// Its id is the file's name; its doc {"file", "sha256"} (the text itself is
// the continuation).
task_requests rolling_text_requests(const task_definition& d, const task_input& in) {
    std::string path;
    if (d.data_path == "--data") {
        if (in.data_file.empty()) throw harness::usage_error("task " + d.name + " needs --data FILE");
        path = in.data_file;
    } else {
        path = in.folders.path(d.data_path);
    }
    std::string text = datasets::read_text(path);
    if (d.options.value("normalize", std::string("none")) == "crlf_to_lf") text = crlf_to_lf(text);
    if (in.limit) text = first_lines(text, *in.limit);
    if (text.empty()) throw harness::input_error(path + ": no text to score");
    const std::string name = std::filesystem::path(path).filename().string();
    task_requests out;
    out.requests.push_back(make_request(request_kind::rolling, name, "", {}, {text}, -1,
                                        {{"file", name}, {"sha256", harness::sha256_hex(text)}}));
    return out;
}

void score_rolling_text(task_context& c, const std::vector<request>& requests) {
    const request& r = requests.at(0);
    const std::string& text = r.continuations.at(0);
    auto done = c.done_as<reports::stream_outcome>(r);
    if (!done) {
        const auto body = c.tok.encode(text);
        const std::vector<double> token_nll =
            body_token_nll(c.engine, c.pad_ids(), body, c.def.options.value("stride", std::int64_t{0}));
        reports::stream_outcome o;
        for (const double x : token_nll) o.nll += x;  // in token order, as nll_after_pad
        o.n_tokens = static_cast<std::int64_t>(body.size()), o.n_bytes = static_cast<std::int64_t>(text.size());
        std::istringstream ws(text);
        for (std::string w; ws >> w;) ++o.n_words;
        add_units(o, token_nll, body, c);
        done = c.record_as(r, o);
    }
    const double nll = done->nll;
    const std::int64_t n_tok = done->n_tokens, n_bytes = done->n_bytes, n_words = done->n_words;
    const auto per = [](double x, std::int64_t n) { return x / static_cast<double>(std::max<std::int64_t>(n, 1)); };
    // One stream: no per-example spread, so no standard error (reported as 0).
    c.add("token_perplexity", std::exp(per(nll, n_tok)), 0, n_tok);
    c.add("word_perplexity", std::exp(per(nll, n_words)), 0, n_words);
    c.add("bits_per_byte", per(nll, n_bytes) / std::log(2.0), 0, n_bytes);
}

// The text is a whole file: a sample names it through doc ({"file",
// "sha256"}), not a copy. One sample per unit (a list: sample_files.cpp
// writes a line each), keyed by the stream's doc_hash and the unit's place,
// so two runs with the same tokenizer pair unit by unit; a journal without
// units gives the stream as one sample.
nlohmann::json rolling_text_sample(const request& r, const nlohmann::json& record) {
    const auto o = record.get<reports::stream_outcome>();
    if (o.unit_nll.empty())
        return {{"target", ""},         {"arguments", nlohmann::json::array()},
                {"resps", {{-o.nll}}},  {"filtered_resps", {-o.nll}},
                {"nll", o.nll},         {"n_tokens", o.n_tokens},
                {"n_bytes", o.n_bytes}, {"n_words", o.n_words}};
    nlohmann::json units = nlohmann::json::array();
    std::int64_t first_token = 0;
    for (std::size_t k = 0; k < o.unit_nll.size(); ++k) {
        const std::int64_t end = first_token + o.unit_tokens[k];
        nlohmann::json doc = r.doc;
        doc["unit"] = k;
        doc["scored_tokens"] = {first_token, end};
        const double bits = o.unit_nll[k] / std::log(2.0);
        units.push_back({{"doc", doc},
                         {"doc_hash", harness::sha256_hex(r.doc_hash + ":" + std::to_string(k) + ":" +
                                                          std::to_string(first_token) + ":" + std::to_string(end))},
                         {"unit", k},
                         {"target", ""},
                         {"arguments", nlohmann::json::array()},
                         {"resps", {{-o.unit_nll[k]}}},
                         {"filtered_resps", {-o.unit_nll[k]}},
                         {"nll", o.unit_nll[k]},
                         {"bits", bits},
                         {"bytes", o.unit_bytes[k]},
                         {"tokens", o.unit_tokens[k]},
                         {"bits_per_byte", o.unit_bytes[k] > 0 ? bits / static_cast<double>(o.unit_bytes[k]) : 0.0}});
        first_token = end;
    }
    return units;
}

}  // namespace tasks
