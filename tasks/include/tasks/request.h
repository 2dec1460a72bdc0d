// Requests as values: a task definition and its data become a list of
// requests, built once per run by the runner (build_requests) and handed to
// the scorer, which never reads a file. Each request carries a stable id
// (its journal key), its language and three hashes:
//
//   doc_hash     SHA-256 of the source record (datasets/choice_records.h:
//                the JSONL object or the table row keyed by column names;
//                for line files {"language", "line", "text"}) serialised
//                canonically: sorted keys, UTF-8, no insignificant whitespace
//                (nlohmann::json::dump()).
//   prompt_hash  SHA-256 of the context strings, joined by U+001E.
//   target_hash  SHA-256 of the continuation strings joined by U+001E, then
//                (multiple choice) U+001E and the gold index in decimal.
//
// All three are of the exact strings before tokenization and without the
// task's pad (an option, part of request_hash). The review's verdicts and the
// paired statistics key on (task, doc_hash).
//
//   kind             contexts            continuations          gold
//   loglikelihood    1                   1 (the target)         -
//   multiple_choice  1 shared or 1/choice  1 shared or 1/choice  the right choice
//   rolling          none                1 (the text)           -
//   greedy           1 (the prompt)      none                   -
//   scaling_case     none                none                   -
//
// Greedy requests (the review's sample continuations) are not scored, not
// limited and not part of request_hash. Scaling cases are the timing task's
// units of work: one generation pass or one prefill at a prompt length, for
// one repeat (doc {"case", "repeat"[, "prompt_tokens"]}); the engine decides
// how far its pass goes (a context limit, no cache), so they are timed, not
// limited or hashed.
#pragma once

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "datasets/data_folders.h"
#include "tasks/task_definition.h"

namespace tasks {

enum class request_kind { loglikelihood, multiple_choice, rolling, greedy, scaling_case };

struct request {
    request_kind kind = request_kind::loglikelihood;
    std::string id;        // unique within the task: the journal's example key ("it:12", "117", "wiki.test.raw")
    std::string language;  // "" when the task is not per language
    std::vector<std::string> contexts, continuations;
    int gold = -1;
    nlohmann::json doc;  // the source record
    std::string doc_hash, prompt_hash, target_hash;
    // The scoring batch it joins, numbered in the task (-1: not an example):
    // task_input::batch_examples consecutive examples of one language, from
    // the full list, so a resumed run or an MPI rank forms the same batches
    // (scorers that do not batch: one example each).
    std::int64_t batch = -1;

    std::size_t n_choices() const { return std::max(contexts.size(), continuations.size()); }
    const std::string& context(std::size_t i) const { return contexts.size() == 1 ? contexts[0] : contexts[i]; }
    const std::string& continuation(std::size_t i) const {
        return continuations.size() == 1 ? continuations[0] : continuations[i];
    }
};

// Whether a request is an example the task scores (not a greedy sample
// prompt, not a timing case): what limits, request_hash and samples/ count.
inline bool is_example(const request& r) {
    return r.kind != request_kind::greedy && r.kind != request_kind::scaling_case;
}

// A request with its three hashes computed.
request make_request(request_kind kind, std::string id, std::string language, std::vector<std::string> contexts,
                     std::vector<std::string> continuations, int gold, nlohmann::json doc);

// Where a task's data comes from and which part of it a run wants.
struct task_input {
    datasets::data_folders folders = datasets::data_folders::shipped();
    std::string data_file;               // --data FILE, for definitions whose path is "--data"
    std::vector<std::string> langs;      // wanted languages; empty = all the data has
    std::optional<std::size_t> limit;    // first N examples of each language (rolling text: first N lines)
    std::size_t batch_examples = 1;      // examples per scoring batch (request::batch)
};

struct task_requests {
    std::vector<request> requests;
    std::vector<std::string> available;  // per-language tasks: every language the data has
    std::vector<std::string> languages;  // ... and those the requests cover, in order
    std::vector<std::string> missing;    // wanted languages the data does not have
};

// The requests of a task: its scorer's builder (scorer_registry.h) reads the
// data once, then the languages and the limit are applied here, once, and
// the examples numbered into batches.
task_requests build_requests(const task_definition& d, const task_input& in);

// The requests of one scoring batch each, in order (consecutive requests
// with the same request::batch).
std::vector<std::span<const request>> batch_runs(std::span<const request> requests);

// The requests of `kind` in runs of one language each, in order: how the
// per-language scorers walk their list (a builder keeps a language's requests together).
std::vector<std::span<const request>> language_runs(const std::vector<request>& requests, request_kind kind);

// Which of `available` to load: all, or those `wanted` names (in wanted's order).
std::vector<std::string> wanted_languages(const std::vector<std::string>& available,
                                          const std::vector<std::string>& wanted);

// SHA-256 over a task's scored requests (name, version, options, then each
// request's strings): pins what a task version asks of a model. The layout
// per kind is the one the pinned hashes of tasks/definitions/README.md use.
std::string requests_hash(const task_definition& d, const std::vector<request>& requests);

}  // namespace tasks
