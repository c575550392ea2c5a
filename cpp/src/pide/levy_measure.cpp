#include "levyfast/pide/levy_measure.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "levyfast/format.hpp"
#include "levyfast/models/registry.hpp"

namespace levyfast::pide {

namespace {

// Gauss sub-cells of one jump stencil, at most (8 density evaluations each).
constexpr std::size_t kMaxSubCells = std::size_t{1} << 22;

// 8-point Gauss–Legendre rule on [-1, 1] (Abramowitz & Stegun, Table 25.4).
constexpr double kGLx[4] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267,
                            0.9602898564975363};
constexpr double kGLw[4] = {0.3626837833783620, 0.3137066458778873, 0.2223810344533745,
                            0.1012285362903763};

// y + 1 - e^y without cancellation: its Taylor series -y^2/2 - y^3/6 - ... for small |y|.
double compensator(double y) {
  if (std::abs(y) > 0.1) return y - std::expm1(y);
  double term = -0.5 * y * y, sum = 0.0;
  for (int k = 3; k < 14; ++k) {
    sum += term;
    term *= y / k;
  }
  return sum;
}

// The cell moments over [a, b] (CellMoments, node c) of model M's Lévy density by Gauss
// quadrature, or in closed form where the model has one.
template <class M>
void add_cell(const Params& p, double a, double b, double c, CellMoments& acc) {
  if constexpr (M::kExactCellMoments) {
    M::add_cell_moments(p, a, b, c, acc);
  } else {
    const double mid = 0.5 * (a + b), half = 0.5 * (b - a);
    for (int q = 0; q < 4; ++q) {
      for (int s = -1; s <= 1; s += 2) {
        const double y = mid + s * half * kGLx[q];
        const double wk = half * kGLw[q] * M::levy_density(p, y);
        if (wk == 0.0) continue;  // an underflowed tail: e^y may overflow there (inf * 0)
        acc.mass += wk;
        // e^y k(y) as e^(y + ln k) where e^y alone overflows (reaches beyond y = 700).
        acc.first += y > 700.0 ? wk * (y + 1.0 - c) - std::exp(y + std::log(wk))
                               : wk * (compensator(y) - c);
        acc.second += wk * (y - c) * (y + c);
      }
    }
  }
}

// int_0^{h/2} [f(y) k(y) + f(-y) k(-y)] dy for f = y^2 (second) and f = y + 1 - e^y (first),
// on dyadic intervals towards 0; the integrands behave like y^(1-Y) there, so the neglected
// remainder after the last interval is a geometric series with ratio 2^(Y-2), added in closed
// form. A closed form covers [-h/2, h/2] in one go.
template <class M>
CellMoments small_jumps(const Params& p, double h) {
  CellMoments acc;
  if constexpr (M::kExactCellMoments) {
    add_cell<M>(p, -0.5 * h, 0.5 * h, 0.0, acc);
    acc.mass = 0.0;
    return acc;
  }
  const double index = std::max(M::activity_index(p), -1.0);
  const double ratio = std::pow(2.0, index - 2.0);
  double b = 0.5 * h;
  CellMoments last;
  for (int level = 0; level < 80; ++level) {
    const double a = 0.5 * b;
    CellMoments piece;
    add_cell<M>(p, a, b, 0.0, piece);
    add_cell<M>(p, -b, -a, 0.0, piece);
    acc.first += piece.first;
    acc.second += piece.second;
    last = piece;
    b = a;
  }
  acc.first += last.first * ratio / (1.0 - ratio);
  acc.second += last.second * ratio / (1.0 - ratio);
  return acc;
}

template <class M>
JumpStencil discretise(const Params& p, double h, double tol, std::size_t max_cells) {
  JumpStencil s;
  s.h = h;
  const LeftRight reach = M::jump_reach(p, tol);
  if (reach.left == 0.0 && reach.right == 0.0) return s;
  const double jl = std::ceil(reach.left / h), jr = std::ceil(reach.right / h);
  LF_REQUIRE(jl + jr + 1.0 <= static_cast<double>(max_cells),
             "the jumps of this model reach " + fmt_short(reach.left) + " left and " +
                 fmt_short(reach.right) + " right in log-price, " + fmt(jl + jr + 1.0) + " cells of the PIDE grid (limit " +
                 std::to_string(max_cells) + "); use a coarser grid (smaller `nx`)");
  s.j_left = std::max(1, static_cast<int>(jl));
  s.j_right = std::max(1, static_cast<int>(jr));
  s.w.assign(static_cast<std::size_t>(s.j_left + s.j_right + 1), 0.0);
  const LeftRight ell = M::length_scales(p);
  // small_jumps integrates down to h 2^-81; a density concentrated far below that (VG with
  // nu = 1e-100: a scale of 1e-50) would lose its whole variance there and price as if it
  // had no jumps (an ATM call worth 0.38 came out 0).
  const double resolved = 0.5 * h * std::ldexp(1.0, -80);
  LF_REQUIRE(M::kExactCellMoments || std::min(ell.left, ell.right) >= 1e3 * resolved,
             "the Lévy density of this model varies on a scale of " +
                 fmt_short(std::min(ell.left, ell.right)) +
                 " in log-price, below what the PIDE's small-jump quadrature resolves (" +
                 fmt_short(1e3 * resolved) + " for the grid step h = " + fmt_short(h) +
                 "): use a less extreme parameter or the Fourier pricers (method='auto')");
  CellMoments total = small_jumps<M>(p, h);
  // Gauss sub-cells spent so far; the cells whose density varies on a scale far below h are
  // split, which is bounded by skipping the cells beyond a negligible density (below).
  std::size_t spent = 0;
  int last[2] = {1, 1};  // outermost non-empty cell on the left and right
  for (int side = 0; side < 2; ++side) {
    const int sign = side == 0 ? -1 : 1, cells = side == 0 ? s.j_left : s.j_right;
    const double scale = side == 0 ? ell.left : ell.right;
    const double sub_far = std::ceil(2.0 * h / scale);
    for (int a_j = 1; a_j <= cells; ++a_j) {
      const int j = sign * a_j;
      const double a = (j - 0.5) * h, c = j * h;
      CellMoments cell;
      if constexpr (M::kExactCellMoments) {
        add_cell<M>(p, a, a + h, c, cell);
      } else {
        // The density decreases in |y| on each side at least like e^(-|y| / scale): once its
        // weighted value at the cell's inner edge is negligible, so is every cell beyond.
        const double inner = sign * (a_j - 0.5) * h;
        const double bound = M::levy_density(p, inner) * (1.0 + std::exp(std::max(inner, 0.0))) *
                             (1.0 + inner * inner) * (std::min(scale, 1e300) + h);
        if (!(bound >= 1e-20 * tol)) break;
        // The cells next to 0 hold the steepest part of a singular density: split them in four.
        const double want = a_j == 1 ? std::max(sub_far, 4.0) : std::max(sub_far, 1.0);
        LF_REQUIRE(static_cast<double>(spent) + want <= static_cast<double>(kMaxSubCells),
                   "the Lévy density of this model varies on a scale of " + fmt_short(scale) +
                       " in log-price, far below the PIDE grid step h = " + fmt_short(h) +
                       ", over a non-negligible mass: the cell integrals would need more than " +
                       std::to_string(kMaxSubCells) + " quadrature sub-cells; use a less "
                       "extreme parameter (the model's decay rate or jump-size spread) or the "
                       "Fourier pricers (method='cos')");
        const int sub = static_cast<int>(want);
        spent += static_cast<std::size_t>(sub);
        const double step = h / sub;
        for (int q = 0; q < sub; ++q) add_cell<M>(p, a + q * step, a + (q + 1) * step, c, cell);
      }
      s.w[static_cast<std::size_t>(j + s.j_left)] = cell.mass;
      s.intensity += cell.mass;
      total.first += cell.first;
      total.second += cell.second;
      if (cell.mass != 0.0) last[side] = a_j;
    }
  }
  // Drop the empty outer cells (a shorter kernel; they carry no measure).
  if (last[0] < s.j_left || last[1] < s.j_right) {
    std::vector<double> w(s.w.begin() + (s.j_left - last[0]), s.w.begin() + (s.j_left + last[1] + 1));
    s.w.swap(w);
    s.j_left = last[0];
    s.j_right = last[1];
  }
  s.drift = total.first;
  s.diffusion = total.second;
  LF_REQUIRE(std::isfinite(s.intensity) && std::isfinite(s.drift) && std::isfinite(s.diffusion),
             "internal error: non-finite jump stencil; please report the model parameters");
  return s;
}

}  // namespace

JumpStencil discretise_jumps(const ModelParams& m, double h, double tol, std::size_t max_cells) {
  return visit(m.id, [&](auto model) {
    return discretise<decltype(model)>(m.p, h, tol, max_cells);
  });
}

}  // namespace levyfast::pide
