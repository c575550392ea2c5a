// Discretisation of the jump integral of a Lévy measure on a uniform log-price grid.
//
// The jump part of the generator,
//   J V(x) = int [V(x+y) - V(x) - (e^y - 1) V'(x)] k(y) dy,
// is replaced on a grid of spacing h by
//   J_h V_i = sum_{j != 0} w_j (V_{i+j} - V_i) + beta D1 V_i + (alpha / 2) D2 V_i,
// with w_j = int_{(j-1/2)h}^{(j+1/2)h} k(y) dy the measure of cell j, integrated exactly
// (Gauss–Legendre on sub-cells), and the small jumps |y| < h/2 left out of the cells.
// beta and alpha match the first two Taylor moments of J exactly:
//   beta  = int_{|y|<h/2} (y + 1 - e^y) k + sum_j int_cell_j (y - jh + 1 - e^y) k,
//   alpha = int_{|y|<h/2} y^2 k          + sum_j int_cell_j (y^2 - (jh)^2) k,
// so the small jumps become a diffusion (Asmussen & Rosinski 2001; Cont & Voltchkova 2005)
// and the cell quadrature error of the first two moments is removed. The remaining
// consistency error is O(h^2 + h^(4-Y)) for a measure of Blumenthal–Getoor index Y < 2 (the
// third-moment error cancels for the symmetric part of k and the odd part is one order less
// singular), i.e. second order for Y <= 1.5 and O(h^2.1) at Y = 1.9.
//
// Jumps beyond [-reach_left, reach_right] are dropped, consistently in w, beta and alpha (the
// truncated process stays a martingale); the reaches are chosen so that the dropped measure,
// weighted by 1 on the left and by e^y on the right, is below `tail_tolerance`.
#pragma once

#include <cstddef>
#include <vector>

#include "levyfast/models.hpp"

namespace levyfast::pide {

struct JumpStencil {
  double h = 0.0;
  int j_left = 0;          // w_j exists for j in [-j_left, j_right]
  int j_right = 0;
  std::vector<double> w;   // w[j + j_left]; w at j = 0 is 0
  double intensity = 0.0;  // sum_j w_j (the reaction rate of the discrete jump operator)
  double drift = 0.0;      // beta
  double diffusion = 0.0;  // alpha (may be negative: it corrects the cell quadrature)

  double weight(int j) const { return w[static_cast<std::size_t>(j + j_left)]; }
  bool empty() const { return w.empty(); }
};

// The stencil for spacing h, from the model's traits (models/<name>.hpp): its Lévy density, its
// Blumenthal–Getoor index `activity_index` (the small jumps' remainder), its `jump_reach` (the
// largest jumps kept to the left and right for `tail_tolerance`, see above) and
// `length_scales`. Throws invalid_argument when the reach needs more than
// `max_cells` cells.
JumpStencil discretise_jumps(const ModelParams& m, double h, double tail_tolerance,
                             std::size_t max_cells);

}  // namespace levyfast::pide
