// The two numbers of log-softmax per row of host logits, for the scorers:
// the row's maximum and log(sum exp(x - max)), so that log_softmax(x)_i =
// x_i - max - log_sum. The exponentials are float (the CPU kernels'
// exp_fast, about 1 ulp), their sum double: the vocabulary rows are 50k long
// and the log of the sum is what perplexity is made of. Vectorised, rows in
// parallel on the OpenMP threads: with a libm double exp per logit, scoring
// 1024 positions of a 50k vocabulary took a quarter as long as the 169M
// model's forward pass that made them.
#pragma once

#include <cstdint>

namespace kernels {

struct softmax_shift {
    double max = 0, log_sum = 0;
};

// rows x n floats at x (host, row-major) -> rows entries at out.
void softmax_shifts(const float* x, std::int64_t rows, std::int64_t n, softmax_shift* out);

// log_softmax(row r)[targets[r]] = x - (max + log_sum) for each of the rows
// (targets inside [0, n), checked by the caller) -> rows entries at out.
void target_logprobs(const float* x, std::int64_t rows, std::int64_t n, const std::int32_t* targets, double* out);

}  // namespace kernels
