// `rwkvbench ab --base OTHER/rwkvbench -- <run arguments>`: interleaved A/B
// timing of two builds on one machine. Round r runs `run <arguments>` with
// the base build and with this build (or --new), in ABBA order (base first
// in even rounds, new first in odd ones), so a machine that speeds up or
// slows down over minutes hits both alike; reports/ab_compare.h tests the
// per-round ratios. Also compares the first round's quality metrics as
// `compare` does. Exit 0 no regression, 1 a regression, 2 bad usage, 3 a
// round failed.
//
// DIR/ab-plan.json    what is being compared (the builds' SHA-256, the
//                     arguments, the rounds); --resume refuses another plan
// DIR/round-RR/{base,new}/   each side's run folder; {base,new}.log its output
// DIR/round-RR/done.json     both sides finished (their wall times); a round
//                     without it is redone whole on --resume, both sides
//                     again, since its two halves must be close in time
// DIR/ab.md, ab.json  the comparison (also printed)
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "command.h"
#include "harness/atomic_file.h"
#include "harness/errors.h"
#include "harness/json_file.h"
#include "harness/sha256.h"
#include "harness/subprocess.h"
#include "harness/timing.h"
#include "option_values.h"
#include "reports/ab_compare.h"
#include "reports/compare.h"
#include "reports/report.h"

namespace cli {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string executable(const std::string& option, const std::string& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec) || ::access(path.c_str(), X_OK) != 0)
        throw harness::usage_error("ab: --" + option + " " + path + ": not an executable file");
    return fs::absolute(path).lexically_normal().string();
}

std::string this_executable() {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) throw harness::usage_error("ab: cannot find this executable (/proc/self/exe); give --new PATH");
    return self.string();
}

std::string round_dir(const std::string& out, std::size_t r) {
    char name[32];
    std::snprintf(name, sizeof name, "round-%02zu", r + 1);
    return out + "/" + name;
}

// The first round's quality metrics compared as `compare` does: a build
// that changes what a model scores is a regression too.
reports::comparison compare_quality(reports::run_report base, reports::run_report now,
                                    const reports::gate_config& gate) {
    const auto timing = [](const reports::metric_result& m) { return m.is_timing(); };
    std::erase_if(base.results, timing);
    std::erase_if(now.results, timing);
    return reports::compare_reports(base, now, gate);
}

class ab_command final : public command {
public:
    std::string_view name() const override { return "ab"; }
    std::string_view summary() const override {
        return "interleaved A/B timing of two builds on this machine; exit 1 on a slowdown (the CI gate)";
    }
    std::string_view examples() const override {
        return "  rwkvbench ab --base ../main/build/rwkvbench -- --task scaling      # 10 rounds, ABBA\n"
               "  rwkvbench ab --base old/rwkvbench --rounds 12 --config ci/gate.json --out runs/ab -- --config "
               "run.json\n"
               "  rwkvbench ab --base old/rwkvbench --out runs/ab --resume -- --task scaling   # after a kill\n";
    }
    void add_options(po::options_description& o) override {
        o.add_options()("base", po::value<std::string>()->required(), "the baseline build's rwkvbench executable")(
            "new", po::value<std::string>(), "the candidate's executable (default: this rwkvbench)")(
            "rounds", po::value<int>()->default_value(10),
            "rounds, each a run of both builds (10: enough for Wilcoxon's p to reach 0.002)")(
            "config", po::value<std::string>(), "GATE.json: timing_threshold, alpha, ignore (and quality thresholds)")(
            "threshold", po::value<double>(), "relative slowdown that counts (default 0.03, or GATE.json's)")(
            "out", po::value<std::string>(), "folder for the rounds and ab.md/ab.json (default runs/ab-<timestamp>)")(
            "resume", "continue the A/B run in --out, keeping its finished rounds")(
            "run-args", po::value<std::vector<std::string>>()->multitoken(),
            "after --: the arguments of `rwkvbench run` (not --out, --resume or --progress)");
    }
    void add_positional(po::positional_options_description& p) override { p.add("run-args", -1); }

    int run(const po::variables_map& args) override {
        const int rounds = args.at("rounds").as<int>();
        if (rounds < 1 || rounds > 1000) throw harness::usage_error("ab: --rounds must be 1 to 1000");
        std::vector<std::string> run_args;
        if (args.count("run-args")) run_args = args.at("run-args").as<std::vector<std::string>>();
        for (const std::string& a : run_args)
            for (const char* own : {"--out", "--resume", "--progress"})
                if (a == own || a.starts_with(std::string(own) + "="))
                    throw harness::usage_error(std::string("ab: ") + own +
                                               " is ab's own, not a run argument (ab gives each round its folder)");

        reports::gate_config quality_gate;
        reports::ab_gate gate;
        if (args.count("config")) {
            quality_gate = reports::load_gate_config(args.at("config").as<std::string>());
            gate.threshold = quality_gate.timing_threshold, gate.alpha = quality_gate.alpha;
            gate.ignore = quality_gate.ignore;
        }
        if (args.count("threshold")) gate.threshold = non_negative_option(args, "threshold", "ab");

        const std::string base = executable("base", args.at("base").as<std::string>());
        const std::string now =
            args.count("new") ? executable("new", args.at("new").as<std::string>()) : this_executable();
        const std::string out = out_dir(args);
        const bool resume = args.count("resume") > 0;
        start(out, resume,
              json{{"base", base},
                   {"base_sha256", harness::sha256_file(base)},
                   {"new", now},
                   {"new_sha256", harness::sha256_file(now)},
                   {"run_args", run_args},
                   {"rounds", rounds}});
        if (rounds < 6)
            std::cerr << "rwkvbench: note: with " << rounds
                      << " rounds the smallest Wilcoxon p is above 0.05: this comparison cannot gate\n";

        std::vector<reports::ab_round_pair> pairs;
        for (int r = 0; r < rounds; ++r)
            pairs.push_back(round(out, static_cast<std::size_t>(r), rounds, base, now, run_args));

        const reports::ab_comparison timing = reports::compare_rounds(pairs, gate);
        const reports::comparison quality = compare_quality(pairs[0].base, pairs[0].now, quality_gate);
        std::string md = reports::to_markdown(timing);
        md += "\n## Quality (round 1)\n\n";
        md += quality.rows.empty() ? "No quality metrics in these runs.\n"
                                   : reports::to_markdown(quality, pairs[0].base.path, pairs[0].now.path);
        json j = reports::to_json(timing);
        j["quality"] = reports::to_json(quality);
        j["regressed"] = timing.regressed() || quality.regressed();
        harness::write_file_atomically(out + "/ab.md", md);
        harness::write_file_atomically(out + "/ab.json", j.dump(2) + "\n");
        std::cout << md;
        std::cerr << "ab: " << out << "/ab.md\n";
        return j.at("regressed").get<bool>() ? 1 : 0;
    }

private:
    static std::string out_dir(const po::variables_map& args) {
        if (args.count("out")) return args.at("out").as<std::string>();
        if (args.count("resume")) throw harness::usage_error("ab: --resume needs --out");
        return timestamped_dir("ab");
    }

    // Creates the folder and its plan, or on --resume checks that the plan
    // there is this one.
    static void start(const std::string& out, bool resume, const json& plan) {
        const std::string plan_file = out + "/ab-plan.json";
        std::error_code ec;
        if (resume) {
            if (!fs::exists(plan_file, ec))
                throw harness::usage_error("ab: --resume: " + plan_file + " does not exist (nothing to resume)");
            const json old = harness::read_json_file(plan_file);
            for (const auto& [key, value] : plan.items())
                if (!old.is_object() || !old.contains(key) || old.at(key) != value)
                    throw harness::input_error(plan_file + ": '" + key + "' differs from this A/B run's (" +
                                               value.dump() + "); use another --out");
            return;
        }
        if (fs::exists(out, ec) && !fs::is_empty(out, ec))
            throw harness::usage_error("ab: --out " + out + " is not empty (give --resume to continue it)");
        fs::create_directories(out, ec);
        if (ec) throw harness::usage_error("ab: --out " + out + ": " + ec.message());
        harness::write_file_atomically(plan_file, plan.dump(2) + "\n");
    }

    static reports::ab_round_pair round(const std::string& out, std::size_t r, int rounds, const std::string& base,
                                        const std::string& now, const std::vector<std::string>& run_args) {
        const std::string dir = round_dir(out, r);
        const std::string done = dir + "/done.json";
        std::error_code ec;
        double seconds[2] = {0, 0};  // base, new
        if (fs::exists(done, ec)) {  // finished before a --resume
            const json d = harness::read_json_file(done);
            try {
                seconds[0] = d.at("base_seconds").get<double>(), seconds[1] = d.at("new_seconds").get<double>();
            } catch (const json::exception& e) {
                throw harness::input_error(done + ": " + e.what());
            }
        } else {
            fs::remove_all(dir, ec);  // half a round is redone whole
            fs::create_directories(dir, ec);
            if (ec) throw harness::io_error(dir, "cannot create it", ec.value());
            const bool base_first = r % 2 == 0;
            for (const int side : base_first ? std::array{0, 1} : std::array{1, 0})
                seconds[side] = run_side(dir, side == 0 ? "base" : "new", side == 0 ? base : now, run_args, r);
            harness::write_file_atomically(
                done, json{{"base_seconds", seconds[0]}, {"new_seconds", seconds[1]}}.dump() + "\n");
            char line[128];
            std::snprintf(line, sizeof line, "ab: round %zu/%d: base %.2f s, new %.2f s\n", r + 1, rounds, seconds[0],
                          seconds[1]);
            std::cerr << line;
        }
        return {reports::load_report(dir + "/base"), reports::load_report(dir + "/new"), seconds[0], seconds[1]};
    }

    // One build's run of the round; returns its wall time in seconds.
    static double run_side(const std::string& dir, const std::string& side, const std::string& exe,
                           const std::vector<std::string>& run_args, std::size_t r) {
        std::vector<std::string> argv = {exe, "run"};
        argv.insert(argv.end(), run_args.begin(), run_args.end());
        for (const char* a : {"--out", "", "--progress", "never"}) argv.emplace_back(a);
        argv[argv.size() - 3] = dir + "/" + side;
        const std::string log = dir + "/" + side + ".log";
        harness::stopwatch wall;
        const int code = harness::run_process(argv, log);
        if (code == 0) return wall.elapsed_seconds();
        const std::string what = "ab: round " + std::to_string(r + 1) + ": the " + side + " build (" + exe +
                                 ") exited with " + std::to_string(code) + "; its log " + log +
                                 " ends: " + harness::tail_of_file(log, 1);
        // The run arguments themselves are wrong: the first run says so, and it is the user's to fix.
        if (code == 2 && r == 0) throw harness::usage_error(what);
        throw harness::error("ab_round_failed", what);
    }
};

}  // namespace

std::unique_ptr<command> make_ab_command() { return std::make_unique<ab_command>(); }

}  // namespace cli
