// Complex elementary functions accurate where the textbook formula cancels.
#pragma once

#include <cmath>

#include "levyfast/common.hpp"

namespace levyfast {

// e^z - 1 for small |z|: Re = expm1(x) cos y - 2 sin^2(y/2), Im = e^x sin y.
inline cplx cexpm1(cplx z) {
  const double x = z.real(), y = z.imag(), h = std::sin(0.5 * y);
  return {std::expm1(x) * std::cos(y) - 2.0 * h * h, std::exp(x) * std::sin(y)};
}

// ln(1 + z) for small |z| (where 1 + z rounds): |1 + z|^2 = 1 + (2x + x^2 + y^2).
inline cplx clog1p(cplx z) {
  const double x = z.real(), y = z.imag();
  return {0.5 * std::log1p(x * (2.0 + x) + y * y), std::atan2(y, 1.0 + x)};
}

}  // namespace levyfast
