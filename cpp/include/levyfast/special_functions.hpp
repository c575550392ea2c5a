// Special functions the models need beyond <cmath>.
#pragma once

#include <cmath>

namespace levyfast {

// Digamma function psi_0(x) for x > 0: the recurrence psi(x) = psi(x + 1) - 1/x up to x >= 10,
// then the asymptotic series psi(x) ~ ln x - 1/(2x) - sum B_2k / (2k x^2k) (Abramowitz &
// Stegun 6.3.5 and 6.3.18), error < 1e-14 for x >= 10.
inline double digamma(double x) {
  double r = 0.0;
  while (x < 10.0) {
    r -= 1.0 / x;
    x += 1.0;
  }
  const double f = 1.0 / (x * x);
  return r + std::log(x) - 0.5 / x -
         f * (1.0 / 12.0 - f * (1.0 / 120.0 - f * (1.0 / 252.0 - f * (1.0 / 240.0 - f / 132.0))));
}

}  // namespace levyfast
