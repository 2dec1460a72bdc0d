// `rwkvbench selfcheck`: runs the op parity table (kernels/parity) on this
// machine's backends and prints one line per op. A user's quick check that
// the kernels compute what the reference computes on their hardware.
#include <iomanip>
#include <iostream>
#include <map>

#include "command.h"
#include "harness/errors.h"
#include "harness/timing.h"
#include "kernels/parity.h"

namespace cli {
namespace {

class selfcheck_command final : public command {
public:
    std::string_view name() const override { return "selfcheck"; }
    std::string_view summary() const override { return "check every kernel against the reference on this machine"; }
    std::string_view examples() const override {
        return "  rwkvbench selfcheck\n  rwkvbench selfcheck --device cuda --verbose\n";
    }
    void add_options(po::options_description& o) override {
        o.add_options()("device", po::value<std::string>()->default_value("all"), "cpu, cuda or all")(
            "verbose,v", "print every case, not only a line per op and backend");
    }

    int run(const po::variables_map& args) override {
        const std::string device = args.at("device").as<std::string>();
        if (device != "all" && device != "cpu" && device != "cuda")
            throw harness::usage_error("selfcheck: --device must be cpu, cuda or all, got '" + device + "'");
        const bool verbose = args.count("verbose") > 0;
        std::vector<std::string> skipped;
        auto backends = kernels::parity::testable_backends(&skipped);
        std::erase_if(backends, [&](const auto& b) { return device != "all" && b.name.rfind(device, 0) != 0; });
        if (backends.empty()) {
            std::string reasons;
            for (const auto& why : skipped) reasons += (reasons.empty() ? "" : "; ") + why;
            throw harness::unsupported_error("selfcheck: no " + device + " backend on this machine (" + reasons + ")");
        }
        const auto cases = kernels::parity::all_cases();
        int failures = 0;
        harness::stopwatch clock;
        for (const auto& nb : backends) {
            auto b = nb.make();
            struct tally {
                int passed = 0, failed = 0, unsupported = 0;
                double worst_nmse = 0;
            };
            std::map<std::string, tally> per_op;
            for (const auto& c : cases) {
                const auto r = kernels::parity::run_case(c, *b);
                tally& t = per_op[std::string(kernels::op_name(c.desc.kind))];
                if (!r.supported) {
                    ++t.unsupported;
                } else if (r.passed) {
                    ++t.passed;
                    t.worst_nmse = std::max(t.worst_nmse, r.nmse);
                } else {
                    ++t.failed;
                    ++failures;
                    std::cout << "FAIL " << nb.name << " " << c.name << ": " << r.message << "\n";
                }
                if (verbose && r.passed)
                    std::cout << (r.supported ? "ok   " : "n/a  ") << nb.name << " " << c.name << " nmse " << r.nmse
                              << " (allowed " << r.allowed_nmse << ")\n";
            }
            for (const auto& [op, t] : per_op) {
                std::cout << std::left << std::setw(16) << nb.name << std::setw(14) << op << t.passed << " passed";
                if (t.failed) std::cout << ", " << t.failed << " FAILED";
                if (t.unsupported) std::cout << ", " << t.unsupported << " not supported";
                std::cout << "  (worst nmse " << std::setprecision(2) << t.worst_nmse << ")\n";
            }
        }
        for (const auto& why : skipped) std::cout << "skipped " << why << "\n";
        std::cout << (failures ? "selfcheck FAILED: " + std::to_string(failures) + " case(s)" : std::string("selfcheck passed"))
                  << " in " << std::fixed << std::setprecision(1) << clock.elapsed_seconds() << " s\n";
        return failures ? 1 : 0;
    }
};

}  // namespace

std::unique_ptr<command> make_selfcheck_command() { return std::make_unique<selfcheck_command>(); }

}  // namespace cli
