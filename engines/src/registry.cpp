// Engine and synthetic-model registry (see registry.h).
#include "engines/registry.h"

#include <cmath>

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

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::vector<named_item> list_engines() {
    return {{"rwkv4-serial", "RWKV-4 in RNN mode: one token at a time, constant-size state"},
            {"rwkv4-parallel", "RWKV-4 in GPT mode: whole chunks at once, same logits and state as serial"}};
}

std::vector<named_item> list_random_models() {
    std::vector<named_item> out;
    for (const auto& p : rwkv4_presets) out.push_back({p.name, p.description});
    return out;
}

std::optional<rwkv4_shape> rwkv4_preset(const std::string& model_spec) {
    for (const auto& p : rwkv4_presets)
        if (model_spec == p.name) return p.shape;
    return std::nullopt;
}

rwkv4_tensor_source random_rwkv4_source(const rwkv4_shape& shape, std::uint64_t seed) {
    return [shape, seed](const std::string& name) {
        splitmix rng{hash_name(name, seed)};
        float_tensor t;
        const std::int64_t c = shape.n_embd, f = shape.n_ffn, v = shape.n_vocab;
        auto fill = [&](std::vector<std::int64_t> dims, float lo, float hi) {
            t.shape = std::move(dims);
            std::int64_t n = 1;
            for (auto d : t.shape) n *= d;
            t.values.resize(static_cast<std::size_t>(n));
            for (float& x : t.values) x = rng.uniform(lo, hi);
        };
        // Matrices scaled by 1/sqrt(fan-in) keep activations of order one.
        auto matrix = [&](std::int64_t rows, std::int64_t cols) {
            const float a = 1.0f / std::sqrt(static_cast<float>(cols));
            fill({rows, cols}, -a, a);
        };
        if (name == "emb.weight") fill({v, c}, -1, 1);
        else if (name == "head.weight") matrix(v, c);
        else if (ends_with(name, "ffn.key.weight")) matrix(f, c);
        else if (ends_with(name, "ffn.value.weight")) matrix(c, f);
        else if (ends_with(name, ".weight") && name.find("ln") == std::string::npos) matrix(c, c);
        else if (ends_with(name, "ln0.weight") || ends_with(name, "ln1.weight") || ends_with(name, "ln2.weight") ||
                 name == "ln_out.weight")
            fill({c}, 0.8f, 1.2f);
        else if (ends_with(name, ".bias")) fill({c}, -0.1f, 0.1f);
        else if (ends_with(name, "time_decay")) {
            fill({c}, -3, 1);
            for (float& w : t.values) w = -std::exp(w);  // the engine layout stores -exp(w)
        } else if (ends_with(name, "time_first")) fill({c}, -1, 1);
        else if (name.find("time_mix") != std::string::npos) fill({c}, 0, 1);
        else throw harness::unsupported_error("random RWKV-4: no rule for tensor '" + name + "'");
        return t;
    };
}

std::unique_ptr<engine> make_engine(const std::string& engine_name, const std::string& model_spec, kernels::backend& b,
                                    kernels::dtype weight_type, std::uint64_t seed) {
    const bool serial = engine_name == "rwkv4-serial";
    if (!serial && engine_name != "rwkv4-parallel") {
        std::string names;
        for (const auto& e : list_engines()) names += (names.empty() ? "" : ", ") + e.name;
        throw harness::usage_error("unknown engine '" + engine_name + "' (expected one of: " + names + ")");
    }
    if (model_spec.rfind("random:", 0) == 0) {
        const auto shape = rwkv4_preset(model_spec);
        if (!shape) {
            std::string names;
            for (const auto& m : list_random_models()) names += (names.empty() ? "" : ", ") + m.name;
            throw harness::usage_error("unknown synthetic model '" + model_spec + "' for " + engine_name + " (expected one of: " + names + ")");
        }
        return make_rwkv4_engine(serial, upload_rwkv4(*shape, random_rwkv4_source(*shape, seed), b, weight_type), b);
    }
    const model_source source = open_model(model_spec);
    const model_info info = describe_model(source);
    if (info.architecture != "rwkv4")
        throw harness::unsupported_error(model_spec + ": a " + info.architecture + " model cannot run on " + engine_name);
    return make_rwkv4_engine(serial, load_rwkv4(*source.file, b, weight_type), b);
}

}  // namespace engines
