// The engine interface: tokens in, logits out, a state carried between calls.
// Engines know nothing about tasks or files on disk beyond their weights;
// they reach the kernels through a backend.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kernels/dtype.h"

namespace kernels {
class backend;
}

namespace engines {

struct engine_info {
    std::string name;          // "rwkv4-serial", ...
    std::string architecture;  // "rwkv4", "rwkv5" (v5.2), "rwkv7", "gpt-neox", "gpt2"
    std::uint64_t n_params = 0;
    std::int64_t n_vocab = 0, n_layer = 0, n_embd = 0;
    std::int64_t head_size = 0;  // RWKV v5.2/v7 (the matrix state's N) and transformers; 0 for RWKV-4
    std::optional<std::int64_t> context_limit;  // none for RWKV
    kernels::dtype weight_type = kernels::dtype::f32;
    std::uint64_t state_bytes = 0;  // per sequence, at the current context (RWKV: constant)
    std::uint64_t weight_bytes = 0;   // device bytes of the weights as loaded
    std::uint64_t scratch_bytes = 0;  // device bytes of the engine's activation buffers now (they grow with the chunk)
};

// A named host array, e.g. for `rwkvbench logits --state`.
struct named_array {
    std::string name;
    std::vector<std::int64_t> shape;
    std::vector<float> values;
};

// What an engine carries between calls: the RWKV recurrent state, or a KV cache.
class engine_state {
public:
    virtual ~engine_state() = default;
    virtual std::int64_t n_tokens() const = 0;  // tokens consumed so far
    // Device bytes the state holds now: RWKV's fixed state (RWKV-4 [n_layer, 5,
    // n_embd]; v5.2/v7 per layer n_embd + n_head x N x N + n_embd); the
    // transformer's KV cache as allocated (it grows by doubling).
    virtual std::uint64_t bytes() const = 0;
    // Of those, the bytes that hold the tokens consumed: RWKV's whole state;
    // the KV cache's first n_tokens() positions.
    virtual std::uint64_t used_bytes() const { return bytes(); }
    // RWKV-4: [n_layer, 5, n_embd] floats (att_xx, aa, bb, pp, ffn_xx per layer);
    // v5.2/v7: per layer att_xx [C], att_kv [H, N, N], ffn_xx [C];
    // transformer: the keys then the values, [2, n_layer, n_head, n_tokens, head_dim].
    virtual std::vector<float> download() const = 0;
    // The state in the golden files' layout: RWKV-4 `state` [n_layer, 5, n_embd];
    // v5.2/v7 `state.att_xx` [L, C], `state.att_kv` [L, H, N, N], `state.ffn_xx`
    // [L, C]; transformer `present_key`, `present_value` [n_layer, n_head, T, head_dim].
    virtual std::vector<named_array> export_arrays() const = 0;
    // An independent copy in device memory of its own: fed the same tokens,
    // it gives the same logits as this state, bit for bit.
    virtual std::unique_ptr<engine_state> copy() const = 0;
    // What copy() then rewind(n) would give, or nullptr where rewind(n)
    // would fail; a KV cache copies only its first n positions.
    virtual std::unique_ptr<engine_state> copy_first(std::int64_t n) const {
        auto out = copy();
        return out->rewind(n) ? std::move(out) : nullptr;
    }
    // Forgets every token after the first `n`, as if they had never been fed
    // (a KV cache keeps its first n positions), and returns true. Returns
    // false, changing nothing, where it cannot: n > n_tokens(), or a
    // recurrent state (RWKV), which keeps no history to go back to.
    virtual bool rewind(std::int64_t n) = 0;
    // Whether rewind() can go back at all (a KV cache or a token history).
    virtual bool keeps_history() const = 0;
};

enum class logits_mode { all, last };

class engine {
public:
    virtual ~engine() = default;
    virtual engine_info info() const = 0;
    virtual std::unique_ptr<engine_state> new_state() const = 0;
    // Feeds `tokens` after what `state` holds. Writes logits to `out` (host,
    // resized): [T, n_vocab] for all, [1, n_vocab] for last. Throws
    // input_error for ids outside the vocabulary.
    virtual void forward(std::span<const std::int32_t> tokens, engine_state& state, logits_mode mode,
                         std::vector<float>& out) = 0;
    // Feeds `tokens` by the engine's fastest path to the same state, for
    // bringing a state to a depth: logits of the last token only. The
    // serial RWKV engine runs them through the parallel mode's kernels
    // (their states agree within the engines' parity tolerance); the others
    // call forward().
    virtual void prefill(std::span<const std::int32_t> tokens, engine_state& state, std::vector<float>& out) {
        forward(tokens, state, logits_mode::last, out);
    }
    // Feeds several independent sequences, tokens[i] after *states[i], and
    // writes to out[i] (host, resized) the logits of sequence i's positions
    // from logits_from[i] on: [size - logits_from[i], n_vocab]. The same as a
    // forward(..., all) per sequence, rows cut, which is what engines without
    // a batched path do. The serial RWKV engines step up to `rows` sequences
    // together instead (0: all of them), one token of each per step, one
    // matmul of that many rows per weight matrix, a waiting sequence taking
    // the row of one that ended; a row may differ from one sequence alone in
    // the last bits where the backend sums a GEMM in another order than a
    // GEMV. A null state is a fresh one the engine makes when the sequence
    // starts and drops when it ends, so that only `rows` states live at once.
    // Throws input_error, feeding nothing, for bad ids, a logits_from
    // outside its sequence or mismatched list sizes.
    virtual void forward_batch(std::span<const std::span<const std::int32_t>> tokens,
                               std::span<engine_state* const> states, std::span<const std::int64_t> logits_from,
                               std::size_t rows, std::vector<std::vector<float>>& out);
    // Feeds `tokens` after what `state` holds and writes to logprobs[i] the
    // log-probability of targets[i] at position i (one target per token):
    // what forward(..., all) and a log-softmax per row give, the row's
    // log-sum-exp with float exponentials summed in double
    // (kernels::softmax_shifts). The parallel RWKV engines on the CPU run the
    // head in vocabulary slices and never hold the [T, n_vocab] logits.
    // Throws input_error, feeding nothing, for bad ids or a target count
    // other than the token count.
    virtual void score(std::span<const std::int32_t> tokens, engine_state& state, std::span<const std::int32_t> targets,
                       std::vector<double>& logprobs);
    // Runs the engine with a context limit of `n` tokens instead of the
    // model's own where nothing in the model ties it there (rotary
    // positions) and returns true; `n` at or below the model's limit restores
    // it. Returns false, changing nothing, where something does (GPT-2's
    // learned position table). Engines without a limit return true.
    virtual bool extend_context(std::int64_t n) {
        const auto limit = info().context_limit;
        return !limit || n <= *limit;
    }
};

}  // namespace engines
