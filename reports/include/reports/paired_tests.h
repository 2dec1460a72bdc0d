// Paired tests for two runs that scored the same examples: each example is
// its own control, so a small systematic change stands out from the spread
// between examples that an unpaired test must carry.
//
//   mcnemar_exact     0/1 outcomes (accuracy): of the examples whose outcome
//                     differs between the runs, are the flips one-sided?
//   paired_bootstrap  per-example differences (log-likelihood, bits): the
//                     mean difference, its confidence interval and p
//   wilcoxon_signed_rank  a few paired measurements (rounds of an A/B
//                     timing): are the differences centred on zero? exact
//   median_interval   the median of a few values with a distribution-free
//                     confidence interval (order statistics)
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

struct wilcoxon_result {
    std::int64_t n = 0;  // non-zero differences (zeros are dropped, as Wilcoxon did)
    double w_plus = 0;   // sum of the ranks of the positive differences (mid-ranks for ties)
    double p = 1;        // two-sided, exact
};

// The Wilcoxon signed-rank test, exact: the null distribution of W+ is
// counted over all 2^n sign assignments of the ranks (by dynamic
// programming over doubled ranks, so tied mid-ranks stay exact), and
// p = min(1, 2·P(W+ at or beyond the observed, on its side)). With n = 10
// differences all of one sign p = 2/1024; with n = 5 it is 0.0625, so fewer
// than 6 rounds can never reach p < 0.05. No differences: p = 1.
wilcoxon_result wilcoxon_signed_rank(std::span<const double> differences);

struct median_interval_result {
    double median = 0;
    double low = 0, high = 0;  // order statistics x(k) and x(n+1-k)
    double coverage = 0;       // the interval's exact coverage, >= the level asked for when possible
};

// The sample median and the widest-k order-statistic interval
// [x(k), x(n+1-k)] whose coverage 1 − 2·P(Binomial(n, 1/2) < k) is at least
// `confidence` (for any continuous distribution). With too few values for
// that (n < 6 at 95%), the interval is [min, max] and `coverage` says how
// much it covers. Empty input: all zero.
median_interval_result median_interval(std::span<const double> values, double confidence = 0.95);

// Holm–Bonferroni step-down adjustment, in the input's order: sorted
// ascending, p(i) · (m − i), made monotone, capped at 1. A test is
// significant at level α when its adjusted p ≤ α; the family-wise error rate
// stays ≤ α whatever the dependence between the tests.
std::vector<double> holm_adjust(std::span<const double> p);

}  // namespace reports
