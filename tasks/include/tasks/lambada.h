// LAMBADA scoring as ChatRWKV's benchmark (the RWKV paper's numbers) does it:
// context ids = the tokenizer's encoding of "\n" (the pad: 187 for the 20B
// tokenizer, 11 for RWKV World, byte 10 for bytes) followed by the encoding
// of the context; target ids = the encoding of " " + last word, encoded
// separately. With pad = false: lm-eval's lambada_openai (no "\n").
//   ppl = exp(-mean over examples of the target's summed log-probability)
//   acc = share of examples whose every target token is the greedy argmax
#pragma once

#include <string>

#include "engines/engine.h"
#include "engines/tokenizer.h"
#include "tasks/scorer.h"

namespace tasks {

// What one passage feeds: the pad ("\n") and the context, then the target.
struct lambada_ids {
    std::vector<std::int32_t> context, target;
};
lambada_ids lambada_tokens(const engines::tokenizer& tok, const std::string& context, const std::string& target,
                           bool pad = true);

loglikelihood_result score_lambada(engines::engine& e, const engines::tokenizer& tok, const std::string& context,
                                   const std::string& target, bool pad = true);

struct metric {
    double value = 0, stderr_ = 0;
    std::int64_t n = 0;
};

struct lambada_metrics {
    metric acc, ppl;
};

// acc with its binomial standard error; ppl with the delta-method error of
// exp(-mean): ppl x stderr(mean log-probability).
lambada_metrics aggregate_lambada(const std::vector<loglikelihood_result>& results);

}  // namespace tasks
