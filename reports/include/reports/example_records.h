// The per-example records of a run's journal (journal.jsonl): one JSON line
// per example a model scored, written by the task's scorer as soon as the
// example is done and read back on --resume, and by anything that pairs two
// runs example by example. A line is flat: the header's fields and the
// scorer's outcome side by side, e.g. for multiple choice
//
//   {"task":"xcopa","model":"rwkv","example":"it:1","language":"it",
//    "doc_hash":"…","prompt_hash":"…","target_hash":"…",
//    "logprobs":[-12.5,-14.0],"bytes":[12,11],"gold":0}
//
// The hashes are those of tasks/request.h; (task, doc_hash) names an example
// across runs and versions. Each outcome's from_json throws field_error for a
// missing or mistyped field and for values that do not fit together.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reports/report_model.h"

namespace reports {

struct example_header {
    std::string task, model, example;                // the journal's key: example is the request id ("it:12")
    std::string language;                            // "" when the task is not per language
    std::string doc_hash, prompt_hash, target_hash;  // "" in journals from before they were recorded
};

// multiple_choice: each choice's log-likelihood (nats) and its continuation's
// length in bytes, and the right choice.
struct choice_outcome {
    std::vector<double> logprobs, bytes;
    int gold = 0;
    // The choice with the highest log-likelihood (per byte); ties go to the
    // first, as numpy's argmax.
    std::size_t predicted() const;
    std::size_t predicted_per_byte() const;
    bool correct() const { return predicted() == static_cast<std::size_t>(gold); }
    bool correct_per_byte() const { return predicted_per_byte() == static_cast<std::size_t>(gold); }
};

// lambada: the target's log-likelihood (nats), whether greedy decoding
// produces it, and its length in tokens.
struct target_outcome {
    double logprob = 0;
    bool greedy = false;
    std::int64_t n_tokens = 0;
};

// bpb_lines: one line's negative log-likelihood (nats) after the pad, its
// bytes and its tokens.
struct line_outcome {
    double nll = 0;
    std::int64_t bytes = 0, tokens = 0;
};

// rolling_text: a whole stream's negative log-likelihood (nats) and its size,
// and the same per unit: consecutive blocks of options.unit_tokens scored
// tokens, the per-example units of paired tests (empty in journals from
// before units were recorded).
struct stream_outcome {
    double nll = 0;
    std::int64_t n_tokens = 0, n_bytes = 0, n_words = 0;
    std::vector<double> unit_nll;
    std::vector<std::int64_t> unit_tokens, unit_bytes;
};

// bpb_lines' sample prompts (greedy requests): the model's greedy
// continuation of the prompt, for the review page.
struct continuation_outcome {
    std::string prompt, continuation;  // continuation: decoded, invalid bytes shown as U+FFFD
    std::int64_t n_tokens = 0;
    bool valid_utf8 = true;
};

// to_json writes the record's own fields only; a journal line is a header's
// and an outcome's objects merged. from_json reads them from such a line.
void to_json(nlohmann::json& j, const example_header& h);
void from_json(const nlohmann::json& j, example_header& h);  // throws field_error
void to_json(nlohmann::json& j, const choice_outcome& o);
void from_json(const nlohmann::json& j, choice_outcome& o);  // throws field_error
void to_json(nlohmann::json& j, const target_outcome& o);
void from_json(const nlohmann::json& j, target_outcome& o);  // throws field_error
void to_json(nlohmann::json& j, const line_outcome& o);
void from_json(const nlohmann::json& j, line_outcome& o);  // throws field_error
void to_json(nlohmann::json& j, const stream_outcome& o);
void from_json(const nlohmann::json& j, stream_outcome& o);  // throws field_error
void to_json(nlohmann::json& j, const continuation_outcome& o);
void from_json(const nlohmann::json& j, continuation_outcome& o);  // throws field_error

}  // namespace reports
