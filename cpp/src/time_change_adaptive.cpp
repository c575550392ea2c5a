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

#include "levyfast/constants.hpp"
#include "levyfast/adaptive_quadrature.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace levyfast {

namespace {

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
  const Subordinator sub = subordinator_of(m);
  if (sub.clock == Subordinator::Clock::Gamma) {
    // Share measure: the gamma density times e^{(mu + s2/2) V} (normalised by e^{-omega T}).
    const double nu = sub.scale, tilt = 1.0 - (sub.mu + 0.5 * sub.s2) * nu;
    return {gamma_law(T / nu, nu), gamma_law(T / nu, nu / tilt), sub.mu, sub.s2};
  }
  // V ~ IG(mean delta T / gamma, shape (delta T)^2): standardised shape phi = delta T gamma.
  const double dT = sub.scale * T;
  return {ig_law(dT * sub.gamma, dT / sub.gamma), ig_law(dT * sub.gamma_share, dT / sub.gamma_share),
          sub.mu, sub.s2};
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

// E_law[Phi(sgn d(V))], d(V) = (c0 + mu_eff V) / sqrt(s2 V), to absolute error abs_tol.
double mixture_expectation(const Law& law, double c0, double mu_eff, double s2, double sgn,
                           double abs_tol) {
  const double log_eps = std::log(0.05 * abs_tol);
  const double mode = mode_of(law);
  const double z_lo = tail_point(law, mode, -1.0, log_eps);
  const double z_hi = tail_point(law, mode, 1.0, log_eps);
  // Break points on the scales of the integrand's features, so that no Gauss-Kronrod panel
  // can step over one (an adaptive rule cannot refine what none of its nodes sees): around the
  // mode, geometric in the law's width; around the step of Phi(sgn d) at d = 0, geometric in
  // its width in z, sigma_z = 1 / |dd/dz| = sqrt(s2) / (|mu_eff| sqrt(V*)), out to 64 widths
  // (beyond which Phi is 0 or 1 to double precision).
  std::vector<double> breaks{z_lo, z_hi};
  auto add_around = [&](double centre, double width, double reach) {
    if (!(centre > z_lo && centre < z_hi)) return;
    breaks.push_back(centre);
    // a width of 0 (a law of infinite shape) never doubles up to the reach: that loop grew
    // `breaks` until std::bad_alloc
    if (!(width > 0.0)) return;
    for (double w = width; w <= reach && std::isfinite(w); w *= 2.0) {
      if (centre - w > z_lo) breaks.push_back(centre - w);
      if (centre + w < z_hi) breaks.push_back(centre + w);
      if (centre - w <= z_lo && centre + w >= z_hi) break;
    }
  };
  const double law_width = std::min(1.0, 1.0 / std::sqrt(law.shape));
  add_around(mode, law_width, z_hi - z_lo);
  if (mu_eff != 0.0) {
    const double v_star = -c0 / mu_eff;
    if (v_star > 0.0 && std::isfinite(v_star)) {
      const double step_width = std::sqrt(s2) / (std::fabs(mu_eff) * std::sqrt(v_star));
      add_around(std::log(v_star / law.scale), std::max(0.25 * step_width, 1e-300),
                 std::min(64.0 * step_width, z_hi - z_lo));
    }
  }
  std::sort(breaks.begin(), breaks.end());
  breaks.erase(std::unique(breaks.begin(), breaks.end()), breaks.end());
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
  return quadrature::adaptive_integral<double>(f, breaks, abs_tol, "the time-change quadrature");
}

}  // namespace

void time_change_put_slice_adaptive(const ModelParams& model, double omega,
                                    const MaturitySlice& sl, double tolerance, double* put_out) {
  const MixtureLaws laws = laws_of(model, sl.T);
  for (const Law* law : {&laws.q, &laws.share}) {
    if (law->shape > 0.0 && std::isfinite(law->shape) && law->scale > 0.0 &&
        std::isfinite(law->scale))
      continue;
    char buf[160];
    std::snprintf(buf, sizeof buf, "at T = %.17g is degenerate (shape %.3g, scale %.3g)",
                  sl.T, law->shape, law->scale);
    LF_REQUIRE(false, std::string("the model's time-change clock ") + buf +
                          ": the parameters are too extreme for the time-change quadrature");
  }
  const double F = sl.forward, log_f = std::log(F);
  for (std::size_t j = 0; j < sl.nK; ++j) {
    const double kappa = sl.strikes[j] / F, k = sl.log_moneyness(j, log_f);
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
