// `rwkvbench report DIR [--format md|csv|charts|html|all]`: the views of a
// finished run, computed from its report.json only.
#include <iostream>

#include "command.h"
#include "reports/render.h"
#include "reports/report.h"

namespace cli {
namespace {

class report_command final : public command {
public:
    std::string_view name() const override { return "report"; }
    std::string_view summary() const override {
        return "render a run folder: report.md, series/*.csv, charts/, index.html";
    }
    std::string_view examples() const override {
        return "  rwkvbench report runs/default-20261125-120000\n  rwkvbench report runs/a --format charts\n";
    }
    void add_options(po::options_description& o) override {
        o.add_options()("dir", po::value<std::string>()->required(), "run folder holding report.json")(
            "format", po::value<std::string>()->default_value("all"), "md, csv, charts, html or all");
    }
    void add_positional(po::positional_options_description& p) override { p.add("dir", 1); }
    int run(const po::variables_map& args) override {
        const reports::run_report r = reports::load_report(args.at("dir").as<std::string>());
        const reports::rendered out = reports::render(r, r.dir, args.at("format").as<std::string>());
        for (const auto& f : out.files) std::cout << r.dir << "/" << f << "\n";
        for (const auto& n : out.notes) std::cerr << "rwkvbench: note: " << n << "\n";
        return 0;
    }
};

}  // namespace

std::unique_ptr<command> make_report_command() { return std::make_unique<report_command>(); }

}  // namespace cli
