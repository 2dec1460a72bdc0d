// The task runner: for every model and task, score every example, journal
// each result as it finishes, and write report.json (atomically) from the
// journal. Tasks are definitions under tasks/definitions (task_definition.h);
// the scorers are lambada, rolling_text, bpb_lines, multiple_choice and
// scaling (tasks/src/score_*.cpp).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engines/engine_spec.h"

namespace tasks {

struct model_entry {
    std::string name;           // as it appears in the report
    engines::engine_spec spec;  // engine, model, tokenizer, dtype, attention, cache (validated)
};

// One task of a run; `models` (names) restricts it to some of the run's
// models, `limit` and `options` override the run's limit and the definition's options.
struct task_request {
    std::string task;
    std::vector<std::string> models;
    std::optional<std::size_t> limit;  // this task's own (RUN.json tasks[i].limit)
    nlohmann::json options = nlohmann::json::object();
    std::string where;  // "RUN.json: tasks[2]" for messages; "" when named on the command line

    static task_request named(std::string name) {
        task_request r;
        r.task = std::move(name);
        return r;
    }
};

// Examples per scoring batch for each row of --batch-size: enough waiting
// sequences that rows rarely idle while the longest of a batch finishes.
inline constexpr std::size_t batch_examples_per_row = 4;

struct run_config {
    std::vector<model_entry> models;
    std::vector<task_request> tasks;
    std::string definitions_dir;       // default: the shipped tasks/definitions
    std::string data_file;             // perplexity text (--data)
    std::string data_dir;              // the datasets folder
    std::vector<std::string> langs;    // per-language tasks: these codes only (default: all the data has)
    // First N examples of each task, and of each language: --limit, else the
    // task's own limit, else RUN.json's "limit" (file_limit). Tasks without
    // examples (scaling) take none; a task's own limit on one is an error.
    std::optional<std::size_t> limit;
    std::optional<std::size_t> file_limit;
    bool no_pad = false;               // lambada_openai -> lambada_openai_nopad
    bool resume = false;
    std::uint64_t seed = 1234;  // random: models and the scaling task's prompts
    // Sequences stepped together: the serial RWKV engines feed a scoring
    // batch of batch_examples_per_row x batch_size examples (request::batch)
    // through batch_size rows, a row taking the next sequence when its own
    // ends; other engines feed them one by one.
    std::size_t batch_size = 32;
    std::string device = "cpu";
    // The block formats on activations quantized to 8 bits, rwkv.cpp's
    // arithmetic (kernels::cpu_options::int8_activations).
    bool int8_activations = false;
    int threads = 0;
    std::string out_dir;
    bool progress = false;  // progress lines on stderr
    // Testing `ab` and the gate: the scaling task adds this fixed cost per
    // token fed to every timed call (0: none). Recorded in the report's config.
    double test_delay_us_per_token = 0;
    std::vector<std::string> argv;
    std::string config_file;  // --config, recorded in the report
};

// The limit `r` runs with (see run_config::limit).
std::optional<std::size_t> effective_limit(const run_config& c, const task_request& r);

// Reads a RUN.json: {"models": [{"name", "model", "engine", "tokenizer",
// "dtype", "no_cache", "attention"}], "tasks": ["name" | {"task", "models",
// "limit", "options"}], "limit", "langs"}. Model paths are relative to the
// file's folder. Throws input_error naming the file and key.
void load_run_config(const std::string& path, run_config& c);

// The default suite (tasks/suites/default.json), the one thing named
// "default": `rwkvbench run` with no arguments runs it, and `--task default`
// names its tasks (with their options and limits, for any models).
std::string default_suite_path();
std::vector<task_request> default_suite_tasks();

// Returns the report (also written to out_dir/report.json). Throws
// harness::usage_error for unknown tasks, input_error for bad data.
nlohmann::json run_tasks(const run_config& config);

// What a run would do, without loading a model: per model and quality task
// the examples, the sequences and the tokens its tokenizer makes of them
// (what the scorers feed), and how `ranks` MPI ranks would share them (the split a run under
// mpirun makes, tasks/rank_split.h). Scaling tasks are listed with their cases.
struct planned_model_work {
    std::string model;
    struct task_work_size {
        std::string task;
        std::size_t examples = 0;
        std::uint64_t sequences = 0;  // what the engine is fed from a fresh state: one per choice, line or text
        std::uint64_t tokens = 0;
    };
    std::vector<task_work_size> tasks;
    std::vector<std::uint64_t> rank_tokens;  // per rank, the tokens it would be given
};
std::vector<planned_model_work> plan_run(const run_config& config, int ranks);

// Tasks, groups and the default suite: name, description.
std::vector<std::pair<std::string, std::string>> list_tasks(const std::string& definitions_dir = "");

}  // namespace tasks
