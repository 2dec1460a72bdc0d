// `rwkvbench review BASE NEW --out DIR [--verdicts FILE]`: the multilingual
// review page of two finished runs, from their report.json, samples/ and
// continuations/.
#include <iostream>

#include "command.h"
#include "reports/report.h"
#include "reports/review.h"

namespace cli {
namespace {

class review_command final : public command {
public:
    std::string_view name() const override { return "review"; }
    std::string_view summary() const override {
        return "multilingual review page of two runs, with per-language verdicts";
    }
    std::string_view examples() const override {
        return "  rwkvbench review runs/main runs/pr --out review/\n"
               "  rwkvbench review runs/main runs/pr --out review/ --verdicts team/verdicts.json "
               "--item-verdicts team/item_verdicts.jsonl\n";
    }
    void add_options(po::options_description& o) override {
        o.add_options()("base", po::value<std::string>()->required(), "baseline run folder")(
            "new", po::value<std::string>()->required(), "candidate run folder")(
            "out", po::value<std::string>()->required(),
            "folder for index.html, review.json, errata.jsonl (and the verdict files)")(
            "verdicts", po::value<std::string>(), "per-language verdicts (default OUT/verdicts.json)")(
            "item-verdicts", po::value<std::string>(), "per-item verdicts (default OUT/item_verdicts.jsonl)");
    }
    void add_positional(po::positional_options_description& p) override { p.add("base", 1).add("new", 1); }
    int run(const po::variables_map& args) override {
        const auto base = reports::load_report(args.at("base").as<std::string>());
        const auto now = reports::load_report(args.at("new").as<std::string>());
        const std::string out = args.at("out").as<std::string>();
        const auto optional = [&](const char* name) {
            return args.count(name) ? args.at(name).as<std::string>() : std::string();
        };
        reports::write_review(base, now, out, optional("verdicts"), optional("item-verdicts"));
        std::cout << out << "/index.html\n";
        return 0;
    }
};

}  // namespace

std::unique_ptr<command> make_review_command() { return std::make_unique<review_command>(); }

}  // namespace cli
