// The run folder's guards: the manifest that makes --resume refuse another
// run, the lock that keeps a second process out, and an unusable --out.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "harness/errors.h"
#include "harness/run_lock.h"
#include "lambada_run.h"
#include "tasks/journal.h"
#include "tasks/run_manifest.h"
#include "tasks/runner.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
const std::string tiny = test_paths::data() + "/models/rwkv4-tiny/rwkv4-tiny-660K-f32.pth";
const std::string synth = test_paths::data() + "/models/rwkv4-synth/rwkv4-synth-3x64-f32.pth";

tasks::run_config config(const std::string& out, const std::string& model = tiny, std::size_t limit = 4) {
    return lambada_run("m", model, "rwkv4-parallel", out, limit);
}

std::string fresh_dir(const std::string& name) { return test_paths::fresh_dir("run_folder", name); }

std::string error_of(const tasks::run_config& c) {
    try {
        tasks::run_tasks(c);
    } catch (const harness::error& e) {
        EXPECT_EQ(e.code(), harness::exit_code::bad_input) << e.what();
        return e.what();
    }
    return "(no error)";
}

TEST(RunFolder, ResumeRefusesAnotherRun) {
    const std::string dir = fresh_dir("mix");
    tasks::run_tasks(config(dir));
    ASSERT_TRUE(fs::exists(dir + "/manifest.json"));
    auto same = config(dir);
    same.resume = true;
    same.threads = 1;  // threads are not part of what a run is
    EXPECT_NO_THROW(tasks::run_tasks(same));

    auto more = config(dir, tiny, 5);  // another limit: other requests
    more.resume = true;
    std::string e = error_of(more);
    EXPECT_NE(e.find("would mix two runs"), std::string::npos) << e;
    EXPECT_NE(e.find("tasks[0].limit: 4 in the run, 5 now"), std::string::npos) << e;

    auto other_file = config(dir, synth);  // the same model name, another checkpoint
    other_file.resume = true;
    e = error_of(other_file);
    EXPECT_NE(e.find("models[0].files.weights_sha256"), std::string::npos) << e;

    auto options = config(dir);  // the same task with other options
    options.tasks[0].options = {{"pad", "\n\n"}};
    options.resume = true;
    e = error_of(options);
    EXPECT_NE(e.find("tasks[0].definition"), std::string::npos) << e;
}

TEST(RunFolder, FingerprintDifferencesArePaths) {
    const nlohmann::json a = {{"models", {{{"name", "m"}, {"dtype", "fp32"}}}}, {"seed", 1}};
    const nlohmann::json b = {{"models", {{{"name", "m"}, {"dtype", "bf16"}}}}, {"seed", 1}, {"device", "cuda"}};
    const auto d = tasks::fingerprint_differences(a, b);
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0], "models[0].dtype: \"fp32\" in the run, \"bf16\" now");
    EXPECT_EQ(d[1], "device: (absent) in the run, \"cuda\" now");
    EXPECT_TRUE(tasks::fingerprint_differences(a, a).empty());
}

TEST(RunFolder, ASecondProcessIsRefusedWhileTheFirstHoldsTheLock) {
    const std::string dir = fresh_dir("lock");
    fs::create_directories(dir);
    const harness::run_lock held(dir);  // as another process would (flock is per open file)
    const std::string e = error_of(config(dir));
    EXPECT_NE(e.find("another rwkvbench is running in this folder (host "), std::string::npos) << e;
    EXPECT_NE(e.find("pid " + std::to_string(::getpid())), std::string::npos) << e;
}

TEST(RunFolder, AStaleLockIsTakenOverWithANote) {
    const std::string dir = fresh_dir("stale");
    fs::create_directories(dir);
    std::ofstream(dir + "/run.lock") << "host elsewhere, pid 4242, since 2026-01-01T00:00:00Z\n";  // killed, -9
    std::string note;
    { const harness::run_lock lock(dir, &note); }
    EXPECT_NE(note.find("took over the lock of a process that is gone (host elsewhere, pid 4242"), std::string::npos)
        << note;
    note.clear();
    { const harness::run_lock lock(dir, &note); }  // released cleanly: no note
    EXPECT_EQ(note, "");
    EXPECT_NO_THROW(tasks::run_tasks(config(dir)));
}

TEST(RunFolder, AnUnusableOutIsBadInputBeforeAnyWork) {
    const std::string file = fresh_dir("file");
    std::ofstream(file) << "x";
    std::string e = error_of(config(file));
    EXPECT_NE(e.find(file + ": cannot create the run folder"), std::string::npos) << e;
    e = error_of(config("/proc/rwkvbench-test/out"));
    EXPECT_NE(e.find("/proc/rwkvbench-test/out: cannot create the run folder"), std::string::npos) << e;
    fs::remove(file);
}

// Out of space, simulated by a file-size limit (EFBIG, like ENOSPC a failure
// of the system mid-write): exit 3 naming the journal and the reason; the
// journal keeps every complete line and --resume drops the torn one.
TEST(RunFolder, AWriteThatFailsMidRunIsExit3AndTheJournalStaysValid) {
    const std::string dir = fresh_dir("full");
    fs::create_directories(dir);
    const std::string path = dir + "/journal.jsonl";
    {
        tasks::journal j(path, false);
        j.append({"t", "m", "1"}, {{"nll", 1.5}});
        const auto size = fs::file_size(path);
        const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit old{};
        ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
        rlimit small = old;
        small.rlim_cur = size + 16;  // room for part of the next line only
        ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
        try {
            j.append({"t", "m", "2"}, {{"text", std::string(200, 'x')}});
            ADD_FAILURE() << "a write past the limit succeeded";
        } catch (const harness::error& e) {
            EXPECT_EQ(e.code(), harness::exit_code::internal) << e.what();
            EXPECT_NE(std::string(e.what()).find(path + ": write failed: File too large"), std::string::npos)
                << e.what();
        }
        setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, old_handler);
    }
    const tasks::journal again(path, true);
    ASSERT_EQ(again.records().size(), 1u);
    EXPECT_NE(again.find({"t", "m", "1"}), nullptr);
}

TEST(RunFolder, AFolderWithoutManifestResumesWithANote) {
    const std::string dir = fresh_dir("old");
    tasks::run_tasks(config(dir));
    fs::remove(dir + "/manifest.json");  // as a run from before manifests
    auto again = config(dir);
    again.resume = true;
    testing::internal::CaptureStderr();
    EXPECT_NO_THROW(tasks::run_tasks(again));
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("manifest.json is missing"), std::string::npos) << err;
    EXPECT_TRUE(fs::exists(dir + "/manifest.json"));  // checked from now on
}

TEST(RunFolder, ANonFiniteResultStopsTheModelAndTheJournalStaysReadable) {
    // A NaN once became null in the journal and report, which resume and the
    // report's own readers then refused.
    const std::string dir = fresh_dir("nan");
    fs::create_directories(dir);
    {
        tasks::journal j(dir + "/journal.jsonl", false);
        j.append({"lambada_openai", "m", "1"}, {{"logprob", -1.5}});
        try {
            j.append({"lambada_openai", "m", "2"}, {{"logprob", std::nan("")}});
            FAIL() << "a NaN was journaled";
        } catch (const harness::input_error& e) {
            EXPECT_NE(std::string(e.what()).find("model 'm' produced a non-finite logprob (NaN or inf) on task "
                                                 "lambada_openai, example 2"),
                      std::string::npos)
                << e.what();
        }
    }
    const tasks::journal resumed(dir + "/journal.jsonl", true);
    ASSERT_NE(resumed.find({"lambada_openai", "m", "1"}), nullptr);
    EXPECT_EQ(resumed.find({"lambada_openai", "m", "2"}), nullptr);  // redone on resume
}

}  // namespace
