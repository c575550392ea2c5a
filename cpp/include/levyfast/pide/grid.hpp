// Numerical settings of the PIDE solver and its uniform grid in log-moneyness x = ln(S/K).
//
// Domain truncation: for maturity T the grid spans the requested log-moneyness points
// x0 = ln(S0/K) widened on each side by `width` standard deviations of X_T,
// sqrt(c2 T) (c2 the model's variance rate), and at least by `min_half_width`; a continuously
// monitored knock-out barrier replaces its side's end (the barrier is then a grid node).
// Boundary conditions: Dirichlet values from the far-field asymptotics of the option (see
// conditions.hpp), which also give the values of jumps that land outside the grid.
#pragma once

#include <cstddef>

namespace levyfast::pide {

enum class SchemeId : int {
  ImexEuler = 0,  // first order: implicit local part, explicit jumps
  CNAB = 1,       // Crank–Nicolson on the local part, Adams–Bashforth 2 on the jumps
  BDF2 = 2,       // semi-implicit BDF2 (SBDF2): BDF2 local part, extrapolated jumps
};

// Time steps of a rollback over [0, T] in time to maturity tau.
enum class TimeGrid : int {
  Auto = 0,       // Quadratic for American options, Uniform otherwise
  Uniform = 1,    // tau_k = T k / nt
  Quadratic = 2,  // tau_k = T (k / nt)^2: uniform in sqrt(tau), the natural time of the early-
                  // exercise boundary near expiry, which restores second order of
                  // Crank–Nicolson for American options (Reisinger & Whitley 2014, IMA J.
                  // Numer. Anal. 34)
};

struct PIDESettings {
  SchemeId scheme = SchemeId::CNAB;
  int nx = 2048;            // grid points in log-price
  int nt = 200;             // time steps per maturity
  int damping_steps = 4;    // Rannacher: IMEX-Euler half steps replacing the first steps
  double width = 10.0;      // domain half-width in standard deviations of X_T
  double min_half_width = 0.5;
  double tail_tolerance = 1e-12;  // dropped Lévy measure (see levy_measure.hpp)
  // Jump cells |j| <= implicit_band are treated implicitly (operator.hpp); 0 chooses the
  // smallest band whose explicit cells have a total rate <= 10 / T (T the maturity).
  int implicit_band = 0;
  TimeGrid time_grid = TimeGrid::Auto;
  // Richardson extrapolation: combine the solutions on (nx, nt) and on the nested coarse grid
  // ((nx + 1) / 2 points, nt / 2 steps) as (4 V_fine - V_coarse) / 3.
  bool richardson = false;
};

void validate_pide_settings(const PIDESettings& s);

struct UniformGrid {
  double x_min = 0.0;
  double h = 0.0;
  std::size_t n = 0;
  double x(std::size_t i) const { return x_min + static_cast<double>(i) * h; }
  double x_max() const { return x(n - 1); }
};

}  // namespace levyfast::pide
