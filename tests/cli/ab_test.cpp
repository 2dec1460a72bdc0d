// `rwkvbench ab` end to end on a short scaling sweep of the tiny model: two
// copies of this build do not gate; a copy slowed on purpose
// (--test-delay-us-per-token) gates; a killed A/B run resumes; usage and
// failing rounds have their exit codes.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_run.h"
#include "test_paths.h"

namespace {

using cli_run::q;
using cli_run::result;
using cli_run::run;
namespace fs = std::filesystem;

// A folder with a short scaling task, a copy of this build and a wrapper
// around it that adds `delay_us` per token.
struct ab_fixture {
    std::string dir, base, slow, failing, run_args;
};

ab_fixture make_fixture(const std::string& name) {
    ab_fixture f;
    f.dir = test_paths::fresh_dir("ab_test", name);
    fs::create_directories(f.dir);
    std::ofstream(f.dir + "/scaling_short.json") << R"({"task": "scaling_short", "version": 1, "scorer": "scaling",
        "dataset": {"format": "synthetic_tokens"},
        "options": {"prompt_tokens": 8, "generate_tokens": 24, "repeats": 2, "warmup_tokens": 2,
                    "prefill_lengths": [16], "report_contexts": [24]},
        "metrics": [{"metric": "ms_per_token", "aggregation": "median", "higher_is_better": false},
                    {"metric": "tokens_per_s", "aggregation": "median", "higher_is_better": true},
                    {"metric": "prefill_tokens_per_s", "aggregation": "median", "higher_is_better": true}]})";
    f.base = f.dir + "/base-rwkvbench";
    fs::copy_file(RWKVBENCH_EXE, f.base);
    const auto script = [&](const std::string& file, const std::string& body) {
        std::ofstream(file) << "#!/bin/sh\n" << body << "\n";
        fs::permissions(file, fs::perms::owner_all);
        return file;
    };
    // 2 ms per token on a model that takes about 0.1 ms: unmistakable on any machine.
    f.slow = script(f.dir + "/slow.sh", "exec " + q(RWKVBENCH_EXE) + " \"$@\" --test-delay-us-per-token 2000");
    f.failing = script(f.dir + "/failing.sh", "echo 'simulated crash' >&2; exit 7");
    f.run_args = "--model " + q(test_paths::data() + "/models/rwkv4-tiny/rwkv4-tiny-660K-f32.pth") +
                 " --engine rwkv4-parallel --tokenizer bytes --threads 1 --task " + q(f.dir + "/scaling_short.json");
    return f;
}

TEST(Ab, TwoCopiesOfOneBuildDoNotGate) {
    const ab_fixture f = make_fixture("same");
    // Two fresh copies side by side. On a model this small (0.1 ms a token)
    // two copies of one binary can differ consistently by a few percent
    // (where the code lands in memory), which a paired test rightly sees:
    // this test gates at 15%, the slowed build below is 20 times slower.
    const std::string copy = f.dir + "/new-rwkvbench";
    fs::copy_file(RWKVBENCH_EXE, copy);
    const result same = run("ab --base " + q(f.base) + " --new " + q(copy) + " --threshold 0.15 --out " +
                            q(f.dir + "/same") + " -- " + f.run_args);
    ASSERT_EQ(same.code, 0) << same.err << same.out;
    EXPECT_NE(same.out.find("over 10 interleaved rounds (ABBA)"), std::string::npos) << same.out;
    EXPECT_NE(same.out.find("No timing regression."), std::string::npos) << same.out;
    const auto j = nlohmann::json::parse(std::ifstream(f.dir + "/same/ab.json"));
    EXPECT_FALSE(j.at("regressed").get<bool>());
    EXPECT_EQ(j.at("rows").at(0).at("ratios").size(), 10u);
    // ABBA: base first in odd-numbered rounds, new first in even ones (by the logs' times).
    for (int r : {1, 2}) {
        const std::string d = f.dir + "/same/round-0" + std::to_string(r);
        const bool base_first =
            fs::last_write_time(d + "/base/report.json") < fs::last_write_time(d + "/new/report.json");
        EXPECT_EQ(base_first, r == 1) << d;
    }
}

TEST(Ab, ABuildSlowedOnPurposeGates) {
    const ab_fixture f = make_fixture("slow");
    const result slow =
        run("ab --base " + q(f.base) + " --new " + q(f.slow) + " --out " + q(f.dir + "/slow") + " -- " + f.run_args);
    EXPECT_EQ(slow.code, 1) << slow.err << slow.out;
    EXPECT_NE(slow.out.find("| REGRESSION | all timings |"), std::string::npos) << slow.out;
    EXPECT_NE(slow.out.find("| REGRESSION | scaling_short |"), std::string::npos) << slow.out;
    // The slowed runs say so in their reports.
    const auto report = nlohmann::json::parse(std::ifstream(f.dir + "/slow/round-03/new/report.json"));
    EXPECT_EQ(report.at("config").at("test_delay_us_per_token").get<double>(), 2000);
}

TEST(Ab, ResumeRedoesOnlyUnfinishedRounds) {
    const ab_fixture f = make_fixture("resume");
    const std::string args = "ab --base " + q(f.base) + " --rounds 3 --out " + q(f.dir + "/ab");
    ASSERT_EQ(run(args + " -- " + f.run_args).code, 0);
    // As if killed during round 2: its marker gone, half its files left.
    fs::remove(f.dir + "/ab/round-02/done.json");
    fs::remove_all(f.dir + "/ab/round-02/new");
    const auto round1 = fs::last_write_time(f.dir + "/ab/round-01/base/report.json");
    const result again = run(args + " -- " + f.run_args);
    EXPECT_EQ(again.code, 2) << again.err;  // the folder is taken: --resume or another --out
    EXPECT_NE(again.err.find("--resume"), std::string::npos) << again.err;
    const result resumed = run(args + " --resume -- " + f.run_args);
    ASSERT_EQ(resumed.code, 0) << resumed.err;
    EXPECT_EQ(resumed.err.find("round 1/3"), std::string::npos) << resumed.err;
    EXPECT_NE(resumed.err.find("round 2/3"), std::string::npos) << resumed.err;
    EXPECT_EQ(fs::last_write_time(f.dir + "/ab/round-01/base/report.json"), round1);
    EXPECT_TRUE(fs::exists(f.dir + "/ab/round-02/new/report.json"));
    // Another plan in the same folder is refused, naming what differs.
    const result other = run(args + " --resume -- " + f.run_args + " --seed 7");
    EXPECT_EQ(other.code, 2);
    EXPECT_NE(other.err.find("'run_args' differs"), std::string::npos) << other.err;
}

TEST(Ab, UsageErrorsAndFailingRounds) {
    const ab_fixture f = make_fixture("errors");
    const std::string base = "ab --base " + q(f.base) + " --rounds 2 ";
    const result own = run(base + "-- " + f.run_args + " --out x");
    EXPECT_EQ(own.code, 2);
    EXPECT_NE(own.err.find("--out is ab's own"), std::string::npos) << own.err;
    EXPECT_EQ(run("ab --base " + q(f.dir + "/nothing") + " -- " + f.run_args).code, 2);
    EXPECT_EQ(run("ab -- " + f.run_args).code, 2);  // --base is required
    EXPECT_EQ(run(base + "--rounds 0 -- " + f.run_args).code, 2);
    // Run arguments the builds reject: the first run says so, exit 2 with its message.
    const result bad = run(base + "--out " + q(f.dir + "/bad") + " -- --task no_such_task --model x");
    EXPECT_EQ(bad.code, 2);
    EXPECT_NE(bad.err.find("round 1: the base build"), std::string::npos) << bad.err;
    // A build that crashes: exit 3, naming the build and quoting its log.
    const result crash = run(base + "--new " + q(f.failing) + " --out " + q(f.dir + "/crash") + " -- " + f.run_args);
    EXPECT_EQ(crash.code, 3);
    EXPECT_NE(crash.err.find("the new build"), std::string::npos) << crash.err;
    EXPECT_NE(crash.err.find("exited with 7"), std::string::npos) << crash.err;
    EXPECT_NE(crash.err.find("simulated crash"), std::string::npos) << crash.err;
}

}  // namespace
