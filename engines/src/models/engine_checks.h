// Checks every engine makes on what it is handed (header-only).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "engines/engine.h"
#include "harness/errors.h"

namespace engines {

// Throws input_error naming the first id outside [0, n_vocab) and its position.
inline void check_token_ids(std::span<const std::int32_t> tokens, std::int64_t n_vocab) {
    for (std::size_t i = 0; i < tokens.size(); ++i)
        if (tokens[i] < 0 || tokens[i] >= n_vocab)
            throw harness::input_error("token id " + std::to_string(tokens[i]) + " at position " + std::to_string(i) +
                                       " is outside the vocabulary of " + std::to_string(n_vocab));
}

// score()'s targets: one per token, inside the vocabulary (the tokens are
// checked where they are fed, before anything is).
inline void check_targets(std::span<const std::int32_t> tokens, std::span<const std::int32_t> targets,
                          std::int64_t n_vocab) {
    if (targets.size() != tokens.size())
        throw harness::input_error("score: " + std::to_string(targets.size()) + " targets for " +
                                   std::to_string(tokens.size()) + " tokens (one per token)");
    check_token_ids(targets, n_vocab);
}

// forward_batch's lists: one state and one logits_from per sequence, each
// logits_from within [0, size]. Throws input_error naming the sequence.
inline void check_batch(std::span<const std::span<const std::int32_t>> tokens, std::span<engine_state* const> states,
                        std::span<const std::int64_t> logits_from) {
    if (states.size() != tokens.size() || logits_from.size() != tokens.size())
        throw harness::input_error("forward_batch: " + std::to_string(tokens.size()) + " sequences but " +
                                   std::to_string(states.size()) + " states and " + std::to_string(logits_from.size()) +
                                   " logits_from");
    for (std::size_t i = 0; i < tokens.size(); ++i)
        if (logits_from[i] < 0 || logits_from[i] > static_cast<std::int64_t>(tokens[i].size()))
            throw harness::input_error("forward_batch: sequence " + std::to_string(i) + " has " +
                                       std::to_string(tokens[i].size()) + " tokens; logits_from " +
                                       std::to_string(logits_from[i]) + " is outside them");
}

// The state as the engine's own kind; unsupported_error naming `engine` otherwise.
template <class State>
State& own_state(engine_state& state, const std::string& engine) {
    auto* st = dynamic_cast<State*>(&state);
    if (!st) throw harness::unsupported_error(engine + " engine: state from another engine");
    return *st;
}

}  // namespace engines
