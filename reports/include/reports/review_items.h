// The items a native speaker looks at on the review page, found in two
// runs' per-example samples (samples/<task>/<model>.jsonl), paired by
// (task, model, doc_hash):
//
//   flipped items   multiple choice and LAMBADA examples whose correctness
//                   (acc) differs between the runs: the prompt, the choices,
//                   the gold one, and each run's pick with its margin
//   changed lines   bits-per-byte lines (FLORES, UDHR) whose bits per byte
//                   moved most, with the text
//
// and the reviewer's verdict on each item, kept in item_verdicts.jsonl keyed
// by (task, doc_hash) so that it survives re-runs and re-orderings:
//   {"task", "doc_hash", "verdict": "model_error|data_error|ambiguous|fine",
//    "comment", "reviewer", "date", "language", "model", "doc_id"}
// The data_error verdicts are exported as errata.jsonl, with the item's
// source record, for whoever fixes the data set.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "reports/paired_compare.h"

namespace reports {

// A run's choice on one item: the choice it ranked first and by how much
// (log-likelihood of that choice minus the runner-up's, in nats). LAMBADA
// has one "choice", the target: pick 0 when it is the greedy continuation,
// and the margin is the target's log-likelihood.
struct item_pick {
    int pick = -1;
    double margin = 0;
    bool correct = false;
};

struct flipped_item {
    std::string task, model, language, doc_hash;
    std::int64_t doc_id = 0;
    std::string prompt;                // the shared context (each choice's own when they differ)
    std::vector<std::string> choices;  // the continuations scored
    int gold = -1;
    item_pick base, now;
    nlohmann::json doc;  // the source record, for errata
};

struct changed_line {
    std::string task, model, language, doc_hash, text;
    std::int64_t doc_id = 0;
    double base_bpb = 0, new_bpb = 0;
    nlohmann::json doc;
};

struct review_items {
    std::map<std::string, std::vector<flipped_item>> flipped;  // by language: broke first, then fixed
    std::map<std::string, std::vector<changed_line>> lines;    // by language: largest |Δ| first
};

// At most `lines_per_language` changed lines per (task, model, language).
review_items find_review_items(const run_samples& base, const run_samples& now, std::size_t lines_per_language = 5);

struct item_verdict {
    std::string task, doc_hash, verdict, comment, reviewer, date, language, model;
    std::int64_t doc_id = 0;
    bool operator==(const item_verdict&) const = default;
};

using item_verdicts = std::map<std::pair<std::string, std::string>, item_verdict>;  // by (task, doc_hash)

// Throws harness::input_error "<file>: line N: <what>" for a malformed line
// (unknown verdict, missing key, wrong type). A later line for the same
// item replaces an earlier one.
item_verdicts load_item_verdicts(const std::string& path);
// One verdict as its line holds it (item_verdicts.jsonl, the page's data).
nlohmann::json to_json(const item_verdict& v);
std::string item_verdicts_to_jsonl(const item_verdicts& v);

// The source records (doc) of the items a review shows, by (task, doc_hash).
using item_docs = std::map<std::pair<std::string, std::string>, const nlohmann::json*>;

// errata.jsonl: one line per data_error verdict, with the item's source
// record where the review shows the item.
std::string errata_jsonl(const item_verdicts& v, const item_docs& docs);

}  // namespace reports
