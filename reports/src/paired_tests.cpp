#include "reports/paired_tests.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace reports {

mcnemar_result mcnemar_exact(std::int64_t only_base, std::int64_t only_new) {
    mcnemar_result r{only_base, only_new, 1};
    const std::int64_t n = only_base + only_new, k = std::min(only_base, only_new);
    if (n == 0) return r;
    // P(X <= k) for X ~ Binomial(n, 1/2), summed in log space: n may be thousands.
    const double log_half_n = static_cast<double>(n) * std::log(0.5);
    const auto log_term = [&](std::int64_t i) {
        return std::lgamma(static_cast<double>(n + 1)) - std::lgamma(static_cast<double>(i + 1)) -
               std::lgamma(static_cast<double>(n - i + 1)) + log_half_n;
    };
    const double top = log_term(k);  // the largest term: terms grow up to n/2 and k <= n/2
    double sum = 0;
    for (std::int64_t i = 0; i <= k; ++i) sum += std::exp(log_term(i) - top);
    r.p = std::min(1.0, 2 * std::exp(top + std::log(sum)));
    return r;
}

bootstrap_result paired_bootstrap(std::span<const double> d, std::int64_t resamples, std::uint64_t seed,
                                  double confidence) {
    bootstrap_result r;
    if (d.empty() || resamples < 1) return r;
    const auto n = d.size();
    r.mean = std::accumulate(d.begin(), d.end(), 0.0) / static_cast<double>(n);
    r.resamples = resamples;
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<std::size_t> pick(0, n - 1);
    std::vector<double> means(static_cast<std::size_t>(resamples));
    for (double& m : means) {
        double s = 0;
        for (std::size_t i = 0; i < n; ++i) s += d[pick(rng)];
        m = s / static_cast<double>(n);
    }
    std::sort(means.begin(), means.end());
    const auto at = [&](double q) {  // a percentile, nearest rank
        const auto i = static_cast<std::size_t>(
            std::clamp(std::floor(q * static_cast<double>(resamples)), 0.0, static_cast<double>(resamples - 1)));
        return means[i];
    };
    r.low = at((1 - confidence) / 2);
    r.high = at((1 + confidence) / 2);
    if (r.mean == 0) return r;  // p = 1
    const auto beyond = r.mean > 0 ? std::count_if(means.begin(), means.end(), [](double m) { return m <= 0; })
                                   : std::count_if(means.begin(), means.end(), [](double m) { return m >= 0; });
    r.p = std::min(1.0, 2.0 * static_cast<double>(1 + beyond) / static_cast<double>(resamples + 1));
    return r;
}

wilcoxon_result wilcoxon_signed_rank(std::span<const double> differences) {
    std::vector<double> d;
    for (const double x : differences)
        if (x != 0 && !std::isnan(x)) d.push_back(x);
    wilcoxon_result r;
    r.n = static_cast<std::int64_t>(d.size());
    if (d.empty()) return r;
    std::sort(d.begin(), d.end(), [](double a, double b) { return std::abs(a) < std::abs(b); });
    // Doubled mid-ranks: a tie group over ranks i+1..j gets i+j+1 (twice its mean rank), an integer.
    std::vector<int> rank2(d.size());
    for (std::size_t i = 0; i < d.size();) {
        std::size_t j = i;
        while (j < d.size() && std::abs(d[j]) == std::abs(d[i])) ++j;
        for (std::size_t k = i; k < j; ++k) rank2[k] = static_cast<int>(i + j + 1);
        i = j;
    }
    int w2 = 0, total2 = 0;
    for (std::size_t i = 0; i < d.size(); ++i) {
        total2 += rank2[i];
        if (d[i] > 0) w2 += rank2[i];
    }
    r.w_plus = w2 / 2.0;
    // ways[s]: sign assignments whose doubled W+ is s. Doubles hold 2^n exactly far past any n here.
    std::vector<double> ways(static_cast<std::size_t>(total2) + 1, 0.0);
    ways[0] = 1;
    int reach = 0;
    for (const int rk : rank2) {
        for (int s = reach; s >= 0; --s) ways[static_cast<std::size_t>(s + rk)] += ways[static_cast<std::size_t>(s)];
        reach += rk;
    }
    const double all = std::ldexp(1.0, static_cast<int>(d.size()));
    // The tail on the observed side: W+ below the mean (total/2) counts from below, else from above.
    double tail = 0;
    if (2 * w2 <= total2)
        for (int s = 0; s <= w2; ++s) tail += ways[static_cast<std::size_t>(s)];
    else
        for (int s = w2; s <= total2; ++s) tail += ways[static_cast<std::size_t>(s)];
    r.p = std::min(1.0, 2 * tail / all);
    return r;
}

median_interval_result median_interval(std::span<const double> values, double confidence) {
    median_interval_result r;
    if (values.empty()) return r;
    std::vector<double> x(values.begin(), values.end());
    std::sort(x.begin(), x.end());
    const std::size_t n = x.size();
    r.median = n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
    // below[k] = P(Binomial(n, 1/2) < k): the chance that x(k) lies above the true median.
    const auto below = [&](std::size_t k) {
        double sum = 0, term = std::ldexp(1.0, -static_cast<int>(n));  // C(n, 0) / 2^n
        for (std::size_t i = 0; i < k; ++i) {
            sum += term;
            term = term * static_cast<double>(n - i) / static_cast<double>(i + 1);
        }
        return sum;
    };
    std::size_t k = 1;  // [x(1), x(n)] at least
    while (k + 1 <= (n + 1) / 2 && 1 - 2 * below(k + 1) >= confidence) ++k;
    r.low = x[k - 1];
    r.high = x[n - k];
    r.coverage = 1 - 2 * below(k);
    return r;
}

std::vector<double> holm_adjust(std::span<const double> p) {
    const std::size_t m = p.size();
    std::vector<std::size_t> order(m);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return p[a] < p[b]; });
    std::vector<double> out(m);
    double running = 0;
    for (std::size_t rank = 0; rank < m; ++rank) {
        const std::size_t i = order[rank];
        running = std::max(running, std::min(1.0, p[i] * static_cast<double>(m - rank)));
        out[i] = running;
    }
    return out;
}

}  // namespace reports
