// The rwkvbench executable as users and CI see it: help, exit codes, one-line
// errors, info in text and JSON.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_run.h"
#include "kernels/backend.h"
#include "kernels/cpu_options.h"
#include "test_paths.h"

namespace {

using cli_run::q;
using cli_run::result;
using cli_run::run;

TEST(Cli, HelpListsEveryCommand) {
    const result r = run("--help");
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("info"), std::string::npos);
    EXPECT_NE(r.out.find("selfcheck"), std::string::npos);
}

TEST(Cli, NoArgumentsIsUsageError) { EXPECT_EQ(run("").code, 2); }

TEST(Cli, UnknownCommandIsOneLineAndExit2) {
    const result r = run("frobnicate");
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "rwkvbench: error: unknown command 'frobnicate' (see rwkvbench --help)\n");
}

TEST(Cli, UnknownOptionIsExit2) {
    const result r = run("info --no-such-flag");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("no-such-flag"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(Cli, BadOptionValueIsExit2) { EXPECT_EQ(run("info --threads many").code, 2); }

TEST(Cli, InfoNamesBuildBlasAndCuda) {
    const result r = run("info --threads 1");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("OpenBLAS"), std::string::npos);
    EXPECT_NE(r.out.find("threads:  1"), std::string::npos) << r.out;
    EXPECT_TRUE(r.out.find("CUDA 0:") != std::string::npos || r.out.find("no CUDA device") != std::string::npos ||
                r.out.find("CUDA not compiled in") != std::string::npos)
        << r.out;
}

TEST(Cli, InfoJsonParses) {
    const result r = run("info --json");
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_TRUE(j.at("cuda_compiled").is_boolean());
    EXPECT_TRUE(j.at("cuda_devices").is_array());
    EXPECT_FALSE(j.at("git_commit").get<std::string>().empty());
    EXPECT_NE(j.at("blas").get<std::string>().find("OpenBLAS"), std::string::npos);
}

// OpenBLAS falls back to SSE3 kernels on CPU models newer than it knows
// (0.3.21 on an Emerald Rapids Xeon): rwkvbench runs with kernels for the
// CPU's vector units instead, unless OPENBLAS_CORETYPE says otherwise.
TEST(Cli, BlasKernelsFitTheCpuUnlessTheUserChoseThem) {
    const result r = run("info --json", "unset OPENBLAS_CORETYPE;");
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    const auto core = j.at("blas_core").get<std::string>();
    // Only an OpenBLAS built for several targets (DYNAMIC_ARCH, as Debian's) can switch kernels.
    const bool dynamic = j.at("blas").get<std::string>().find("DYNAMIC_ARCH") != std::string::npos;
    if (dynamic && j.at("cpu").at("features").get<std::string>().find("avx2") != std::string::npos) {
        EXPECT_EQ(kernels::blas_core_for(core, kernels::cpu_isa::avx2), std::nullopt) << core << " on an AVX2 CPU";
    }
    if (!dynamic) return;
    const result chosen = run("info --json", "OPENBLAS_CORETYPE=Prescott; export OPENBLAS_CORETYPE;");
    ASSERT_EQ(chosen.code, 0) << chosen.err;
    EXPECT_EQ(nlohmann::json::parse(chosen.out).at("blas_core"), "Prescott");
}

TEST(Cli, CommandHelpShowsExamples) {
    const result r = run("selfcheck --help");
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("Examples:"), std::string::npos);
}

TEST(Cli, SelfcheckOnCudaWithoutDeviceIsExit2) {
    const result info = run("info --json");
    if (!nlohmann::json::parse(info.out).at("cuda_devices").empty()) GTEST_SKIP() << "a CUDA device is present";
    const result r = run("selfcheck --device cuda");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("no cuda backend"), std::string::npos) << r.err;
}

TEST(Cli, InfoModelDescribesACheckpoint) {
    const std::string model = test_paths::data() + "/models/rwkv4-synth/rwkv4-synth-3x64-bf16.pth";
    const result r = run("info --model " + q(model) + " --tensors");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("architecture: rwkv4"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("parameters:   194880"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("blocks.2.ffn.value.weight  torch.BFloat16Storage [64, 256]"), std::string::npos) << r.out;
}

TEST(Cli, InfoModelJson) {
    const result r = run("info --json --tensors --model " + q(test_paths::data() + "/models/gptneox-tiny"));
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j.at("architecture").get<std::string>(), "gpt-neox");
    EXPECT_EQ(j.at("tensors").size(), 28u);
    EXPECT_EQ(j.at("hyperparameters").at("n_head").get<std::string>(), "4");
}

TEST(Cli, InfoModelOnABrokenFileIsOneLineAndExit2) {
    const result r = run("info --model " + q(test_paths::data() + "/README.md"));
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find("README.md: byte 0: not a checkpoint"), std::string::npos) << r.err;
}

const std::string neox = q(test_paths::source() + "/datasets/tokenizers/20B_tokenizer.json");
const std::string world = q(test_paths::source() + "/datasets/tokenizers/rwkv_vocab_v20230424.txt");

TEST(Cli, TokenizeEncodesPlainAndJson) {
    EXPECT_EQ(run("tokenize --tokenizer " + neox + " --text 'Hello, world!'").out, "12092 13 1533 2\n");
    EXPECT_EQ(run("tokenize --tokenizer " + world + " --text 'Hello, world!' --json").out, "{\"ids\":[33155,45,40213,34]}\n");
}

TEST(Cli, TokenizeInputFileOneTextPerLineCrlfStripped) {
    const std::string file = testing::TempDir() + "/tokenize_input.txt";
    std::ofstream(file, std::ios::binary) << "Hi\r\n\nab\n";
    const result r = run("tokenize --tokenizer bytes --input " + file);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "72 105\n\n97 98\n");
}

TEST(Cli, TokenizeDecode) {
    EXPECT_EQ(run("tokenize --tokenizer " + neox + " --decode --text '12092 13 1533 2'").out, "Hello, world!");
    EXPECT_EQ(run("tokenize --tokenizer bytes --decode --json --text '104 105'").out, "{\"text\":\"hi\"}\n");
    EXPECT_EQ(run("tokenize --tokenizer bytes --decode --json --text '255 72'").out, "{\"bytes_hex\":\"ff48\"}\n");
}

TEST(Cli, TokenizeBadInputIsExit2) {
    EXPECT_EQ(run("tokenize --tokenizer bytes --decode --text '1 two'").code, 2);
    EXPECT_EQ(run("tokenize --tokenizer bytes --decode --text '300'").code, 2);
    EXPECT_EQ(run("tokenize --tokenizer bytes").code, 2);                              // no input
    EXPECT_EQ(run("tokenize --text hi").code, 2);                                      // no tokenizer
    EXPECT_EQ(run("tokenize --tokenizer /nonexistent.json --text hi").code, 2);
    const std::string file = testing::TempDir() + "/tokenize_invalid.txt";
    std::ofstream(file, std::ios::binary) << "ok\na\xff" << "b\n";
    const result r = run("tokenize --tokenizer " + neox + " --input " + file);
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("line 2: byte 1: invalid UTF-8"), std::string::npos) << r.err;
}

// A quoted prefix: the shell joins '.../rwkv4-synth-3x64-'FP32.bin into one word.
const std::string synth_model = q(test_paths::data() + "/models/rwkv4-synth/rwkv4-synth-3x64-");
const std::string synth_golden = q(test_paths::data() + "/golden/rwkv4-synth/en128_gpt.safetensors");

// The ids of the en128 golden, as a whitespace-separated file.
std::string en128_ids_file() {
    const std::string path = testing::TempDir() + "/en128_ids.txt";
    const std::string text = "The quick brown fox jumps over the lazy dog.\nRWKV is an RNN with transformer-level performance; it can be trained like a GPT!!!\n";
    std::ofstream out(path);
    for (unsigned char c : text) out << static_cast<int>(c) << " ";
    return path;
}

// A quantized model against its base, as llama.cpp's --kl-divergence: the
// Q4_0 file (run on its blocks: a quantized .bin keeps its format) against
// the FP32 model's saved logits.
TEST(Cli, LogitsCompareReportsKlTop1AndPerplexityOfAQuantizedModel) {
    const std::string base = testing::TempDir() + "/logits_base.safetensors";
    ASSERT_EQ(run("logits --model " + synth_model + "FP32.bin --engine rwkv4-serial --ids " + en128_ids_file() +
                  " --out " + base).code, 0);
    const std::string q4 = q(test_paths::data() + "/quantized/models/rwkv4-synth/rwkv4-synth-3x64-Q4_0.bin");
    const result r = run("logits --model " + q4 + " --engine rwkv4-serial --ids " + en128_ids_file() + " --out " + base +
                         ".q4 --compare " + base + " --tolerance 100");
    ASSERT_EQ(r.code, 0) << r.err << r.out;
    const auto value_after = [&](const std::string& key) {
        const std::size_t at = r.out.find(key);
        return at == std::string::npos ? -1.0 : std::stod(r.out.substr(at + key.size()));
    };
    // rwkv.cpp's own Q4_0 of this model: mean KL 0.048, top-1 0.81 over 300 tokens.
    EXPECT_GT(value_after("mean_kl "), 0.005) << r.out;
    EXPECT_LT(value_after("mean_kl "), 0.2) << r.out;
    EXPECT_GT(value_after("top1_agreement "), 0.6) << r.out;
    EXPECT_GT(value_after("perplexity "), 1.0) << r.out;
    EXPECT_NE(r.out.find("mean_kl positions [0, 64) "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("mean_kl positions [64, 128) "), std::string::npos) << r.out;
}

TEST(Cli, LogitsMatchesTheGoldenAndSavesState) {
    const std::string out = testing::TempDir() + "/logits_out.safetensors";
    for (const char* engine : {"rwkv4-serial", "rwkv4-parallel"}) {
        const result r = run("logits --model " + synth_model + "FP32.bin --engine " + engine + " --ids " + en128_ids_file() +
                             " --out " + out + " --state --chunk 7 --compare " + synth_golden);
        ASSERT_EQ(r.code, 0) << r.err << r.out;
        EXPECT_NE(r.out.find("top1_agreement 1"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("PASS"), std::string::npos) << r.out;
        // The output compares against itself, tensor by tensor (state included).
        const result self = run("logits --model " + synth_model + "f32.pth --engine rwkv4-parallel --ids " + en128_ids_file() +
                                " --out " + out + ".2 --compare " + out + " --tolerance 1e-4");
        EXPECT_EQ(self.code, 0) << self.err;
    }
}

TEST(Cli, LogitsCompareFailureIsExit1) {
    const std::string out = testing::TempDir() + "/logits_f16.safetensors";
    const result r = run("logits --model " + synth_model + "FP16.bin --engine rwkv4-parallel --dtype fp16 --ids " + en128_ids_file() +
                         " --out " + out + " --compare " + synth_golden + " --tolerance 1e-6");
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_NE(r.out.find("FAIL"), std::string::npos) << r.out;
}

TEST(Cli, LogitsBadUsageIsExit2) {
    const std::string out = testing::TempDir() + "/bad.safetensors";
    const std::string model = " --model " + synth_model + "f32.pth --out " + out;
    EXPECT_EQ(run("logits --engine rwkv4-serial --text hi" + model).code, 2);                          // no tokenizer
    EXPECT_EQ(run("logits --engine rwkv5 --tokenizer bytes --text hi" + model).code, 2);                // unknown engine
    EXPECT_EQ(run("logits --engine rwkv4-serial --tokenizer bytes --text hi --dtype fp8" + model).code, 2);
    EXPECT_EQ(run("logits --engine rwkv4-serial --tokenizer bytes --text hi --attention fused" + model).code, 2);
    EXPECT_EQ(run("logits --engine rwkv4-serial --tokenizer bytes --text hi --device cuda" + model).code,
              run("info --json").out.find("\"cuda_devices\": []") != std::string::npos ? 2 : 0);
    // Shape mismatch with the reference.
    EXPECT_EQ(run("logits --engine rwkv4-serial --tokenizer bytes --text hi --compare " + synth_golden + model).code, 2);
}

TEST(Cli, LogitsTransformerAgainstHuggingFace) {
    const std::string dir = test_paths::data();
    for (const std::string model : {"gptneox-tiny", "gpt2-tiny"}) {
        // The golden's 128 input ids, from its JSON sidecar.
        std::ifstream sidecar(dir + "/golden/" + model + "/golden.json");
        const auto j = nlohmann::json::parse(sidecar);
        const std::string ids = testing::TempDir() + "/" + model + "_ids.txt";
        {
            std::ofstream out(ids);
            for (const auto& id : j.at("input").at("input_ids")) out << id.get<int>() << " ";
        }
        const std::string out = testing::TempDir() + "/" + model + ".safetensors";
        const std::string golden = dir + "/golden/" + model + "/golden.safetensors";
        for (const std::string flags : {"", " --attention fused --chunk 5", " --no-cache --chunk 16"}) {
            const result r = run("logits --engine transformer --model " + q(dir + "/models/" + model) + " --ids " + ids +
                                 " --out " + out + " --state --compare " + q(golden) + " --ref-tensor logits_full" + flags);
            EXPECT_EQ(r.code, 0) << model << flags << ": " << r.err << r.out;
            EXPECT_NE(r.out.find("top1_agreement 1"), std::string::npos) << r.out;
        }
    }
}

TEST(Cli, RunWritesAReportAndResumes) {
    const std::string out = testing::TempDir() + "/cli_run_" + std::to_string(getpid());
    const std::string base = "run --model " + q(test_paths::data() + "/models/rwkv4-tiny/rwkv4-tiny-660K-f32.pth") +
                             " --engine rwkv4-parallel --tokenizer bytes "
                             "--task lambada_openai --limit 5 --progress never --out " + out;
    const result first = run(base);
    ASSERT_EQ(first.code, 0) << first.err;
    EXPECT_NE(first.out.find("| lambada_openai |"), std::string::npos) << first.out;
    std::ifstream report(out + "/report.json");
    const auto j = nlohmann::json::parse(report);
    EXPECT_EQ(j.at("results").size(), 2u);
    const result resumed = run(base + " --resume");
    EXPECT_EQ(resumed.code, 0) << resumed.err;
    EXPECT_EQ(resumed.out, first.out);
}

// --dry-run: the examples, sequences and tokens per task, and a split over
// N ranks whose shares add up to the tokens; nothing is written or loaded.
TEST(Cli, RunDryRunCountsTheWorkAndSplitsIt) {
    const std::string out = testing::TempDir() + "/cli_dry_" + std::to_string(getpid());
    const result r = run("run --model random:rwkv4-169m --engine rwkv4-parallel --tokenizer bytes --task "
                         "lambada_openai,xcopa --langs it,th --limit 4 --dry-run=3 --out " + q(out) + " --data-dir " +
                         q(test_paths::source() + "/datasets"));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << "a dry run made its folder";
    // LAMBADA: 4 passages, one sequence each; XCOPA: 4 items in each of 2 languages, 2 choices each.
    EXPECT_NE(r.out.find("| random:rwkv4-169m | lambada_openai | 4 | 4 | "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("| random:rwkv4-169m | xcopa | 8 | 16 | "), std::string::npos) << r.out;
    const std::size_t all = r.out.find("| random:rwkv4-169m | all | 12 | 20 | ");
    ASSERT_NE(all, std::string::npos) << r.out;
    const long tokens = std::stol(r.out.substr(all + std::string("| random:rwkv4-169m | all | 12 | 20 | ").size()));
    EXPECT_GT(tokens, 20 * 20);  // bytes: every sequence (passage, premise and choice) is longer than 20
    EXPECT_NE(r.out.find("Shared among 3 ranks"), std::string::npos) << r.out;
    const std::size_t most = r.out.find("most ", r.out.find("Shared among"));
    const std::size_t least = r.out.find("least ", most);
    ASSERT_NE(least, std::string::npos) << r.out;
    const long m = std::stol(r.out.substr(most + 5)), l = std::stol(r.out.substr(least + 6));
    EXPECT_LE(l, m);
    EXPECT_GE(3 * m, tokens);  // the busiest rank has at least the mean
    EXPECT_LE(3 * l, tokens);
    EXPECT_EQ(run("run --model random:rwkv4-169m --engine rwkv4-parallel --tokenizer bytes --task lambada_openai "
                  "--dry-run=-1").code,
              2);
}

// A disk that fills mid-run (here a file-size limit of 1-2 KB: the
// manifest or the journal hits it) is the system's failure, not the
// input's: exit 3, naming the file and the reason, and no report.json.
TEST(Cli, RunOutOfSpaceIsExit3NamingTheFile) {
    const std::string out = testing::TempDir() + "/cli_full_" + std::to_string(getpid());
    std::filesystem::remove_all(out);
    const result r = run("run --model " + q(test_paths::data() + "/models/rwkv4-tiny/rwkv4-tiny-660K-f32.pth") +
                             " --engine rwkv4-parallel --tokenizer bytes --task lambada_openai --limit 20"
                             " --progress never --out " +
                             q(out),
                         "ulimit -f 2; ");
    EXPECT_EQ(r.code, 3) << r.err;
    EXPECT_NE(r.err.find(out + "/"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(": write failed: File too large"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out + "/report.json"));
    std::filesystem::remove_all(out);
}

TEST(Cli, RunUsageErrors) {
    EXPECT_EQ(run("run --task lambada_openai").code, 2);  // no model
    EXPECT_EQ(run("run --limit 0").code, 2);
    EXPECT_EQ(run("list nothing").code, 2);
    EXPECT_EQ(run("list engines").code, 0);
}

TEST(Cli, ValidateAndListTasks) {
    const std::string defs = test_paths::source() + "/tasks/definitions/";
    const result ok = run("validate " + q(defs + "xcopa.json"));
    EXPECT_EQ(ok.code, 0) << ok.err;
    EXPECT_NE(ok.out.find("languages (11)"), std::string::npos) << ok.out;
    EXPECT_NE(ok.out.find("requests sha256 "), std::string::npos) << ok.out;
    EXPECT_EQ(run("validate " + q(defs + "multilingual.json")).code, 0);
    const std::string bad = testing::TempDir() + "/bad_task_" + std::to_string(getpid()) + ".json";
    std::ofstream(bad) << R"({"task": "x", "version": 1, "scorer": "lambada", "dataset": {"path": "a", "format": "lambada_jsonl"},
                           "metrics": [{"metric": "bleu", "aggregation": "mean", "higher_is_better": true}]})";
    const result r = run("validate " + bad);
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("metrics: 'bleu' is not a metric the lambada scorer computes"), std::string::npos) << r.err;
    const result list = run("list tasks");
    for (const char* t : {"xstorycloze", "bpb_udhr", "scaling", "multilingual", "default"})
        EXPECT_NE(list.out.find(t), std::string::npos) << t;
}

TEST(Cli, RunConfigMistakesAreExit2) {
    const std::string dir = testing::TempDir() + "/cli_config_" + std::to_string(getpid());
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/run.json") << R"({"models": [{"model": "random:rwkv4-169m", "engine": "rwkv4-serial"}], "tasks": ["xcopa"]})";
    const result r = run("run --config " + dir + "/run.json --out " + dir + "/out");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("run.json: models[0].tokenizer: expected a string"), std::string::npos) << r.err;
    EXPECT_EQ(run("run --config " + dir + "/missing.json").code, 2);
    const std::string tiny = q(test_paths::data() + "/models/rwkv4-tiny/rwkv4-tiny-660K-f32.pth");
    // XNLI is not shipped: naming it alone is an error, not an empty result.
    const result xnli = run("run --model " + tiny + " --engine rwkv4-parallel --tokenizer bytes --task xnli --out " + dir + "/x");
    EXPECT_EQ(xnli.code, 2);
    EXPECT_NE(xnli.err.find("task xnli: no data under"), std::string::npos) << xnli.err;
    EXPECT_EQ(run("run --task nope --model " + tiny + " --engine rwkv4-parallel --tokenizer bytes --out " + dir + "/y").code, 2);
}

TEST(Cli, TaskDefaultNamesTheDefaultSuitesTasks) {
    const std::string out = testing::TempDir() + "/cli_default_" + std::to_string(getpid());
    const result r = run("run --model " + q(test_paths::data() + "/models/rwkv4-tiny/rwkv4-tiny-660K-f32.pth") +
                         " --engine rwkv4-parallel --tokenizer bytes --task default --limit 2 --progress never --out " +
                         q(out));
    ASSERT_EQ(r.code, 0) << r.err;
    std::ifstream report(out + "/report.json");
    const auto j = nlohmann::json::parse(report);
    std::vector<std::string> names;
    for (const auto& t : j.at("tasks")) names.push_back(t.at("task").get<std::string>());
    EXPECT_EQ(names, (std::vector<std::string>{"bpb_flores", "lambada_openai", "wikitext2", "xcopa", "scaling",
                                               "scaling_depth"}));
    EXPECT_EQ(j.at("tasks")[0].at("limit"), 2);
    EXPECT_TRUE(j.at("tasks")[4].at("limit").is_null());  // the run's limit does not apply to a timing task
    // The suite's own options come along (its scaling sweep generates 128 tokens).
    EXPECT_EQ(j.at("tasks")[4].at("definition").at("options").at("generate_tokens"), 128);
}

TEST(Cli, LangsCodesTheDataLacksAreNamed) {
    const std::string dir = testing::TempDir() + "/cli_langs_" + std::to_string(getpid());
    const std::string base = "run --model " + q(test_paths::data() + "/models/rwkv4-tiny/rwkv4-tiny-660K-f32.pth") +
                             " --engine rwkv4-parallel --tokenizer bytes --limit 2 --progress never";
    // One task, none of the codes: exit 2 naming them and what the data has.
    const result none = run(base + " --task xcopa --langs fr,de --out " + q(dir + "/none"));
    EXPECT_EQ(none.code, 2);
    EXPECT_NE(none.err.find("task xcopa: none of the --langs codes (fr, de) in its data (it has et, ht, id, it,"),
              std::string::npos)
        << none.err;
    // Some of them: a warning naming the missing ones, the others run.
    const result some = run(base + " --task xcopa --langs it,fr --out " + q(dir + "/some"));
    EXPECT_EQ(some.code, 0) << some.err;
    EXPECT_NE(some.err.find("warning: xcopa has no data for --langs fr (running it)"), std::string::npos) << some.err;
    // In a group, a task without any of them is skipped with a note; a run where no task has any is exit 2.
    const result group = run(base + " --task multilingual --langs th --out " + q(dir + "/group"));
    EXPECT_EQ(group.code, 0) << group.err;
    EXPECT_NE(group.err.find("note: skipping xstorycloze: none of the --langs codes (th)"), std::string::npos)
        << group.err;
    const result nothing = run(base + " --task multilingual --langs qq --out " + q(dir + "/nothing"));
    EXPECT_EQ(nothing.code, 2);
    EXPECT_NE(nothing.err.find("nothing to run: no task has data for --langs qq"), std::string::npos) << nothing.err;
}

TEST(Cli, EngineSpecMistakesReadTheSameInRunAndLogits) {
    const std::string tiny = q(test_paths::data() + "/models/rwkv4-tiny/rwkv4-tiny-660K-f32.pth");
    const std::string out = q(testing::TempDir() + "/cli_spec_" + std::to_string(getpid()));
    for (const std::string cmd : {"run --task xcopa", "logits --text hi"}) {
        const std::string name = cmd.substr(0, cmd.find(' '));
        const result dtype = run(cmd + " --model " + tiny + " --engine rwkv4-serial --tokenizer bytes --dtype f8 --out " + out);
        EXPECT_EQ(dtype.code, 2);
        EXPECT_NE(dtype.err.find(name + ": dtype must be fp32, fp16, bf16, q8_0, q5_0, q5_1, q4_0 or q4_1, got 'f8'"), std::string::npos) << dtype.err;
        const result attention =
            run(cmd + " --model " + tiny + " --engine rwkv4-serial --tokenizer bytes --attention fused --out " + out);
        EXPECT_EQ(attention.code, 2);
        EXPECT_NE(attention.err.find(name + ": attention and no_cache apply to the transformer engine only"),
                  std::string::npos)
            << attention.err;
    }
}

// --int8-activations is a CPU option of run and logits; the report's config
// records it, and a resume without it is refused (its journal holds numbers
// of the other arithmetic).
TEST(Cli, Int8ActivationsAreACpuOptionAndRecorded) {
    const std::string bin = q(test_paths::data() + "/quantized/models/rwkv4-tiny/tiny-rwkv-4v0-660K-Q8_0.bin");
    const std::string dir = testing::TempDir() + "/cli_int8_" + std::to_string(getpid());
    const result cuda =
        run("logits --model " + bin + " --engine rwkv4-serial --tokenizer bytes --text hi --device cuda " +
            "--int8-activations --out " + q(dir + "/x.safetensors"));
    EXPECT_EQ(cuda.code, 2);
    EXPECT_NE(cuda.err.find("--int8-activations runs on the CPU backend only"), std::string::npos) << cuda.err;
    if (!kernels::int8_activations_available()) GTEST_SKIP() << "this CPU lacks AVX2";
    const std::string base = "run --model " + bin + " --engine rwkv4-serial --tokenizer bytes --task lambada_openai " +
                             "--limit 3 --progress never --out " + q(dir + "/run");
    const result r = run(base + " --int8-activations");
    ASSERT_EQ(r.code, 0) << r.err;
    std::ifstream in(dir + "/run/report.json");
    const nlohmann::json report = nlohmann::json::parse(in);
    EXPECT_EQ(report["config"].value("int8_activations", false), true);
    const result mixed = run(base + " --resume");
    EXPECT_EQ(mixed.code, 2);
    EXPECT_NE(mixed.err.find("int8_activations"), std::string::npos) << mixed.err;
    std::filesystem::remove_all(dir);
}

TEST(Cli, CompareExitCodes) {
    const std::string dir = testing::TempDir() + "/cli_compare_" + std::to_string(getpid());
    std::filesystem::create_directories(dir);
    const auto report = [&](const std::string& name, double acc, bool with_bpb) {
        nlohmann::json results = {{{"task", "xcopa"}, {"task_version", 1}, {"model", "m"}, {"metric", "acc"}, {"language", "it"},
                                   {"value", acc}, {"stderr", 0.02}, {"n", 500}, {"higher_is_better", true}}};
        if (with_bpb)
            results.push_back({{"task", "bpb_flores"}, {"task_version", 1}, {"model", "m"}, {"metric", "bits_per_byte"},
                               {"language", "all"}, {"value", 2.5}, {"stderr", 0.03}, {"n", 1000}, {"higher_is_better", false}});
        std::ofstream(dir + "/" + name) << nlohmann::json{{"schema_version", 1}, {"context", nlohmann::json::object()},
                                                          {"results", results}}.dump();
        return dir + "/" + name;
    };
    const std::string base = report("base.json", 0.60, true), same = report("same.json", 0.60, true),
                      worse = report("worse.json", 0.45, true), missing = report("missing.json", 0.60, false);
    EXPECT_EQ(run("compare " + base + " " + same).code, 0);
    const result r = run("compare " + base + " " + worse + " --json " + dir + "/cmp.json --benchmark-json " + dir + "/bench.json");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("| xcopa | m | acc | it | ↑ | 0.6 ± 0.02 | 0.45 ± 0.02 |"), std::string::npos) << r.out;
    EXPECT_TRUE(nlohmann::json::parse(std::ifstream(dir + "/cmp.json")).at("regressed").get<bool>());
    EXPECT_EQ(nlohmann::json::parse(std::ifstream(dir + "/bench.json")).size(), 1u);  // bits_per_byte only: lower is better
    EXPECT_EQ(run("compare " + base + " " + worse + " --threshold acc=0.5").code, 0);
    EXPECT_EQ(run("compare " + base + " " + missing).code, 1);
    EXPECT_EQ(run("compare " + base + " " + missing + " --allow-missing").code, 0);
    std::ofstream(dir + "/broken.json") << "{\"schema_version\": 1, \"context\": {}, \"results\": [{\"task\": 3}]}";
    const result bad = run("compare " + base + " " + dir + "/broken.json");
    EXPECT_EQ(bad.code, 2);
    EXPECT_NE(bad.err.find("broken.json: results[0].task"), std::string::npos) << bad.err;
    EXPECT_EQ(run("compare " + base + " " + dir + "/nothing.json").code, 2);
    EXPECT_EQ(run("compare " + base + " " + same + " --threshold acc").code, 2);
}

TEST(Cli, OutOfRangeNumbersAreUsageErrorsNotWrapped) {
    EXPECT_EQ(run("info --threads -1").code, 2);
    EXPECT_EQ(run("info --threads 100000").code, 2);
    const std::string tiny = q(test_paths::data() + "/models/rwkv4-tiny/rwkv4-tiny-660K-f32.pth");
    const result limit = run("run --model " + tiny + " --engine rwkv4-parallel --tokenizer bytes --task lambada_openai --limit -5");
    EXPECT_EQ(limit.code, 2);  // once wrapped to 2^64 - 5: "everything"
    EXPECT_NE(limit.err.find("--limit must be at least 1, got -5"), std::string::npos) << limit.err;
    for (const char* batch : {"0", "-3", "5000"}) {
        const result r = run("run --model " + tiny + " --engine rwkv4-serial --tokenizer bytes --task lambada_openai --batch-size " + batch);
        EXPECT_EQ(r.code, 2) << batch;
        EXPECT_NE(r.err.find("--batch-size must be 1 to 4096, got " + std::string(batch)), std::string::npos) << r.err;
    }
    EXPECT_EQ(run("logits --model " + tiny + " --engine rwkv4-parallel --tokenizer bytes --text hi --out x --tolerance nan").code, 2);
    const result nan = run("compare a.json b.json --threshold acc=nan");  // nan hid any regression
    EXPECT_EQ(nan.code, 2);
    EXPECT_NE(nan.err.find("finite non-negative"), std::string::npos) << nan.err;
    EXPECT_EQ(run("compare a.json b.json --threshold acc=inf").code, 2);
}

TEST(Cli, TensorsWithoutModelIsUsageError) { EXPECT_EQ(run("info --tensors").code, 2); }

}  // namespace
