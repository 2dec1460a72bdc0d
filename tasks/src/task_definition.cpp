#include "tasks/task_definition.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <vector>

#include "harness/build_info.h"
#include "harness/errors.h"
#include "harness/json_file.h"
#include "tasks/scorer_registry.h"
#include "choice_formats.h"

namespace tasks {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

[[noreturn]] void bad(const std::string& file, const std::string& key, const std::string& what) {
    throw harness::input_error(file + ": " + key + ": " + what);
}

// The definition with its include chain merged in (base first). `chain`:
// the files that include this one, outermost first.
json resolve_includes(const std::string& path, std::vector<std::string> chain = {}) {
    const auto same_file = [&](const std::string& other) {
        std::error_code ec;
        return fs::equivalent(other, path, ec);
    };
    if (std::any_of(chain.begin(), chain.end(), same_file)) {
        std::string cycle;
        for (const auto& f : chain) cycle += fs::path(f).filename().string() + " -> ";
        bad(chain.back(), "include", "an include cycle: " + cycle + fs::path(path).filename().string());
    }
    if (chain.size() >= 8) bad(path, "include", "includes nest more than 8 deep");
    json j = harness::read_json_file(path);
    if (!j.is_object()) bad(path, "(top level)", "expected a JSON object");
    if (!j.contains("include")) return j;
    if (!j.at("include").is_string()) bad(path, "include", "expected a file name");
    const std::string base_path = (fs::path(path).parent_path() / j.at("include").get<std::string>()).string();
    chain.push_back(path);
    json merged = resolve_includes(base_path, std::move(chain));
    for (const auto& [key, value] : j.items()) {
        if (key == "include") continue;
        if ((key == "dataset" || key == "options") && value.is_object() && merged.contains(key) &&
            merged.at(key).is_object())
            for (const auto& [k, v] : value.items()) merged[key][k] = v;
        else
            merged[key] = value;
    }
    return merged;
}

void validate(task_definition& d) {
    const std::string& f = d.file;
    const scorer_entry* sc = find_scorer(d.scorer);
    if (!sc) bad(f, "scorer", "'" + d.scorer + "' is not one of " + scorer_names());
    if (!sc->formats.count(d.format))
        bad(f, "dataset.format", "'" + d.format + "' is not a format the " + d.scorer + " scorer reads");
    if (sc->has_examples && d.data_path.empty()) bad(f, "dataset.path", "expected a path relative to the data folder");
    if (!d.options.is_object()) bad(f, "options", "expected an object");
    for (const auto& [k, v] : d.options.items())
        if (!sc->options.count(k)) bad(f, "options." + k, "not an option of the " + d.scorer + " scorer");
    if (d.options.contains("pad") && !d.options.at("pad").is_string()) bad(f, "options.pad", "expected a string");
    if (d.options.contains("samples")) {
        const auto& smp = d.options.at("samples");
        if (!smp.is_object() || !smp.contains("prompts") || !smp.at("prompts").is_string() ||
            (smp.contains("max_tokens") && !smp.at("max_tokens").is_number_integer()))
            bad(f, "options.samples", "expected {\"prompts\": a JSONL file under the data folder, \"max_tokens\": N}");
    }
    if (d.options.contains("stride") && !d.options.at("stride").is_number_integer())
        bad(f, "options.stride", "expected an integer");
    if (d.options.contains("unit_tokens") &&
        (!d.options.at("unit_tokens").is_number_integer() || d.options.at("unit_tokens").get<std::int64_t>() < 1))
        bad(f, "options.unit_tokens", "expected a positive integer");
    if (d.options.contains("reference") && !d.options.at("reference").is_string())
        bad(f, "options.reference", "expected a checkpoint path (\"\": the model's own file at fp32)");
    if (d.options.contains("max_tokens") &&
        (!d.options.at("max_tokens").is_number_integer() || d.options.at("max_tokens").get<std::int64_t>() < 2))
        bad(f, "options.max_tokens", "expected an integer of at least 2");
    if (d.options.contains("buckets")) {
        const auto& b = d.options.at("buckets");
        bool ok = b.is_array() && !b.empty() && b.at(0) == 0;
        for (std::size_t i = 0; ok && i < b.size(); ++i)
            ok = b.at(i).is_number_integer() && (i == 0 || b.at(i).get<std::int64_t>() > b.at(i - 1).get<std::int64_t>());
        if (!ok) bad(f, "options.buckets", "expected increasing token positions starting at 0, e.g. [0, 64, 256]");
    }
    if (d.options.contains("interleave") && !d.options.at("interleave").is_boolean())
        bad(f, "options.interleave", "expected true or false");
    if (d.options.contains("normalize") &&
        (!d.options.at("normalize").is_string() ||
         (d.options.at("normalize") != "none" && d.options.at("normalize") != "crlf_to_lf")))
        bad(f, "options.normalize", "expected \"none\" or \"crlf_to_lf\"");
    if (const choice_format* cf = find_choice_format(d.format); cf && !cf->words.empty()) {
        if (!d.options.contains("words") || !d.options.at("words").is_object() || d.options.at("words").empty())
            bad(f, "options.words", "the " + d.format + " format needs the prompt words of each language");
        for (const auto& [lang, words] : d.options.at("words").items())
            for (const auto& key : cf->words)
                if (!words.is_object() || !words.contains(key) || !words.at(key).is_string())
                    bad(f, "options.words." + lang + "." + key, "expected a string");
    }
    for (const char* key : {"prompt_tokens", "generate_tokens", "max_context_no_cache", "repeats", "warmup_tokens"}) {
        const long least = std::string_view(key) == "warmup_tokens" ? 0 : 1;
        if (d.options.contains(key) &&
            (!d.options.at(key).is_number_integer() || d.options.at(key).get<long>() < least))
            bad(f, std::string("options.") + key,
                least ? "expected a positive integer" : "expected a non-negative integer");
    }
    for (const char* key : {"prefill_lengths", "report_contexts"})
        if (d.options.contains(key)) {
            const auto& a = d.options.at(key);
            if (!a.is_array() || a.empty() || !std::all_of(a.begin(), a.end(), [](const json& x) {
                    return x.is_number_integer() && x.get<long>() > 0;
                }))
                bad(f, std::string("options.") + key, "expected a non-empty list of positive integers");
        }
    if (d.metrics.empty()) bad(f, "metrics", "expected at least one metric");
    for (const auto& m : d.metrics)
        if (!sc->metrics.count(m.name))
            bad(f, "metrics", "'" + m.name + "' is not a metric the " + d.scorer + " scorer computes");
}

task_definition from_json(const json& j, const std::string& file) {
    static const std::set<std::string> keys = {"task",   "version", "include", "description",
                                               "scorer", "dataset", "options", "metrics"};
    for (const auto& [k, v] : j.items())
        if (!keys.count(k))
            bad(file, k,
                "unknown key (expected task, version, include, description, scorer, dataset, options, metrics)");
    task_definition d;
    d.file = file;
    d.merged = j;
    d.merged.erase("include");
    if (!j.contains("task") || !j.at("task").is_string() || j.at("task").get<std::string>().empty())
        bad(file, "task", "expected the task's name");
    d.name = j.at("task").get<std::string>();
    if (!j.contains("version") || !j.at("version").is_number_integer() || j.at("version").get<int>() < 1)
        bad(file, "version", "expected an integer >= 1");
    d.version = j.at("version").get<int>();
    if (j.contains("description")) d.description = j.at("description").get<std::string>();
    if (!j.contains("scorer") || !j.at("scorer").is_string()) bad(file, "scorer", "expected a scorer name");
    d.scorer = j.at("scorer").get<std::string>();
    if (!j.contains("dataset") || !j.at("dataset").is_object())
        bad(file, "dataset", "expected an object with path and format");
    const json& ds = j.at("dataset");
    for (const auto& [k, v] : ds.items()) {
        if (k != "path" && k != "format") bad(file, "dataset." + k, "unknown key (expected path, format)");
        if (!v.is_string()) bad(file, "dataset." + k, "expected a string");
    }
    if (ds.contains("path")) d.data_path = ds.at("path").get<std::string>();
    if (!ds.contains("format")) bad(file, "dataset.format", "expected a format name");
    d.format = ds.at("format").get<std::string>();
    d.options = j.contains("options") ? j.at("options") : json::object();
    if (!j.contains("metrics") || !j.at("metrics").is_array()) bad(file, "metrics", "expected a list");
    for (const auto& m : j.at("metrics")) {
        if (!m.is_object() || !m.contains("metric") || !m.at("metric").is_string() || !m.contains("aggregation") ||
            !m.at("aggregation").is_string() || !m.contains("higher_is_better") ||
            !m.at("higher_is_better").is_boolean())
            bad(file, "metrics", "each metric needs \"metric\", \"aggregation\" and a boolean \"higher_is_better\"");
        d.metrics.push_back({m.at("metric").get<std::string>(), m.at("aggregation").get<std::string>(),
                             m.at("higher_is_better").get<bool>()});
    }
    validate(d);
    return d;
}

}  // namespace

const metric_spec* task_definition::metric(const std::string& n) const {
    for (const auto& m : metrics)
        if (m.name == n) return &m;
    return nullptr;
}

task_definition with_options(const task_definition& d, const nlohmann::json& overrides) {
    if (!overrides.is_object()) throw harness::input_error(d.file + ": options overrides must be an object");
    task_definition out = d;
    for (const auto& [k, v] : overrides.items()) out.options[k] = v;
    out.merged["options"] = out.options;
    validate(out);
    return out;
}

task_definition load_task_definition(const std::string& path) {
    return harness::with_json_errors(path, [&] {
        const json j = resolve_includes(path);
        if (j.contains("group")) bad(path, "group", "this is a group of tasks, not a task definition");
        return from_json(j, path);
    });
}

task_catalog::task_catalog(std::string dir) : dir_(std::move(dir)) {
    std::error_code ec;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir_, ec))
        if (e.path().extension() == ".json") files.push_back(e.path());
    if (ec) throw harness::input_error(dir_ + ": cannot list task definitions: " + ec.message());
    std::sort(files.begin(), files.end());
    for (const auto& p : files) {
        const json j = harness::read_json_file(p.string());
        if (j.is_object() && j.contains("group")) {
            if (!j.at("group").is_string() || !j.contains("tasks") || !j.at("tasks").is_array())
                bad(p.string(), "group", "a group needs a name and a list of \"tasks\"");
            harness::with_json_errors(p.string(), [&] {
                std::vector<std::string> names;
                for (const auto& t : j.at("tasks")) names.push_back(t.get<std::string>());
                groups_[j.at("group").get<std::string>()] = {j.value("description", std::string()), names};
            });
        } else {
            task_definition d = load_task_definition(p.string());
            const std::string name = d.name;
            if (tasks_.count(name))
                bad(p.string(), "task", "'" + name + "' is also defined in " + tasks_.at(name).file);
            tasks_.emplace(name, std::move(d));
        }
    }
    for (const auto& [g, entry] : groups_)
        for (const auto& t : entry.second)
            if (!tasks_.count(t) && !groups_.count(t))
                bad(dir_ + "/" + g + ".json", "tasks", "'" + t + "' is not a task");
}

const task_definition& task_catalog::task(const std::string& name) const {
    const auto it = tasks_.find(name);
    if (it == tasks_.end()) throw harness::usage_error("unknown task '" + name + "' (rwkvbench list tasks)");
    return it->second;
}

std::vector<std::string> task_catalog::expand(const std::vector<std::string>& names) {
    std::vector<std::string> out;
    const auto add = [&](const std::string& n, const auto& self, int depth) -> void {
        if (depth > 8) throw harness::usage_error("task groups nest too deep at '" + n + "'");
        if (const auto g = groups_.find(n); g != groups_.end()) {
            for (const auto& t : g->second.second) self(t, self, depth + 1);
            return;
        }
        std::string name = n;
        if (n.ends_with(".json")) {  // a task file given by path
            task_definition d = load_task_definition(n);
            name = d.name;
            tasks_[name] = std::move(d);
        }
        task(name);  // throws for unknown names
        if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    };
    for (const auto& n : names) add(n, add, 0);
    return out;
}

std::vector<std::pair<std::string, std::string>> task_catalog::list() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [n, d] : tasks_) out.emplace_back(n, d.description);
    for (const auto& [g, entry] : groups_) out.emplace_back(g, "group: " + entry.first);
    return out;
}

std::string default_definitions_dir() { return harness::get_build_info().source_dir + "/tasks/definitions"; }

}  // namespace tasks
