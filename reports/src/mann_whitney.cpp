#include "reports/mann_whitney.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace reports {

mann_whitney_result mann_whitney(std::span<const double> a, std::span<const double> b) {
    mann_whitney_result r;
    const std::size_t m = a.size(), n = b.size();
    if (m == 0 || n == 0) return r;
    // Ranks of the pooled sample, ties sharing their mean rank.
    std::vector<std::pair<double, int>> pooled;
    for (const double x : a) pooled.emplace_back(x, 0);
    for (const double x : b) pooled.emplace_back(x, 1);
    std::sort(pooled.begin(), pooled.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    double rank_sum_a = 0, tie_term = 0;
    bool ties = false;
    for (std::size_t i = 0; i < pooled.size();) {
        std::size_t j = i;
        while (j < pooled.size() && pooled[j].first == pooled[i].first) ++j;
        const double mean_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
        const auto t = static_cast<double>(j - i);
        if (j - i > 1) ties = true, tie_term += t * t * t - t;
        for (std::size_t k = i; k < j; ++k)
            if (pooled[k].second == 0) rank_sum_a += mean_rank;
        i = j;
    }
    const auto md = static_cast<double>(m), nd = static_cast<double>(n);
    r.u = rank_sum_a - md * (md + 1) / 2;
    const double mean_u = md * nd / 2;
    if (!ties && m * n <= 400) {
        // f(i, j, u): orderings of i values of the first sample and j of the second with U = u.
        // The largest value is either from the first (it beats all j): f(i-1, j, u-j), or
        // from the second: f(i, j-1, u). f holds f(i-1, ., .) while g builds f(i, ., .).
        std::vector<std::vector<double>> f(n + 1, std::vector<double>(m * n + 1, 0.0));
        for (std::size_t j = 0; j <= n; ++j) f[j][0] = 1;  // i = 0: U = 0 only
        for (std::size_t i = 1; i <= m; ++i) {
            std::vector<std::vector<double>> g(n + 1, std::vector<double>(m * n + 1, 0.0));
            g[0][0] = 1;  // j = 0: U = 0 only
            for (std::size_t j = 1; j <= n; ++j)
                for (std::size_t u = 0; u <= i * j; ++u) g[j][u] = (u >= j ? f[j][u - j] : 0.0) + g[j - 1][u];
            f = std::move(g);
        }
        double total = 0;
        for (const double c : f[n]) total += c;
        // Two-sided: twice the smaller tail, at most 1.
        const double u_low = std::min(r.u, md * nd - r.u);
        double tail = 0;
        for (std::size_t u = 0; static_cast<double>(u) <= u_low + 1e-9; ++u) tail += f[n][u];
        r.p = std::min(1.0, 2 * tail / total);
        r.exact = true;
        return r;
    }
    const double var = md * nd / 12 * ((md + nd + 1) - tie_term / ((md + nd) * (md + nd - 1)));
    if (var <= 0) return r;  // every value equal
    const double z = (std::abs(r.u - mean_u) - 0.5) / std::sqrt(var);
    r.p = std::min(1.0, std::erfc(std::max(0.0, z) / std::sqrt(2.0)));
    return r;
}

}  // namespace reports
