#include "tasks/fit.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tasks {

poly_fit fit_polynomial(std::span<const double> x, std::span<const double> y, int degree) {
    poly_fit f;
    const std::size_t n = std::min(x.size(), y.size()), m = static_cast<std::size_t>(degree) + 1;
    if (n <= m) return f;
    const double scale = *std::max_element(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(n),
                                           [](double a, double b) { return std::abs(a) < std::abs(b); });
    if (scale == 0) return f;
    // Normal equations A c = b on u = x / scale, solved by Gaussian elimination with partial pivoting.
    std::vector<double> a(m * (m + 1), 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        const double u = x[i] / std::abs(scale);
        std::vector<double> pw(2 * m, 1.0);
        for (std::size_t k = 1; k < 2 * m; ++k) pw[k] = pw[k - 1] * u;
        for (std::size_t r = 0; r < m; ++r) {
            for (std::size_t col = 0; col < m; ++col) a[r * (m + 1) + col] += pw[r + col];
            a[r * (m + 1) + m] += pw[r] * y[i];
        }
    }
    for (std::size_t col = 0; col < m; ++col) {
        std::size_t piv = col;
        for (std::size_t r = col + 1; r < m; ++r)
            if (std::abs(a[r * (m + 1) + col]) > std::abs(a[piv * (m + 1) + col])) piv = r;
        if (std::abs(a[piv * (m + 1) + col]) < 1e-300) return f;  // x not varied enough for this degree
        for (std::size_t k = 0; k <= m; ++k) std::swap(a[col * (m + 1) + k], a[piv * (m + 1) + k]);
        for (std::size_t r = 0; r < m; ++r) {
            if (r == col) continue;
            const double factor = a[r * (m + 1) + col] / a[col * (m + 1) + col];
            for (std::size_t k = col; k <= m; ++k) a[r * (m + 1) + k] -= factor * a[col * (m + 1) + k];
        }
    }
    f.coef.resize(m);
    for (std::size_t k = 0; k < m; ++k)  // back to x: c_k(x) = c_k(u) / scale^k
        f.coef[k] = a[k * (m + 1) + m] / a[k * (m + 1) + k] / std::pow(std::abs(scale), static_cast<double>(k));
    double mean = 0;
    for (std::size_t i = 0; i < n; ++i) mean += y[i];
    mean /= static_cast<double>(n);
    double ss_res = 0, ss_tot = 0;
    for (std::size_t i = 0; i < n; ++i) {
        double pred = 0;
        for (std::size_t k = m; k-- > 0;) pred = pred * x[i] + f.coef[k];
        ss_res += (y[i] - pred) * (y[i] - pred);
        ss_tot += (y[i] - mean) * (y[i] - mean);
    }
    f.r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : 1.0;
    return f;
}

double growth_exponent(std::span<const double> x, std::span<const double> y) {
    std::vector<double> lx, ly;
    for (std::size_t i = 0; i < std::min(x.size(), y.size()); ++i)
        if (x[i] > 0 && y[i] > 0) lx.push_back(std::log(x[i])), ly.push_back(std::log(y[i]));
    const poly_fit f = fit_polynomial(lx, ly, 1);
    return f.coef.empty() ? std::numeric_limits<double>::quiet_NaN() : f.coef[1];
}

}  // namespace tasks
