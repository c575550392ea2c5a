// Kou (2002) double-exponential jump diffusion: Brownian part sigma, jumps at rate lam, up
// with probability p and Exp(eta1) sizes, down with Exp(eta2) sizes,
//   psi_raw(u) = -sigma^2 u^2 / 2 + lam (p eta1 / (eta1 - iu) + (1 - p) eta2 / (eta2 + iu) - 1).
#pragma once

#include <cmath>

#include "levyfast/fast_math.hpp"

#include "levyfast/models/base.hpp"

namespace levyfast::models {

struct Kou : ModelTraits<Kou> {
  static constexpr ModelId kId = ModelId::Kou;
  static constexpr const char* kName = "Kou";
  static constexpr int kNumParams = 5;  // sigma, lam, p, eta1, eta2

  static void validate(const Params& p) {
    require_in(is_positive(p[0]), kName, "sigma", "(0, inf)", p[0]);
    require_in(is_nonnegative(p[1]), kName, "lam", "[0.0, inf)", p[1]);
    require_in(std::isfinite(p[2]) && p[2] >= 0.0 && p[2] <= 1.0, kName, "p", "[0.0, 1.0]", p[2]);
    require_in(std::isfinite(p[3]) && p[3] > 1.0, kName, "eta1", "(1.0, inf)", p[3]);
    require_in(is_positive(p[4]), kName, "eta2", "(0, inf)", p[4]);
  }

  // The jump part with eta1/(eta1 - iu) - 1 = iu/(eta1 - iu): many small jumps (lam huge,
  // 1/eta tiny) carry a variance that "... - 1" rounds away.
  static cplx raw_exponent(const Params& p, cplx u) {
    const cplx i(0.0, 1.0);
    return -0.5 * p[0] * p[0] * u * u +
           p[1] * (p[2] * (i * u) / (p[3] - i * u) - (1.0 - p[2]) * (i * u) / (p[4] + i * u));
  }

  // On a real grid: iu / (e1 - iu) = (-u^2 + i u e1) / (e1^2 + u^2) and
  // -iu / (e2 + iu) = (-u^2 - i u e2) / (e2^2 + u^2), real arithmetic that vectorises.
  LEVYFAST_INLINE static void real_grid_exponent(std::size_t n, const cplx* __restrict u,
                                                 const Params& p, double omega,
                                                 cplx* __restrict out) {
    const double half_s2 = 0.5 * p[0] * p[0], lam = p[1], q = p[2], e1 = p[3], e2 = p[4];
    const double up = lam * q, down = lam * (1.0 - q);
    for (std::size_t k = 0; k < n; ++k) {
      const double x = u[k].real(), x2 = x * x;
      const double d1 = 1.0 / (e1 * e1 + x2), d2 = 1.0 / (e2 * e2 + x2);
      out[k] = cplx(-half_s2 * x2 - x2 * (up * d1 + down * d2),
                    x * (up * e1 * d1 - down * e2 * d2) + x * omega);
    }
  }

  static double real_grid_bound(const Params&) { return 1e100; }

  static void raw_exponent_grad(const Params& p, cplx u, cplx* out) {
    const cplx i(0.0, 1.0);
    const cplx u2 = u * u;
    const double lam = p[1], q = p[2], e1 = p[3], e2 = p[4];
    const cplx z1 = e1 - i * u, z2 = e2 + i * u;
    out[0] = -p[0] * u2;
    // e1/z1 - 1 = iu/z1 and e2/z2 - 1 = -iu/z2 (see raw_exponent)
    out[1] = q * (i * u) / z1 - (1.0 - q) * (i * u) / z2;
    out[2] = lam * ((i * u) / z1 + (i * u) / z2);
    out[3] = lam * q * (-i * u) / (z1 * z1);
    out[4] = lam * (1.0 - q) * (i * u) / (z2 * z2);
  }

  static double raw_cumulant_generating(const Params& p, double s) {
    return (s < p[3] && s > -p[4])
               ? 0.5 * p[0] * p[0] * s * s +
                     p[1] * (p[2] * p[3] / (p[3] - s) + (1.0 - p[2]) * p[4] / (p[4] + s) - 1.0)
               : kInf;
  }

  static Cumulants raw_cumulants(const Params& p) {
    const double lam = p[1], q = p[2], e1 = p[3], e2 = p[4];
    return {lam * (q / e1 - (1.0 - q) / e2),
            p[0] * p[0] + 2.0 * lam * (q / (e1 * e1) + (1.0 - q) / (e2 * e2)),
            24.0 * lam * (q / std::pow(e1, 4) + (1.0 - q) / std::pow(e2, 4))};
  }

  static MomentStrip moment_strip(const Params& p) { return {p[4], p[3]}; }

  // e^{-x} k(-x): up-jumps at rate lam (1 - p) eta2 / (eta2 + 1) with eta1* = eta2 + 1,
  // down-jumps at rate lam p eta1 / (eta1 - 1) with eta2* = eta1 - 1.
  static std::optional<Params> share_dual(const Params& p) {
    const double up = p[1] * (1.0 - p[2]) * (p[4] / (p[4] + 1.0));
    const double down = p[1] * p[2] * (p[3] / (p[3] - 1.0));
    const double lam = up + down;
    return Params{p[0], lam, lam > 0.0 ? up / lam : p[2], p[4] + 1.0, p[3] - 1.0};
  }

  static double levy_density(const Params& p, double x) {
    if (x > 0.0) return p[1] * p[2] * p[3] * std::exp(-p[3] * x);
    if (x < 0.0) return p[1] * (1.0 - p[2]) * p[4] * std::exp(p[4] * x);
    return 0.0;
  }

  static double diffusion_variance(const Params& p) { return p[0] * p[0]; }

  static LeftRight jump_reach(const Params& p, double tol) {
    const double lam = p[1], q = p[2], e1 = p[3], e2 = p[4];
    const double left =
        lam * (1.0 - q) > 0.0 ? std::log(std::max(lam * (1.0 - q) / tol, 1.0)) / e2 : 0.0;
    const double right = lam * q > 0.0
                             ? std::log(std::max(lam * q * e1 / ((e1 - 1.0) * tol), 1.0)) / (e1 - 1.0)
                             : 0.0;
    return {left, right};
  }

  static LeftRight length_scales(const Params& p) { return {1.0 / p[4], 1.0 / p[3]}; }

  // Angle of the Lewis contour's rays (lewis_contour.cpp): pi/8, as sigma > 0.
  static constexpr bool kLewisContour = true;
  static double lewis_ray_angle(const Params&) { return 0.125 * kPi; }
};

}  // namespace levyfast::models
