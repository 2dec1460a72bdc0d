// Paired tests for two runs that scored the same examples: each example is
// its own control, so a small systematic change stands out from the spread
// between examples that an unpaired test must carry.
//
//   mcnemar_exact     0/1 outcomes (accuracy): of the examples whose outcome
//                     differs between the runs, are the flips one-sided?
//   paired_bootstrap  per-example differences (log-likelihood, bits): the
//                     mean difference, its confidence interval and p
//   holm_adjust       many tests in one comparison (languages × metrics):
//                     Holm–Bonferroni adjusted p-values
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace reports {

struct mcnemar_result {
    std::int64_t only_base = 0;  // examples right in the base run only
    std::int64_t only_new = 0;   // examples right in the new run only
    double p = 1;                // two-sided, exact
};

// The exact (binomial) McNemar test: only_base against Binomial(only_base +
// only_new, 1/2); p = min(1, 2·P(X ≤ min)). p = 1 when nothing flipped.
mcnemar_result mcnemar_exact(std::int64_t only_base, std::int64_t only_new);

struct bootstrap_result {
    double mean = 0;           // of the differences
    double low = 0, high = 0;  // percentile confidence interval of the mean
    double p = 1;              // two-sided
    std::int64_t resamples = 0;
};

// Resamples the examples with replacement `resamples` times (std::mt19937_64
// from `seed`, so a comparison is reproducible) and takes the mean of each
// resample. The interval is the (1−confidence)/2 and (1+confidence)/2
// percentiles; p = min(1, 2·(1 + k)/(resamples + 1)) where k counts the
// resampled means at or beyond zero on the side away from the observed mean
// (the +1 keeps p above 0: at 10,000 resamples the smallest p is 2e-4).
// Empty input: mean 0, p = 1.
bootstrap_result paired_bootstrap(std::span<const double> differences, std::int64_t resamples = 10000,
                                  std::uint64_t seed = 1234, double confidence = 0.95);

// Holm–Bonferroni step-down adjustment, in the input's order: sorted
// ascending, p(i) · (m − i), made monotone, capped at 1. A test is
// significant at level α when its adjusted p ≤ α; the family-wise error rate
// stays ≤ α whatever the dependence between the tests.
std::vector<double> holm_adjust(std::span<const double> p);

}  // namespace reports
