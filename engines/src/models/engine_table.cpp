// The engine table: each engine's name, description and factory; engine
// specs are parsed against it (engine_spec.h).
#include <cstring>
#include <fstream>

#include "engines/engine_spec.h"
#include "engines/model_info.h"
#include "engines/registry.h"
#include "harness/errors.h"

namespace engines {
namespace {

bool is_random(const std::string& model) { return model.rfind("random:", 0) == 0; }

// The block format of an rwkv.cpp .bin whose quantized matrices all share
// one (as rwkv.cpp's quantizer writes them); nullopt for anything else,
// including a file that cannot be read (loading it reports why).
std::optional<kernels::dtype> stored_block_format(const std::string& path) {
    {
        std::ifstream in(path, std::ios::binary);
        char magic[4] = {};
        if (!in.read(magic, 4) || std::memcmp(magic, "fmgg", 4) != 0) return std::nullopt;
    }
    try {
        const auto file = model_file::open(path);
        std::optional<kernels::quant_format> format;
        for (const tensor_entry& t : file->tensors()) {
            if (!t.quant) continue;
            if (format && *format != *t.quant) return std::nullopt;
            format = t.quant;
        }
        if (format) return kernels::dtype_of(*format);
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

std::string random_model_names() {
    std::string names;
    for (const auto& m : list_random_models()) names += (names.empty() ? "" : ", ") + m.name;
    return names;
}

std::unique_ptr<engine> rwkv4(const engine_spec& s, kernels::backend& b, bool serial) {
    if (is_random(s.model)) {
        const auto shape = rwkv4_preset(s.model);
        if (!shape && transformer_preset(s.model))
            throw harness::unsupported_error(s.model + " is a transformer model; use --engine transformer");
        if (!shape)
            throw harness::usage_error("unknown synthetic model '" + s.model + "' for " + s.engine +
                                       " (expected one of: " + random_model_names() + ")");
        return make_rwkv4_engine(serial, upload_rwkv4(*shape, random_rwkv4_source(*shape, s.seed), b, s.dtype), b);
    }
    const model_source source = open_model(s.model);
    const model_info info = describe_model(source);
    if (info.architecture != "rwkv4")
        throw harness::unsupported_error(s.model + ": a " + info.architecture + " model cannot run on " + s.engine);
    return make_rwkv4_engine(serial, load_rwkv4(*source.file, b, s.dtype), b);
}

// rwkv5-* and rwkv7-*: `version` 5 (v5.2) or 7.
std::unique_ptr<engine> rwkv57(const engine_spec& s, kernels::backend& b, int version, bool serial) {
    const std::string arch = "rwkv" + std::to_string(version);
    if (is_random(s.model)) {
        const auto shape = rwkv57_preset(s.model);
        if (!shape || shape->version != version)
            throw harness::usage_error("unknown synthetic model '" + s.model + "' for " + s.engine +
                                       " (expected one of: " + random_model_names() + ")");
        return make_rwkv57_engine(serial, upload_rwkv57(*shape, random_rwkv57_source(*shape, s.seed), b, s.dtype), b);
    }
    const model_source source = open_model(s.model);
    const model_info info = describe_model(source);
    if (info.architecture != arch)
        throw harness::unsupported_error(s.model + ": a " + info.architecture + " model cannot run on " + s.engine +
                                         (info.architecture.rfind("rwkv", 0) == 0
                                              ? " (use --engine " + info.architecture + "-serial or " + info.architecture + "-parallel)"
                                              : ""));
    return make_rwkv57_engine(serial, load_rwkv57(*source.file, b, s.dtype), b);
}

std::unique_ptr<engine> transformer(const engine_spec& s, kernels::backend& b) {
    const transformer_options options{s.attention, s.no_cache};
    if (is_random(s.model)) {
        const auto config = transformer_preset(s.model);
        if (!config)
            throw harness::usage_error("unknown synthetic model '" + s.model +
                                       "' for transformer (expected random:pythia-160m|410m|1.4b|2.8b or "
                                       "random:gpt2-124m)");
        return make_transformer_engine(
            upload_transformer(*config, random_transformer_source(*config, s.seed), b, s.dtype), b, options);
    }
    const model_source source = open_model(s.model);
    const model_info info = describe_model(source);
    if (info.architecture != "gpt-neox" && info.architecture != "gpt2")
        throw harness::unsupported_error(s.model + ": a " + info.architecture +
                                         " model cannot run on the transformer engine");
    return make_transformer_engine(load_transformer(source, b, s.dtype), b, options);
}

struct engine_entry {
    engine_kind kind;
    std::unique_ptr<engine> (*make)(const engine_spec&, kernels::backend&);
};

const std::vector<engine_entry>& table() {
    static const std::vector<engine_entry> t = {
        {{"rwkv4-serial", "RWKV-4 in RNN mode: one token at a time, constant-size state", false},
         [](const engine_spec& s, kernels::backend& b) { return rwkv4(s, b, true); }},
        {{"rwkv4-parallel", "RWKV-4 in GPT mode: whole chunks at once, same logits and state as serial", false},
         [](const engine_spec& s, kernels::backend& b) { return rwkv4(s, b, false); }},
        {{"rwkv5-serial", "RWKV v5.2 in RNN mode: one token at a time, per-head matrix state", false},
         [](const engine_spec& s, kernels::backend& b) { return rwkv57(s, b, 5, true); }},
        {{"rwkv5-parallel", "RWKV v5.2 in GPT mode: whole chunks at once, same logits and state as serial", false},
         [](const engine_spec& s, kernels::backend& b) { return rwkv57(s, b, 5, false); }},
        {{"rwkv7-serial", "RWKV-7 in RNN mode: one token at a time, delta-rule matrix state", false},
         [](const engine_spec& s, kernels::backend& b) { return rwkv57(s, b, 7, true); }},
        {{"rwkv7-parallel", "RWKV-7 in GPT mode: whole chunks at once, same logits and state as serial", false},
         [](const engine_spec& s, kernels::backend& b) { return rwkv57(s, b, 7, false); }},
        {{"transformer", "GPT-NeoX (Pythia) and GPT-2 with a KV cache; naive or fused attention, or no cache", true},
         transformer},
    };
    return t;
}

const engine_entry* find(const std::string& name) {
    for (const auto& e : table())
        if (e.kind.name == name) return &e;
    return nullptr;
}

std::string engine_names() {
    std::string names;
    for (const auto& e : table()) names += (names.empty() ? "" : ", ") + e.kind.name;
    return names;
}

}  // namespace

const std::vector<engine_kind>& engine_kinds() {
    static const std::vector<engine_kind> kinds = [] {
        std::vector<engine_kind> k;
        for (const auto& e : table()) k.push_back(e.kind);
        return k;
    }();
    return kinds;
}

std::string engine_names_sentence() {
    std::string s;
    const auto& kinds = engine_kinds();
    for (std::size_t i = 0; i < kinds.size(); ++i)
        s += (i == 0 ? "" : i + 1 == kinds.size() ? " or " : ", ") + kinds[i].name;
    return s;
}

std::string dtype_spelling(kernels::dtype t) {
    switch (t) {
        case kernels::dtype::f32: return "fp32";
        case kernels::dtype::f16: return "fp16";
        case kernels::dtype::bf16: return "bf16";
        case kernels::dtype::i32: return "i32";
        default: return std::string(kernels::dtype_name(t));  // q8_0 ...
    }
}

engine_spec parse_engine_spec(const engine_spec_text& t, const std::string& where) {
    const auto bad = [&](const std::string& what) { throw harness::usage_error(where + ": " + what); };
    const engine_entry* e = find(t.engine);
    if (!e) bad("unknown engine '" + t.engine + "' (expected one of: " + engine_names() + ")");
    if (t.model.empty()) bad("no model given (a checkpoint path or random:NAME)");
    engine_spec s;
    s.engine = t.engine, s.model = t.model, s.tokenizer = t.tokenizer;
    if (t.dtype) {
        const auto d = kernels::parse_dtype(*t.dtype);
        if (!d) bad("dtype must be fp32, fp16, bf16, q8_0, q5_0, q5_1, q4_0 or q4_1, got '" + *t.dtype + "'");
        s.dtype = *d;
    } else if (t.engine.rfind("rwkv4-", 0) == 0 && !is_random(t.model)) {
        s.dtype = stored_block_format(t.model).value_or(kernels::dtype::f32);
    }
    if ((t.attention || t.no_cache) && !e->kind.has_attention)
        bad("attention and no_cache apply to the transformer engine only, not " + t.engine);
    if (t.attention) {
        if (*t.attention != "naive" && *t.attention != "fused")
            bad("attention must be naive or fused, got '" + *t.attention + "'");
        s.attention = *t.attention == "fused" ? kernels::attention_variant::fused : kernels::attention_variant::naive;
    }
    s.no_cache = t.no_cache;
    return s;
}

std::unique_ptr<engine> make_engine(const engine_spec& spec, kernels::backend& b) {
    const engine_entry* e = find(spec.engine);
    if (!e) throw harness::usage_error("unknown engine '" + spec.engine + "' (expected one of: " + engine_names() + ")");
    return e->make(spec, b);
}

}  // namespace engines
