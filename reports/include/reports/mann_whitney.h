// The Mann-Whitney U test (Wilcoxon rank-sum) for two independent samples of
// repeated timings: does one tend to be larger than the other? It assumes no
// distribution, which suits timings on noisy shared machines. Two-sided p:
// exact (the permutation distribution of U) when neither sample has ties and
// both are small (m·n ≤ 400), else the normal approximation with the tie
// correction and a continuity correction.
#pragma once

#include <span>

namespace reports {

struct mann_whitney_result {
    double u = 0;  // U of the first sample: pairs (a, b) with a > b, ties counting 1/2
    double p = 1;  // two-sided
    bool exact = false;
};

// p = 1 when either sample is empty.
mann_whitney_result mann_whitney(std::span<const double> a, std::span<const double> b);

}  // namespace reports
