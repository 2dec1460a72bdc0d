// `rwkvbench compare BASE NEW`: the CI gate. Exit 0 = no regression,
// 1 = a regression (or a measurement missing from NEW), 2 = bad input.
#include <iostream>

#include "command.h"
#include "harness/atomic_file.h"
#include "reports/compare.h"
#include "reports/report.h"

namespace cli {
namespace {

class compare_command final : public command {
public:
    std::string_view name() const override { return "compare"; }
    std::string_view summary() const override { return "compare two runs; exit 1 on a regression (the CI gate)"; }
    std::string_view examples() const override {
        return "  rwkvbench compare runs/main runs/pr                       # Markdown table, exit 1 on a regression\n"
               "  rwkvbench compare base.json new.json --threshold acc=0.02 --threshold ms_per_token=0.15\n"
               "  rwkvbench compare runs/main runs/pr --config gate.json --json cmp.json --benchmark-json bench.json\n";
    }
    void add_options(po::options_description& o) override {
        o.add_options()("base", po::value<std::string>()->required(), "baseline run folder or report.json")(
            "new", po::value<std::string>()->required(), "candidate run folder or report.json")(
            "threshold", po::value<std::vector<std::string>>()->composing(),
            "METRIC=X: relative change that counts for METRIC (0.05 = 5%); repeatable")(
            "config", po::value<std::string>(), "GATE.json with thresholds, z, alpha, ignore, reference_model")(
            "allow-missing", "a measurement missing from NEW is not a regression")("json", po::value<std::string>(),
                                                                                   "write the comparison as JSON")(
            "benchmark-json", po::value<std::string>(),
            "write NEW in github-action-benchmark's customSmallerIsBetter format");
    }
    void add_positional(po::positional_options_description& p) override { p.add("base", 1).add("new", 1); }
    int run(const po::variables_map& args) override {
        reports::gate_config gate;
        if (args.count("config")) gate = reports::load_gate_config(args.at("config").as<std::string>());
        if (args.count("threshold"))
            for (const auto& t : args.at("threshold").as<std::vector<std::string>>()) reports::add_threshold(gate, t);
        if (args.count("allow-missing")) gate.allow_missing = true;
        const std::string base_path = args.at("base").as<std::string>(), new_path = args.at("new").as<std::string>();
        const reports::run_report base = reports::load_report(base_path), now = reports::load_report(new_path);
        const reports::comparison c = reports::compare_reports(base, now, gate);
        std::cout << reports::to_markdown(c, base.path, now.path);
        if (args.count("json"))
            harness::write_file_atomically(args.at("json").as<std::string>(), reports::to_json(c).dump(2) + "\n");
        if (args.count("benchmark-json"))
            harness::write_file_atomically(args.at("benchmark-json").as<std::string>(),
                                           reports::to_benchmark_json(now).dump(2) + "\n");
        return c.regressed() ? 1 : 0;
    }
};

}  // namespace

std::unique_ptr<command> make_compare_command() { return std::make_unique<compare_command>(); }

}  // namespace cli
