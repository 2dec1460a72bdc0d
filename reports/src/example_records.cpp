#include "reports/example_records.h"

#include "field_readers.h"

namespace reports {

using json = nlohmann::json;

namespace {

// The index of the largest score(i), the first of equals.
template <class F>
std::size_t argmax(std::size_t n, F score) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < n; ++i)
        if (score(i) > score(best)) best = i;
    return best;
}

}  // namespace

std::size_t choice_outcome::predicted() const {
    return argmax(logprobs.size(), [&](std::size_t i) { return logprobs[i]; });
}

std::size_t choice_outcome::predicted_per_byte() const {
    return argmax(logprobs.size(), [&](std::size_t i) { return logprobs[i] / bytes[i]; });
}

void to_json(json& j, const example_header& h) {
    j = {{"task", h.task}, {"model", h.model}, {"example", h.example}};
    if (!h.language.empty()) j["language"] = h.language;
    if (!h.doc_hash.empty()) j["doc_hash"] = h.doc_hash;
    if (!h.prompt_hash.empty()) j["prompt_hash"] = h.prompt_hash;
    if (!h.target_hash.empty()) j["target_hash"] = h.target_hash;
}

void from_json(const json& j, example_header& h) {
    h.task = required<std::string>(j, "task");
    h.model = required<std::string>(j, "model");
    h.example = required<std::string>(j, "example");
    h.language = optional_or<std::string>(j, "language", "");
    h.doc_hash = optional_or<std::string>(j, "doc_hash", "");
    h.prompt_hash = optional_or<std::string>(j, "prompt_hash", "");
    h.target_hash = optional_or<std::string>(j, "target_hash", "");
}

void to_json(json& j, const choice_outcome& o) { j = {{"logprobs", o.logprobs}, {"bytes", o.bytes}, {"gold", o.gold}}; }

void from_json(const json& j, choice_outcome& o) {
    o.logprobs = required<std::vector<double>>(j, "logprobs");
    o.bytes = required<std::vector<double>>(j, "bytes");
    o.gold = required<int>(j, "gold");
    if (o.logprobs.empty() || o.bytes.size() != o.logprobs.size())
        throw field_error("bytes", false, "logprobs and bytes must be non-empty lists of one length (one per choice)");
    if (o.gold < 0 || static_cast<std::size_t>(o.gold) >= o.logprobs.size())
        throw field_error(
            "gold", false,
            "gold " + std::to_string(o.gold) + " is not one of the " + std::to_string(o.logprobs.size()) + " choices");
}

void to_json(json& j, const target_outcome& o) {
    j = {{"logprob", o.logprob}, {"greedy", o.greedy}, {"n_tokens", o.n_tokens}};
}

void from_json(const json& j, target_outcome& o) {
    o.logprob = required<double>(j, "logprob");
    o.greedy = required<bool>(j, "greedy");
    o.n_tokens = required<std::int64_t>(j, "n_tokens");
}

void to_json(json& j, const line_outcome& o) { j = {{"nll", o.nll}, {"bytes", o.bytes}, {"tokens", o.tokens}}; }

void from_json(const json& j, line_outcome& o) {
    o.nll = required<double>(j, "nll");
    o.bytes = required<std::int64_t>(j, "bytes");
    o.tokens = required<std::int64_t>(j, "tokens");
}

void to_json(json& j, const stream_outcome& o) {
    j = {{"nll", o.nll}, {"n_tokens", o.n_tokens}, {"n_bytes", o.n_bytes}, {"n_words", o.n_words}};
    if (!o.unit_nll.empty())
        j.update({{"unit_nll", o.unit_nll}, {"unit_tokens", o.unit_tokens}, {"unit_bytes", o.unit_bytes}});
}

void from_json(const json& j, stream_outcome& o) {
    o.nll = required<double>(j, "nll");
    o.n_tokens = required<std::int64_t>(j, "n_tokens");
    o.n_bytes = required<std::int64_t>(j, "n_bytes");
    o.n_words = required<std::int64_t>(j, "n_words");
    o.unit_nll = optional_or<std::vector<double>>(j, "unit_nll", {});
    o.unit_tokens = optional_or<std::vector<std::int64_t>>(j, "unit_tokens", {});
    o.unit_bytes = optional_or<std::vector<std::int64_t>>(j, "unit_bytes", {});
    if (o.unit_tokens.size() != o.unit_nll.size() || o.unit_bytes.size() != o.unit_nll.size())
        throw field_error("unit_tokens", false, "unit_nll, unit_tokens and unit_bytes differ in length");
}

void to_json(json& j, const continuation_outcome& o) {
    j = {
        {"prompt", o.prompt}, {"continuation", o.continuation}, {"n_tokens", o.n_tokens}, {"valid_utf8", o.valid_utf8}};
}

void from_json(const json& j, continuation_outcome& o) {
    o.prompt = required<std::string>(j, "prompt");
    o.continuation = required<std::string>(j, "continuation");
    o.n_tokens = required<std::int64_t>(j, "n_tokens");
    o.valid_utf8 = required<bool>(j, "valid_utf8");
}

}  // namespace reports
