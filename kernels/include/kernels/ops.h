// The op API: which ops exist, how they are named, and the shape rules every
// backend shares.
//
// Adding an op touches a fixed list of places: (1) op_kind and op_names
// (static_assert below), (2) its check_* function here, (3) the reference in
// kernels/ref, the CPU backend, the CUDA kernel + launcher and its dispatch,
// (4) a parity case in tests/kernels/op_parity_test.cpp and a benchmark.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "kernels/dtype.h"
#include "kernels/tensor.h"

namespace kernels {

enum class op_kind {
    embedding,     // out[t,:] = table[ids[t],:]
    layernorm,     // out = (x - mean) / sqrt(var + eps) * weight + bias, per row
    matmul,        // out[T,N] = x[T,K] . w[N,K]^T (+ bias[N]); w f32/f16/bf16
    token_shift,   // out[t] = mix*x[t] + (1-mix)*x[t-1], x[-1] = x_prev
    wkv_step,      // one token of the WKV-4 recurrence, state updated in place
    wkv_sequence,  // T tokens of the WKV-4 recurrence, state updated in place
    sigmoid,
    squared_relu,
    gelu_erf,
    gelu_tanh,
    add,           // out = a + b; b has a's shape or is one row broadcast
    mul,           // out = a * b; same broadcasting
    softmax,       // per row, over the last dim
    log_softmax,   // per row, over the last dim
    argmax,        // per row, first index of the maximum, i32
    rotary,        // GPT-NeoX rotate-half on the first n_rot dims of each head
    attention,     // causal attention of T queries over a KV cache
    // RWKV v5.2 and v7 (ChatRWKV model.py's formulas; state [H, N, N] per layer)
    tanh,
    silu,          // x * sigmoid(x), v5.2's gate
    token_lerp,    // out[t] = x[t] + (x[t-1] - x[t]) * mix, x[-1] = x_prev (v7's token shift)
    lerp,          // out = a + (b - a) * t, elementwise (v7's value residual)
    group_norm,    // layernorm within each of G equal groups of a row, weight/bias over the row
    wkv5,          // T tokens of the WKV-5.2 recurrence (T = 1: a step), state updated in place
    wkv7,          // T tokens of the WKV-7 delta rule (T = 1: a step), state updated in place
    rwkv7_keys,    // kk = normalize(k * k_k) per head; k *= 1 + (a - 1) * k_a
    rwkv7_bonus,   // out += (sum over each head of r * k * r_k) * v
    count
};

inline constexpr int op_count = static_cast<int>(op_kind::count);

inline constexpr std::string_view op_names[] = {
    "embedding",  "layernorm",    "matmul",   "token_shift", "wkv_step",    "wkv_sequence",
    "sigmoid",    "squared_relu", "gelu_erf", "gelu_tanh",   "add",         "mul",
    "softmax",    "log_softmax",  "argmax",   "rotary",      "attention",   "tanh",
    "silu",       "token_lerp",   "lerp",     "group_norm",  "wkv5",        "wkv7",
    "rwkv7_keys", "rwkv7_bonus",
};
static_assert(sizeof(op_names) / sizeof(op_names[0]) == op_count,
              "every op_kind needs a name in op_names");

constexpr std::string_view op_name(op_kind k) { return op_names[static_cast<int>(k)]; }

// naive: materialises the T x S score matrix (the quadratic baseline).
// fused: streams over keys with an online softmax; memory linear in S.
enum class attention_variant { naive, fused };
std::string_view attention_variant_name(attention_variant v);

// What a backend is asked to do, for supports(): the op, the weight dtype
// where the op reads weights, and the attention variant.
struct op_desc {
    op_kind kind = op_kind::matmul;
    dtype weight_type = dtype::f32;
    attention_variant variant = attention_variant::naive;
};

// The arguments of rotary and attention beyond their tensors.
struct rotary_params {
    std::int64_t pos0 = 0;  // position of row 0 of x
    int n_rot = 0;          // rotated dims per head (even, <= head_dim)
    float base = 10000.0f;
};

struct attention_params {
    std::int64_t n_past = 0;  // keys already in the cache before these T queries
    float scale = 1.0f;       // usually 1/sqrt(head_dim)
    attention_variant variant = attention_variant::naive;
};

// Shape rules shared by all backends and the reference. Each throws
// harness::unsupported_error naming the op and the offending tensor.
// Layouts: x [T, C] row-major; the WKV state is [3, C] = (aa, bb, pp);
// the WKV-5/7 state is [H, N, N] with C = H * N, v5.2 s[h][key][value],
// v7 s[h][value][key] (model.py's orientations);
// attention: q, out [T, H, D], caches [capacity, H, D] (position-major, so a
// chunk's new keys are one contiguous write) holding at least n_past + T
// positions (the T new keys already written).
void check_embedding(const tensor_view& table, const tensor_view& ids, const tensor_view& out);
void check_layernorm(const tensor_view& x, const tensor_view& weight, const tensor_view& bias,
                     const tensor_view& out);
void check_matmul(const tensor_view& x, const tensor_view& w, const tensor_view& bias,
                  const tensor_view& out);
void check_token_shift(const tensor_view& x, const tensor_view& x_prev, const tensor_view& mix,
                       const tensor_view& out);
void check_wkv(const tensor_view& w, const tensor_view& u, const tensor_view& k,
               const tensor_view& v, const tensor_view& state, const tensor_view& out);
void check_unary(op_kind kind, const tensor_view& x, const tensor_view& out);
void check_binary(op_kind kind, const tensor_view& a, const tensor_view& b, const tensor_view& out);
void check_row_softmax(op_kind kind, const tensor_view& x, const tensor_view& out);
void check_argmax(const tensor_view& x, const tensor_view& out);
void check_rotary(const tensor_view& x, const rotary_params& p, const tensor_view& out);
void check_attention(const tensor_view& q, const tensor_view& k_cache, const tensor_view& v_cache,
                     const attention_params& p, const tensor_view& out);
void check_token_lerp(const tensor_view& x, const tensor_view& x_prev, const tensor_view& mix, const tensor_view& out);
void check_lerp(const tensor_view& a, const tensor_view& b, const tensor_view& t, const tensor_view& out);
void check_group_norm(const tensor_view& x, const tensor_view& weight, const tensor_view& bias, std::int64_t n_groups,
                      const tensor_view& out);
// r, k, v, out [T, C]; decay, bonus [C]; state [H, N, N].
void check_wkv5(const tensor_view& r, const tensor_view& k, const tensor_view& v, const tensor_view& decay,
                const tensor_view& bonus, const tensor_view& state, const tensor_view& out);
// r, w, k, v, kk, a, out [T, C]; state [H, N, N].
void check_wkv7(const tensor_view& r, const tensor_view& w, const tensor_view& k, const tensor_view& v,
                const tensor_view& kk, const tensor_view& a, const tensor_view& state, const tensor_view& out);
// k, a, kk [T, C]; k_k, k_a [C]; C a multiple of head_size.
void check_rwkv7_keys(const tensor_view& k, const tensor_view& a, const tensor_view& k_k, const tensor_view& k_a,
                      std::int64_t head_size, const tensor_view& kk);
// r, k, v, out [T, C]; r_k [H, N].
void check_rwkv7_bonus(const tensor_view& r, const tensor_view& k, const tensor_view& v, const tensor_view& r_k,
                       const tensor_view& out);

}  // namespace kernels
