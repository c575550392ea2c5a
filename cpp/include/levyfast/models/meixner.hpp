// Meixner process (Schoutens & Teugels 1998; Schoutens 2003, "Lévy Processes in Finance",
// §5.3.10), alpha > 0, -pi < beta < pi, delta > 0:
//   psi_raw(u) = 2 delta [ln cos(beta/2) - ln cosh((alpha u - i beta)/2)],
//   k(x) = delta e^(beta x / alpha) / (x sinh(pi x / alpha)).
// E[e^{sX_1}] = (cos(beta/2) / cos((alpha s + beta)/2))^(2 delta): psi_raw(-is) continues
// ln cosh(-i(alpha s + beta)/2) = ln cos((alpha s + beta)/2), analytic until cos vanishes at
// alpha s + beta = +-pi, so the moment strip is -(pi + beta)/alpha < s < (pi - beta)/alpha and
// E[S_T] exists iff alpha + beta < pi.
#pragma once

#include <algorithm>
#include <cmath>

#include "levyfast/fast_math.hpp"
#include "levyfast/models/base.hpp"

namespace levyfast::models {

struct Meixner : ModelTraits<Meixner> {
  static constexpr ModelId kId = ModelId::Meixner;
  static constexpr const char* kName = "Meixner";
  static constexpr int kNumParams = 3;  // alpha, beta, delta

  static void validate(const Params& p) {
    require_in(is_positive(p[0]), kName, "alpha", "(0, inf)", p[0]);
    require_in(std::isfinite(p[1]) && std::abs(p[1]) < kPi, kName, "beta",
               "(-3.141592653589793, 3.141592653589793)", p[1]);
    require_in(is_positive(p[2]), kName, "delta", "(0, inf)", p[2]);
    LF_REQUIRE(p[0] + p[1] < kPi,
               "parameters of Meixner violate alpha + beta < pi (needed for E[S_T] to exist); "
               "got " + fmt(kPi - p[0] - p[1]));
  }

  // z = (alpha u - i beta) / 2 reflected to Re z >= 0 (cosh and tanh are even and odd), and
  // e^{-2z} there (|e^{-2z}| <= 1: no overflow for large |u|).
  struct HalfPlane {
    cplx z, e;
    double sign;
  };
  static HalfPlane half_plane(const Params& p, cplx u) {
    const cplx i(0.0, 1.0);
    cplx z = 0.5 * (p[0] * u - i * p[1]);
    const double sign = z.real() < 0.0 ? -1.0 : 1.0;
    z *= sign;
    return {z, std::exp(-2.0 * z), sign};
  }

  // ln cosh z = z + ln(1 + e^{-2z}) - ln 2 on Re z >= 0: the branch continuous from u = 0.
  static cplx log_cosh(const HalfPlane& h) {
    return h.z + std::log(1.0 + h.e) - kLn2;
  }

  static cplx raw_exponent(const Params& p, cplx u) {
    return 2.0 * p[2] * (std::log(std::cos(0.5 * p[1])) - log_cosh(half_plane(p, u)));
  }

  // On a real grid, x = alpha u / 2, y = beta / 2, c = cos y > 0: |cosh(x - iy)|^2 =
  // sinh^2 x + c^2 and arg cosh(x - iy) = -atan(tanh x tan y), so
  //   psi_raw = -delta ln(1 + sinh^2 x / c^2) + 2 i delta atan(tanh x tan y),
  // the log as 2|x| - ln(4 c^2) beyond |x| = 20 (the rest is below 1e-17 relative); sinh and
  // tanh from fast_math's expm1 (exact near 0), so the loop vectorises.
  LEVYFAST_INLINE static void real_grid_exponent(std::size_t n, const cplx* __restrict u,
                                                 const Params& p, double omega,
                                                 cplx* __restrict out) {
    const double half_alpha = 0.5 * p[0], delta = p[2], c = std::cos(0.5 * p[1]);
    const double inv_c2 = 1.0 / (c * c), log_4c2 = std::log(4.0 * c * c);
    const double tan_y = std::tan(0.5 * p[1]);
    for (std::size_t k = 0; k < n; ++k) {
      const double x = half_alpha * u[k].real(), ax = std::fabs(x);
      const double em1 = fast_math::expm1_bounded(std::min(ax, 20.0));
      const double sinh_x = em1 * (em1 + 2.0) / (2.0 * (em1 + 1.0));
      const double log_mod = ax > 20.0 ? 2.0 * ax - log_4c2
                                       : fast_math::log1p_nonneg(sinh_x * sinh_x * inv_c2);
      const double em2 = fast_math::expm1_bounded(std::min(2.0 * ax, 700.0));
      const double tanh_x = std::copysign(em2 / (em2 + 2.0), x);
      out[k] = cplx(-delta * log_mod,
                    2.0 * delta * fast_math::atan_real(tanh_x * tan_y) + u[k].real() * omega);
    }
  }

  static double real_grid_bound(const Params&) { return 1e100; }

  // With L = ln cosh z, dL/dz = tanh z = (1 - e^{-2z}) / (1 + e^{-2z}) on Re z >= 0:
  //   d/dalpha = -delta u tanh z,  d/dbeta = delta (i tanh z - tan(beta/2)),  d/ddelta = psi/delta.
  static void raw_exponent_grad(const Params& p, cplx u, cplx* out) {
    const cplx i(0.0, 1.0);
    const HalfPlane h = half_plane(p, u);
    const cplx tanh_z = h.sign * (1.0 - h.e) / (1.0 + h.e);
    out[0] = -p[2] * u * tanh_z;
    out[1] = p[2] * (i * tanh_z - std::tan(0.5 * p[1]));
    out[2] = 2.0 * (std::log(std::cos(0.5 * p[1])) - log_cosh(h));
  }

  static double raw_cumulant_generating(const Params& p, double s) {
    const double x = p[0] * s + p[1];
    return std::abs(x) < kPi
               ? 2.0 * p[2] * (std::log(std::cos(0.5 * p[1])) - std::log(std::cos(0.5 * x)))
               : kInf;
  }

  // Derivatives at s = 0 of 2 delta [ln cos(beta/2) - ln cos((alpha s + beta)/2)]
  // (Schoutens 2003, Table 5.1).
  static Cumulants raw_cumulants(const Params& p) {
    const double a = p[0], b = p[1], d = p[2], c = std::cos(0.5 * b);
    return {a * d * std::tan(0.5 * b), a * a * d / (2.0 * c * c),
            std::pow(a, 4) * d * (2.0 - std::cos(b)) / (4.0 * std::pow(c, 4))};
  }

  static MomentStrip moment_strip(const Params& p) {
    return {(kPi + p[1]) / p[0], (kPi - p[1]) / p[0]};
  }

  // k(x) = delta e^{beta x / alpha} / (x sinh(pi x / alpha)), so e^{-x} k(-x) has
  // beta* = -beta - alpha.
  static std::optional<Params> share_dual(const Params& p) {
    return Params{p[0], -p[1] - p[0], p[2], 0.0, 0.0};
  }

  // 1 / (x sinh(pi x / alpha)) = 2 e^{-pi |x| / alpha} / (|x| (1 - e^{-2 pi |x| / alpha})):
  // no overflow of sinh or of e^(beta x / alpha) at large |x|.
  static double levy_density(const Params& p, double x) {
    const double ax = std::abs(x);
    if (ax == 0.0) return 0.0;
    const double r = kPi * ax / p[0];
    return 2.0 * p[2] * std::exp(p[1] * x / p[0] - r) / (ax * -std::expm1(-2.0 * r));
  }

  static double diffusion_variance(const Params&) { return 0.0; }
  // k(x) ~ delta alpha / (pi x^2) at 0.
  static double activity_index(const Params&) { return 1.0; }

  // For pi |y| / alpha >= ln 2 / 2, 1 - e^{-2 pi |y| / alpha} >= 1/2, so
  // k(y) <= 4 delta e^{-a |y|} / |y| with a the moment strip's edge on that side.
  static LeftRight jump_reach(const Params& p, double tol) {
    const MomentStrip s = moment_strip(p);
    const double near = 0.5 * kLn2 * p[0] / kPi;
    return {std::max(tempered_reach(4.0 * p[2], 0.0, s.s_minus, tol), near),
            std::max(tempered_reach(4.0 * p[2], 0.0, s.s_plus - 1.0, tol), near)};
  }

  // The exponential decay on each side, and the scale alpha / (2 pi) of the sinh.
  static LeftRight length_scales(const Params& p) {
    const MomentStrip s = moment_strip(p);
    const double sinh_scale = 0.5 * p[0] / kPi;
    return {std::min(1.0 / s.s_minus, sinh_scale), std::min(1.0 / s.s_plus, sinh_scale)};
  }
};

}  // namespace levyfast::models
