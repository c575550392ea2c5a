// PIDE pricing of European, American and knock-out barrier options under the six models:
// the rollback of operator.hpp with a scheme of schemes.hpp and the conditions of
// conditions.hpp, on the grid of grid.hpp.
//
// Vanilla options are homogeneous of degree one in (S, K), so one rollback per maturity in
// x = ln(S/K) (strike units) prices every strike; a barrier option needs one per strike and
// maturity. European calls are priced as puts plus the forward (put–call parity, exact).
// Prices, deltas and gammas come from the cubic Lagrange interpolant of the grid values at
// x0 = ln(S0/K) (order 4, 3 and 2 in h).
#pragma once

#include <cstddef>

#include "levyfast/common.hpp"
#include "levyfast/models.hpp"
#include "levyfast/pide/conditions.hpp"
#include "levyfast/pide/grid.hpp"

namespace levyfast::pide {

// Outputs out[iT * nK + iK] (delta and gamma may be null).
void price_surface(const ModelParams& model, const Market& market, const double* strikes,
                   std::size_t nK, const double* maturities, std::size_t nT, OptionKind kind,
                   Exercise exercise, const BarrierSpec& barrier, const PIDESettings& settings,
                   double* price, double* delta, double* gamma);

}  // namespace levyfast::pide
