// The transformer baseline: GPT-NeoX (Pythia) and GPT-2, following Hugging
// Face's GPTNeoXForCausalLM / GPT2LMHeadModel:
//   GPT-NeoX: fused QKV laid out per head, rotary (rotate-half) on the first
//   rotary_pct of each head's dims, parallel residual with two LayerNorms,
//   erf GELU, untied embed_out;
//   GPT-2: learned positions, Conv1D weights [in, out], tanh GELU, tied head.
// A KV cache ([capacity, n_head, head_dim] per layer, grown on demand) with
// naive or fused attention, or no cache at all (the whole prefix recomputed
// at every call: the strawman curve). The context limit is enforced.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "engines/engine.h"
#include "engines/model_info.h"
#include "engines/float_tensor.h"
#include "kernels/device_buffer.h"
#include "kernels/ops.h"

namespace engines {

struct transformer_config {
    std::string architecture;  // "gpt-neox" or "gpt2"
    std::int64_t n_layer = 0, n_embd = 0, n_head = 0, n_ffn = 0, n_vocab = 0, n_ctx = 0;
    int n_rot = 0;  // rotary dims per head (GPT-NeoX); 0 for GPT-2
    float rotary_base = 10000.0f;
    float layernorm_eps = 1e-5f;
    bool parallel_residual = false;
    bool gelu_tanh = false;
};

struct transformer_weights {
    struct layer {
        kernels::device_buffer ln1_w, ln1_b, ln2_w, ln2_b;
        kernels::device_buffer wq, wk, wv, bq, bk, bv, wo, bo;
        kernels::device_buffer w1, b1, w2, b2;
    };
    transformer_config config;
    kernels::dtype weight_type = kernels::dtype::f32;
    // emb, pos and head: f32 under a block format, as the RWKV engines keep theirs.
    kernels::dtype edge_type = kernels::dtype::f32;
    std::uint64_t n_params = 0;
    std::uint64_t bytes = 0;  // device bytes of every buffer below (GPT-2's tied head is a second copy of emb)
    kernels::device_buffer emb, pos, lnf_w, lnf_b, head;  // pos: GPT-2 only
    std::vector<layer> layers;
};

// Gives a tensor by role, already in the engine layout (Linear [out, in], q/k/v
// split): "emb", "pos", "lnf.w", "lnf.b", "head", and per layer "<l>.ln1.w",
// "<l>.q.w", "<l>.q.b", ..., "<l>.o.w", "<l>.fc1.w", "<l>.fc2.b", ...
using transformer_tensor_source = std::function<float_tensor(const std::string& role)>;

std::shared_ptr<const transformer_weights> upload_transformer(const transformer_config& config,
                                                              const transformer_tensor_source& source, kernels::backend& b,
                                                              kernels::dtype weight_type);

// From a Hugging Face checkpoint (config.json + safetensors). The source
// reads `source`'s file, which must outlive it.
transformer_config transformer_config_of(const model_source& source);
transformer_tensor_source hf_transformer_source(const model_source& source, const transformer_config& config);
std::shared_ptr<const transformer_weights> load_transformer(const model_source& source, kernels::backend& b,
                                                            kernels::dtype weight_type);

struct transformer_options {
    kernels::attention_variant attention = kernels::attention_variant::naive;
    bool no_cache = false;  // recompute the whole prefix at every call
};

std::unique_ptr<engine> make_transformer_engine(std::shared_ptr<const transformer_weights> weights, kernels::backend& b,
                                                const transformer_options& options);

}  // namespace engines
