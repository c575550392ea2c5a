// IMEX time-stepping schemes as values (DESIGN.md §8). Every step solves
//   (I - c dt A) v^{n+1} = a0 v^n + a1 v^{n-1} + d dt A v^n + dt (e0 E v^n + e1 E v^{n-1})
// with A the implicit local operator and E the explicit jump operator; a scheme is its
// coefficients, so it never knows which model built the operator:
//   IMEX Euler : c = 1,   a0 = 1,   a1 = 0,    d = 0,       e0 = 1,   e1 = 0      (order 1)
//   CNAB       : c = 1/2, a0 = 1,   a1 = 0,    d = 1/2,     e0 = 3/2, e1 = -1/2   (order 2)
//   SBDF2      : c = 2/3, a0 = 4/3, a1 = -1/3, d = 0,       e0 = 4/3, e1 = -2/3   (order 2)
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
  static StepCoefficients cnab() { return {0.5, 1.0, 0.0, 0.5, 1.5, -0.5}; }
  static StepCoefficients sbdf2() { return {2.0 / 3.0, 4.0 / 3.0, -1.0 / 3.0, 0.0, 4.0 / 3.0, -2.0 / 3.0}; }
  static StepCoefficients of(SchemeId id);
};

}  // namespace levyfast::pide
