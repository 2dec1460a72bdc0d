// `rwkvbench run`: evaluate one model on tasks into a run folder
// (journal.jsonl, report.json); --resume continues a killed run.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "command.h"
#include "engines/engine_spec.h"
#include "datasets/data_folders.h"
#include "harness/build_info.h"
#include "harness/errors.h"
#include "harness/mpi_world.h"
#include "harness/timing.h"
#include "option_values.h"
#include "reports/render.h"
#include "reports/report.h"
#include "tasks/runner.h"
#include "tasks/task_definition.h"

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

// The results as an lm-eval style table on stdout.
void print_summary(const nlohmann::json& report) {
    std::cout << "| Task | Version | Language | Model | Metric | Value | \u00b1 | Stderr "
                 "|\n|---|---:|---|---|---|---:|---|---:|\n";
    for (const auto& r : report.at("results")) {
        std::string lang = r.contains("language") ? r.at("language").get<std::string>() : "";
        if (r.contains("context")) lang = "ctx " + r.at("context").dump();
        if (r.contains("prompt_tokens")) lang = "prompt " + r.at("prompt_tokens").dump();
        char value[32], se[32];
        std::snprintf(value, sizeof value, "%.4f", r.at("value").get<double>());
        std::snprintf(se, sizeof se, "%.4f", r.at("stderr").get<double>());
        std::cout << "| " << r.at("task").get<std::string>() << " | " << r.at("task_version").get<int>() << " | "
                  << lang << " | " << r.at("model").get<std::string>() << " | " << r.at("metric").get<std::string>()
                  << " | " << value << " | \u00b1 | " << se << " |\n";
    }
}

// --dry-run: per model, each task's examples, sequences (what the engine is
// fed from a fresh state) and tokens, then the tokens each of `ranks` ranks
// would be given.
void print_plan(const std::vector<tasks::planned_model_work>& plan, int ranks) {
    std::cout << "| Model | Task | Examples | Sequences | Tokens |\n|---|---|---:|---:|---:|\n";
    for (const auto& m : plan) {
        std::size_t examples = 0;
        std::uint64_t sequences = 0, tokens = 0;
        for (const auto& t : m.tasks) {
            std::cout << "| " << m.model << " | " << t.task << " | " << t.examples << " | " << t.sequences << " | "
                      << t.tokens << " |\n";
            examples += t.examples, sequences += t.sequences, tokens += t.tokens;
        }
        std::cout << "| " << m.model << " | all | " << examples << " | " << sequences << " | " << tokens << " |\n";
    }
    std::cout << "\nShared among " << ranks << (ranks == 1 ? " rank" : " ranks") << " (tokens per rank):\n";
    for (const auto& m : plan) {
        const auto [least, most] = std::minmax_element(m.rank_tokens.begin(), m.rank_tokens.end());
        std::uint64_t sum = 0;
        for (const auto t : m.rank_tokens) sum += t;
        const double mean = static_cast<double>(sum) / static_cast<double>(m.rank_tokens.size());
        char balance[32];
        std::snprintf(balance, sizeof balance, "%.4f", mean > 0 ? static_cast<double>(*most) / mean : 1.0);
        std::cout << "  " << m.model << ": most " << *most << ", least " << *least << ", most/mean " << balance
                  << "\n";
    }
}

class run_command final : public command {
public:
    explicit run_command(std::vector<std::string> argv) : argv_(std::move(argv)) {}
    std::string_view name() const override { return "run"; }
    bool on_every_rank() const override { return true; }  // the ranks share the examples (tasks/runner.h)
    std::string_view summary() const override {
        return "evaluate models on tasks into a run folder (report, journal, tables, charts)";
    }
    std::string_view examples() const override {
        return "  rwkvbench run                                # the default suite on the shipped models\n"
               "  rwkvbench run --model m.pth --engine rwkv4-parallel --tokenizer bytes --task lambada_openai --out "
               "runs/a\n"
               "  rwkvbench run --model m.pth --engine rwkv4-serial --tokenizer bytes --task perplexity --data "
               "text.txt --out runs/b\n"
               "  rwkvbench run --model rwkv7-g1.pth --engine rwkv7-parallel --tokenizer "
               "datasets/tokenizers/rwkv_vocab_v20230424.txt --task multilingual --out runs/v7\n"
               "  rwkvbench run --config run.json --task multilingual --limit 50\n"
               "  rwkvbench run ... --out runs/a --resume      # continue a killed run\n"
               "  rwkvbench run --config run.json --dry-run=32 # examples, tokens and a 32-rank split\n"
               "  mpirun -np 4 rwkvbench run --config run.json # 4 ranks share the examples (README)\n";
    }
    void add_options(po::options_description& o) override {
        o.add_options()("model", po::value<std::string>(), "checkpoint path, HF folder or random:NAME")(
            "engine", po::value<std::string>(), engines::engine_names_sentence().c_str())(
            "tokenizer", po::value<std::string>(), "'bytes', a tokenizer.json or an RWKV World vocab")(
            "dtype", po::value<std::string>(),
            "weight storage: fp32, fp16, bf16, or rwkv.cpp's block formats q8_0, q5_0, q5_1, q4_0, q4_1 "
            "(default fp32, or a quantized rwkv.cpp .bin's own format)")(
            "task", po::value<std::string>(),
            "task names or groups, comma-separated, or a task .json (rwkvbench list tasks)")(
            "config", po::value<std::string>(), "RUN.json: several models and tasks (see docs/tasks.md)")(
            "data", po::value<std::string>(), "text file for the perplexity task")(
            "data-dir", po::value<std::string>()->default_value(datasets::shipped_data_dir()),
            "folder holding the datasets (files it lacks are read from the shipped ones)")(
            "tasks-dir", po::value<std::string>(),
            "folder of task definitions (default: the shipped tasks/definitions)")(
            "no-pad", "LAMBADA without the \"\\n\" pad (lm-eval's definition)")(
            "no-cache", "transformer: replay the whole history at every call")(
            "attention", po::value<std::string>(), "transformer attention: naive (default) or fused")(
            "seed", po::value<std::uint64_t>()->default_value(1234), "seed of random: models and synthetic prompts")(
            "device", po::value<std::string>()->default_value("cpu"), "cpu or cuda")(
            "threads", po::value<int>()->default_value(0), "CPU threads (0: all cores)")(
            "batch-size", po::value<long long>()->default_value(32),
            "sequences stepped together: the serial RWKV engines score examples in batches of 4B through B "
            "rows, one matmul for all rows (1: one at a time)")(
            "int8-activations",
            "block formats (q8_0 ... q4_1) on activations quantized to 8 bits per 32 values, as rwkv.cpp and "
            "llama.cpp do: integer dot products (AVX-512 VNNI, else AVX2), faster decode, rwkv.cpp's numbers (CPU "
            "only; "
            "default: f32 activations, exact)")("limit", po::value<long long>(),
                                                "first N examples of each task (and of each language)")(
            "langs", po::value<std::string>(), "per-language tasks: only these codes, e.g. eng_Latn,tha_Thai")(
            "out", po::value<std::string>(), "run folder (default runs/run-<timestamp>)")(
            "resume", "continue the run in --out from its journal")(
            "progress", po::value<std::string>()->default_value("auto"), "auto (on a terminal), always or never")(
            "dry-run", po::value<int>()->implicit_value(0)->value_name("RANKS"),
            "show the examples and tokens per model and task, and how RANKS MPI ranks would share them (default: "
            "the mpirun world size), without loading a model")(
            "test-delay-us-per-token", po::value<double>(),
            "testing only: the scaling task spends this many extra microseconds per token (a build slowed on purpose)");
    }

    int run(const po::variables_map& args) override {
        tasks::run_config c;
        c.data_dir = args.at("data-dir").as<std::string>();
        // "default" names the default suite: on its own, the whole suite; with models, its tasks.
        const auto add_tasks = [&](const std::string& list) {
            for (const auto& t : split_commas(list)) {
                if (t == "default") {
                    const auto suite = tasks::default_suite_tasks();
                    c.tasks.insert(c.tasks.end(), suite.begin(), suite.end());
                } else {
                    c.tasks.push_back(tasks::task_request::named(t));
                }
            }
        };
        const bool default_suite = !args.count("model") && !args.count("config") &&
                                   (!args.count("task") || args.at("task").as<std::string>() == "default");
        if (default_suite || args.count("config")) {
            // The default suite is a RUN.json too (tasks/suites/default.json): the
            // shipped pair of byte-level models on held-out FLORES text, LAMBADA,
            // WikiText-2 and XCOPA, and the scaling sweep of the random 169M/160M models.
            c.config_file = default_suite ? tasks::default_suite_path() : args.at("config").as<std::string>();
            tasks::load_run_config(c.config_file, c);
            if (args.count("model")) throw harness::usage_error("run: give --model or --config, not both");
            if (args.count("task") && !default_suite) {  // --task replaces the file's tasks
                c.tasks.clear();
                add_tasks(args.at("task").as<std::string>());
            }
        } else {
            for (const char* required : {"model", "engine", "tokenizer", "task"})
                if (!args.count(required))
                    throw harness::usage_error(
                        std::string("run: --") + required +
                        " is required (or give --config RUN.json, or nothing for the default suite)");
            c.models.push_back({args.at("model").as<std::string>(), engine_spec_option(args, "run")});
            add_tasks(args.at("task").as<std::string>());
        }
        if (c.tasks.empty()) throw harness::usage_error("run: --task names no task");
        if (args.count("data")) c.data_file = args.at("data").as<std::string>();
        if (args.count("limit")) {
            const long long limit = args.at("limit").as<long long>();
            if (limit < 1) throw harness::usage_error("run: --limit must be at least 1, got " + std::to_string(limit));
            c.limit = static_cast<std::size_t>(limit);
        }
        if (args.count("langs")) c.langs = split_commas(args.at("langs").as<std::string>());
        if (args.count("tasks-dir")) c.definitions_dir = args.at("tasks-dir").as<std::string>();
        c.no_pad = args.count("no-pad") > 0;
        c.resume = args.count("resume") > 0;
        c.seed = args.at("seed").as<std::uint64_t>();
        c.device = args.at("device").as<std::string>();
        c.threads = threads_option(args, "run");
        const long long batch = args.at("batch-size").as<long long>();
        if (batch < 1 || batch > 4096)
            throw harness::usage_error("run: --batch-size must be 1 to 4096, got " + std::to_string(batch));
        c.batch_size = static_cast<std::size_t>(batch);
        c.int8_activations = args.count("int8-activations") > 0;
        const std::string progress = args.at("progress").as<std::string>();
        if (progress != "auto" && progress != "always" && progress != "never")
            throw harness::usage_error("run: --progress must be auto, always or never");
        c.progress = progress == "always" || (progress == "auto" && ::isatty(STDERR_FILENO));
        if (args.count("out")) {
            c.out_dir = args.at("out").as<std::string>();
        } else {
            if (c.resume) throw harness::usage_error("run: --resume needs --out");
            c.out_dir = timestamped_dir(default_suite ? "default" : "run");
        }
        if (args.count("test-delay-us-per-token")) {
            c.test_delay_us_per_token = args.at("test-delay-us-per-token").as<double>();
            if (!(c.test_delay_us_per_token >= 0 && c.test_delay_us_per_token <= 1e6))
                throw harness::usage_error("run: --test-delay-us-per-token must be 0 to 1e6");
        }
        c.argv = argv_;
        if (args.count("dry-run")) {
            const int ranks = args.at("dry-run").as<int>() > 0 ? args.at("dry-run").as<int>() : harness::world().size;
            if (args.at("dry-run").as<int>() < 0 || ranks > 100000)
                throw harness::usage_error("run: --dry-run takes a number of ranks from 1 to 100000");
            if (harness::world().rank == 0) print_plan(tasks::plan_run(c, ranks), ranks);
            return 0;
        }
        harness::stopwatch wall;
        const nlohmann::json report = tasks::run_tasks(c);
        if (report.is_null()) return 0;  // a rank other than 0 under mpirun: rank 0 writes the report
        print_summary(report);
        // The views: report.md, series/*.csv, charts (gnuplot), index.html.
        const reports::rendered views =
            reports::render(reports::parse_report(report, c.out_dir + "/report.json"), c.out_dir);
        for (const auto& n : views.notes) std::cerr << "rwkvbench: note: " << n << "\n";
        if (std::find(views.files.begin(), views.files.end(), "index.html") != views.files.end())
            std::cerr << "page: " << c.out_dir << "/index.html\n";
        std::cerr << "report: " << c.out_dir << "/report.json (" << static_cast<long>(wall.elapsed_seconds())
                  << " s)\n";
        return 0;
    }

private:
    std::vector<std::string> argv_;
};

}  // namespace

std::unique_ptr<command> make_run_command(std::vector<std::string> argv) {
    return std::make_unique<run_command>(std::move(argv));
}

}  // namespace cli
