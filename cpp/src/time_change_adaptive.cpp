// Adaptive per-strike quadrature of the time-change (normal variance-mean mixture) price, the
// fallback of the shared-node rule of time_change.cpp where that rule cannot be trusted: a
// near-degenerate Brownian part (the conditional payoff is a step in V), a mixing law tilted
// far from its bulk by the share measure (near the moment boundary of VG and NIG), or a very
// diffuse inverse-Gaussian clock (NIG with small delta T).
//
// For ln S_T = ln F + X, X | V ~ N(omega T + mu V, s2 V) and kappa = K / F, k = ln kappa:
//   E[(e^X - kappa)^+] = Q*(d1 > 0 smoothed) - kappa Q(d2 > 0 smoothed)
//                      = E_{Q*}[Phi(d1(V))] - kappa E_Q[Phi(d2(V))],
//   d2(V) = (omega T + mu V - k) / sqrt(s2 V),  d1(V) = d2(V) + sqrt(s2 V),
// where Q* is the share measure (dQ*/dQ = e^X): under it V keeps its family (gamma with scale
// nu / (1 - theta nu - sigma^2 nu / 2); inverse Gaussian of NIG(alpha, beta + 1, delta)), so
// each expectation is of a bounded function against a law that is resolved on its own scale.
// Each is integrated in z = ln(V / scale) by adaptive Gauss-Kronrod (7, 15) with the interval
// split where d = 0, so that a sharp step (s2 -> 0) sits at an interval end, where bisection
// resolves it. Reference for the mixtures: Madan, Carr & Chang (1998), Eur. Finance Rev. 2
// (VG); Barndorff-Nielsen (1997), Scand. J. Statist. 24 (NIG); for the share measure,
// Geman, El Karoui & Rochet (1995), J. Appl. Probab. 32.
#include "levyfast/time_change.hpp"

#include <algorithm>
#include <cmath>
#include <queue>
#include <string>
#include <vector>

namespace levyfast {

namespace {

constexpr double kPi = 3.141592653589793;

// The mixing law of V in standardised form V = scale * x: gamma(shape) (kind 0) or inverse
// Gaussian with mean 1 and shape phi (kind 1); in z = ln x its density is exp(log_f(z)).
struct Law {
  int kind;
  double shape;
  double scale;
  double log_norm;

  double log_f(double z) const {
    if (kind == 0) return shape * z - std::exp(z) + log_norm;
    return log_norm - 0.5 * z - 0.5 * shape * (std::exp(z) + std::exp(-z));
  }
  double dlog_f(double z) const {
    if (kind == 0) return shape - std::exp(z);
    return -0.5 - 0.5 * shape * (std::exp(z) - std::exp(-z));
  }
};

Law gamma_law(double shape, double scale) { return {0, shape, scale, -std::lgamma(shape)}; }
Law ig_law(double shape, double scale) {
  return {1, shape, scale, 0.5 * std::log(shape / (2.0 * kPi)) + shape};
}

struct MixtureLaws {
  Law q, share;    // law of V under Q and under the share measure
  double mu, s2;   // X | V ~ N(omega T + mu V, s2 V)
};

MixtureLaws laws_of(const ModelParams& m, double T) {
  const auto& p = m.p;
  auto gamma_pair = [](double T, double nu, double mu, double s2) {
    // Share measure: the gamma density times e^{(mu + s2/2) V} (normalised by e^{-omega T}).
    const double tilt = 1.0 - (mu + 0.5 * s2) * nu;
    return MixtureLaws{gamma_law(T / nu, nu), gamma_law(T / nu, nu / tilt), mu, s2};
  };
  switch (m.id) {
    case ModelId::VarianceGamma:
      return gamma_pair(T, p[1], p[2], p[0] * p[0]);
    case ModelId::CGMY:
      return gamma_pair(T, 1.0 / p[0], p[0] * (1.0 / p[2] - 1.0 / p[1]),
                        2.0 * p[0] / (p[2] * p[1]));
    case ModelId::NIG: {
      // V ~ IG(mean delta T / gamma, shape (delta T)^2): standardised shape phi = delta T gamma;
      // under the share measure gamma becomes sqrt(alpha^2 - (beta + 1)^2).
      const double g = std::sqrt(p[0] * p[0] - p[1] * p[1]);
      const double gs = std::sqrt(p[0] * p[0] - (p[1] + 1.0) * (p[1] + 1.0));
      return {ig_law(p[2] * T * g, p[2] * T / g), ig_law(p[2] * T * gs, p[2] * T / gs), p[1],
              1.0};
    }
    default:
      LF_REQUIRE(false, "time-change pricing needs a VG, NIG or CGMY(Y=0, sigma=0) model");
  }
  return {};
}

// A point beyond which (in direction dir = +-1 from the mode) the law's mass is below e^log_eps:
// ln f is concave in z, so the tail mass past z is at most f(z) / |d ln f(z)|.
double tail_point(const Law& law, double mode, double dir, double log_eps) {
  double step = 0.5;
  double z = mode;
  for (int it = 0; it < 200; ++it) {
    z += dir * step;
    const double slope = std::fabs(law.dlog_f(z));
    if (dir * law.dlog_f(z) < 0.0 && law.log_f(z) - std::log(slope) < log_eps) return z;
    step *= 1.5;
  }
  return z;
}

double mode_of(const Law& law) {
  if (law.kind == 0) return std::log(law.shape);
  // d ln f = 0: shape sinh(z) = -1/2 -> z = -asinh(1 / (2 shape)).
  return -std::asinh(0.5 / law.shape);
}

// Gauss-Kronrod (7, 15) nodes on [-1, 1] (the positive half and 0) and weights.
constexpr double kXgk[8] = {0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
                            0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
                            0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
                            0.207784955007898467600689403773245, 0.000000000000000000000000000000000};
constexpr double kWgk[8] = {0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
                            0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
                            0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
                            0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
constexpr double kWg[4] = {0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
                           0.381830050505118944950369775488975, 0.417959183673469387755102040816327};

struct Piece {
  double lo, hi, value, error;
  bool operator<(const Piece& o) const { return error < o.error; }
};

template <class F>
Piece gauss_kronrod(const F& f, double lo, double hi) {
  const double c = 0.5 * (lo + hi), h = 0.5 * (hi - lo);
  const double f0 = f(c);
  double kron = kWgk[7] * f0, gauss = kWg[3] * f0;
  for (int j = 0; j < 7; ++j) {
    const double s = f(c - h * kXgk[j]) + f(c + h * kXgk[j]);
    kron += kWgk[j] * s;
    if (j % 2 == 1) gauss += kWg[j / 2] * s;
  }
  return {lo, hi, kron * h, std::fabs((kron - gauss) * h)};
}

// Globally adaptive bisection of the pieces with the largest error until the summed error
// estimate is below `abs_tol`; throws (never returns an uncertified value) past the budget.
template <class F>
double adaptive_integral(const F& f, const std::vector<double>& breaks, double abs_tol) {
  constexpr int kMaxPieces = 4000;
  std::priority_queue<Piece> heap;
  double total = 0.0, error = 0.0;
  for (std::size_t i = 0; i + 1 < breaks.size(); ++i) {
    if (!(breaks[i + 1] > breaks[i])) continue;
    const Piece p = gauss_kronrod(f, breaks[i], breaks[i + 1]);
    total += p.value;
    error += p.error;
    heap.push(p);
  }
  int pieces = static_cast<int>(heap.size());
  while (error > abs_tol && pieces < kMaxPieces) {
    const Piece worst = heap.top();
    heap.pop();
    const double mid = 0.5 * (worst.lo + worst.hi);
    if (!(mid > worst.lo && mid < worst.hi)) break;  // cannot bisect further
    const Piece a = gauss_kronrod(f, worst.lo, mid), b = gauss_kronrod(f, mid, worst.hi);
    total += a.value + b.value - worst.value;
    error += a.error + b.error - worst.error;
    heap.push(a);
    heap.push(b);
    ++pieces;
  }
  LF_REQUIRE(error <= abs_tol || error <= 1e-15,
             "time-change quadrature could not certify the requested tolerance (error estimate " +
                 std::to_string(error) + " > " + std::to_string(abs_tol) +
                 "); raise `tolerance` or use method='cos' or 'fft'");
  return total;
}

// E_law[Phi(sgn d(V))], d(V) = (c0 + mu_eff V) / sqrt(s2 V), to absolute error abs_tol.
double mixture_expectation(const Law& law, double c0, double mu_eff, double s2, double sgn,
                           double abs_tol) {
  const double log_eps = std::log(0.05 * abs_tol);
  const double mode = mode_of(law);
  const double z_lo = tail_point(law, mode, -1.0, log_eps);
  const double z_hi = tail_point(law, mode, 1.0, log_eps);
  std::vector<double> breaks{z_lo, mode, z_hi};
  // The step of Phi(sgn d) (where d changes sign) as a break point.
  if (mu_eff != 0.0) {
    const double v_star = -c0 / mu_eff;
    if (v_star > 0.0 && std::isfinite(v_star)) {
      const double z_star = std::log(v_star / law.scale);
      if (z_star > z_lo && z_star < z_hi) breaks.push_back(z_star);
    }
  }
  std::sort(breaks.begin(), breaks.end());
  const double sd_unit = std::sqrt(s2 * law.scale);
  auto f = [&](double z) {
    const double lf = law.log_f(z);
    if (lf < -745.0) return 0.0;
    const double x = std::exp(z), v = law.scale * x;
    const double sd = sd_unit * std::sqrt(x);
    const double num = c0 + mu_eff * v;
    // sd == 0 (underflow): the step itself.
    const double d = sd > 0.0 ? num / sd : (num > 0.0 ? HUGE_VAL : (num < 0.0 ? -HUGE_VAL : 0.0));
    return std::exp(lf) * 0.5 * std::erfc(-sgn * d * 0.7071067811865476);
  };
  return adaptive_integral(f, breaks, abs_tol);
}

}  // namespace

void time_change_put_slice_adaptive(const ModelParams& model, double omega,
                                    const MaturitySlice& sl, double tolerance, double* put_out) {
  const MixtureLaws laws = laws_of(model, sl.T);
  const double F = sl.forward;
  for (std::size_t j = 0; j < sl.nK; ++j) {
    const double kappa = sl.strikes[j] / F, k = std::log(kappa);
    const double sgn = k > 0.0 ? 1.0 : -1.0;
    const double c0 = omega * sl.T - k;
    // Out-of-the-money side, each expectation to an eighth of the tolerance (fraction of F).
    const double tol = 0.125 * tolerance;
    const double share_part =
        mixture_expectation(laws.share, c0, laws.mu + laws.s2, laws.s2, sgn, tol);
    const double q_part =
        mixture_expectation(laws.q, c0, laws.mu, laws.s2, sgn, tol / std::max(kappa, 1.0));
    double otm = std::max(sgn * (share_part - kappa * q_part), 0.0);
    if (sgn > 0.0) otm += kappa - 1.0;
    const double intrinsic = std::max(sl.strikes[j] - F, 0.0);
    put_out[j] = sl.discount * std::max(F * otm, intrinsic);
  }
}

}  // namespace levyfast
