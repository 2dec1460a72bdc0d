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
    // Normal equations A c = b on u = x / scale, solved by Gauss-Jordan
    // elimination with partial pivoting on [A | b | I], which leaves A^-1
    // beside c for the coefficients' covariance.
    const std::size_t w = 2 * m + 1;  // row width: A, b, I
    std::vector<double> a(m * w, 0.0);
    const double s = std::abs(scale);
    for (std::size_t i = 0; i < n; ++i) {
        const double u = x[i] / s;
        std::vector<double> pw(2 * m, 1.0);
        for (std::size_t k = 1; k < 2 * m; ++k) pw[k] = pw[k - 1] * u;
        for (std::size_t r = 0; r < m; ++r) {
            for (std::size_t col = 0; col < m; ++col) a[r * w + col] += pw[r + col];
            a[r * w + m] += pw[r] * y[i];
        }
    }
    for (std::size_t r = 0; r < m; ++r) a[r * w + m + 1 + r] = 1.0;
    for (std::size_t col = 0; col < m; ++col) {
        std::size_t piv = col;
        for (std::size_t r = col + 1; r < m; ++r)
            if (std::abs(a[r * w + col]) > std::abs(a[piv * w + col])) piv = r;
        if (std::abs(a[piv * w + col]) < 1e-300) return f;  // x not varied enough for this degree
        for (std::size_t k = 0; k < w; ++k) std::swap(a[col * w + k], a[piv * w + k]);
        const double p = a[col * w + col];
        for (std::size_t k = 0; k < w; ++k) a[col * w + k] /= p;
        for (std::size_t r = 0; r < m; ++r) {
            if (r == col) continue;
            const double factor = a[r * w + col];
            for (std::size_t k = 0; k < w; ++k) a[r * w + k] -= factor * a[col * w + k];
        }
    }
    f.coef.resize(m);
    for (std::size_t k = 0; k < m; ++k)  // back to x: c_k(x) = c_k(u) / scale^k
        f.coef[k] = a[k * w + m] / std::pow(s, static_cast<double>(k));
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
    // Var(c) = sigma^2 A^-1 with sigma^2 = ss_res / (n - m), mapped back to x like c.
    const double sigma2 = ss_res / static_cast<double>(n - m);
    f.stderr_.resize(m);
    for (std::size_t k = 0; k < m; ++k)
        f.stderr_[k] = std::sqrt(std::max(0.0, sigma2 * a[k * w + m + 1 + k])) / std::pow(s, static_cast<double>(k));
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
