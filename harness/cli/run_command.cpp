// `rwkvbench run`: evaluate one model on tasks into a run folder
// (journal.jsonl, report.json); --resume continues a killed run.
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <iostream>

#include "command.h"
#include "harness/errors.h"
#include "engines/registry.h"
#include "kernels/backend.h"
#include "tasks/runner.h"

#ifndef RWKVBENCH_SOURCE_DIR
#define RWKVBENCH_SOURCE_DIR "."
#endif

namespace cli {
namespace {

std::vector<std::string> split_commas(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        const std::size_t comma = s.find(',', start);
        const std::string item = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!item.empty()) out.push_back(item);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

class run_command final : public command {
public:
    explicit run_command(std::vector<std::string> argv) : argv_(std::move(argv)) {}
    std::string_view name() const override { return "run"; }
    std::string_view summary() const override { return "evaluate a model on tasks into a run folder (report.json, journal)"; }
    std::string_view examples() const override {
        return "  rwkvbench run                                # the default suite on the shipped models\n"
               "  rwkvbench run --model m.pth --engine rwkv4-parallel --tokenizer bytes --task lambada_openai --out runs/a\n"
               "  rwkvbench run --model m.pth --engine rwkv4-serial --tokenizer bytes --task perplexity --data text.txt --out runs/b\n"
               "  rwkvbench run ... --out runs/a --resume      # continue a killed run\n";
    }
    void add_options(po::options_description& o) override {
        o.add_options()("model", po::value<std::string>(), "checkpoint path, HF folder or random:NAME")(
            "engine", po::value<std::string>(), "rwkv4-serial, rwkv4-parallel or transformer")(
            "tokenizer", po::value<std::string>(), "'bytes', a tokenizer.json or an RWKV World vocab")(
            "dtype", po::value<std::string>()->default_value("fp32"), "weight storage: fp32, fp16, bf16")(
            "task", po::value<std::string>(), "task names, comma-separated (rwkvbench list tasks)")(
            "data", po::value<std::string>(), "text file for the perplexity task")(
            "data-dir", po::value<std::string>()->default_value(std::string(RWKVBENCH_SOURCE_DIR) + "/datasets"),
            "folder holding the datasets")("no-pad", "LAMBADA without the \"\\n\" pad (lm-eval's definition)")(
            "device", po::value<std::string>()->default_value("cpu"), "cpu or cuda")(
            "threads", po::value<int>()->default_value(0), "CPU threads (0: all cores)")(
            "limit", po::value<std::size_t>(), "first N examples of each task (and of each language)")(
            "langs", po::value<std::string>(), "per-language tasks: only these codes, e.g. eng_Latn,tha_Thai")(
            "out", po::value<std::string>(), "run folder (default runs/run-<timestamp>)")(
            "resume", "continue the run in --out from its journal")(
            "progress", po::value<std::string>()->default_value("auto"), "auto (on a terminal), always or never");
    }

    int run(const po::variables_map& args) override {
        tasks::run_config c;
        c.data_dir = args.at("data-dir").as<std::string>();
        const bool default_suite = !args.count("model") && !args.count("task");
        if (default_suite) {
            // The quick start: the shipped pair of byte-level models trained on the
            // same UDHR bytes (datasets/models/pair-udhr), RWKV-4 in both modes
            // against the transformer, on held-out FLORES text, a LAMBADA subset and
            // the first 200 lines of WikiText-2.
            const std::string pair = c.data_dir + "/models/pair-udhr/";
            c.models = {{"rwkv4-udhr (serial)", pair + "rwkv4-udhr-4x128-f32.pth", "rwkv4-serial", "bytes", "fp32"},
                        {"rwkv4-udhr (parallel)", pair + "rwkv4-udhr-4x128-f32.pth", "rwkv4-parallel", "bytes", "fp32"},
                        {"gptneox-udhr", pair + "gptneox-udhr-4x128", "transformer", "bytes", "fp32"}};
            c.tasks = {"bpb_flores", "lambada_openai", "wikitext2"};
            c.limit = 200;
        } else {
            for (const char* required : {"model", "engine", "tokenizer", "task"})
                if (!args.count(required))
                    throw harness::usage_error(std::string("run: --") + required +
                                               " is required (or give none of --model/--task for the default suite)");
            const std::string model = args.at("model").as<std::string>();
            c.models.push_back({model, model, args.at("engine").as<std::string>(), args.at("tokenizer").as<std::string>(),
                                args.at("dtype").as<std::string>()});
            c.tasks = split_commas(args.at("task").as<std::string>());
        }
        if (args.count("data")) c.data_file = args.at("data").as<std::string>();
        if (args.count("limit")) {
            c.limit = args.at("limit").as<std::size_t>();
            if (*c.limit == 0) throw harness::usage_error("run: --limit must be at least 1");
        }
        if (args.count("langs")) c.langs = split_commas(args.at("langs").as<std::string>());
        c.no_pad = args.count("no-pad") > 0;
        c.resume = args.count("resume") > 0;
        c.device = args.at("device").as<std::string>();
        c.threads = args.at("threads").as<int>();
        const std::string progress = args.at("progress").as<std::string>();
        if (progress != "auto" && progress != "always" && progress != "never")
            throw harness::usage_error("run: --progress must be auto, always or never");
        c.progress = progress == "always" || (progress == "auto" && ::isatty(STDERR_FILENO));
        if (args.count("out")) {
            c.out_dir = args.at("out").as<std::string>();
        } else {
            if (c.resume) throw harness::usage_error("run: --resume needs --out");
            const std::time_t now = std::time(nullptr);
            char stamp[32];
            std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::gmtime(&now));
            c.out_dir = std::string(default_suite ? "runs/default-" : "runs/run-") + stamp;
        }
        c.argv = argv_;
        const nlohmann::json report = tasks::run_tasks(c);
        std::cout << "| Task | Language | Model | Metric | Value | ± | Stderr |\n|---|---|---|---|---:|---|---:|\n";
        for (const auto& r : report.at("results"))
            std::cout << "| " << r.at("task").get<std::string>() << " | "
                      << (r.contains("language") ? r.at("language").get<std::string>() : "") << " | "
                      << r.at("model").get<std::string>() << " | " << r.at("metric").get<std::string>() << " | "
                      << r.at("value").get<double>() << " | ± | " << r.at("stderr").get<double>() << " |\n";
        std::cerr << "report: " << c.out_dir << "/report.json\n";
        return 0;
    }

private:
    std::vector<std::string> argv_;
};

class list_command final : public command {
public:
    std::string_view name() const override { return "list"; }
    std::string_view summary() const override { return "list tasks, engines, models (synthetic) or devices"; }
    std::string_view examples() const override { return "  rwkvbench list tasks\n  rwkvbench list models\n"; }
    void add_options(po::options_description& o) override {
        o.add_options()("what", po::value<std::string>()->required(), "tasks, engines, models or devices");
    }
    void add_positional(po::positional_options_description& p) override { p.add("what", 1); }
    int run(const po::variables_map& args) override {
        const std::string what = args.at("what").as<std::string>();
        std::vector<std::pair<std::string, std::string>> items;
        if (what == "tasks") {
            items = tasks::list_tasks();
        } else if (what == "engines") {
            for (const auto& e : engines::list_engines()) items.emplace_back(e.name, e.description);
        } else if (what == "models") {
            for (const auto& m : engines::list_random_models()) items.emplace_back(m.name, m.description);
        } else if (what == "devices") {
            items.emplace_back("cpu", kernels::blas_description());
            std::string reason;
            if (kernels::cuda_available(&reason))
                for (const auto& d : kernels::cuda_devices())
                    items.emplace_back("cuda:" + std::to_string(d.index), d.name);
            else
                items.emplace_back("cuda", reason);
        } else {
            throw harness::usage_error("list: expected tasks, engines, models or devices, got '" + what + "'");
        }
        for (const auto& [n, d] : items) {
            std::string name = n;
            name.resize(std::max<std::size_t>(name.size() + 2, 22), ' ');
            std::cout << name << d << "\n";
        }
        return 0;
    }
};

}  // namespace

std::unique_ptr<command> make_run_command(std::vector<std::string> argv) { return std::make_unique<run_command>(std::move(argv)); }
std::unique_ptr<command> make_list_command() { return std::make_unique<list_command>(); }

}  // namespace cli
