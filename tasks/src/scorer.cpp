#include "tasks/scorer.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "engines/sliding_window.h"
#include "harness/errors.h"
#include "kernels/softmax_shift.h"

namespace tasks {

namespace {

bool is_argmax(std::span<const float> row, std::int32_t token) {
    // The first index of the maximum, as torch.argmax: ties go to the lower id.
    return std::max_element(row.begin(), row.end()) - row.begin() == token;
}

// A row's maximum and the log of its sum of exp(x - max): log-softmax(x) =
// x - max - log_sum, every exponential in double. For KL divergence, a sum
// of differences of two log-probabilities that are often 1e-5 apart: the
// float exponentials of target_logprobs (about 1e-7 off) would show there.
std::pair<double, double> exact_softmax_shift(std::span<const float> row) {
    const double max = *std::max_element(row.begin(), row.end());
    double sum = 0;
    for (const float x : row) sum += std::exp(x - max);
    return {max, std::log(sum)};
}

// The log-probability of targets[i] at each of `targets.size()` consecutive
// rows of `logits` (rows of n_vocab): kernels::target_logprobs, as
// engine::score computes it.
std::vector<double> target_logprobs(const float* logits, std::size_t n_vocab, std::span<const std::int32_t> targets) {
    std::vector<double> out(targets.size());
    kernels::target_logprobs(logits, static_cast<std::int64_t>(targets.size()), static_cast<std::int64_t>(n_vocab),
                             targets.data(), out.data());
    return out;
}

}  // namespace

double token_logprob(std::span<const float> row, std::int32_t token) {
    return target_logprobs(row.data(), row.size(), std::span(&token, 1)).front();
}

position_comparison compare_position(std::span<const float> reference, std::span<const float> model,
                                     std::int32_t next) {
    const auto [max_ref, log_sum_ref] = exact_softmax_shift(reference);
    const auto [max, log_sum] = exact_softmax_shift(model);
    position_comparison c;
    for (std::size_t i = 0; i < reference.size(); ++i) {
        const double lp = reference[i] - max_ref - log_sum_ref, lq = model[i] - max - log_sum;
        c.kl += std::exp(lp) * (lp - lq);
    }
    c.same_top1 = std::max_element(reference.begin(), reference.end()) - reference.begin() ==
                  std::max_element(model.begin(), model.end()) - model.begin();
    if (next >= 0 && static_cast<std::size_t>(next) < reference.size()) {
        const auto n = static_cast<std::size_t>(next);
        c.logprob_reference = reference[n] - max_ref - log_sum_ref;
        c.logprob = model[n] - max - log_sum;
    }
    return c;
}

loglikelihood_result loglikelihood(engines::engine& e, std::span<const std::int32_t> context,
                                   std::span<const std::int32_t> continuation) {
    const loglikelihood_pair pair{context, continuation};
    return loglikelihood_batch(e, std::span<const loglikelihood_pair>(&pair, 1)).front();
}

std::vector<loglikelihood_result> loglikelihood_batch(engines::engine& e, std::span<const loglikelihood_pair> pairs,
                                                      std::size_t rows) {
    const engines::engine_info info = e.info();
    std::vector<std::vector<std::int32_t>> inputs;
    std::vector<std::int64_t> first_scored;  // the input position whose logits score continuation token 0
    for (auto [context, continuation] : pairs) {
        if (continuation.empty()) throw harness::input_error("loglikelihood: empty continuation");
        if (context.empty())
            throw harness::input_error("loglikelihood: empty context (nothing predicts the first token)");
        // A context-limited engine keeps the end of the context, as lm-eval does.
        if (const auto limit = info.context_limit) {
            const auto room = static_cast<std::int64_t>(*limit) - static_cast<std::int64_t>(continuation.size()) + 1;
            if (room < 1)
                throw harness::input_error("loglikelihood: a continuation of " + std::to_string(continuation.size()) +
                                           " tokens does not fit the context limit of " + std::to_string(*limit));
            if (static_cast<std::int64_t>(context.size()) > room)
                context = context.last(static_cast<std::size_t>(room));
        }
        // Fed: context + continuation[:-1]; the logits after context's last token score continuation[0].
        std::vector<std::int32_t> input(context.begin(), context.end());
        input.insert(input.end(), continuation.begin(), continuation.end() - 1);
        inputs.push_back(std::move(input));
        first_scored.push_back(static_cast<std::int64_t>(context.size()) - 1);
    }
    // Fresh states, made by the engine as each sequence starts (only `rows` live at once).
    const std::vector<engines::engine_state*> state_ptrs(pairs.size(), nullptr);
    const std::vector<std::span<const std::int32_t>> tokens(inputs.begin(), inputs.end());
    std::vector<std::vector<float>> logits;
    e.forward_batch(tokens, state_ptrs, first_scored, rows, logits);
    const auto v = static_cast<std::size_t>(info.n_vocab);
    std::vector<loglikelihood_result> out(pairs.size());
    for (std::size_t p = 0; p < pairs.size(); ++p) {
        const std::span<const std::int32_t> continuation = pairs[p].continuation;
        loglikelihood_result& r = out[p];
        const std::vector<double> lp = target_logprobs(logits[p].data(), v, continuation);
        for (std::size_t i = 0; i < continuation.size(); ++i) {
            r.logprob += lp[i];
            r.greedy = r.greedy && is_argmax(std::span<const float>(logits[p].data() + i * v, v), continuation[i]);
        }
        r.n_tokens = static_cast<std::int64_t>(continuation.size());
    }
    return out;
}

rolling_result loglikelihood_rolling(engines::engine& e, std::span<const std::int32_t> tokens, std::int64_t stride,
                                     std::int64_t chunk) {
    rolling_result r;
    if (tokens.size() < 2) return r;
    const engines::engine_info info = e.info();
    std::vector<double> logprobs;  // the engine's score(): position i's log-probability of the token after it
    auto keep = [&](std::size_t from) {
        for (std::size_t i = from; i < logprobs.size(); ++i) {
            r.logprob += logprobs[i];
            r.token_logprobs.push_back(logprobs[i]);
        }
    };
    if (!info.context_limit) {
        // One state across the stream: token t+1 is scored by the logits after token t.
        auto state = e.new_state();
        const auto n = static_cast<std::int64_t>(tokens.size()) - 1;  // the last token is never fed
        for (std::int64_t at = 0; at < n; at += chunk) {
            const std::int64_t len = std::min(chunk, n - at);
            e.score(tokens.subspan(static_cast<std::size_t>(at), static_cast<std::size_t>(len)), *state,
                    tokens.subspan(static_cast<std::size_t>(at + 1), static_cast<std::size_t>(len)), logprobs);
            keep(0);
        }
    } else {
        const std::int64_t limit = *info.context_limit;
        for (const auto& w : engines::sliding_windows(static_cast<std::int64_t>(tokens.size()), limit,
                                                      stride > 0 ? stride : std::max<std::int64_t>(1, limit / 2))) {
            auto state = e.new_state();
            // Feed the window up to the token before its last, score [first_scored, end).
            const auto feed = tokens.subspan(static_cast<std::size_t>(w.begin), static_cast<std::size_t>(w.end - 1 - w.begin));
            e.score(feed, *state, tokens.subspan(static_cast<std::size_t>(w.begin + 1), feed.size()), logprobs);
            keep(static_cast<std::size_t>(w.first_scored - 1 - w.begin));
        }
    }
    r.n_scored = static_cast<std::int64_t>(r.token_logprobs.size());
    return r;
}

std::vector<std::int32_t> greedy_continuation(engines::engine& e, std::span<const std::int32_t> prompt, std::int64_t max_tokens) {
    std::vector<std::int32_t> out;
    if (prompt.empty() || max_tokens <= 0) return out;
    const auto limit = e.info().context_limit;
    if (limit && static_cast<std::int64_t>(prompt.size()) >= *limit) prompt = prompt.last(static_cast<std::size_t>(*limit - 1));
    auto state = e.new_state();
    std::vector<float> logits;
    e.forward(prompt, *state, engines::logits_mode::last, logits);
    for (std::int64_t i = 0; i < max_tokens; ++i) {
        const auto next = static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
        out.push_back(next);
        if (i + 1 == max_tokens || (limit && state->n_tokens() + 1 >= *limit)) break;
        e.forward(std::span<const std::int32_t>(&out.back(), 1), *state, engines::logits_mode::last, logits);
    }
    return out;
}

}  // namespace tasks
