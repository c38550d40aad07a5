// Upper tails of the chi-square and normal distributions, for the p-values of the tests.
#include <cmath>
#include <limits>
#include <string>

#include "rfa/core/error.h"
#include "rfa/outcomes/survival.h"

namespace rfa::outcomes {

namespace {

// P(a, x), the regularized lower incomplete gamma function, by its power series
// P = x^a e^-x / Gamma(a + 1) * (1 + x / (a + 1) + x^2 / ((a + 1)(a + 2)) + ...), for x < a + 1.
double lowerGammaSeries(double a, double x) {
  double term = 1 / a;
  double sum = term;
  for (int n = 1; n < 100000; ++n) {
    term *= x / (a + n);
    sum += term;
    if (std::fabs(term) < std::fabs(sum) * 1e-17) break;
  }
  return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

// Q(a, x) = 1 - P(a, x) by its continued fraction
// Q = x^a e^-x / Gamma(a) * 1 / (x + 1 - a - 1 (1 - a) / (x + 3 - a - 2 (2 - a) / (x + 5 - a -
// ...))) evaluated with the modified Lentz method, for x >= a + 1.
double upperGammaFraction(double a, double x) {
  constexpr double kTiny = 1e-300;
  double b = x + 1 - a;
  double c = 1 / kTiny;
  double d = 1 / b;
  double h = d;
  for (int i = 1; i < 100000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < 1e-16) break;
  }
  return std::exp(-x + a * std::log(x) - std::lgamma(a)) * h;
}

}  // namespace

double chiSquareUpperTail(double x, double df) {
  if (!(df > 0) || !std::isfinite(df)) {
    throw UsageError("chi-square: the degrees of freedom must be > 0, not " + std::to_string(df));
  }
  if (std::isnan(x)) throw UsageError("chi-square: the statistic is NaN");
  if (x <= 0) return 1;
  if (std::isinf(x)) return 0;
  const double a = df / 2;
  const double y = x / 2;
  if (y < a + 1) return 1 - lowerGammaSeries(a, y);
  return upperGammaFraction(a, y);
}

double normalTwoSidedP(double z) {
  if (std::isnan(z)) return std::numeric_limits<double>::quiet_NaN();
  return std::erfc(std::fabs(z) / std::sqrt(2.0));
}

}  // namespace rfa::outcomes
