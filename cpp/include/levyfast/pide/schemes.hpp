// IMEX time-stepping schemes as values (DESIGN.md §8). Every step solves
//   (I - c dt A) v^{n+1} = a0 v^n + a1 v^{n-1} + d dt A v^n + dt (e0 E v^n + e1 E v^{n-1})
// with A the implicit local operator and E the explicit jump operator; a scheme is its
// coefficients, so it never knows which model built the operator:
//   IMEX Euler : c = 1,   a0 = 1,   a1 = 0,    d = 0,       e0 = 1,   e1 = 0      (order 1)
//   CNAB       : c = 1/2, a0 = 1,   a1 = 0,    d = 1/2,     e0 = 3/2, e1 = -1/2   (order 2)
//   SBDF2      : c = 2/3, a0 = 4/3, a1 = -1/3, d = 0,       e0 = 4/3, e1 = -2/3   (order 2)
// On a non-uniform time grid, with omega = dt_n / dt_(n-1), the two-step schemes keep second
// order with (Wang & Ruuth 2008, J. Comput. Math. 26, for variable-step IMEX BDF2)
//   CNAB       : e0 = 1 + omega/2, e1 = -omega/2 (a0, c, d as above)
//   SBDF2      : c = (1+omega)/(1+2 omega), a0 = (1+omega)^2/(1+2 omega), a1 = -omega^2/(1+2 omega),
//                e0 = (1+omega)^2/(1+2 omega), e1 = -omega (1+omega)/(1+2 omega).
// (Ascher, Ruuth & Wetton 1995, SIAM J. Numer. Anal. 32, for CNAB and SBDF2; Rannacher 1984,
// Numer. Math. 43, and Giles & Carter 2006, J. Comput. Finance 9, for the damping: the first
// steps after a non-smooth payoff or a monitoring date are IMEX-Euler half steps.)
#pragma once

#include "levyfast/pide/grid.hpp"

namespace levyfast::pide {

struct StepCoefficients {
  double c, a0, a1, d, e0, e1;
  bool two_step() const { return a1 != 0.0 || e1 != 0.0; }

  static StepCoefficients imex_euler() { return {1.0, 1.0, 0.0, 0.0, 1.0, 0.0}; }
  static StepCoefficients cnab(double omega = 1.0) {
    return {0.5, 1.0, 0.0, 0.5, 1.0 + 0.5 * omega, -0.5 * omega};
  }
  static StepCoefficients sbdf2(double omega = 1.0) {
    const double s = 1.0 + 2.0 * omega, p = 1.0 + omega;
    return {p / s, p * p / s, -omega * omega / s, 0.0, p * p / s, -omega * p / s};
  }
  // omega = dt_n / dt_(n-1), the ratio of this step to the previous one.
  static StepCoefficients of(SchemeId id, double omega = 1.0);
};

}  // namespace levyfast::pide
