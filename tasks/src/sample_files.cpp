// Per-example samples: DIR/samples/<task>/<model>.jsonl, one line per scored
// request (per unit for a request its scorer scores in several: a rolling
// text's blocks of tokens), in lm-evaluation-harness's --log_samples layout so that tools
// written for its samples read them, with rwkvbench's hashes:
//
//   doc_id, doc, target, arguments, resps, filtered_resps   (lm-eval)
//   task, model, example, language, doc_hash, prompt_hash, target_hash (rwkvbench)
//   the per-example metrics of the scorer (acc, acc_norm, bits, ...)
//
// Written from the journal after the task ran for the model, so a resumed
// run writes the same file as an uninterrupted one. The journal stays the
// resume log; compare and review read these files.
#include <filesystem>

#include "harness/atomic_file.h"
#include "task_context.h"
#include "tasks/scorer_registry.h"

namespace tasks {

void write_sample_file(const task_context& c, const std::vector<request>& requests) {
    const scorer_entry* s = find_scorer(c.def.scorer);
    if (!s || !s->sample) return;
    std::string lines;
    std::int64_t doc_id = 0;  // the position among the task's scored examples (units)
    for (const request& r : requests) {
        if (!is_example(r)) continue;
        const nlohmann::json* record = c.done(r);
        if (!record) continue;
        nlohmann::json header = {
            {"example", r.id},        {"task", c.def.name},           {"model", c.model.name},       {"doc", r.doc},
            {"doc_hash", r.doc_hash}, {"prompt_hash", r.prompt_hash}, {"target_hash", r.target_hash}};
        if (!r.language.empty()) header["language"] = r.language;
        // A request scored in several units (a rolling text's blocks of
        // tokens) gives a line per unit, each with its own doc and doc_hash.
        const nlohmann::json sample = s->sample(r, *record);
        for (const nlohmann::json& unit : sample.is_array() ? sample : nlohmann::json::array({sample})) {
            nlohmann::json line = header;
            line["doc_id"] = doc_id++;
            line.update(unit);
            lines += line.dump() + "\n";
        }
    }
    const std::string dir = c.config.out_dir + "/samples/" + c.def.name;
    std::filesystem::create_directories(dir);
    harness::write_file_atomically(dir + "/" + file_slug(c.model.name) + ".jsonl", lines);
}

}  // namespace tasks
