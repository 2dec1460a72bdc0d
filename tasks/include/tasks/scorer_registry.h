// One table entry per scorer: what it accepts (data formats, options,
// metrics), how it turns a definition and its data into requests, and how it
// scores them. The definition validator, the runner and `list` read this
// table; nothing else branches on a scorer's name.
//
//   scorer           formats                           requests
//   lambada          lambada_jsonl                     loglikelihood per passage
//   rolling_text     text                              one rolling stream
//   kl_divergence    text                              one stream, the model against a reference
//   bpb_lines        lines, udhr                       rolling per line (+ greedy samples)
//   multiple_choice  choice_formats.h's table          multiple_choice per example
//   scaling          synthetic_tokens                  scaling_case per pass and repeat (timing; limit refused)
//   scaling_depth    synthetic_tokens                  scaling_case per depth and repeat (timing; limit refused)
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "tasks/request.h"
#include "tasks/task_definition.h"

namespace tasks {

struct task_context;

struct scorer_entry {
    std::string name;
    std::set<std::string> formats, options, metrics;
    // false: a timing task without examples (scaling): `limit` on it is an
    // error, the run's limit does not apply, and its models are measured
    // together in rounds after the quality tasks.
    bool has_examples = true;
    task_requests (*requests)(const task_definition&, const task_input&) = nullptr;
    void (*score)(task_context&, const std::vector<request>&) = nullptr;
    // Timing tasks: measures several models in rounds before score() aggregates each.
    void (*measure_rounds)(const std::vector<task_context*>&, const std::vector<request>&) = nullptr;
    // Quality tasks: a scored request and its journal record as the fields of
    // lm-eval's --log_samples line that depend on the scorer (target,
    // arguments, resps, filtered_resps and the per-example metrics).
    nlohmann::json (*sample)(const request&, const nlohmann::json& record) = nullptr;
    // Scores its examples a batch at a time (request::batch, --batch-size);
    // the others' examples are each a batch of one.
    bool batched = false;
};

const std::vector<scorer_entry>& scorers();
// nullptr for an unknown name.
const scorer_entry* find_scorer(const std::string& name);
// "lambada, rolling_text, ..." for messages.
std::string scorer_names();

}  // namespace tasks
