// Engine and synthetic-model registry (see registry.h).
#include "engines/registry.h"

#include <cmath>

#include "engines/engine_spec.h"
#include "engines/model_info.h"
#include "harness/errors.h"

namespace engines {
namespace {

struct rwkv4_preset_entry {
    const char* name;
    rwkv4_shape shape;
    const char* description;
};

// Published RWKV-4 Pile shapes: vocab 50277, FFN 4 x n_embd.
const rwkv4_preset_entry rwkv4_presets[] = {
    {"random:rwkv4-169m", {12, 768, 3072, 50277}, "RWKV-4 169M shapes (12 x 768), random weights"},
    {"random:rwkv4-430m", {24, 1024, 4096, 50277}, "RWKV-4 430M shapes (24 x 1024), random weights"},
    {"random:rwkv4-1b5", {24, 2048, 8192, 50277}, "RWKV-4 1.5B shapes (24 x 2048), random weights"},
    {"random:rwkv4-3b", {32, 2560, 10240, 50277}, "RWKV-4 3B shapes (32 x 2560), random weights"},
};

// splitmix64: a fast, well-mixed stream; one per tensor, seeded by its name.
struct splitmix {
    std::uint64_t s;
    std::uint64_t next() {
        std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    float uniform(float lo, float hi) { return lo + (hi - lo) * static_cast<float>(next() >> 40) * 0x1p-24f; }
};

std::uint64_t hash_name(const std::string& s, std::uint64_t seed) {
    std::uint64_t h = 1469598103934665603ull ^ seed;
    for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    return h;
}

// A tensor of `shape` with values uniform in [lo, hi).
float_tensor random_tensor(splitmix& rng, std::vector<std::int64_t> shape, float lo, float hi) {
    float_tensor t;
    t.shape = std::move(shape);
    std::int64_t n = 1;
    for (auto d : t.shape) n *= d;
    t.values.resize(static_cast<std::size_t>(n));
    for (float& x : t.values) x = rng.uniform(lo, hi);
    return t;
}

// A [rows, cols] matrix scaled by 1/sqrt(fan-in): activations stay of order one.
float_tensor random_matrix(splitmix& rng, std::int64_t rows, std::int64_t cols) {
    const float a = 1.0f / std::sqrt(static_cast<float>(cols));
    return random_tensor(rng, {rows, cols}, -a, a);
}

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct rwkv57_preset_entry {
    const char* name;
    rwkv57_shape shape;
    const char* description;
};

// RWKV World shapes: vocab 65536, head size 64. v7 "G1" sizes with the
// low-rank widths the v7 model code derives; v5.2 World 0.4B (FFN 3.5 x n_embd).
const std::vector<rwkv57_preset_entry>& rwkv57_presets() {
    static const std::vector<rwkv57_preset_entry> presets = [] {
        rwkv57_shape v5;
        v5.version = 5, v5.n_layer = 24, v5.n_embd = 1024, v5.n_ffn = 3584, v5.n_vocab = 65536, v5.head_size = 64;
        return std::vector<rwkv57_preset_entry>{
            {"random:rwkv7-0.1b", rwkv7_shape_for(12, 768, 65536), "RWKV-7 G1 0.1B shapes (12 x 768), random weights"},
            {"random:rwkv7-0.4b", rwkv7_shape_for(24, 1024, 65536), "RWKV-7 G1 0.4B shapes (24 x 1024), random weights"},
            {"random:rwkv7-1.5b", rwkv7_shape_for(24, 2048, 65536), "RWKV-7 G1 1.5B shapes (24 x 2048), random weights"},
            {"random:rwkv7-2.9b", rwkv7_shape_for(32, 2560, 65536), "RWKV-7 G1 2.9B shapes (32 x 2560), random weights"},
            {"random:rwkv5-0.4b", v5, "RWKV v5.2 World 0.4B shapes (24 x 1024), random weights"},
        };
    }();
    return presets;
}

struct transformer_preset_entry {
    const char* name;
    transformer_config config;
    const char* description;
};

// Published shapes: Pythia (GPT-NeoX, vocab padded to 50304, rotary_pct 0.25,
// context 2048) and GPT-2 small (vocab 50257, context 1024).
const transformer_preset_entry transformer_presets[] = {
    {"random:pythia-160m", {"gpt-neox", 12, 768, 12, 3072, 50304, 2048, 16, 10000.0f, 1e-5f, true, false}, "Pythia-160M shapes, random weights"},
    {"random:pythia-410m", {"gpt-neox", 24, 1024, 16, 4096, 50304, 2048, 16, 10000.0f, 1e-5f, true, false}, "Pythia-410M shapes, random weights"},
    {"random:pythia-1.4b", {"gpt-neox", 24, 2048, 16, 8192, 50304, 2048, 32, 10000.0f, 1e-5f, true, false}, "Pythia-1.4B shapes, random weights"},
    {"random:pythia-2.8b", {"gpt-neox", 32, 2560, 32, 10240, 50304, 2048, 20, 10000.0f, 1e-5f, true, false}, "Pythia-2.8B shapes, random weights"},
    {"random:gpt2-124m", {"gpt2", 12, 768, 12, 3072, 50257, 1024, 0, 10000.0f, 1e-5f, false, true}, "GPT-2 124M shapes, random weights"},
};

}  // namespace

std::vector<named_item> list_engines() {
    std::vector<named_item> out;
    for (const auto& k : engine_kinds()) out.push_back({k.name, k.description});
    return out;
}

std::vector<named_item> list_random_models() {
    std::vector<named_item> out;
    for (const auto& p : rwkv4_presets) out.push_back({p.name, p.description});
    for (const auto& p : rwkv57_presets()) out.push_back({p.name, p.description});
    for (const auto& p : transformer_presets) out.push_back({p.name, p.description});
    return out;
}

std::optional<transformer_config> transformer_preset(const std::string& model_spec) {
    for (const auto& p : transformer_presets)
        if (model_spec == p.name) return p.config;
    return std::nullopt;
}

transformer_tensor_source random_transformer_source(const transformer_config& c, std::uint64_t seed) {
    return [c, seed](const std::string& role) {
        splitmix rng{hash_name(role, seed)};
        const std::int64_t h = c.n_embd, f = c.n_ffn;
        const std::string r = role.substr(role.find('.') == std::string::npos ? 0 : role.find('.') + 1);
        if (role == "emb") return random_tensor(rng, {c.n_vocab, h}, -1, 1);
        if (role == "pos") return random_tensor(rng, {c.n_ctx, h}, -0.1f, 0.1f);
        if (role == "head") return random_matrix(rng, c.n_vocab, h);
        if (role == "lnf.w" || r == "ln1.w" || r == "ln2.w") return random_tensor(rng, {h}, 0.8f, 1.2f);
        if (role == "lnf.b" || r == "ln1.b" || r == "ln2.b" || r == "q.b" || r == "k.b" || r == "v.b" || r == "o.b" ||
            r == "fc2.b")
            return random_tensor(rng, {h}, -0.1f, 0.1f);
        if (r == "fc1.b") return random_tensor(rng, {f}, -0.1f, 0.1f);
        if (r == "q.w" || r == "k.w" || r == "v.w" || r == "o.w") return random_matrix(rng, h, h);
        if (r == "fc1.w") return random_matrix(rng, f, h);
        if (r == "fc2.w") return random_matrix(rng, h, f);
        throw harness::unsupported_error("random transformer: no rule for weight '" + role + "'");
    };
}

std::optional<rwkv4_shape> rwkv4_preset(const std::string& model_spec) {
    for (const auto& p : rwkv4_presets)
        if (model_spec == p.name) return p.shape;
    return std::nullopt;
}

rwkv4_tensor_source random_rwkv4_source(const rwkv4_shape& shape, std::uint64_t seed) {
    return [shape, seed](const std::string& name) {
        splitmix rng{hash_name(name, seed)};
        const std::int64_t c = shape.n_embd, f = shape.n_ffn, v = shape.n_vocab;
        if (name == "emb.weight") return random_tensor(rng, {v, c}, -1, 1);
        if (name == "head.weight") return random_matrix(rng, v, c);
        if (ends_with(name, "ffn.key.weight")) return random_matrix(rng, f, c);
        if (ends_with(name, "ffn.value.weight")) return random_matrix(rng, c, f);
        if (ends_with(name, ".weight") && name.find("ln") == std::string::npos) return random_matrix(rng, c, c);
        if (ends_with(name, "ln0.weight") || ends_with(name, "ln1.weight") || ends_with(name, "ln2.weight") ||
            name == "ln_out.weight")
            return random_tensor(rng, {c}, 0.8f, 1.2f);
        if (ends_with(name, ".bias")) return random_tensor(rng, {c}, -0.1f, 0.1f);
        if (ends_with(name, "time_decay")) {
            float_tensor t = random_tensor(rng, {c}, -3, 1);
            for (float& w : t.values) w = -std::exp(w);  // the engine layout stores -exp(w)
            return t;
        }
        if (ends_with(name, "time_first")) return random_tensor(rng, {c}, -1, 1);
        if (name.find("time_mix") != std::string::npos) return random_tensor(rng, {c}, 0, 1);
        throw harness::unsupported_error("random RWKV-4: no rule for tensor '" + name + "'");
    };
}

std::optional<rwkv57_shape> rwkv57_preset(const std::string& model_spec) {
    for (const auto& p : rwkv57_presets())
        if (model_spec == p.name) return p.shape;
    return std::nullopt;
}

rwkv57_tensor_source random_rwkv57_source(const rwkv57_shape& shape, std::uint64_t seed) {
    return [shape, seed](const std::string& name) {
        splitmix rng{hash_name(name, seed)};
        const std::int64_t c = shape.n_embd, f = shape.n_ffn, v = shape.n_vocab;
        const auto has = [&](const char* suffix) { return ends_with(name, suffix); };
        if (name == "emb.weight") return random_tensor(rng, {v, c}, -1, 1);
        if (name == "head.weight") return random_matrix(rng, v, c);
        if (name.find(".ln") != std::string::npos || name.rfind("ln_out.", 0) == 0)
            return has(".weight") ? random_tensor(rng, {c}, 0.8f, 1.2f) : random_tensor(rng, {c}, -0.1f, 0.1f);
        if (has("ffn.key.weight")) return random_matrix(rng, f, c);
        if (has("ffn.value.weight")) return random_matrix(rng, c, f);
        if (has(".weight")) return random_matrix(rng, c, c);
        if (has(".time_decay")) {
            float_tensor t = random_tensor(rng, {c}, -3, 1);
            for (float& w : t.values) w = std::exp(-std::exp(w));  // the engine layout stores exp(-exp(w))
            return t;
        }
        if (has(".time_faaaa") || has(".a0") || has(".w0")) return random_tensor(rng, {c}, -1, 1);
        if (name.find(".time_mix_") != std::string::npos || name.find(".x_") != std::string::npos || has(".v0") ||
            has(".k_a"))
            return random_tensor(rng, {c}, 0, 1);
        if (has(".k_k")) return random_tensor(rng, {c}, 0.5f, 1.0f);
        if (has(".r_k")) return random_tensor(rng, {shape.n_head(), shape.head_size}, -0.5f, 0.5f);
        const std::pair<const char*, std::int64_t> lora[] = {
            {".w", shape.d_decay}, {".a", shape.d_iclr}, {".v", shape.d_value}, {".g", shape.d_gate}};
        for (const auto& [stem, d] : lora) {
            if (has((std::string(stem) + "1").c_str())) return random_matrix(rng, d, c);
            if (has((std::string(stem) + "2").c_str())) return random_matrix(rng, c, d);
        }
        throw harness::unsupported_error("random RWKV v" + std::to_string(shape.version) + ": no rule for tensor '" +
                                         name + "'");
    };
}

std::unique_ptr<engine> make_engine(const std::string& engine_name, const std::string& model_spec, kernels::backend& b,
                                    kernels::dtype weight_type, const transformer_options& options, std::uint64_t seed) {
    engine_spec spec{engine_name, model_spec, "bytes", weight_type, options.attention, options.no_cache, seed};
    return make_engine(spec, b);
}

}  // namespace engines
