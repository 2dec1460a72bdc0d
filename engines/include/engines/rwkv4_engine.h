// RWKV-4 in RNN mode (rwkv4-serial: one token at a time, wkv_step) and GPT
// mode (rwkv4-parallel: a whole chunk per call, matmuls over T rows and the
// WKV scan). Both follow ChatRWKV's model.py (strategy fp32) exactly:
// emb folded through ln0 at load; per layer ln1 -> token shift with
// time_mix_k/v/r -> k, v, sigmoid(r) -> WKV (time_decay as -exp(w),
// time_first) -> output, residual; ln2 -> token shift -> squared-ReLU key,
// value, sigmoid receptance, residual; ln_out; head.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "engines/engine.h"
#include "engines/model_file.h"
#include "engines/rwkv4_weights.h"
#include "kernels/device_buffer.h"

namespace engines {

struct rwkv4_shape {
    std::int64_t n_layer = 0, n_embd = 0, n_ffn = 0, n_vocab = 0;
};

// Weights on a backend, in the engine layout. Matrices (and the folded
// embedding) in `weight_type`; vectors in f32. Under a block format
// (q8_0 ...) the embedding and the head stay f32, as rwkv.cpp's quantizer
// leaves them: `edge_type`.
struct rwkv4_weights {
    struct layer {
        kernels::device_buffer ln1_w, ln1_b, ln2_w, ln2_b;
        kernels::device_buffer att_mix_k, att_mix_v, att_mix_r, att_decay, att_first;
        kernels::device_buffer att_key, att_value, att_receptance, att_output;
        kernels::device_buffer ffn_mix_k, ffn_mix_r, ffn_key, ffn_value, ffn_receptance;
    };
    rwkv4_shape shape;
    kernels::dtype weight_type = kernels::dtype::f32;
    kernels::dtype edge_type = kernels::dtype::f32;  // emb and head
    std::uint64_t n_params = 0;
    std::uint64_t bytes = 0;  // device bytes of every buffer below
    kernels::device_buffer emb, ln_out_w, ln_out_b, head;
    std::vector<layer> layers;
};

// Gives one tensor by its official name, normalised (rwkv4_tensor_f32).
using rwkv4_tensor_source = std::function<float_tensor(const std::string& name)>;

// Uploads every tensor to `b`, folding ln0 into the embedding. Throws
// input_error on missing tensors or wrong shapes, unsupported_error when a
// value does not fit the requested dtype (e.g. |w| > 65504 for f16).
std::shared_ptr<const rwkv4_weights> upload_rwkv4(const rwkv4_shape& shape, const rwkv4_tensor_source& source,
                                                  kernels::backend& b, kernels::dtype weight_type);

std::shared_ptr<const rwkv4_weights> load_rwkv4(const model_file& file, kernels::backend& b, kernels::dtype weight_type);

// serial = RNN mode (rwkv4-serial); otherwise GPT mode (rwkv4-parallel).
std::unique_ptr<engine> make_rwkv4_engine(bool serial, std::shared_ptr<const rwkv4_weights> weights, kernels::backend& b);

}  // namespace engines
