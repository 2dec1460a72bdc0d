// Tasks are data: one JSON file per task under tasks/definitions/, scored by
// one of a few generic scorers. A definition names its scorer, the dataset
// (a path relative to the data folder, {lang} for per-language files, and a
// format the scorer knows), scorer options and the metrics it reports:
//
//   { "task": "xcopa", "version": 1, "scorer": "multiple_choice",
//     "dataset": { "path": "xcopa/test.{lang}.jsonl", "format": "xcopa" },
//     "options": { "pad": "\n", "words": { "it": { "cause": "perché", ... } } },
//     "metrics": [ { "metric": "acc", "aggregation": "mean", "higher_is_better": true } ] }
//
// A variant "include"s a base file and overrides keys ("dataset" and
// "options" merge key by key). A group file ({"group", "tasks": [...]})
// names several tasks. Formats and rules are C++ functions chosen by name;
// a definition holds no code. Bump "version" whenever scores can change.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tasks {

struct metric_spec {
    std::string name;
    std::string aggregation;
    bool higher_is_better = false;
};

struct task_definition {
    std::string name;
    int version = 0;
    std::string description;
    std::string scorer;      // lambada, rolling_text, bpb_lines, multiple_choice, scaling
    std::string data_path;   // relative to the data folder; "--data" = the --data FILE option
    std::string format;      // how the scorer reads the data
    nlohmann::json options;  // scorer options (an object)
    std::vector<metric_spec> metrics;
    std::string file;       // where it was read from
    nlohmann::json merged;  // the definition after includes, as recorded in reports

    bool per_language() const { return data_path.find("{lang}") != std::string::npos || format == "xwinograd"; }
    const metric_spec* metric(const std::string& name) const;
};

// Reads and validates one definition file (resolving includes relative to
// it). Throws harness::input_error "<file>: <key>: <what was expected>".
task_definition load_task_definition(const std::string& path);

// The definition with `overrides` merged into its options (a run's or a
// suite's per-task options), validated again.
task_definition with_options(const task_definition& d, const nlohmann::json& overrides);

// Every definition and group in a folder.
class task_catalog {
public:
    explicit task_catalog(std::string dir);
    bool has_task(const std::string& name) const { return tasks_.count(name) > 0; }
    bool is_group(const std::string& name) const { return groups_.count(name) > 0; }
    const task_definition& task(const std::string& name) const;  // usage_error for unknown names
    // Task names and groups (expanded, in order, without repeats); a path to a
    // .json file is loaded as a definition and added to the catalog.
    std::vector<std::string> expand(const std::vector<std::string>& names);
    // name, description: tasks then groups.
    std::vector<std::pair<std::string, std::string>> list() const;
    const std::string& dir() const { return dir_; }

private:
    std::string dir_;
    std::map<std::string, task_definition> tasks_;
    std::map<std::string, std::pair<std::string, std::vector<std::string>>> groups_;  // description, tasks
};

// The folder of the shipped definitions (source tree, tasks/definitions).
std::string default_definitions_dir();

}  // namespace tasks
