// `rwkvbench validate TASK.json`: checks a task definition (includes, keys,
// scorer, format, options, metrics) and, when its data is in --data-dir,
// reads every example through the same loaders a run uses and prints the
// requests' sha256. A group file: its folder's definitions and its names.
// Exit 0 or 2.
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "command.h"
#include "harness/errors.h"
#include "harness/json_file.h"
#include "datasets/data_folders.h"
#include "tasks/request.h"
#include "tasks/scorer_registry.h"
#include "tasks/task_definition.h"

namespace cli {
namespace {

bool is_group(const std::string& path) {
    const auto j = harness::read_json_file(path);
    return j.is_object() && j.contains("group");
}
std::string group_name(const std::string& path) {
    const auto j = harness::read_json_file(path);
    if (!j.at("group").is_string()) throw harness::input_error(path + ": group: expected a name");
    return j.at("group").get<std::string>();
}

class validate_command final : public command {
public:
    std::string_view name() const override { return "validate"; }
    std::string_view summary() const override { return "check a task definition file and the data it reads"; }
    std::string_view examples() const override {
        return "  rwkvbench validate tasks/definitions/xcopa.json\n  rwkvbench validate my_task.json --data-dir "
               "/data\n";
    }
    void add_options(po::options_description& o) override {
        o.add_options()("file", po::value<std::string>()->required(), "task definition (.json)")(
            "data-dir", po::value<std::string>()->default_value(datasets::shipped_data_dir()),
            "folder holding the datasets (files it lacks are read from the shipped ones)")("data", po::value<std::string>(), "text file for --data tasks");
    }
    void add_positional(po::positional_options_description& p) override { p.add("file", 1); }
    int run(const po::variables_map& args) override {
        const std::string file = args.at("file").as<std::string>();
        if (is_group(file)) {
            // A group: every definition in its folder loads and every name it lists exists.
            tasks::task_catalog catalog(std::filesystem::path(file).parent_path().string());
            const auto& names = catalog.expand({group_name(file)});
            std::cout << "group " << group_name(file) << ":";
            for (const auto& n : names) std::cout << " " << n;
            std::cout << "\n";
            return 0;
        }
        const tasks::task_definition d = tasks::load_task_definition(args.at("file").as<std::string>());
        const std::string data_dir = args.at("data-dir").as<std::string>();
        std::cout << d.name << " v" << d.version << ": scorer " << d.scorer << ", format " << d.format << ", metrics";
        for (const auto& m : d.metrics) std::cout << " " << m.name << (m.higher_is_better ? "↑" : "↓");
        std::cout << "\n";
        if (!tasks::find_scorer(d.scorer)->has_examples) return 0;
        const std::string data_file = args.count("data") ? args.at("data").as<std::string>() : "";
        if (d.data_path == "--data" && data_file.empty()) {
            std::cout << "data: given at run time (--data FILE); definition valid\n";
            return 0;
        }
        const datasets::data_folders folders(args.at("data-dir").as<std::string>(), datasets::shipped_data_dir());
        const tasks::task_requests built = tasks::build_requests(d, {folders, data_file, {}, std::nullopt});
        if (d.per_language()) {
            if (built.languages.empty()) {
                std::cout << "data: none under " << folders.describe() << " (" << d.data_path << "); definition valid\n";
                return 0;
            }
            std::cout << "languages (" << built.languages.size() << "):";
            for (const auto& l : built.languages) std::cout << " " << l;
            std::cout << "\n";
        }
        std::cout << "requests sha256 " << tasks::requests_hash(d, built.requests) << " (" << built.requests.size()
                  << " requests)\n";
        return 0;
    }
};

}  // namespace

std::unique_ptr<command> make_validate_command() { return std::make_unique<validate_command>(); }

}  // namespace cli
