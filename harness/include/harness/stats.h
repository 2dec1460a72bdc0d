// The two summaries of repeated values that tasks and reports both use: the
// median (robust, for timings) and the mean with its standard error
// sqrt(sample variance / n) (for 0/1 outcomes, that is the binomial error
// sqrt(p(1-p)/(n-1))).
#pragma once

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace harness {

// NaN for no values.
inline double median(std::vector<double> v) {
    if (v.empty()) return std::nan("");
    std::sort(v.begin(), v.end());
    const std::size_t h = v.size() / 2;
    return v.size() % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

// (mean, standard error of the mean); the error is 0 for fewer than 2 values.
inline std::pair<double, double> mean_and_stderr(const std::vector<double>& x) {
    if (x.empty()) return {0, 0};
    const auto n = static_cast<double>(x.size());
    double sum = 0;
    for (const double v : x) sum += v;
    const double mean = sum / n;
    double ss = 0;
    for (const double v : x) ss += (v - mean) * (v - mean);
    return {mean, x.size() > 1 ? std::sqrt(ss / (n - 1) / n) : 0.0};
}

}  // namespace harness
