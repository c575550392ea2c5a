#include "levyfast/pide/levy_measure.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>

namespace levyfast::pide {

namespace {

// Gauss sub-cells of one jump stencil, at most (8 density evaluations each).
constexpr std::size_t kMaxSubCells = std::size_t{1} << 22;

std::string fmt_short(double v) {
  std::ostringstream os;
  os.precision(6);
  os << v;
  return os.str();
}

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

// Decay rates (G, M) of the variance gamma density e^(-G|y|) / (nu |y|) (y < 0) and
// e^(-M y) / (nu y) (y > 0), without the cancellation of rate +- theta / sigma^2 at small sigma:
// G M = 2 / (nu sigma^2), and the smaller rate is 2 / (nu (disc + |theta|)),
// disc = sqrt(theta^2 + 2 sigma^2 / nu) (the larger one is +inf once sigma^2 underflows).
struct Rates {
  double left, right;
};
Rates vg_rates(const ModelParams& m) {
  const double s2 = m.p[0] * m.p[0], nu = m.p[1], th = m.p[2];
  const double sum = std::sqrt(th * th + 2.0 * s2 / nu) + std::abs(th);
  const double small = 2.0 / (nu * sum);
  double large = sum / s2;
  if (std::isnan(large)) large = std::numeric_limits<double>::infinity();
  return th < 0.0 ? Rates{small, large} : Rates{large, small};
}

// The Lévy density of the PIDE's quadrature: levy_density, except the variance gamma one in
// the cancellation-free form above (its exponent theta y / sigma^2 - rate |y| loses every digit
// at small sigma).
double density(const ModelParams& m, double y) {
  if (m.id == ModelId::VarianceGamma) {
    if (y == 0.0) return std::numeric_limits<double>::infinity();
    const Rates r = vg_rates(m);
    const double ay = std::abs(y), decay = (y < 0.0 ? r.left : r.right) * ay;
    const double denom = m.p[1] * ay;
    if (denom >= std::numeric_limits<double>::min()) return std::exp(-decay) / denom;
    // nu |y| underflows (nu = 1e-300): e^-decay / 0 would be 0/0 = NaN in the stencil
    return std::exp(-decay - std::log(m.p[1]) - std::log(ay));
  }
  return levy_density(m, y);
}

void add_gauss(const ModelParams& m, double a, double b, double c, CellMoments& acc) {
  const double mid = 0.5 * (a + b), half = 0.5 * (b - a);
  for (int q = 0; q < 4; ++q) {
    for (int s = -1; s <= 1; s += 2) {
      const double y = mid + s * half * kGLx[q];
      const double wk = half * kGLw[q] * density(m, y);
      if (wk == 0.0) continue;  // an underflowed tail: e^y may overflow there (inf * 0)
      acc.mass += wk;
      // e^y k(y) as e^(y + ln k) where e^y alone overflows (reaches beyond y = 700).
      acc.first += y > 700.0 ? wk * (y + 1.0 - c) - std::exp(y + std::log(wk))
                             : wk * (compensator(y) - c);
      acc.second += wk * (y - c) * (y + c);
    }
  }
}

// The shortest lengths over which the Lévy density changes by O(1) away from 0, on the left
// and on the right (the density decreases in |y| on each side at least this fast).
Rates length_scales(const ModelParams& m) {
  const auto& p = m.p;
  const double inf = std::numeric_limits<double>::infinity();
  switch (m.id) {
    case ModelId::BlackScholes: return {inf, inf};
    case ModelId::VarianceGamma: {
      const Rates r = vg_rates(m);
      return {1.0 / r.left, 1.0 / r.right};
    }
    case ModelId::CGMY: return {1.0 / p[1], 1.0 / p[2]};
    case ModelId::NIG: {
      const double l = 1.0 / (p[0] + std::abs(p[1]));
      return {l, l};
    }
    case ModelId::Merton: return {p[3], p[3]};
    case ModelId::Kou: return {1.0 / p[4], 1.0 / p[3]};
  }
  return {1.0, 1.0};
}

// Merton: the Gaussian jump density lam N(mu, sj^2) integrated over [a, b] in closed form
// (exact for any sj, also far below the grid step, where quadrature misses the spike):
// mass lam dPhi, and with c the cell's node, int (y + 1 - e^y - c) k and int (y^2 - c^2) k.
double phi(double z) { return std::isfinite(z) ? 0.3989422804014327 * std::exp(-0.5 * z * z) : 0.0; }
double z_phi(double z) { return std::isfinite(z) ? z * phi(z) : 0.0; }
// Phi(hi) - Phi(lo) without cancellation in either tail.
double normal_mass(double lo, double hi) {
  constexpr double r2 = 0.7071067811865476;
  if (lo >= 0.0) return 0.5 * (std::erfc(lo * r2) - std::erfc(hi * r2));
  if (hi <= 0.0) return 0.5 * (std::erfc(-hi * r2) - std::erfc(-lo * r2));
  return 1.0 - 0.5 * (std::erfc(hi * r2) + std::erfc(-lo * r2));
}
void add_merton(const ModelParams& m, double a, double b, double c, CellMoments& acc) {
  const double lam = m.p[1], mu = m.p[2], sj = m.p[3];
  const double lo = (a - mu) / sj, hi = (b - mu) / sj;
  const double mass = normal_mass(lo, hi);
  if (mass == 0.0) return;
  const double dphi = phi(lo) - phi(hi);
  const double m1 = mu * mass + sj * dphi;  // int y N
  const double m2 = mu * mu * mass + 2.0 * mu * sj * dphi + sj * sj * (mass + z_phi(lo) - z_phi(hi));
  // int e^y N = e^(mu + sj^2/2) (Phi(hi - sj) - Phi(lo - sj)).
  const double me = std::exp(mu + 0.5 * sj * sj) * normal_mass(lo - sj, hi - sj);
  acc.mass += lam * mass;
  acc.first += lam * (m1 + mass - me - c * mass);
  acc.second += lam * (m2 - c * c * mass);
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
  if (m.id == ModelId::Merton) {
    add_merton(m, -0.5 * h, 0.5 * h, 0.0, acc);
    acc.mass = 0.0;
    return acc;
  }
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
      const Rates r = vg_rates(m);  // left and right decay rates G, M
      const auto reach = [&](double a) {
        return std::isinf(a) ? 0.0 : tempered_reach(1.0 / p[1], 0.0, a, tol);
      };
      return {reach(r.left), reach(r.right - 1.0)};
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
  const Rates ell = length_scales(m);
  const bool merton = m.id == ModelId::Merton;
  // small_jumps integrates down to h 2^-81; a density concentrated far below that (VG with
  // nu = 1e-100: a scale of 1e-50) would lose its whole variance there and price as if it
  // had no jumps (an ATM call worth 0.38 came out 0).
  const double resolved = 0.5 * h * std::ldexp(1.0, -80);
  LF_REQUIRE(merton || std::min(ell.left, ell.right) >= 1e3 * resolved,
             "the Lévy density of this model varies on a scale of " +
                 fmt_short(std::min(ell.left, ell.right)) +
                 " in log-price, below what the PIDE's small-jump quadrature resolves (" +
                 fmt_short(1e3 * resolved) + " for the grid step h = " + fmt_short(h) +
                 "): use a less extreme parameter or the Fourier pricers (method='auto')");
  CellMoments total = small_jumps(m, h);
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
      if (merton) {
        add_merton(m, a, a + h, c, cell);
      } else {
        // The density decreases in |y| on each side at least like e^(-|y| / scale): once its
        // weighted value at the cell's inner edge is negligible, so is every cell beyond.
        const double inner = sign * (a_j - 0.5) * h;
        const double bound = density(m, inner) * (1.0 + std::exp(std::max(inner, 0.0))) *
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
        for (int q = 0; q < sub; ++q) add_gauss(m, a + q * step, a + (q + 1) * step, c, cell);
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

}  // namespace levyfast::pide
