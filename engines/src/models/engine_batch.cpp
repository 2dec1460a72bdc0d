// engine::forward_batch for engines without a batched path: one forward per
// sequence, its rows before logits_from cut; engine::score for engines
// without a sliced head: all logits, then each row's log-sum-exp.
#include <algorithm>

#include "engines/engine.h"
#include "kernels/softmax_shift.h"
#include "models/engine_checks.h"

namespace engines {

void engine::forward_batch(std::span<const std::span<const std::int32_t>> tokens, std::span<engine_state* const> states,
                           std::span<const std::int64_t> logits_from, std::size_t /*rows*/,
                           std::vector<std::vector<float>>& out) {
    check_batch(tokens, states, logits_from);
    const engine_info i = info();
    for (const auto& seq : tokens) check_token_ids(seq, i.n_vocab);  // feed nothing when one is bad
    const auto v = static_cast<std::size_t>(i.n_vocab);
    out.resize(tokens.size());
    std::vector<float> all;
    for (std::size_t s = 0; s < tokens.size(); ++s) {
        std::unique_ptr<engine_state> fresh = states[s] ? nullptr : new_state();
        forward(tokens[s], states[s] ? *states[s] : *fresh, logits_mode::all, all);
        out[s].assign(all.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(logits_from[s]) * v),
                      all.end());
    }
}

void engine::score(std::span<const std::int32_t> tokens, engine_state& state, std::span<const std::int32_t> targets,
                   std::vector<double>& logprobs) {
    const engine_info i = info();
    check_targets(tokens, targets, i.n_vocab);
    std::vector<float> all;
    forward(tokens, state, logits_mode::all, all);
    logprobs.assign(tokens.size(), 0.0);
    kernels::target_logprobs(all.data(), static_cast<std::int64_t>(tokens.size()), i.n_vocab, targets.data(),
                             logprobs.data());
}

}  // namespace engines
