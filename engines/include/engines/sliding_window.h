// Rolling windows for scoring a long token stream with a model whose context
// is limited (the transformer; RWKV carries its state and needs none).
//
// Every token but the first is scored exactly once, from the logits of the
// position before it, which is always inside the same window. The first
// window scores context - 1 tokens; each later one scores the next `stride`
// tokens and is filled up to `context` with history before them, so every
// scored token sees at least context - stride tokens (Hugging Face's
// "perplexity of fixed-length models" recipe):
//
//   tokens   0 1 2 3 4 5 6 7 8 9        context 6, stride 3
//   window 1 [0 1 2 3 4 5]              feeds 0..5, scores 1..5
//   window 2       [3 4 5 6 7 8]        feeds 3..8, scores 6..8
//   window 3         [4 5 6 7 8 9]      feeds 4..9, scores 9
#pragma once

#include <cstdint>
#include <vector>

namespace engines {

struct scoring_window {
    std::int64_t begin = 0, end = 0;  // feed tokens [begin, end) from an empty state
    std::int64_t first_scored = 0;    // score tokens [first_scored, end), each from the logits of the token before
};

// Throws harness::usage_error unless context >= 2 and 1 <= stride < context.
std::vector<scoring_window> sliding_windows(std::int64_t n_tokens, std::int64_t context, std::int64_t stride);

}  // namespace engines
