// RWKV v5.2 ("Eagle") and RWKV-7 ("Goose") in RNN mode (rwkv5-serial,
// rwkv7-serial: one token per step) and GPT mode (rwkv5-parallel,
// rwkv7-parallel: whole chunks, matmuls over T rows). Both follow ChatRWKV's
// model.py (strategy fp32; v7: class RWKV_x070): emb folded through ln0 at
// load; per layer ln1 -> time mixing -> residual, ln2 -> channel mixing ->
// residual; ln_out; head.
//   v5.2 time mixing: token shift with time_mix_k/v/r/g -> r, k, v,
//     silu(gate) -> WKV-5 (decay exp(-exp(time_decay)), bonus time_faaaa) ->
//     group norm over heads (eps 64e-5) * gate -> output. Channel mixing as
//     RWKV-4.
//   v7 time mixing: x + (x_prev - x) * x_{r,w,k,v,a,g} -> r, k, v, low-rank
//     decay logit (w0 + tanh(x W1) W2), in-context learning rate
//     a = sigmoid(a0 + x A1 A2), gate sigmoid(x G1) G2; kk = normalize(k k_k);
//     k *= 1 + (a - 1) k_a; v mixed towards layer 0's v (sigmoid(v0 + x V1
//     V2)); WKV-7 -> group norm (eps 64e-5) + (r k r_k) v -> * gate ->
//     output. Channel mixing: relu(lerp(x, x_prev, x_k) K)^2 V.
// The state per layer is att_xx [C], att_kv [H, N, N] (v5.2 s[h][key][value],
// v7 s[h][value][key], as model.py), ffn_xx [C].
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engines/engine.h"
#include "engines/float_tensor.h"
#include "engines/model_file.h"
#include "kernels/device_buffer.h"

namespace engines {

struct rwkv57_shape {
    int version = 7;  // 5 (meaning 5.2) or 7
    std::int64_t n_layer = 0, n_embd = 0, n_ffn = 0, n_vocab = 0, head_size = 64;
    // v7's low-rank widths: decay (w), in-context learning rate (a), value mix (v), gate (g).
    std::int64_t d_decay = 0, d_iclr = 0, d_value = 0, d_gate = 0;
    std::int64_t n_head() const { return n_embd / head_size; }
    // The recurrent state per layer: att_xx [C], att_kv [H, N, N], ffn_xx [C].
    std::int64_t state_floats_per_layer() const { return 2 * n_embd + n_head() * head_size * head_size; }
};

// The widths RWKV-LM's v7 model code derives from n_embd (max(32, round(f / 32) * 32)).
rwkv57_shape rwkv7_shape_for(std::int64_t n_layer, std::int64_t n_embd, std::int64_t n_vocab);

struct rwkv57_weights {
    struct layer {
        kernels::device_buffer ln1_w, ln1_b, ln2_w, ln2_b, ln_x_w, ln_x_b;
        kernels::device_buffer att_key, att_value, att_receptance, att_output;
        kernels::device_buffer ffn_key, ffn_value;
        // v5.2
        kernels::device_buffer mix_k, mix_v, mix_r, mix_g, decay, bonus, att_gate;
        kernels::device_buffer ffn_mix_k, ffn_mix_r, ffn_receptance;
        // v7 (v0, v1, v2 from layer 1 on)
        kernels::device_buffer x_r, x_w, x_k, x_v, x_a, x_g, w0, w1, w2, a0, a1, a2, v0, v1, v2, g1, g2;
        kernels::device_buffer k_k, k_a, r_k, ffn_x_k;
    };
    rwkv57_shape shape;
    kernels::dtype weight_type = kernels::dtype::f32;
    kernels::dtype edge_type = kernels::dtype::f32;  // emb and head: f32 under a block format, as rwkv.cpp leaves them
    std::uint64_t n_params = 0;
    std::uint64_t bytes = 0;
    kernels::device_buffer emb, ln_out_w, ln_out_b, head;
    std::vector<layer> layers;
};

// The shape of a v5.2 (version 5) or v7 checkpoint, from its tensors: head
// count from time_decay (v5.2) or r_k (v7), low-rank widths from W1 etc.
// Throws input_error naming the tensor when they disagree with n_embd.
rwkv57_shape rwkv57_shape_of(const model_file& f, int version);

// One tensor by its official name in the engine layout: vectors [C]; v5.2
// time_decay as exp(-exp(w)); v7 low-rank matrices [out, in] (x_w W1 is a
// matmul with W1 as [d, C]); r_k [H, N]; matrices [out, in] as stored.
using rwkv57_tensor_source = std::function<float_tensor(const std::string& name)>;
float_tensor rwkv57_tensor_f32(const model_file& f, const std::string& name);

// Uploads every tensor to `b`, folding ln0 into the embedding. Throws
// input_error on missing tensors or wrong shapes.
std::shared_ptr<const rwkv57_weights> upload_rwkv57(const rwkv57_shape& shape, const rwkv57_tensor_source& source,
                                                    kernels::backend& b, kernels::dtype weight_type);
std::shared_ptr<const rwkv57_weights> load_rwkv57(const model_file& file, kernels::backend& b,
                                                  kernels::dtype weight_type);

// serial = RNN mode; otherwise GPT mode. The engine's name follows the version.
std::unique_ptr<engine> make_rwkv57_engine(bool serial, std::shared_ptr<const rwkv57_weights> weights,
                                           kernels::backend& b);

}  // namespace engines
