// How an MPI run splits a model's remaining examples among its ranks
// (tasks/src/rank_work.h does the rest): each costed by the tokens its
// scorer feeds, largest first to the rank with the least work so far. Every
// rank computes the same split from the same journals, with no message.
#pragma once

#include <cstdint>
#include <vector>

#include "engines/tokenizer.h"
#include "tasks/request.h"

namespace tasks {

// The rank of each item (costs in a fixed order): largest cost first (ties:
// the earlier item), each to the rank with the least cost so far (ties: the
// lower rank).
std::vector<int> assign_by_cost(const std::vector<std::uint64_t>& costs, int ranks);

// The tokens a scorer feeds for `r` (every choice's context and
// continuation, or the text), plus one for the request itself.
std::uint64_t request_tokens(const request& r, const engines::tokenizer& tok);

}  // namespace tasks
