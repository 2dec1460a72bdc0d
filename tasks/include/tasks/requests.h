// From a task definition and its data to the requests the scorers run, as
// strings (tokenization happens per model). Languages come from the data
// files present, so --data-dir with a full copy offers more of them.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "datasets/text_table.h"
#include "tasks/task_definition.h"

namespace tasks {

// Which languages of a per-language task to run: all the data offers, or the
// ones `wanted` lists that it has. Empty for a task that is not per language.
std::vector<std::string> task_languages(const task_definition& d, const std::string& data_dir,
                                        const std::vector<std::string>& wanted);

// Multiple choice: pick the choice whose continuation has the highest
// log-likelihood after its context. Most sets share one context; XWinograd's
// partial scoring has one context per choice (the text up to the candidate)
// and one shared continuation (the text after the pronoun).
struct choice_example {
    std::string id;                          // stable within task and language (line or row id)
    std::vector<std::string> contexts;       // 1 (shared) or one per choice
    std::vector<std::string> continuations;  // 1 (shared) or one per choice
    int gold = 0;

    std::size_t n_choices() const { return std::max(contexts.size(), continuations.size()); }
    const std::string& context(std::size_t i) const { return contexts.size() == 1 ? contexts[0] : contexts[i]; }
    const std::string& continuation(std::size_t i) const {
        return continuations.size() == 1 ? continuations[0] : continuations[i];
    }
};

struct choice_set {
    std::string language;
    std::vector<choice_example> examples;
};

// Formats xcopa, xstorycloze, xwinograd, pawsx, xnli; `limit` per language.
std::vector<choice_set> load_choice_sets(const task_definition& d, const std::string& data_dir,
                                         const std::vector<std::string>& langs, std::optional<std::size_t> limit);

// Bits per byte: sentences (format "lines": every line) or a document's lines
// ("udhr": after the 6-line header, spaces and tabs stripped at both ends,
// empty lines dropped).
struct line_set {
    std::string language;
    std::vector<datasets::text_line> lines;
};
std::vector<line_set> load_line_sets(const task_definition& d, const std::string& data_dir,
                                     const std::vector<std::string>& langs, std::optional<std::size_t> limit);

// The text of a rolling-perplexity task (options.normalize applied; `limit`: first N lines).
std::string load_rolling_text(const task_definition& d, const std::string& path, std::optional<std::size_t> limit);

// SHA-256 over every request of a task (contexts, continuations, gold, texts),
// before tokenization: pins what a task version asks of a model.
std::string requests_hash(const task_definition& d, const std::string& data_dir, const std::vector<std::string>& langs,
                          std::optional<std::size_t> limit, const std::string& data_file = "");

}  // namespace tasks
