// Least-squares fits for the scaling curves: polynomials in x (degree 1 =
// linear, 2 = quadratic) with R², and the growth exponent k of y ≈ a·x^k
// (a straight line in log-log). Solved in double on x scaled to [0, 1]
// (normal equations are well conditioned at these degrees after scaling).
#pragma once

#include <span>
#include <vector>

namespace tasks {

struct poly_fit {
    std::vector<double> coef;     // c0 + c1 x + c2 x² ...
    std::vector<double> stderr_;  // each coefficient's standard error (ordinary least squares)
    double r2 = 0;
    // Whether coefficient k is more than `z` standard errors above zero.
    bool above_zero(std::size_t k, double z = 2.0) const {
        return k < coef.size() && coef[k] > z * stderr_[k];
    }
};

// Needs more points than coefficients and x not all equal; otherwise coef is empty.
poly_fit fit_polynomial(std::span<const double> x, std::span<const double> y, int degree);

// Slope of log y against log x over the points with x > 0 and y > 0 (NaN when fewer than 2).
double growth_exponent(std::span<const double> x, std::span<const double> y);

}  // namespace tasks
