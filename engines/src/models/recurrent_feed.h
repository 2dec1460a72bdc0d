// How the RWKV engines feed tokens (header-only): the parallel engine runs
// the whole input as one chunk; the serial engine one token per chunk,
// skipping the head for tokens whose logits nobody asked for. `run(first,
// count, mode, dst, want_logits)` runs one chunk. step_sequences is the
// serial engines' forward_batch.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engines/engine.h"
#include "models/engine_checks.h"

namespace engines {

template <class Run>
void feed_tokens(bool serial, std::int64_t n, std::int64_t n_vocab, logits_mode mode, std::vector<float>& out,
                 Run&& run) {
    out.assign(static_cast<std::size_t>((mode == logits_mode::all ? n : 1) * n_vocab), 0.0f);
    if (n == 0) return;
    if (!serial) {
        run(0, n, mode, out.data(), true);
        return;
    }
    for (std::int64_t t = 0; t < n; ++t) {
        const bool want = mode == logits_mode::all || t == n - 1;
        run(t, 1, logits_mode::last, mode == logits_mode::all ? out.data() + t * n_vocab : out.data(), want);
    }
}

// Steps up to `rows` sequences together (0: all), one token of each per
// step: out[i] gets the logits of sequence i's positions from logits_from[i]
// on. A sequence that ends gives its row to the next one waiting, in order.
// The lists are checked first (check_batch, every id in the vocabulary,
// every state of `engine`'s kind), so a refused batch feeds nothing. A null
// state is made by `new_state()` when its sequence starts and dropped when
// it ends. In each step the sequences that want logits come first, so
// `step(states, ids, wanted, logits)` runs the head on its first `wanted`
// rows only and writes them to logits ([wanted, n_vocab]).
template <class State, class NewState, class Step>
void step_sequences(std::span<const std::span<const std::int32_t>> tokens, std::span<engine_state* const> given,
                    std::span<const std::int64_t> logits_from, std::size_t rows, std::int64_t n_vocab,
                    const std::string& engine, std::vector<std::vector<float>>& out, NewState&& new_state,
                    Step&& step) {
    check_batch(tokens, given, logits_from);
    std::vector<State*> states;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        check_token_ids(tokens[i], n_vocab);
        states.push_back(given[i] ? &own_state<State>(*given[i], engine) : nullptr);
    }
    const auto v = static_cast<std::size_t>(n_vocab);
    const std::size_t n = tokens.size(), slots = rows == 0 ? n : rows;
    out.resize(n);
    for (std::size_t i = 0; i < n; ++i)
        out[i].assign((tokens[i].size() - static_cast<std::size_t>(logits_from[i])) * v, 0.0f);
    std::vector<std::size_t> active, at(n, 0), order;  // running sequences; each one's next position
    std::vector<std::unique_ptr<State>> made(n);       // the states made here, while their sequence runs
    std::size_t next = 0;
    const auto fill = [&] {
        for (; active.size() < slots && next < n; ++next) {
            if (tokens[next].empty()) continue;
            if (!states[next]) states[next] = (made[next] = new_state()).get();
            active.push_back(next);
        }
    };
    std::vector<State*> running;
    std::vector<std::int32_t> ids;
    std::vector<float> logits;
    for (fill(); !active.empty(); fill()) {
        const auto wants = [&](std::size_t i) { return at[i] >= static_cast<std::size_t>(logits_from[i]); };
        order.clear();
        for (const bool want : {true, false})
            for (const std::size_t i : active)
                if (wants(i) == want) order.push_back(i);
        running.clear();
        ids.clear();
        for (const std::size_t i : order) {
            running.push_back(states[i]);
            ids.push_back(tokens[i][at[i]]);
        }
        const auto wanted = static_cast<std::size_t>(std::count_if(order.begin(), order.end(), wants));
        logits.resize(wanted * v);
        step(running, std::span<const std::int32_t>(ids), static_cast<std::int64_t>(wanted), logits.data());
        for (std::size_t j = 0; j < wanted; ++j) {
            const std::size_t i = order[j];
            std::copy_n(
                logits.begin() + static_cast<std::ptrdiff_t>(j * v), v,
                out[i].begin() + static_cast<std::ptrdiff_t>((at[i] - static_cast<std::size_t>(logits_from[i])) * v));
        }
        for (const std::size_t i : active)
            if (++at[i] == tokens[i].size()) made[i].reset();
        std::erase_if(active, [&](std::size_t i) { return at[i] == tokens[i].size(); });
    }
}

}  // namespace engines
