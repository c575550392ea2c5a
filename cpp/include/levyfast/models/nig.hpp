// Normal inverse Gaussian (Barndorff-Nielsen 1997): Brownian motion with drift beta on an
// inverse Gaussian clock,
//   psi_raw(u) = delta (sqrt(alpha^2 - beta^2) - sqrt(alpha^2 - (beta + iu)^2)),
//   k(x) = delta alpha e^(beta x) K_1(alpha |x|) / (pi |x|).
#pragma once

#include <algorithm>
#include <cmath>

#include "levyfast/fast_math.hpp"

#include "levyfast/models/base.hpp"

namespace levyfast::models {

struct NIG : ModelTraits<NIG> {
  static constexpr ModelId kId = ModelId::NIG;
  static constexpr const char* kName = "NIG";
  static constexpr int kNumParams = 3;  // alpha, beta, delta

  static void validate(const Params& p) {
    require_in(is_positive(p[0]), kName, "alpha", "(0, inf)", p[0]);
    require_in(std::isfinite(p[1]), kName, "beta", "(-inf, inf)", p[1]);
    require_in(is_positive(p[2]), kName, "delta", "(0, inf)", p[2]);
    LF_REQUIRE(std::abs(p[1]) < p[0], "parameters of NIG violate |beta| < alpha; got " +
                                          fmt(p[0] - std::abs(p[1])));
    LF_REQUIRE(p[0] > std::abs(p[1] + 1.0),
               "parameters of NIG violate alpha > |beta + 1| (needed for E[S_T] to exist); got " +
                   fmt(p[0] - std::abs(p[1] + 1.0)));
  }

  static cplx raw_exponent(const Params& p, cplx u) {
    const cplx i(0.0, 1.0);
    const double a2 = p[0] * p[0];
    const cplx bu = p[1] + i * u;
    return p[2] * (std::sqrt(a2 - p[1] * p[1]) - std::sqrt(a2 - bu * bu));
  }

  // On a real grid: z = alpha^2 - (beta + iu)^2 = g2 + u^2 - 2 i beta u (g2 = gamma^2 > 0),
  // s = sqrt z = s_r + i s_i with s_r = sqrt((|z| + Re z) / 2), s_i = Im z / (2 s_r), and
  // gamma - s_r = (g2 - s_r^2) / (gamma + s_r) = -(u^2 + 2 beta^2 u^2 / (|z| + Re z)) /
  // (gamma + s_r) without cancellation; real arithmetic and square roots that vectorise.
  LEVYFAST_INLINE static void real_grid_exponent(std::size_t n, const cplx* __restrict u,
                                                 const Params& p, double omega,
                                                 cplx* __restrict out) {
    const double a = p[0], b = p[1], d = p[2];
    const double g2 = (a - b) * (a + b), g = std::sqrt(g2), two_b2 = 2.0 * b * b;
    for (std::size_t k = 0; k < n; ++k) {
      const double x = u[k].real(), x2 = x * x;
      const double zr = g2 + x2, zi = -2.0 * b * x;
      const double sum = std::sqrt(zr * zr + zi * zi) + zr;  // |z| + Re z
      const double sr = std::sqrt(0.5 * sum);
      const double gap = -(x2 + two_b2 * x2 / sum) / (g + sr);  // gamma - s_r
      out[k] = cplx(d * gap, -d * zi / (2.0 * sr) + x * omega);
    }
  }

  // |z|^2 stays far from overflow on such a grid.
  static double real_grid_bound(const Params& p) { return 1e60 / std::max(1.0, p[0]); }

  // psi = delta (gamma - s), gamma = sqrt(alpha^2 - beta^2), s = sqrt(alpha^2 - (beta+iu)^2).
  static void raw_exponent_grad(const Params& p, cplx u, cplx* out) {
    const cplx i(0.0, 1.0);
    const double a = p[0], b = p[1], d = p[2], g = std::sqrt(a * a - b * b);
    const cplx bu = b + i * u;
    const cplx s = std::sqrt(a * a - bu * bu);
    out[0] = d * (a / g - a / s);
    out[1] = d * (-b / g + bu / s);
    out[2] = g - s;
  }

  static double raw_cumulant_generating(const Params& p, double s) {
    const double a2 = p[0] * p[0], bs = p[1] + s;
    return a2 > bs * bs ? p[2] * (std::sqrt(a2 - p[1] * p[1]) - std::sqrt(a2 - bs * bs)) : kInf;
  }

  static Cumulants raw_cumulants(const Params& p) {
    const double a = p[0], b = p[1], d = p[2], g = std::sqrt(a * a - b * b);
    return {d * b / g, d * a * a / (g * g * g),
            3.0 * d * a * a * (a * a + 4.0 * b * b) / std::pow(g, 7)};
  }

  static MomentStrip moment_strip(const Params& p) { return {p[0] + p[1], p[0] - p[1]}; }

  // k(x) ~ e^{beta x} K_1(alpha |x|) / |x|, so e^{-x} k(-x) has beta* = -beta - 1.
  static std::optional<Params> share_dual(const Params& p) {
    return Params{p[0], -p[1] - 1.0, p[2], 0.0, 0.0};
  }

  static double levy_density(const Params& p, double x) {
    const double ax = std::abs(x);
    if (ax == 0.0) return 0.0;
    const double z = p[0] * ax;
    // e^z K_1(z): direct below z = 500 (|beta x| < z keeps exp finite), else the Hankel
    // asymptotic series (Abramowitz & Stegun 9.7.2), relative error < 1e-12 there.
    const double scaled_k1 =
        z < 500.0 ? std::exp(z) * std::cyl_bessel_k(1.0, z)
                  : std::sqrt(kPi / (2.0 * z)) *
                        (1.0 + 3.0 / (8.0 * z) - 15.0 / (128.0 * z * z) +
                         315.0 / (3072.0 * z * z * z));
    return p[2] * p[0] * std::exp(p[1] * x - z) * scaled_k1 / (kPi * ax);
  }

  static double diffusion_variance(const Params&) { return 0.0; }
  static double activity_index(const Params&) { return 1.0; }

  // k(y) <= delta sqrt(alpha) |y|^(-3/2) e^(beta y - alpha |y|) for alpha |y| >= 1/2
  // (K_1(z) <= 1.25 sqrt(pi / (2 z)) e^-z there).
  static LeftRight jump_reach(const Params& p, double tol) {
    const double C = p[2] * std::sqrt(p[0]);
    return {tempered_reach(C, 0.5, p[0] + p[1], tol) + 0.5 / p[0],
            tempered_reach(C, 0.5, p[0] - p[1] - 1.0, tol) + 0.5 / p[0]};
  }

  static LeftRight length_scales(const Params& p) {
    const double l = 1.0 / (p[0] + std::abs(p[1]));
    return {l, l};
  }

  // X_T = omega T + beta V + W_V, V ~ IG(mean delta T / gamma, shape (delta T)^2); under the
  // share measure gamma becomes sqrt(alpha^2 - (beta + 1)^2).
  static std::optional<Subordinator> subordinator(const Params& p) {
    const double g = std::sqrt(p[0] * p[0] - p[1] * p[1]);
    const double gs = std::sqrt(p[0] * p[0] - (p[1] + 1.0) * (p[1] + 1.0));
    return Subordinator{Subordinator::Clock::InverseGaussian, p[2], g, gs, p[1], 1.0};
  }

  static bool clock_differentiable(const Params&, double) { return true; }

  // ln f(V) = ln(lam)/2 - ln(2 pi)/2 - 3/2 ln V - lam (V - mu)^2 / (2 mu^2 V) with
  // mu = delta T / gamma, lam = delta^2 T^2 (Barndorff-Nielsen 1997), differentiated at a
  // fixed V; out[3] is d/dT when with_maturity.
  static void time_change_node_grad(const Params& p, double T, double log_v,
                                    const double* domega, bool with_maturity,
                                    NodeDerivative* out) {
    const double V = std::exp(log_v);
    const double a = p[0], b = p[1], d = p[2], g = std::sqrt(a * a - b * b);
    const double mu = d * T / g, lam = d * d * T * T;
    const double dlog_dmu = lam * (V - mu) / (mu * mu * mu);
    const double dlog_dlam = 0.5 / lam - (V - mu) * (V - mu) / (2.0 * mu * mu * V);
    const double g3 = g * g * g;
    out[0] = {dlog_dmu * (-d * T * a / g3), domega[0] * T, 0.0};
    out[1] = {dlog_dmu * (d * T * b / g3), domega[1] * T + V, 0.0};
    out[2] = {dlog_dmu * (T / g) + dlog_dlam * (2.0 * d * T * T), domega[2] * T, 0.0};
    if (with_maturity) out[3] = {dlog_dmu * (d / g) + dlog_dlam * (2.0 * d * d * T), 0.0, 0.0};
  }
};

}  // namespace levyfast::models
