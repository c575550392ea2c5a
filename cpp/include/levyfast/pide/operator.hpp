// The PIDE operator of an exponential Lévy model on a uniform grid in x = ln(S/K), in time to
// maturity tau (DESIGN.md §8):
//   V_tau = (sigma^2/2) V_xx + (r - q - sigma^2/2) V_x - r V
//           + int [V(x+y) - V(x) - (e^y - 1) V_x] k(y) dy,
// split as A + E with
//   A (implicit, tridiagonal): second-order central differences of diffusion sigma^2 + alpha and
//     drift r - q - sigma^2/2 + beta, reaction -(r + lambda_h), and the jumps to the two
//     neighbouring nodes, w_{-1} V_{i-1} + w_1 V_{i+1} (the heaviest cells of a singular
//     measure, kept implicit for stability);
//   E (explicit): sum_{|j| >= 2} w_j V_{i+j}, a correlation computed by FFT in O(L log L),
//     L the next power of two >= nx + (cells of the jump reach), with values beyond the grid
//     taken from the far field.
// (w, alpha, beta, lambda_h from levy_measure.hpp.) Rows 0 and n-1 are Dirichlet rows.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "levyfast/models.hpp"
#include "levyfast/pide/convolution.hpp"
#include "levyfast/pide/grid.hpp"
#include "levyfast/pide/levy_measure.hpp"

namespace levyfast::pide {

class LevyOperator {
 public:
  LevyOperator(const ModelParams& m, double rate, double dividend, const UniformGrid& grid,
               double tail_tolerance);

  const UniformGrid& grid() const { return grid_; }
  const JumpStencil& stencil() const { return stencil_; }
  // Tridiagonal coefficients of A on interior rows.
  double lower() const { return lower_; }
  double diag() const { return diag_; }
  double upper() const { return upper_; }

  // out_i = (A v)_i on interior rows; out_0 = out_{n-1} = 0.
  void apply_local(const std::vector<double>& v, std::vector<double>& out) const;
  // out_i = (E v)_i on interior rows, with `outside(x)` the value at x beyond the grid.
  void apply_jumps(const std::vector<double>& v, const std::function<double(double)>& outside,
                   std::vector<double>& out);
  // Solves (I - theta_dt A) v = rhs on interior rows; v_0 and v_{n-1} are kept (Dirichlet).
  // With an obstacle g, solves the complementarity problem
  //   min((I - theta_dt A) v - rhs, v - g) = 0
  // by policy iteration (Howard's algorithm; the limit of the penalty method of Forsyth &
  // Vetzal 2002, SIAM J. Sci. Comput. 23), exact after finitely many tridiagonal solves.
  // `rhs` holds the right-hand side on entry (its ends are ignored) and v on exit.
  void solve(double theta_dt, std::vector<double>& rhs_v, const std::vector<double>* obstacle);

 private:
  void thomas(double theta_dt, const std::vector<double>& rhs, std::vector<double>& v,
              const std::vector<char>* fixed, const std::vector<double>* g);

  UniformGrid grid_;
  JumpStencil stencil_;
  double lower_ = 0.0, diag_ = 0.0, upper_ = 0.0;
  bool has_far_jumps_ = false;
  std::unique_ptr<Correlation> far_jumps_;
  std::vector<double> extended_, far_out_, rhs_, cprime_, active_state_;
  std::vector<char> active_, next_active_;
};

}  // namespace levyfast::pide
