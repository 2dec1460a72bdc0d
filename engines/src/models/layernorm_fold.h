// model.py folds ln0 into the embedding once, at load time (every RWKV
// generation): per row, (x - mean) / sqrt(var + 1e-5) * w + b, in double.
#pragma once

#include <cstdint>
#include <vector>

namespace engines {

void layernorm_fold(std::vector<float>& rows, std::int64_t n, const std::vector<float>& w, const std::vector<float>& b);

}  // namespace engines
