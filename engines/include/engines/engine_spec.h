// One engine on one model, as `run`, `logits` and RUN.json give it: parsed
// and validated once, with the same messages everywhere, and built from the
// engine table (name -> factory) by make_engine().
//
//   engine      rwkv4-serial | rwkv4-parallel | transformer (list_engines())
//   model       a checkpoint path or random:NAME (list_random_models())
//   tokenizer   bytes or a tokenizer file ("" where none is needed: logits --ids)
//   dtype       weight storage: fp32 | fp16 | bf16 (also f32, f16; reported as fp32, fp16, bf16),
//               or rwkv.cpp's block formats q8_0 | q5_0 | q5_1 | q4_0 | q4_1 (every engine;
//               embedding and head stay f32). Unset: fp32, except that a quantized
//               rwkv.cpp .bin keeps the file's format.
//   attention   naive | fused        (engines with attention only)
//   no_cache    replay the whole prefix at every call (engines with a KV cache only)
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engines/engine.h"
#include "kernels/dtype.h"
#include "kernels/ops.h"

namespace kernels {
class backend;
}

namespace engines {

struct engine_spec {
    std::string engine, model, tokenizer;
    kernels::dtype dtype = kernels::dtype::f32;
    kernels::attention_variant attention = kernels::attention_variant::naive;
    bool no_cache = false;
    std::uint64_t seed = 1234;  // random: weights
};

// The options as given, before validation.
struct engine_spec_text {
    std::string engine, model, tokenizer;
    std::optional<std::string> dtype, attention;  // unset: fp32, naive
    bool no_cache = false;
};

// Throws harness::usage_error "<where>: <what>" (where: "logits",
// "run", "run.json: models[1]") for an unknown engine, dtype or attention,
// or attention/no_cache given to an engine without them.
engine_spec parse_engine_spec(const engine_spec_text& text, const std::string& where);

// fp32, fp16, bf16: the one spelling reports use.
std::string dtype_spelling(kernels::dtype t);

// Builds the engine. Throws usage_error for unknown models, unsupported_error
// when the engine and the model's architecture do not fit.
std::unique_ptr<engine> make_engine(const engine_spec& spec, kernels::backend& b);

struct engine_kind {
    std::string name, description;
    bool has_attention = false;  // takes attention and no_cache
};
// The engine table's names and descriptions, in order.
const std::vector<engine_kind>& engine_kinds();
// "rwkv4-serial, rwkv4-parallel, ... or transformer", for --help texts.
std::string engine_names_sentence();

}  // namespace engines
