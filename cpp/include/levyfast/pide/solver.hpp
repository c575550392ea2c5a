// PIDE pricing of European, American and knock-out barrier options under the built-in models:
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
#include <functional>

#include "levyfast/common.hpp"
#include "levyfast/models.hpp"
#include "levyfast/pide/conditions.hpp"
#include "levyfast/pide/grid.hpp"

namespace levyfast::pide {

// Called every few milliseconds of work between time steps; it may throw to abandon the solve
// (the Python bindings check for Ctrl-C there and raise KeyboardInterrupt). The core itself
// never depends on Python.
using InterruptCheck = std::function<void()>;

// Outputs out[iT * nK + iK] (delta and gamma may be null).
//
// Before solving, the grid must resolve the problem and the work must fit a budget, otherwise
// std::invalid_argument names the setting or input and its limit: the grid step h must be
// below kMaxStep (a huge sd(X_T) = sqrt(c2 T) makes the domain absurd) and not above sd(X_T)
// (the grid cannot see the distribution), and grid points x time steps x band (with the FFT
// of the far jumps, the monitoring dates and the number of rollbacks) must stay below
// kMaxWork. Prices outside the no-arbitrage bounds by more than the grid's resolution raise;
// within it they are clamped to the bounds.
void price_surface(const ModelParams& model, const Market& market, const double* strikes,
                   std::size_t nK, const double* maturities, std::size_t nT, OptionKind kind,
                   Exercise exercise, const BarrierSpec& barrier, const PIDESettings& settings,
                   double* price, double* delta, double* gamma,
                   const InterruptCheck& interrupt = InterruptCheck());

}  // namespace levyfast::pide
