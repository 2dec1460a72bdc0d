// Crafted broken Hugging Face folders (config.json beside model.safetensors)
// and tokenizer.json files: each must fail with an error that names the file
// and the key or tensor (exit code 2), never run with a silently wrong value,
// read out of bounds or allocate what a 100-byte file declares.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "engines/model_file.h"
#include "engines/registry.h"
#include "engines/rwkv4_weights.h"
#include "engines/safetensors_writer.h"
#include "engines/tokenizer.h"
#include "harness/errors.h"
#include "kernels/backend.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A copy of a shipped model folder whose config.json and tensors a test may edit.
class model_copy {
public:
    model_copy(const std::string& model, const std::string& name)
        : dir_(testing::TempDir() + "/broken_config_" + name + "_" + std::to_string(getpid())) {
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        fs::copy(test_paths::data() + "/models/" + model, dir_, fs::copy_options::recursive);
        std::ifstream in(dir_ + "/config.json");
        config = json::parse(in);
    }
    ~model_copy() { fs::remove_all(dir_); }

    void write_config() const { std::ofstream(dir_ + "/config.json") << config.dump(1); }
    void write_config_text(const std::string& text) const { std::ofstream(dir_ + "/config.json") << text; }

    // Rewrites the checkpoint with `name` replaced by `shape` (values 0.5).
    void replace_tensor(const std::string& name, std::vector<std::int64_t> shape) const {
        const auto f = engines::model_file::open(dir_ + "/model.safetensors");
        std::vector<engines::output_tensor> out;
        for (const auto& t : f->tensors()) {
            if (t.name == name) {
                std::int64_t n = 1;
                for (std::int64_t s : shape) n *= s;
                out.push_back(engines::f32_tensor(name, shape, std::vector<float>(static_cast<std::size_t>(n), 0.5f)));
            } else {
                const engines::float_tensor v = engines::decode_f32(*f, t);
                out.push_back(engines::f32_tensor(t.name, v.shape, v.values));
            }
        }
        engines::write_safetensors(dir_ + "/model.safetensors", out);
    }

    const std::string& dir() const { return dir_; }
    json config;

private:
    std::string dir_;
};

// Loading the model must fail with exit code 2, the message holding `part` and `names`.
void expect_load_error(const model_copy& m, const std::string& part, const std::string& names) {
    auto b = kernels::make_cpu_backend(1);
    try {
        auto e = engines::make_engine("transformer", m.dir(), *b);
        FAIL() << "loaded; expected an error with: " << part;
    } catch (const harness::error& e) {
        const std::string msg = e.what();
        EXPECT_EQ(e.code(), harness::exit_code::bad_input) << msg;
        EXPECT_NE(msg.find(part), std::string::npos) << msg;
        EXPECT_NE(msg.find(names), std::string::npos) << "does not name " << names << ": " << msg;
    }
}

TEST(BrokenConfig, WrongTypeIsNamedNotDefaulted) {
    model_copy m("gptneox-tiny", "type");
    m.config["use_parallel_residual"] = "yes";
    m.write_config();
    expect_load_error(m, "/use_parallel_residual: expected true or false, got \"yes\"", "config.json");
    m.config["use_parallel_residual"] = true;
    m.config["layer_norm_eps"] = "1e-5";
    m.write_config();
    expect_load_error(m, "/layer_norm_eps: expected a number", "config.json");
}

TEST(BrokenConfig, ImpossibleValues) {
    model_copy m("gptneox-tiny", "values");
    m.config["rotary_pct"] = 7;
    m.write_config();
    expect_load_error(m, "/rotary_pct: expected a number from 0", "config.json");
    m.config["rotary_pct"] = 0.25;
    m.config["num_hidden_layers"] = 0;
    m.write_config();
    expect_load_error(m, "/num_hidden_layers: expected an integer from 1", "config.json");
    m.config["num_hidden_layers"] = (std::int64_t{1} << 40) + 3;  // not truncated to 3
    m.write_config();
    expect_load_error(m, "/num_hidden_layers: expected an integer from 1", "config.json");
}

TEST(BrokenConfig, NumberOutOfRangeIsBadInputNotInternal) {
    model_copy m("gptneox-tiny", "range");
    std::string text = m.config.dump();
    text.replace(text.find("\"vocab_size\":"), 13, "\"vocab_size\": 1e999, \"x\":");
    m.write_config_text(text);
    expect_load_error(m, "number overflow", "config.json");
}

TEST(BrokenConfig, LayerCountMustMatchTheCheckpoint) {
    model_copy m("gptneox-tiny", "layers");
    const std::int64_t n = m.config.at("num_hidden_layers").get<std::int64_t>();
    m.config["num_hidden_layers"] = n - 1;  // extra layers in the file would be ignored silently
    m.write_config();
    expect_load_error(m, "/num_hidden_layers: says " + std::to_string(n - 1) + " layers, but", "model.safetensors");
    m.config["num_hidden_layers"] = n + 1;
    m.write_config();
    expect_load_error(m, "/num_hidden_layers: says " + std::to_string(n + 1) + " layers, but", "model.safetensors");
}

TEST(BrokenGpt2, FusedAttentionOfTheWrongSizeIsNotReadOutOfBounds) {
    model_copy m("gpt2-tiny", "c_attn");
    const std::int64_t h = m.config.at("n_embd").get<std::int64_t>();
    m.replace_tensor("transformer.h.0.attn.c_attn.weight", {h, 3 * h - 1});
    expect_load_error(m, "transformer.h.0.attn.c_attn.weight is [" + std::to_string(3 * h - 1), "model.safetensors");
}

TEST(BrokenGpt2, FusedAttentionBiasOfTheWrongSize) {
    model_copy m("gpt2-tiny", "c_attn_bias");
    const std::int64_t h = m.config.at("n_embd").get<std::int64_t>();
    m.replace_tensor("transformer.h.0.attn.c_attn.bias", {h});
    expect_load_error(m, "transformer.h.0.attn.c_attn.bias is [" + std::to_string(h) + "], expected", "model.safetensors");
}

TEST(BrokenGpt2, OneDimensionalProjectionIsRefused) {
    model_copy m("gpt2-tiny", "c_proj");
    const std::int64_t h = m.config.at("n_embd").get<std::int64_t>();
    m.replace_tensor("transformer.h.1.attn.c_proj.weight", {h * h});
    expect_load_error(m, "transformer.h.1.attn.c_proj.weight is [" + std::to_string(h * h) + "], expected a matrix",
                      "model.safetensors");
}

// tokenizer.json: the shipped GPT-NeoX file, edited.
class tokenizer_copy {
public:
    explicit tokenizer_copy(const std::string& name)
        : path_(testing::TempDir() + "/broken_tokenizer_" + name + "_" + std::to_string(getpid()) + ".json") {
        std::ifstream in(test_paths::source() + "/datasets/tokenizers/20B_tokenizer.json");
        j = json::parse(in);
    }
    ~tokenizer_copy() { fs::remove(path_); }
    const std::string& write() const {
        std::ofstream(path_) << j.dump();
        return path_;
    }
    json j;

private:
    std::string path_;
};

void expect_tokenizer_error(const std::string& path, const std::string& part) {
    try {
        engines::load_tokenizer(path);
        FAIL() << "loaded; expected an error with: " << part;
    } catch (const harness::error& e) {
        const std::string msg = e.what();
        EXPECT_EQ(e.code(), harness::exit_code::bad_input) << msg;
        EXPECT_NE(msg.find(part), std::string::npos) << msg;
        EXPECT_NE(msg.find(path), std::string::npos) << msg;
    }
}

TEST(BrokenTokenizer, NegativeAddedTokenIdIsRefused) {
    tokenizer_copy t("negative");
    t.j["added_tokens"][0]["id"] = -1;  // was written out of bounds once
    expect_tokenizer_error(t.write(), "/added_tokens/0/id: id -1 is not an integer from 0");
}

TEST(BrokenTokenizer, HugeIdAllocatesNothing) {
    tokenizer_copy t("huge");
    t.j["added_tokens"][0]["id"] = 2'000'000'000;  // a 64 GB vocabulary, declared
    expect_tokenizer_error(t.write(), "the file's size bounds the vocabulary");
    t.j["added_tokens"][0]["id"] = (std::int64_t{1} << 40) + 3;  // not truncated to 3
    expect_tokenizer_error(t.write(), "is not an integer from 0");
}

TEST(BrokenTokenizer, TwoTokensUnderOneIdAreRefused) {
    tokenizer_copy t("duplicate");
    t.j["model"]["vocab"]["zzzz-not-a-token"] = 100;  // id 100 is already taken
    expect_tokenizer_error(t.write(), "id 100 is also given to");
}

TEST(BrokenTokenizer, WrongTypeIsBadInput) {
    tokenizer_copy t("type");
    t.j["added_tokens"][0]["lstrip"] = "no";
    expect_tokenizer_error(t.write(), "type_error");
}

TEST(BrokenTokenizer, WorldVocabStrLiteralMustBeUtf8) {
    // Line 362 of the shipped vocab ('!!', 2 bytes) made raw bytes 0xff 0xfe
    // inside a str literal: Python could not have read that file as text.
    std::ifstream in(test_paths::source() + "/datasets/tokenizers/rwkv_vocab_v20230424.txt", std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string line = "362 '!!' 2\n";
    ASSERT_NE(text.find(line), std::string::npos);
    text.replace(text.find(line), line.size(), "362 '\xff\xfe' 2\n");
    const std::string path = testing::TempDir() + "/broken_world_" + std::to_string(getpid()) + ".txt";
    std::ofstream(path, std::ios::binary) << text;
    expect_tokenizer_error(path, "line 362: invalid UTF-8 at byte 0 of a str literal");
    fs::remove(path);
}

TEST(BrokenTokenizer, WorldVocabIdBeyondItsLinesIsRefusedBeforeAllocating) {
    // Found by fuzz_world_vocab: "1 '\x00' 1 ... 144444442 'x' 1" sized a
    // 144M-entry table (4.6 GB) for a 100-byte file.
    const std::string path = testing::TempDir() + "/huge_id_world_" + std::to_string(getpid()) + ".txt";
    std::ofstream(path, std::ios::binary) << "1 'a' 1\n144444442 'b' 1\n";
    expect_tokenizer_error(path, "line 2: id 144444442 is beyond the file's 3 lines");
    fs::remove(path);
}

TEST(Tokenizer, LongWordsWithoutSpacesAreNotQuadratic) {
    // 300k bytes of base64-like text is one pre-token; quadratic BPE took minutes.
    const auto tok = engines::load_tokenizer(test_paths::source() + "/datasets/tokenizers/20B_tokenizer.json");
    std::string word;
    std::uint32_t x = 12345;
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 300'000; ++i) {
        x = x * 1664525u + 1013904223u;
        word += alphabet[(x >> 16) % alphabet.size()];
    }
    const auto start = std::chrono::steady_clock::now();
    const auto ids = tok->encode(word);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(tok->decode(ids), word);
    EXPECT_LT(seconds, 30.0) << "BPE over one long word took " << seconds << " s";  // ~1 s here; was > 120 s
}

}  // namespace
