// Merton (1976) jump diffusion: Brownian part sigma and N(mu_j, sigma_j^2) jumps at rate lam,
//   psi_raw(u) = -sigma^2 u^2 / 2 + lam (e^(i u mu_j - sigma_j^2 u^2 / 2) - 1).
#pragma once

#include <cmath>

#include "levyfast/complex_math.hpp"
#include "levyfast/fast_math.hpp"
#include "levyfast/models/base.hpp"

namespace levyfast::models {

struct Merton : ModelTraits<Merton> {
  static constexpr ModelId kId = ModelId::Merton;
  static constexpr const char* kName = "Merton";
  static constexpr int kNumParams = 4;  // sigma, lam, mu_j, sigma_j
  static constexpr SeriesPricer kSeriesPricer = SeriesPricer::PoissonBlack;

  static void validate(const Params& p) {
    require_in(is_positive(p[0]), kName, "sigma", "(0, inf)", p[0]);
    require_in(is_nonnegative(p[1]), kName, "lam", "[0.0, inf)", p[1]);
    require_in(std::isfinite(p[2]), kName, "mu_j", "(-inf, inf)", p[2]);
    require_in(is_positive(p[3]), kName, "sigma_j", "(0, inf)", p[3]);
  }

  // The jump part as e^z - 1 = cexpm1(z): many small jumps (lam huge, sigma_j tiny) carry a
  // variance lam sigma_j^2 that "exp(z) - 1" rounds away (lam 1e20, sigma_j 1e-10 priced as
  // sigma_j 0).
  static cplx raw_exponent(const Params& p, cplx u) {
    const cplx i(0.0, 1.0);
    return -0.5 * p[0] * p[0] * u * u + p[1] * cexpm1(i * u * p[2] - 0.5 * p[3] * p[3] * u * u);
  }

  // On a real grid: E - 1 = expm1(a) cos b - 2 sin^2(b/2) + i e^a sin b, a = -s_j^2 u^2/2,
  // b = mu u (as cexpm1), from the half angle, by fast_math's vectorised expm1 and sincos.
  LEVYFAST_INLINE static void real_grid_exponent(std::size_t n, const cplx* __restrict u,
                                                 const Params& p, double omega,
                                                 cplx* __restrict out) {
    const double half_s2 = 0.5 * p[0] * p[0], lam = p[1], mu = p[2];
    const double half_sj2 = 0.5 * p[3] * p[3];
    for (std::size_t k = 0; k < n; ++k) {
      const double x = u[k].real(), x2 = x * x;
      const double em1 = fast_math::expm1_bounded(std::max(-half_sj2 * x2, -700.0));
      const fast_math::SinCos half = fast_math::sincos_bounded(0.5 * mu * x);
      const double two_sin2 = 2.0 * half.sin * half.sin;
      out[k] = cplx(-half_s2 * x2 + lam * (em1 * (1.0 - two_sin2) - two_sin2),
                    lam * (em1 + 1.0) * (2.0 * half.sin * half.cos) + x * omega);
    }
  }

  // The half angle mu u / 2 within sincos_bounded's range (|x| <= 2^19).
  static double real_grid_bound(const Params& p) {
    return std::min(1e100, 1e6 / std::max(std::fabs(p[2]), 1e-300));
  }

  // psi = -sigma^2 u^2/2 + lam (E - 1), E = exp(i u mu - s_j^2 u^2 / 2).
  static void raw_exponent_grad(const Params& p, cplx u, cplx* out) {
    const cplx i(0.0, 1.0);
    const cplx u2 = u * u;
    const double lam = p[1], mu = p[2], sj = p[3];
    const cplx z = i * u * mu - 0.5 * sj * sj * u2;
    const cplx E = std::exp(z);
    out[0] = -p[0] * u2;
    out[1] = cexpm1(z);  // E - 1 without cancellation (see raw_exponent)
    out[2] = lam * i * u * E;
    out[3] = -lam * sj * u2 * E;
  }

  static double raw_cumulant_generating(const Params& p, double s) {
    return 0.5 * p[0] * p[0] * s * s + p[1] * std::expm1(p[2] * s + 0.5 * p[3] * p[3] * s * s);
  }

  static Cumulants raw_cumulants(const Params& p) {
    const double lam = p[1], mu = p[2], s2 = p[3] * p[3];
    return {lam * mu, p[0] * p[0] + lam * (mu * mu + s2),
            lam * (std::pow(mu, 4) + 6.0 * mu * mu * s2 + 3.0 * s2 * s2)};
  }

  static MomentStrip moment_strip(const Params&) { return {kInf, kInf}; }

  // -sigma^2 u^2/2 + lam (e^{-s_j^2 u^2/2} - 1): |phi| revives near u = 2 pi k / mu_j, which
  // a sampled Re psi steps over.
  static double decay_envelope(const Params& p, double u, double) {
    return -0.5 * p[0] * p[0] * u * u + p[1] * std::expm1(-0.5 * p[3] * p[3] * u * u);
  }

  static double levy_density(const Params& p, double x) {
    const double z = (x - p[2]) / p[3];
    return p[1] * std::exp(-0.5 * z * z) / (p[3] * std::sqrt(2.0 * kPi));
  }

  static double diffusion_variance(const Params& p) { return p[0] * p[0]; }

  static LeftRight jump_reach(const Params& p, double tol) {
    const double lam = p[1], mu = p[2], sj = p[3];
    if (lam == 0.0) return {0.0, 0.0};
    // e^y times the N(mu, sj^2) density is e^(mu + sj^2/2) times the N(mu + sj^2, sj^2) one.
    const double scale = lam * std::exp(std::max(0.0, mu + 0.5 * sj * sj));
    const double z = std::sqrt(2.0 * std::log(std::max(scale / tol, 2.0))) + 1.0;
    return {std::max(0.0, -mu) + z * sj, std::max(0.0, mu + sj * sj) + z * sj};
  }

  static LeftRight length_scales(const Params& p) { return {p[3], p[3]}; }

  // The Gaussian jump density lam N(mu, sj^2) integrated over [a, b] in closed form (exact for
  // any sj, also far below the grid step, where quadrature misses the spike): mass lam dPhi,
  // and with c the cell's node, int (y + 1 - e^y - c) k and int (y^2 - c^2) k.
  static constexpr bool kExactCellMoments = true;
  static void add_cell_moments(const Params& p, double a, double b, double c, CellMoments& acc) {
    const double lam = p[1], mu = p[2], sj = p[3];
    const double lo = (a - mu) / sj, hi = (b - mu) / sj;
    const double mass = normal_mass(lo, hi);
    if (mass == 0.0) return;
    const double dphi = phi(lo) - phi(hi);
    const double m1 = mu * mass + sj * dphi;  // int y N
    const double m2 =
        mu * mu * mass + 2.0 * mu * sj * dphi + sj * sj * (mass + z_phi(lo) - z_phi(hi));
    // int e^y N = e^(mu + sj^2/2) (Phi(hi - sj) - Phi(lo - sj)).
    const double me = std::exp(mu + 0.5 * sj * sj) * normal_mass(lo - sj, hi - sj);
    acc.mass += lam * mass;
    acc.first += lam * (m1 + mass - me - c * mass);
    acc.second += lam * (m2 - c * c * mass);
  }

 private:
  static double phi(double z) {
    return std::isfinite(z) ? 0.3989422804014327 * std::exp(-0.5 * z * z) : 0.0;
  }
  static double z_phi(double z) { return std::isfinite(z) ? z * phi(z) : 0.0; }
  // Phi(hi) - Phi(lo) without cancellation in either tail.
  static double normal_mass(double lo, double hi) {
    constexpr double r2 = 0.7071067811865476;
    if (lo >= 0.0) return 0.5 * (std::erfc(lo * r2) - std::erfc(hi * r2));
    if (hi <= 0.0) return 0.5 * (std::erfc(-hi * r2) - std::erfc(-lo * r2));
    return 1.0 - 0.5 * (std::erfc(hi * r2) + std::erfc(-lo * r2));
  }
};

}  // namespace levyfast::models
