// The task runner: for every model and task, score every example, journal
// each result as it finishes, and write report.json (atomically) from the
// journal. Tasks so far: `lambada_openai` (ChatRWKV's "\n" pad; no_pad for
// lm-eval's definition), `perplexity` on one text file (--data): token
// perplexity, word perplexity and bits per UTF-8 byte, every token scored
// once after the "\n" pad, and `bpb_flores`: bits per byte per language,
// each sentence scored on its own after the "\n" pad, plus the byte-weighted
// mean over the languages ("all").
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace tasks {

struct model_entry {
    std::string name;       // as it appears in the report
    std::string model;      // path or random:NAME
    std::string engine;     // rwkv4-serial, rwkv4-parallel, transformer
    std::string tokenizer;  // bytes or a path
    std::string dtype = "fp32";
};

struct run_config {
    std::vector<model_entry> models;
    std::vector<std::string> tasks;
    std::string data_file;  // perplexity text
    std::string data_dir;   // where lambada_openai/ lives
    std::vector<std::string> langs;  // per-language tasks: these codes only (default: all shipped)
    std::optional<std::size_t> limit;  // first N examples of each task, and of each language
    bool no_pad = false;
    bool resume = false;
    std::string device = "cpu";
    int threads = 0;
    std::string out_dir;
    bool progress = false;  // progress lines on stderr
    std::vector<std::string> argv;
};

// Returns the report (also written to out_dir/report.json). Throws
// harness::usage_error for unknown tasks, input_error for bad data.
nlohmann::json run_tasks(const run_config& config);

std::vector<std::pair<std::string, std::string>> list_tasks();  // name, description

}  // namespace tasks
