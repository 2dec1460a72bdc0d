// The request kinds every task is built from (after lm-evaluation-harness's
// `loglikelihood` and `loglikelihood_rolling`), implemented once on top of
// engine::forward:
//
//   loglikelihood(context, continuation)
//       log P(continuation | context) summed over its tokens, and whether
//       every continuation token is the greedy argmax. The engine is fed
//       context + continuation[:-1] from a fresh state; the logits at the
//       position before each continuation token score it. Engines with a
//       context limit see only the end of the context that fits (lm-eval's
//       left truncation). loglikelihood_batch scores several requests
//       through one forward_batch (the serial RWKV engines step them together).
//
//   loglikelihood_rolling(tokens)
//       log P of every token but the first, each scored exactly once.
//       Engines without a context limit (RWKV) carry their state over the
//       whole stream in chunks; transformers use sliding windows
//       (engines/sliding_window.h) at their limit with the given stride.
//
//       tokens     t0  t1  t2  t3 ...
//       scored         ^   ^   ^        (t0 has no context: never scored)
//
// Log-probabilities are computed from the logits in double (log-softmax with
// the maximum subtracted).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engines/engine.h"

namespace tasks {

struct loglikelihood_result {
    double logprob = 0;         // natural log
    bool greedy = true;         // every continuation token was the argmax
    std::int64_t n_tokens = 0;  // continuation tokens scored
};

// Throws harness::input_error for an empty continuation.
loglikelihood_result loglikelihood(engines::engine& e, std::span<const std::int32_t> context,
                                   std::span<const std::int32_t> continuation);

// One loglikelihood request's token ids.
struct loglikelihood_pair {
    std::span<const std::int32_t> context, continuation;
};

// loglikelihood of each pair, the pairs fed together through
// engine::forward_batch (batch across examples), up to `rows` sequences
// stepping at once (0: all): the same as one at a time, to the last bits of
// a GEMM against a GEMV where the engine batches. Throws as loglikelihood
// does, before anything is fed.
std::vector<loglikelihood_result> loglikelihood_batch(engines::engine& e, std::span<const loglikelihood_pair> pairs,
                                                      std::size_t rows = 0);

struct rolling_result {
    double logprob = 0;
    std::int64_t n_scored = 0;
    std::vector<double> token_logprobs;  // per scored token (tokens[1..]), for audits and bootstrap
};

// `stride`: for context-limited engines, tokens between window starts
// (0 = half the context limit). `chunk`: tokens per forward call for
// engines without a limit (bounds the logits buffer).
rolling_result loglikelihood_rolling(engines::engine& e, std::span<const std::int32_t> tokens, std::int64_t stride = 0,
                                     std::int64_t chunk = 1024);

// Greedy decoding: feeds `prompt` and appends the argmax token up to
// `max_tokens` times. A context-limited engine sees the end of the prompt
// and stops at its limit.
std::vector<std::int32_t> greedy_continuation(engines::engine& e, std::span<const std::int32_t> prompt, std::int64_t max_tokens);

// log-softmax of one logits row at `token`, in double.
double token_logprob(std::span<const float> row, std::int32_t token);

// Two next-token distributions at one position, a reference's and a
// model's logits rows (log-softmax in double): KL(reference || model) in
// nats, whether their argmax (the first maximum) agrees, and each one's
// log-probability of `next` (0 when next is outside the rows).
struct position_comparison {
    double kl = 0;
    bool same_top1 = false;
    double logprob_reference = 0, logprob = 0;
};
position_comparison compare_position(std::span<const float> reference, std::span<const float> model, std::int32_t next);

}  // namespace tasks
