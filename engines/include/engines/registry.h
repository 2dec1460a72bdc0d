// Engines and synthetic models by name, for the command line and the tasks.
//
// Engines: rwkv4-serial, rwkv4-parallel, rwkv5-serial, rwkv5-parallel,
// rwkv7-serial, rwkv7-parallel, transformer (GPT-NeoX, GPT-2).
// Models: a checkpoint path, or random:<preset> — published shapes with
// random weights (fixed seed), created in memory, for timing runs where the
// weight values do not matter.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engines/engine.h"
#include "engines/rwkv4_engine.h"
#include "engines/rwkv57_engine.h"
#include "engines/transformer_engine.h"

namespace engines {

struct named_item {
    std::string name, description;
};
std::vector<named_item> list_engines();
std::vector<named_item> list_random_models();

// The shape of random:rwkv4-<size>, or nullopt for another name.
std::optional<rwkv4_shape> rwkv4_preset(const std::string& model_spec);

// The config of random:pythia-<size> / random:gpt2-124m, or nullopt.
std::optional<transformer_config> transformer_preset(const std::string& model_spec);
transformer_tensor_source random_transformer_source(const transformer_config& config, std::uint64_t seed);

// Deterministic random RWKV-4 tensors of `shape` (already in the engine
// layout: time_decay is -exp(w)). Same seed, same values.
rwkv4_tensor_source random_rwkv4_source(const rwkv4_shape& shape, std::uint64_t seed);

// The shape of random:rwkv7-<size> / random:rwkv5-<size>, or nullopt.
std::optional<rwkv57_shape> rwkv57_preset(const std::string& model_spec);
// Deterministic random v5.2 / v7 tensors of `shape` in the engine layout.
rwkv57_tensor_source random_rwkv57_source(const rwkv57_shape& shape, std::uint64_t seed);

// Builds ENGINE on MODEL (path or random:NAME) with weights in `weight_type`
// (default f32; a bf16/f16 checkpoint is upcast unless told otherwise).
// Throws usage_error for unknown names, unsupported_error when the engine
// and the model's architecture do not fit.
// `options` apply to the transformer engine (attention variant, no cache).
std::unique_ptr<engine> make_engine(const std::string& engine_name, const std::string& model_spec, kernels::backend& b,
                                    kernels::dtype weight_type = kernels::dtype::f32,
                                    const transformer_options& options = {}, std::uint64_t seed = 1234);

}  // namespace engines
