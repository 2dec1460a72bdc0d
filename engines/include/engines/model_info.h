// What a checkpoint is: architecture, hyper-parameters, parameter count,
// dtypes. Transformer hyper-parameters come from the Hugging Face
// `config.json` beside the weights; RWKV ones are inferred from tensor names
// and shapes (and cross-checked with an rwkv.cpp header).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engines/model_file.h"

namespace engines {

// A model path resolved to its weights and, for HF layouts, its config.
struct model_source {
    std::unique_ptr<model_file> file;
    std::optional<nlohmann::json> config;
    std::string config_path;  // empty without a config
};

// PATH: a checkpoint file (.pth, .safetensors, .bin), or a folder holding
// config.json + model.safetensors. A .safetensors file with a config.json
// beside it gets that config. Throws input_error on unreadable files or
// malformed config.json (with the line and column).
model_source open_model(const std::string& path);

struct model_info {
    std::string architecture;  // "rwkv4", "rwkv5" (v5.2), "rwkv7", "gpt-neox", "gpt2"
    std::int64_t n_layer = 0, n_embd = 0, n_vocab = 0, n_ffn = 0;
    std::int64_t n_head = 0;   // transformers, RWKV v5.2 and v7
    std::int64_t n_ctx = 0;    // context limit; 0 = none (RWKV)
    std::uint64_t n_params = 0;  // every weight once; buffers and a tied head not counted twice
    // Printable hyper-parameters in a fixed order, e.g. {"rotary_pct", "0.25"}.
    std::vector<std::pair<std::string, std::string>> hyperparameters;
    // Stored dtypes with tensor counts, e.g. {"F32", 78}.
    std::vector<std::pair<std::string, int>> dtypes;
};

// Detects the architecture. Throws unsupported_error for recognised but
// unsupported models (RWKV-6, RWKV-5.0/5.1, other HF model types) naming
// what was found, and input_error when names or shapes are inconsistent.
model_info describe_model(const model_source& source);
model_info describe_model(const model_file& file, const nlohmann::json* config = nullptr,
                          const std::string& config_path = "");

}  // namespace engines
