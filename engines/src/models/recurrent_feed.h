// How the RWKV engines feed tokens (header-only): the parallel engine runs
// the whole input as one chunk; the serial engine one token per chunk,
// skipping the head for tokens whose logits nobody asked for. `run(first,
// count, mode, dst, want_logits)` runs one chunk. step_sequences is the
// serial engines' forward_batch.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "engines/engine.h"

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

// Steps B sequences together, one token of each still running (longer than
// the step) per step: out[i] gets the logits of sequence i's positions from
// logits_from[i] on. In each step the sequences that want logits come
// first, so `step(states, ids, wanted, logits)` runs the head on its first
// `wanted` rows only and writes them to logits ([wanted, n_vocab]).
template <class State, class Step>
void step_sequences(std::span<const std::span<const std::int32_t>> tokens, const std::vector<State*>& states,
                    std::span<const std::int64_t> logits_from, std::int64_t n_vocab,
                    std::vector<std::vector<float>>& out, Step&& step) {
    const auto v = static_cast<std::size_t>(n_vocab);
    out.resize(tokens.size());
    std::size_t steps = 0;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        out[i].assign((tokens[i].size() - static_cast<std::size_t>(logits_from[i])) * v, 0.0f);
        steps = std::max(steps, tokens[i].size());
    }
    std::vector<State*> running;
    std::vector<std::int32_t> ids;
    std::vector<std::size_t> which;
    std::vector<float> logits;
    for (std::size_t t = 0; t < steps; ++t) {
        running.clear();
        ids.clear();
        which.clear();
        for (const bool want : {true, false})
            for (std::size_t i = 0; i < tokens.size(); ++i)
                if (t < tokens[i].size() && (t >= static_cast<std::size_t>(logits_from[i])) == want) {
                    running.push_back(states[i]);
                    ids.push_back(tokens[i][t]);
                    which.push_back(i);
                }
        std::size_t wanted = 0;
        while (wanted < which.size() && t >= static_cast<std::size_t>(logits_from[which[wanted]])) ++wanted;
        logits.resize(wanted * v);
        step(running, std::span<const std::int32_t>(ids), static_cast<std::int64_t>(wanted), logits.data());
        for (std::size_t j = 0; j < wanted; ++j)
            std::copy_n(logits.begin() + static_cast<std::ptrdiff_t>(j * v), v,
                        out[which[j]].begin() + static_cast<std::ptrdiff_t>((t - static_cast<std::size_t>(logits_from[which[j]])) * v));
    }
}

}  // namespace engines
