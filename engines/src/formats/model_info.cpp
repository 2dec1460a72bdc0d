// Architecture detection and hyper-parameters (see model_info.h).
#include "engines/model_info.h"

#include "engines/rwkv57_engine.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "harness/errors.h"
#include "formats/config_values.h"
#include "harness/json_file.h"

namespace engines {
namespace {

namespace fs = std::filesystem;

bool has(const model_file& f, const std::string& name) { return f.find(name) != nullptr; }

// Which RWKV generation a checkpoint is, from the names each one has, as
// model.py tells them apart: 4, 5 (meaning 5.2) or 7. RWKV-6 and v5.0/5.1
// are refused naming what gave them away.
int rwkv_version(const model_file& f) {
    if (has(f, "blocks.0.att.k_k") || has(f, "blocks.0.att.x_rwkvag") || has(f, "blocks.0.att.w0")) return 7;
    for (const char* name : {"blocks.0.att.time_maa_x", "blocks.0.att.time_decay_w1", "blocks.0.att.time_maa_w1"})
        if (has(f, name))
            throw harness::unsupported_error(f.path() + ": an RWKV-6 checkpoint (it has '" + name +
                                             "'); rwkvbench runs RWKV-4, v5.2 and RWKV-7");
    if (has(f, "blocks.0.att.ln_x.weight")) {
        if (!has(f, "blocks.0.att.time_faaaa") || !has(f, "blocks.0.att.gate.weight"))
            throw harness::unsupported_error(f.path() + ": an RWKV-5.0/5.1 checkpoint (it has ln_x but no " +
                                             (has(f, "blocks.0.att.gate.weight") ? "time_faaaa" : "gate.weight") +
                                             "); of RWKV-5, rwkvbench runs v5.2 only");
        return 5;
    }
    return 4;
}

std::int64_t dim(const model_file& f, const std::string& name, std::size_t d) {
    const tensor_entry& t = f.at(name);
    if (t.shape.size() <= d)
        throw harness::input_error(f.path(), "byte", t.file_offset,
                                   "tensor '" + name + "' has " + std::to_string(t.shape.size()) + " dims, expected more than " +
                                       std::to_string(d));
    return t.shape[d];
}

std::int64_t json_int(const nlohmann::json& c, const std::string& key, const std::string& path) {
    return config_values::size(c, key, path);
}

// The transformer layers a checkpoint holds tensors for ("<prefix>N." names):
// config.json must describe all of them, no more and no fewer.
void check_layer_count(const model_file& f, const std::string& prefix, std::int64_t n_layer,
                       const std::string& config_path, const std::string& layer_key) {
    std::int64_t highest = -1;
    for (const auto& t : f.tensors()) {
        if (t.name.rfind(prefix, 0) != 0) continue;
        const std::string rest = t.name.substr(prefix.size());
        const std::size_t dot = rest.find('.');
        if (dot == 0 || dot == std::string::npos || rest.find_first_not_of("0123456789") != dot) continue;
        highest = std::max<std::int64_t>(highest, std::stoll(rest.substr(0, std::min<std::size_t>(dot, 12))));
    }
    if (highest + 1 != n_layer)
        throw harness::config_error(config_path + ": /" + layer_key,
                                    "says " + std::to_string(n_layer) + " layers, but " + f.path() + " holds " +
                                        std::to_string(highest + 1) + " (" + prefix + "0 .. " + prefix +
                                        std::to_string(highest) + ")");
}

std::string json_text(const nlohmann::json& c, const std::string& key, const std::string& fallback) {
    if (!c.contains(key) || c.at(key).is_null()) return fallback;
    return c.at(key).is_string() ? c.at(key).get<std::string>() : c.at(key).dump();
}

// The shape entries every architecture prints first (n_head and a context
// limit only where the architecture has them).
std::vector<std::pair<std::string, std::string>> shape_hyperparameters(const model_info& info) {
    std::vector<std::pair<std::string, std::string>> hp = {{"n_layer", std::to_string(info.n_layer)},
                                                           {"n_embd", std::to_string(info.n_embd)}};
    if (info.n_head) hp.emplace_back("n_head", std::to_string(info.n_head));
    hp.emplace_back("n_ffn", std::to_string(info.n_ffn));
    hp.emplace_back("n_vocab", std::to_string(info.n_vocab));
    hp.emplace_back("context_limit", info.n_ctx ? std::to_string(info.n_ctx) : "none");
    return hp;
}

void count_params(const model_file& f, model_info& info, const std::vector<std::string>& ignored_suffixes,
                  const std::string& tied_duplicate) {
    std::map<std::string, int> dtype_counts;
    for (const auto& t : f.tensors()) {
        ++dtype_counts[t.stored_dtype];
        bool ignored = t.name == tied_duplicate;
        for (const auto& s : ignored_suffixes)
            ignored |= t.name.size() >= s.size() && t.name.compare(t.name.size() - s.size(), s.size(), s) == 0;
        if (!ignored) info.n_params += static_cast<std::uint64_t>(t.numel());
    }
    for (const auto& [k, v] : dtype_counts) info.dtypes.emplace_back(k, v);
}

model_info describe_rwkv(const model_file& f) {
    const int version = rwkv_version(f);
    model_info info;
    info.architecture = "rwkv" + std::to_string(version);
    info.n_vocab = dim(f, "emb.weight", 0);
    info.n_embd = dim(f, "emb.weight", 1);
    while (has(f, "blocks." + std::to_string(info.n_layer) + ".ln1.weight")) ++info.n_layer;
    if (info.n_layer == 0) throw harness::input_error(f.path() + ": RWKV checkpoint without blocks.0.ln1.weight");
    info.n_ffn = dim(f, "blocks.0.ffn.key.weight", 0);
    if (dim(f, "head.weight", 0) != info.n_vocab || dim(f, "head.weight", 1) != info.n_embd)
        throw harness::input_error(f.path(), "byte", f.at("head.weight").file_offset,
                                   "head.weight is " + f.at("head.weight").shape_string() + ", expected [" +
                                       std::to_string(info.n_vocab) + ", " + std::to_string(info.n_embd) + "]");
    // An rwkv.cpp header states the same numbers; disagreement means a broken file.
    const auto& meta = f.metadata();
    if (f.format() == file_format::rwkvcpp_bin) {
        const std::pair<const char*, std::int64_t> checks[] = {
            {"n_vocab", info.n_vocab}, {"n_embed", info.n_embd}, {"n_layer", info.n_layer}};
        for (const auto& [key, value] : checks)
            if (meta.at(key) != std::to_string(value))
                throw harness::input_error(f.path(), "byte", 8, std::string("header says ") + key + " = " + meta.at(key) +
                                                                    " but the tensors give " + std::to_string(value));
    }
    if (version == 4) {
        info.hyperparameters = shape_hyperparameters(info);
    } else {
        const rwkv57_shape s = rwkv57_shape_of(f, version);
        info.n_head = s.n_head();
        info.hyperparameters = shape_hyperparameters(info);
        info.hyperparameters.emplace_back("head_size", std::to_string(s.head_size));
        if (version == 7)
            info.hyperparameters.insert(info.hyperparameters.end(),
                                        {{"d_decay", std::to_string(s.d_decay)}, {"d_iclr", std::to_string(s.d_iclr)},
                                         {"d_value", std::to_string(s.d_value)}, {"d_gate", std::to_string(s.d_gate)}});
        info.hyperparameters.emplace_back("group_norm_eps", "64e-5");
    }
    count_params(f, info, {}, "");
    return info;
}

model_info describe_gpt_neox(const model_file& file, const nlohmann::json& c, const std::string& config_path) {
    model_info info;
    info.architecture = "gpt-neox";
    info.n_layer = json_int(c, "num_hidden_layers", config_path);
    info.n_embd = json_int(c, "hidden_size", config_path);
    info.n_head = json_int(c, "num_attention_heads", config_path);
    info.n_ffn = json_int(c, "intermediate_size", config_path);
    info.n_vocab = json_int(c, "vocab_size", config_path);
    info.n_ctx = json_int(c, "max_position_embeddings", config_path);
    check_layer_count(file, "gpt_neox.layers.", info.n_layer, config_path, "num_hidden_layers");
    info.hyperparameters = shape_hyperparameters(info);
    info.hyperparameters.insert(info.hyperparameters.end(), {{"rotary_pct", json_text(c, "rotary_pct", "0.25")},
                            {"rotary_emb_base", json_text(c, "rotary_emb_base", "10000")},
                            {"use_parallel_residual", json_text(c, "use_parallel_residual", "true")},
                            {"layer_norm_eps", json_text(c, "layer_norm_eps", "1e-05")},
                            {"hidden_act", json_text(c, "hidden_act", "gelu")},
                            {"tie_word_embeddings", json_text(c, "tie_word_embeddings", "false")}});
    // Causal-mask and rotary buffers are not parameters.
    count_params(file, info, {".attention.bias", ".attention.masked_bias", ".rotary_emb.inv_freq"}, "");
    return info;
}

model_info describe_gpt2(const model_file& file, const nlohmann::json& c, const std::string& config_path) {
    model_info info;
    info.architecture = "gpt2";
    info.n_layer = json_int(c, "n_layer", config_path);
    info.n_embd = json_int(c, "n_embd", config_path);
    info.n_head = json_int(c, "n_head", config_path);
    info.n_ffn = config_values::size_or(c, "n_inner", 4 * info.n_embd, config_path);
    info.n_vocab = json_int(c, "vocab_size", config_path);
    info.n_ctx = json_int(c, "n_positions", config_path);
    check_layer_count(file, file.find("transformer.h.0.ln_1.weight") ? "transformer.h." : "h.", info.n_layer,
                      config_path, "n_layer");
    info.hyperparameters = shape_hyperparameters(info);
    info.hyperparameters.insert(info.hyperparameters.end(), {{"layer_norm_epsilon", json_text(c, "layer_norm_epsilon", "1e-05")},
                            {"activation_function", json_text(c, "activation_function", "gelu_new")}});
    // GPT-2 ties the head to wte; a file that stores lm_head.weight too counts it once.
    count_params(file, info, {".attn.bias", ".attn.masked_bias"}, "lm_head.weight");
    return info;
}

}  // namespace

model_source open_model(const std::string& path) {
    model_source s;
    std::string weights = path;
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        weights = (fs::path(path) / "model.safetensors").string();
        if (!fs::exists(weights, ec))
            throw harness::input_error(path + ": a folder without model.safetensors (expected a Hugging Face layout)");
    }
    s.file = model_file::open(weights);
    if (s.file->format() == file_format::safetensors) {
        const fs::path config = fs::path(weights).parent_path() / "config.json";
        if (fs::exists(config, ec)) {
            s.config_path = config.string();
            s.config = harness::read_json_file(s.config_path);
        }
    }
    return s;
}

model_info describe_model(const model_source& s) {
    return describe_model(*s.file, s.config ? &*s.config : nullptr, s.config_path);
}

model_info describe_model(const model_file& f, const nlohmann::json* config, const std::string& config_path) {
    if (config) {
        const std::string type = json_text(*config, "model_type", "");
        if (type == "gpt_neox") return describe_gpt_neox(f, *config, config_path);
        if (type == "gpt2") return describe_gpt2(f, *config, config_path);
        if (type.rfind("rwkv", 0) == 0 && !has(f, "emb.weight"))
            throw harness::unsupported_error(config_path + ": model_type '" + type +
                                             "' (Hugging Face RWKV layout); rwkvbench reads the official RWKV layout");
        if (!has(f, "emb.weight"))
            throw harness::unsupported_error(config_path + ": model_type '" + type +
                                             "' is not supported (expected gpt_neox or gpt2)");
    }
    if (has(f, "emb.weight") && (has(f, "blocks.0.att.time_decay") || has(f, "blocks.0.att.time_first") ||
                                 has(f, "blocks.0.att.w0") || has(f, "blocks.0.ln1.weight")))
        return describe_rwkv(f);
    if (has(f, "gpt_neox.embed_in.weight") || has(f, "wte.weight") || has(f, "transformer.wte.weight"))
        throw harness::input_error(f.path() + ": a transformer checkpoint without a config.json beside it");
    throw harness::unsupported_error(f.path() + ": unknown architecture (no emb.weight, gpt_neox.embed_in.weight or wte.weight)");
}

}  // namespace engines
