// `rwkvbench list tasks|engines|models|devices`: what a run can name.
#include <algorithm>
#include <iostream>

#include "command.h"
#include "engines/registry.h"
#include "harness/errors.h"
#include "kernels/backend.h"
#include "tasks/runner.h"

namespace cli {
namespace {

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

std::unique_ptr<command> make_list_command() { return std::make_unique<list_command>(); }

}  // namespace cli
