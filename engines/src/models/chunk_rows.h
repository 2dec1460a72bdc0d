// The rows of a chunk and the states they continue (header-only), for the
// recurrent engines: T tokens of one sequence from one state (forward,
// prefill), or one token each of B sequences from their own states (a step
// of forward_batch). Row-wise work (layernorm, matmuls, activations) runs on
// all rows at once either way; what touches a state (token shift, WKV, the
// saved last row) runs once over the chunk, or once per row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engines/engine.h"
#include "kernels/tensor.h"

namespace engines {

template <class State>
struct chunk_rows {
    std::vector<State*> states;  // one: every row is its sequence's; B: row i is states[i]'s next token
    std::int64_t n_rows = 0;

    static chunk_rows sequence(State& s, std::int64_t t) { return {{&s}, t}; }
    static chunk_rows one_each(std::vector<State*> s) {
        const auto n = static_cast<std::int64_t>(s.size());
        return {std::move(s), n};
    }
    // f(state, first_row, n_rows) for each state and the rows it continues with.
    template <class F>
    void each(F&& f) const {
        if (states.size() == 1) {
            f(*states[0], std::int64_t{0}, n_rows);
            return;
        }
        for (std::size_t i = 0; i < states.size(); ++i) f(*states[i], static_cast<std::int64_t>(i), std::int64_t{1});
    }
};

// The rows of a chunk that go through ln_out and the head.
struct row_span {
    std::int64_t first = 0, count = 0;
};
// A chunk of t tokens fed with `mode`: all its rows, its last, or none
// (`want` false: the serial engines skip the head for tokens whose logits
// nobody asked for).
inline row_span head_rows(std::int64_t t, logits_mode mode, bool want) {
    if (!want) return {};
    return mode == logits_mode::all ? row_span{0, t} : row_span{t - 1, 1};
}

// Rows [first, first + count) of a contiguous [T, C] view.
inline kernels::tensor_view row_range(const kernels::tensor_view& v, std::int64_t first, std::int64_t count) {
    kernels::tensor_view out = v;
    const std::int64_t cols = v.shape[static_cast<std::size_t>(v.n_dims - 1)];
    out.data = static_cast<char*>(v.data) + static_cast<std::size_t>(first * cols) * 4;  // f32 activations
    out.shape[0] = count;
    return out;
}

}  // namespace engines
