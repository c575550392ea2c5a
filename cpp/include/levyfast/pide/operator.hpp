// The PIDE operator of an exponential Lévy model on a uniform grid in x = ln(S/K), in time to
// maturity tau (DESIGN.md §8):
//   V_tau = (sigma^2/2) V_xx + (r - q - sigma^2/2) V_x - r V
//           + int [V(x+y) - V(x) - (e^y - 1) V_x] k(y) dy,
// discretised with the jump stencil of levy_measure.hpp and split as A + E:
//   A (implicit, band of half-width p): second-order central differences of the diffusion
//     sigma^2 + alpha and the drift r - q - sigma^2/2 + beta, the reaction -(r + lambda_h), and
//     the jumps to the nodes within p cells, sum_{0<|j|<=p} w_j V_{i+j}: the heavy cells of a
//     singular measure, whose total rate grows like h^-Y; keeping them implicit keeps the time
//     error of the splitting bounded as the grid is refined;
//   E (explicit): sum_{|j|>p} w_j V_{i+j}, a correlation computed by FFT in O(L log L),
//     L the next power of two >= nx + (cells of the jump reach).
// Values at nodes beyond the grid come from the far field. Rows 0 and n-1 are Dirichlet rows.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "levyfast/models.hpp"
#include "levyfast/pide/banded.hpp"
#include "levyfast/pide/convolution.hpp"
#include "levyfast/pide/grid.hpp"
#include "levyfast/pide/levy_measure.hpp"

namespace levyfast::pide {

using FarField = std::function<double(double)>;

class LevyOperator {
 public:
  // `band` = 0 chooses the smallest p whose explicit jumps have a rate <= 10 / horizon.
  LevyOperator(const ModelParams& m, double rate, double dividend, const UniformGrid& grid,
               double tail_tolerance, int band, double horizon);

  const UniformGrid& grid() const { return grid_; }
  const JumpStencil& stencil() const { return stencil_; }
  int band() const { return p_; }
  // Work of one time step (about a flop count: the band products and solves, the FFTs).
  double step_cost() const { return step_cost_; }

  // out_i = (A v)_i on interior rows; out_0 = out_{n-1} = 0.
  void apply_local(const std::vector<double>& v, const FarField& outside,
                   std::vector<double>& out) const;
  // out_i = (E v)_i on interior rows.
  void apply_jumps(const std::vector<double>& v, const FarField& outside, std::vector<double>& out);
  // Solves (I - theta_dt A) v = rhs on interior rows with `outside` the far field at the new
  // time; v_0 and v_{n-1} are the Dirichlet values rhs_0, rhs_{n-1}. With an obstacle g it
  // solves the complementarity problem min((I - theta_dt A) v - rhs, v - g) = 0 by policy
  // iteration (Howard's algorithm; the limit of the penalty method of Forsyth & Vetzal 2002,
  // SIAM J. Sci. Comput. 23), exact after finitely many band solves.
  // `rhs_v` holds the right-hand side on entry and v on exit.
  void solve(double theta_dt, std::vector<double>& rhs_v, const FarField& outside,
             const std::vector<double>* obstacle);

 private:
  const BandedLU& factorised(double theta_dt, const std::vector<char>& fixed);
  double row_product(const std::vector<double>& v, std::size_t i, const FarField& outside) const;

  struct Factorisation {
    double theta_dt;
    std::vector<char> fixed;
    BandedLU lu;
  };

  UniformGrid grid_;
  JumpStencil stencil_;
  int p_ = 1;
  double step_cost_ = 0.0;
  std::vector<double> a_;  // A's interior row: a_[j + p], |j| <= p
  std::unique_ptr<Correlation> far_jumps_;
  std::vector<Factorisation> cache_;
  std::vector<double> extended_, rhs_, work_;
  std::vector<char> fixed_, next_fixed_;
};

}  // namespace levyfast::pide
