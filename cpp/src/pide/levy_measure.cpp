#include "levyfast/pide/levy_measure.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace levyfast::pide {

namespace {

// 8-point Gauss–Legendre rule on [-1, 1] (Abramowitz & Stegun, Table 25.4).
constexpr double kGLx[4] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267,
                            0.9602898564975363};
constexpr double kGLw[4] = {0.3626837833783620, 0.3137066458778873, 0.2223810344533745,
                            0.1012285362903763};

// Integrals over one cell of k(y), (y - c + 1 - e^y) k(y) and (y^2 - c^2) k(y).
struct CellMoments {
  double mass = 0.0, first = 0.0, second = 0.0;
};

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

void add_gauss(const ModelParams& m, double a, double b, double c, CellMoments& acc) {
  const double mid = 0.5 * (a + b), half = 0.5 * (b - a);
  for (int q = 0; q < 4; ++q) {
    for (int s = -1; s <= 1; s += 2) {
      const double y = mid + s * half * kGLx[q];
      const double wk = half * kGLw[q] * levy_density(m, y);
      acc.mass += wk;
      acc.first += wk * (compensator(y) - c);
      acc.second += wk * (y - c) * (y + c);
    }
  }
}

// The shortest length over which the Lévy density changes by O(1) away from 0.
double length_scale(const ModelParams& m) {
  const auto& p = m.p;
  switch (m.id) {
    case ModelId::BlackScholes: return std::numeric_limits<double>::infinity();
    case ModelId::VarianceGamma: {
      const double s2 = p[0] * p[0];
      const double rate = std::sqrt(2.0 / p[1] + p[2] * p[2] / s2) / p[0];
      return 1.0 / (rate + std::abs(p[2]) / s2);
    }
    case ModelId::CGMY: return 1.0 / std::max(p[1], p[2]);
    case ModelId::NIG: return 1.0 / (p[0] + std::abs(p[1]));
    case ModelId::Merton: return p[3];
    case ModelId::Kou: return 1.0 / std::max(p[3], p[4]);
  }
  return 1.0;
}

// Smallest y0 with C y0^(-1-Y) e^(-a y0) / a <= tol (a bound of the tail mass beyond y0 of a
// density below C |y|^(-1-Y) e^(-a |y|)).
double tempered_reach(double C, double Y, double a, double tol) {
  double y0 = 1.0;
  for (int it = 0; it < 50; ++it)
    y0 = std::max(std::log(std::max(C * std::pow(y0, -1.0 - Y) / (a * tol), 1.0)) / a, 1e-3);
  return y0;
}

// int_0^{h/2} [f(y) k(y) + f(-y) k(-y)] dy for f = y^2 (second) and f = y + 1 - e^y (first),
// on dyadic intervals towards 0; the integrands behave like y^(1-Y) there, so the neglected
// remainder after the last interval is a geometric series with ratio 2^(Y-2), added in closed
// form.
CellMoments small_jumps(const ModelParams& m, double h) {
  CellMoments acc;
  const double index = std::max(activity_index(m), -1.0);
  const double ratio = std::pow(2.0, index - 2.0);
  double b = 0.5 * h;
  CellMoments last;
  for (int level = 0; level < 80; ++level) {
    const double a = 0.5 * b;
    CellMoments piece;
    add_gauss(m, a, b, 0.0, piece);
    add_gauss(m, -b, -a, 0.0, piece);
    acc.first += piece.first;
    acc.second += piece.second;
    last = piece;
    b = a;
  }
  acc.first += last.first * ratio / (1.0 - ratio);
  acc.second += last.second * ratio / (1.0 - ratio);
  return acc;
}

}  // namespace

double activity_index(const ModelParams& m) {
  switch (m.id) {
    case ModelId::VarianceGamma: return 0.0;
    case ModelId::CGMY: return m.p[3];
    case ModelId::NIG: return 1.0;
    case ModelId::BlackScholes:
    case ModelId::Merton:
    case ModelId::Kou: return -1.0;
  }
  return -1.0;
}

JumpReach jump_reach(const ModelParams& m, double tol) {
  const auto& p = m.p;
  switch (m.id) {
    case ModelId::BlackScholes: return {0.0, 0.0};
    case ModelId::VarianceGamma: {
      const double s2 = p[0] * p[0];
      const double rate = std::sqrt(2.0 / p[1] + p[2] * p[2] / s2) / p[0];
      const double G = rate + p[2] / s2, M = rate - p[2] / s2;  // left and right decay rates
      return {tempered_reach(1.0 / p[1], 0.0, G, tol), tempered_reach(1.0 / p[1], 0.0, M - 1.0, tol)};
    }
    case ModelId::CGMY:
      return {tempered_reach(p[0], p[3], p[1], tol), tempered_reach(p[0], p[3], p[2] - 1.0, tol)};
    case ModelId::NIG: {
      // k(y) <= delta sqrt(alpha) |y|^(-3/2) e^(beta y - alpha |y|) for alpha |y| >= 1/2
      // (K_1(z) <= 1.25 sqrt(pi / (2 z)) e^-z there).
      const double C = p[2] * std::sqrt(p[0]);
      return {tempered_reach(C, 0.5, p[0] + p[1], tol) + 0.5 / p[0],
              tempered_reach(C, 0.5, p[0] - p[1] - 1.0, tol) + 0.5 / p[0]};
    }
    case ModelId::Merton: {
      const double lam = p[1], mu = p[2], sj = p[3];
      if (lam == 0.0) return {0.0, 0.0};
      // e^y times the N(mu, sj^2) density is e^(mu + sj^2/2) times the N(mu + sj^2, sj^2) one.
      const double scale = lam * std::exp(std::max(0.0, mu + 0.5 * sj * sj));
      const double z = std::sqrt(2.0 * std::log(std::max(scale / tol, 2.0))) + 1.0;
      return {std::max(0.0, -mu) + z * sj, std::max(0.0, mu + sj * sj) + z * sj};
    }
    case ModelId::Kou: {
      const double lam = p[1], q = p[2], e1 = p[3], e2 = p[4];
      const double left = lam * (1.0 - q) > 0.0 ? std::log(std::max(lam * (1.0 - q) / tol, 1.0)) / e2 : 0.0;
      const double right =
          lam * q > 0.0 ? std::log(std::max(lam * q * e1 / ((e1 - 1.0) * tol), 1.0)) / (e1 - 1.0) : 0.0;
      return {left, right};
    }
  }
  return {0.0, 0.0};
}

JumpStencil discretise_jumps(const ModelParams& m, double h, double tol, std::size_t max_cells) {
  JumpStencil s;
  s.h = h;
  const JumpReach reach = jump_reach(m, tol);
  if (reach.left == 0.0 && reach.right == 0.0) return s;
  const double jl = std::ceil(reach.left / h), jr = std::ceil(reach.right / h);
  LF_REQUIRE(jl + jr + 1.0 <= static_cast<double>(max_cells),
             "the jumps of this model reach " + std::to_string(reach.left) + " left and " +
                 std::to_string(reach.right) + " right in log-price, " +
                 std::to_string(jl + jr + 1.0) + " cells of the PIDE grid (limit " +
                 std::to_string(max_cells) + "); use a coarser grid (smaller `nx`)");
  s.j_left = std::max(1, static_cast<int>(jl));
  s.j_right = std::max(1, static_cast<int>(jr));
  s.w.assign(static_cast<std::size_t>(s.j_left + s.j_right + 1), 0.0);
  const double ell = length_scale(m);
  const int sub_far = std::max(1, static_cast<int>(std::ceil(2.0 * h / ell)));
  CellMoments total = small_jumps(m, h);
  for (int j = -s.j_left; j <= s.j_right; ++j) {
    if (j == 0) continue;
    // The cells next to 0 hold the steepest part of a singular density: split them in four.
    const int sub = std::abs(j) == 1 ? std::max(sub_far, 4) : sub_far;
    const double a = (j - 0.5) * h, c = j * h, step = h / sub;
    CellMoments cell;
    for (int q = 0; q < sub; ++q) add_gauss(m, a + q * step, a + (q + 1) * step, c, cell);
    s.w[static_cast<std::size_t>(j + s.j_left)] = cell.mass;
    s.intensity += cell.mass;
    total.first += cell.first;
    total.second += cell.second;
  }
  s.drift = total.first;
  s.diffusion = total.second;
  LF_REQUIRE(std::isfinite(s.intensity) && std::isfinite(s.drift) && std::isfinite(s.diffusion),
             "internal error: non-finite jump stencil; please report the model parameters");
  return s;
}

}  // namespace levyfast::pide
