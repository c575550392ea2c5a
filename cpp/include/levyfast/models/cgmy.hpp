// CGMY (Carr, Geman, Madan & Yor 2002) with an optional Brownian part:
//   k(x) = C e^(-G|x|) / |x|^(1+Y) (x < 0),  C e^(-M x) / x^(1+Y) (x > 0),
//   psi_raw(u) = C Gamma(-Y) B(Y) - sigma^2 u^2 / 2,
//   B(Y) = (M - iu)^Y - M^Y + (G + iu)^Y - G^Y,
// with the removable singularities of Gamma(-Y) B(Y) at Y = 0 and Y = 1 taken as limits.
#pragma once

#include <cmath>
#include <vector>

#include "levyfast/complex_math.hpp"
#include "levyfast/fast_math.hpp"
#include "levyfast/isa.hpp"
#include "levyfast/models/base.hpp"
#include "levyfast/special_functions.hpp"

namespace levyfast::models {

struct CGMY : ModelTraits<CGMY> {
  static constexpr ModelId kId = ModelId::CGMY;
  static constexpr const char* kName = "CGMY";
  static constexpr int kNumParams = 5;  // C, G, M, Y, sigma

  // Distance from Y = 0 or Y = 1 below which Gamma(-Y) B(Y) uses its Taylor limit.
  static constexpr double kLimitEps = 1e-6;
  // Half-width of the bands about Y = 0 and Y = 1 where d/dY uses its power series: the
  // closed form loses ~eps / dist^2 to cancellation, the 8-term series ~dist^8 ln^9|z| / 9!.
  static constexpr double kSeriesBand = 1e-2;

  static void validate(const Params& p) {
    require_in(is_positive(p[0]), kName, "C", "(0, inf)", p[0]);
    require_in(is_positive(p[1]), kName, "G", "(0, inf)", p[1]);
    require_in(std::isfinite(p[2]) && p[2] > 1.0, kName, "M", "(1.0, inf)", p[2]);
    require_in(std::isfinite(p[3]) && p[3] >= 0.0 && p[3] < 2.0, kName, "Y", "[0.0, 2.0)", p[3]);
    require_in(is_nonnegative(p[4]), kName, "sigma", "[0.0, inf)", p[4]);
  }

  // B(Y) as M^Y expm1(Y l_M) + G^Y expm1(Y l_G), l_M = ln((M - iu)/M), l_G = ln((G + iu)/G):
  // no cancellation as Y -> 0 nor for z ~ z0 (large G or M: z^Y and z0^Y agree to many
  // digits, e.g. G = 1e300). mY = M^Y, gY = G^Y.
  struct PowerDiff {
    cplx lrm, lrg;  // l_M, l_G
    cplx em, eg;    // (z_M / M)^Y - 1, (z_G / G)^Y - 1
    cplx B;
  };
  static PowerDiff power_diff(double G, double M, double Y, double mY, double gY, cplx u) {
    const cplx i(0.0, 1.0);
    PowerDiff d;
    d.lrm = std::log((M - i * u) / M);
    d.lrg = std::log((G + i * u) / G);
    d.em = cexpm1(Y * d.lrm);
    d.eg = cexpm1(Y * d.lrg);
    d.B = mY * d.em + gY * d.eg;
    return d;
  }

  // Outside the Taylor bands about Y = 0 and 1, and outside |Y - 1| < 1/4 (below): the closed
  // form C Gamma(-Y) B(Y).
  static bool closed_form(double Y) {
    return std::abs(Y) >= kLimitEps && std::abs(Y - 1.0) >= 0.25;
  }

  // C Gamma(-Y) B(Y) (jump part of psi_raw).
  static cplx jumps(double C, double G, double M, double Y, cplx u) {
    const cplx i(0.0, 1.0);
    const cplx zm = M - i * u, zg = G + i * u;
    if (std::abs(Y) < kLimitEps) {
      // Gamma(-Y) = -1/Y - gamma_E + O(Y); B(Y) = Y b1 + Y^2 b2 / 2 + O(Y^3).
      const cplx lzm = std::log(zm), lzg = std::log(zg);
      const double lm = std::log(M), lg = std::log(G);
      const cplx b1 = (lzm - lm) + (lzg - lg);
      const cplx b2 = lzm * lzm - lm * lm + lzg * lzg - lg * lg;
      return C * (-b1 - Y * (0.5 * b2 + kEulerGamma * b1));
    }
    if (std::abs(Y - 1.0) < kLimitEps) {
      // Gamma(-Y) = 1/(Y-1) + gamma_E - 1 + O(Y-1); B(Y) = d b1 + d^2 b2 / 2 + O(d^3).
      const double d = Y - 1.0;
      const cplx lzm = std::log(zm), lzg = std::log(zg);
      const double lm = std::log(M), lg = std::log(G);
      const cplx b1 = zm * lzm - M * lm + zg * lzg - G * lg;
      const cplx b2 = zm * lzm * lzm - M * lm * lm + zg * lzg * lzg - G * lg * lg;
      return C * (b1 + d * (0.5 * b2 + (kEulerGamma - 1.0) * b1));
    }
    if (std::abs(Y - 1.0) < 0.25) {
      // B(Y) = zm^Y - M^Y + zg^Y - G^Y with d = Y - 1: since zm + zg = M + G,
      //   B = zm expm1(d ln zm) - M expm1(d ln M) + zg expm1(d ln zg) - G expm1(d ln G),
      // which is O(d) without cancelling O(M) terms; Gamma(-Y) = Gamma(2 - Y)/(Y d).
      const double d = Y - 1.0;
      const cplx b = zm * cexpm1(d * std::log(zm)) - M * std::expm1(d * std::log(M)) +
                     zg * cexpm1(d * std::log(zg)) - G * std::expm1(d * std::log(G));
      return C * std::tgamma(2.0 - Y) / (Y * d) * b;
    }
    return C * std::tgamma(-Y) * power_diff(G, M, Y, std::pow(M, Y), std::pow(G, Y), u).B;
  }

  static cplx raw_exponent(const Params& p, cplx u) {
    return jumps(p[0], p[1], p[2], p[3], u) - 0.5 * p[4] * p[4] * u * u;
  }

  // ln E[e^{s X_1}] = psi_raw(-is) at n real points s in (-G, M) (+inf outside), in real
  // arithmetic where the closed form applies: C Gamma(-Y) [M^Y expm1(Y ln(1 - s/M)) +
  // G^Y expm1(Y ln(1 + s/G))] + sigma^2 s^2 / 2 (power_diff at u = -is), the constants once
  // (the COS planner takes dozens per surface).
  static void raw_cumulant_generating_n(const Params& p, const double* s, std::size_t n,
                                        double* out) {
    const double C = p[0], G = p[1], M = p[2], Y = p[3], half_s2 = 0.5 * p[4] * p[4];
    const bool closed = closed_form(Y);
    const double cg = closed ? C * std::tgamma(-Y) : 0.0;
    const double mY = closed ? std::pow(M, Y) : 0.0, gY = closed ? std::pow(G, Y) : 0.0;
    for (std::size_t k = 0; k < n; ++k) {
      if (!(s[k] > -G && s[k] < M)) {  // outside the moment strip (NaN too)
        out[k] = kInf;
      } else if (!closed) {
        out[k] = raw_exponent(p, cplx(0.0, -s[k])).real();
      } else {
        const double B = mY * std::expm1(Y * std::log1p(-s[k] / M)) +
                         gY * std::expm1(Y * std::log1p(s[k] / G));
        out[k] = cg * B + half_s2 * s[k] * s[k];
      }
    }
  }

  // Largest |u| / min(G, M) for the vectorised exponent on a real grid: the squares and
  // Y ln(1 + (u/G)^2) / 2 stay in range.
  static constexpr double kMaxVectorRatio = 1e100;

  // ln(z / z0) for z = z0 + i x, real x, given 1/z0: (ln(1 + (x/z0)^2)/2, atan(x/z0)), by
  // fast_math's branch-free log1p and atan.
  LEVYFAST_INLINE static cplx log_ratio(double x, double inv_z0) {
    const double q = x * inv_z0;
    return {0.5 * fast_math::log1p_nonneg(q * q), fast_math::atan_real(q)};
  }
  // e^{s l} - 1 = e^{s a} (cos sb + i sin sb) - 1 for l = a + ib, from the half angle h = sb/2
  // (cos sb = 1 - 2 sin^2 h, sin sb = 2 sin h cos h), the real part as
  // expm1(sa) cos sb - 2 sin^2 h: accurate relative to itself as l -> 0 (like cexpm1).
  LEVYFAST_INLINE static cplx expm1_scaled(cplx l, double s) {
    const double sa = s * l.real(), sb = s * l.imag();
    const fast_math::SinCos half = fast_math::sincos_bounded(0.5 * sb);
    const double em1 = fast_math::expm1_bounded(sa);
    const double two_sin2 = 2.0 * half.sin * half.sin;
    return {em1 * (1.0 - two_sin2) - two_sin2, (em1 + 1.0) * (2.0 * half.sin * half.cos)};
  }

  // Whether u is a real grid within kMaxVectorRatio * min(G, M) (the vectorised kernels').
  static bool real_grid(const cplx* u, std::size_t n, double G, double M) {
    return real_grid_within(u, n, kMaxVectorRatio * std::min(G, M));
  }

  // The closed form on a real grid, branch-free for the vectorised loop: (M - iu)^Y / M^Y - 1
  // and (G + iu)^Y / G^Y - 1 by expm1_scaled of log_ratio.
  LEVYFAST_INLINE static void real_grid_exponent(std::size_t n, const cplx* __restrict u,
                                                 double cg, double G, double M, double Y,
                                                 double mY, double gY, double half_s2,
                                                 double omega, cplx* __restrict out) {
    const double inv_m = 1.0 / M, inv_g = 1.0 / G;
    for (std::size_t k = 0; k < n; ++k) {
      const double x = u[k].real();
      const cplx B = mY * expm1_scaled(log_ratio(-x, inv_m), Y) +
                     gY * expm1_scaled(log_ratio(x, inv_g), Y);
      out[k] = cplx(cg * B.real() - half_s2 * x * x, cg * B.imag() + x * omega);
    }
  }

  // The band kLimitEps <= |Y - 1| < 1/4 (jumps' third form) on a real grid, vectorised: with
  // d = Y - 1, l = ln(z / z0) and e0 = expm1(d ln z0) for z0 in {M, G},
  //   z expm1(d ln z) - z0 e0 = (z - z0) e0 + z z0^d expm1(d l),
  // so B = i u (e_G - e_M) + z_M M^d expm1(d l_M) + z_G G^d expm1(d l_G), each term O(d) as
  // in the scalar form. cd = C Gamma(2 - Y) / (Y d), md = M^d, gd = G^d, de = e_G - e_M.
  LEVYFAST_INLINE static void real_grid_exponent_near_one(std::size_t n, const cplx* __restrict u,
                                                          double cd, double G, double M,
                                                          double d, double md, double gd,
                                                          double de, double half_s2,
                                                          double omega, cplx* __restrict out) {
    const double inv_m = 1.0 / M, inv_g = 1.0 / G;
    for (std::size_t k = 0; k < n; ++k) {
      const double x = u[k].real();
      const cplx pm = expm1_scaled(log_ratio(-x, inv_m), d);
      const cplx pg = expm1_scaled(log_ratio(x, inv_g), d);
      // (M - i x) pm and (G + i x) pg
      const double br = md * (M * pm.real() + x * pm.imag()) + gd * (G * pg.real() - x * pg.imag());
      const double bi =
          x * de + md * (M * pm.imag() - x * pm.real()) + gd * (G * pg.imag() + x * pg.real());
      out[k] = cplx(cd * br - half_s2 * x * x, cd * bi + x * omega);
    }
  }

  // power_diff's logs and powers on a real grid, vectorised, and the (Y - 1)-th powers of
  // rate_grad: per point k, l_M, l_G, e_M, e_G, e^{(Y-1) l_M} - 1 and e^{(Y-1) l_G} - 1 into
  // six arrays.
  LEVYFAST_INLINE static void real_grid_powers(std::size_t n, const cplx* __restrict u, double G,
                                               double M, double Y, cplx* __restrict lrm,
                                               cplx* __restrict lrg, cplx* __restrict em,
                                               cplx* __restrict eg, cplx* __restrict em1,
                                               cplx* __restrict eg1) {
    const double inv_m = 1.0 / M, inv_g = 1.0 / G;
    for (std::size_t k = 0; k < n; ++k) {
      const double x = u[k].real();
      const cplx lm = log_ratio(-x, inv_m), lg = log_ratio(x, inv_g);
      const cplx pm = expm1_scaled(lm, Y), pg = expm1_scaled(lg, Y);
      const cplx pm1 = expm1_scaled(lm, Y - 1.0), pg1 = expm1_scaled(lg, Y - 1.0);
      // Stored by parts (a whole-struct copy is not vectorised).
      lrm[k] = cplx(lm.real(), lm.imag());
      lrg[k] = cplx(lg.real(), lg.imag());
      em[k] = cplx(pm.real(), pm.imag());
      eg[k] = cplx(pg.real(), pg.imag());
      em1[k] = cplx(pm1.real(), pm1.imag());
      eg1[k] = cplx(pg1.real(), pg1.imag());
    }
  }

  // The closed form with Gamma(-Y), M^Y and G^Y computed once for all points; vectorised on a
  // real grid (the COS pricer's).
  static void char_exponent(const Params& p, double omega, const cplx* u, std::size_t n,
                            cplx* out) {
    const double C = p[0], G = p[1], M = p[2], Y = p[3];
    const double d = Y - 1.0;
    if (std::abs(d) >= kLimitEps && std::abs(d) < 0.25 && real_grid(u, n, G, M)) {
      const double lm = std::log(M), lg = std::log(G);
      dispatch<real_grid_exponent_near_one>(
          n, u, C * std::tgamma(2.0 - Y) / (Y * d), G, M, d, std::exp(d * lm), std::exp(d * lg),
          std::expm1(d * lg) - std::expm1(d * lm), 0.5 * p[4] * p[4], omega, out);
      return;
    }
    if (!closed_form(Y)) {
      ModelTraits::char_exponent(p, omega, u, n, out);
      return;
    }
    const cplx i(0.0, 1.0);
    const double cg = C * std::tgamma(-Y), mY = std::pow(M, Y), gY = std::pow(G, Y);
    const double half_s2 = 0.5 * p[4] * p[4];
    if (real_grid(u, n, G, M)) {
      dispatch<real_grid_exponent>(n, u, cg, G, M, Y, mY, gY, half_s2, omega, out);
      return;
    }
    for (std::size_t k = 0; k < n; ++k)
      out[k] = cg * power_diff(G, M, Y, mY, gY, u[k]).B - half_s2 * u[k] * u[k] +
               i * u[k] * omega;
  }

  // d/dG of C Gamma(-Y) ((G + iu)^Y - G^Y): -C Gamma(1-Y) [z^(Y-1) - z0^(Y-1)] with z = G + iu,
  // z0 = G (z = M - iu, z0 = M for d/dM), as z0^(Y-1) expm1((Y-1) lr), lr = ln(z / z0), with
  // `factor` = -C Gamma(1-Y) z0^(Y-1). Near Y = 1 the pole of Gamma(1-Y) cancels: with
  // d = Y - 1, C [L1 + d (L2/2 + gamma_E L1)] + O(d^2), L_k = ln^k z - ln^k z0.
  static double rate_factor(double C, double Y, double z0) {
    return -C * std::tgamma(1.0 - Y) * std::pow(z0, Y - 1.0);
  }
  static cplx rate_grad(double C, double Y, double z0, double factor, cplx lr) {
    const double d = Y - 1.0;
    if (std::abs(d) < kLimitEps) {
      const double l0 = std::log(z0);
      const cplx L2 = lr * (lr + 2.0 * l0);  // ln^2 z - ln^2 z0
      return C * (lr + d * (0.5 * L2 + kEulerGamma * lr));
    }
    return factor * cexpm1(d * lr);
  }

  // d/dY of C Gamma(-Y) B(Y) near Y = 0 and 1, by power series:
  //   Y -> 0:  J/C = -Gamma(1-Y) sum_n b_{n+1} Y^n/(n+1)!,  b_k = sum ln^k z - ln^k z0,
  //   Y = 1+d: J/C = Gamma(1-d)/(1+d) sum_n B_{n+1} d^n/(n+1)!,  B_k = sum z ln^k z - z0 ln^k z0,
  // (from Gamma(-Y) = -Gamma(1-Y)/Y = Gamma(1-d)/(d (1+d))), differentiated term by term, with
  // Gamma(1 - x) = exp(gamma_E x + sum_{k>=2} zeta(k) x^k / k) to kSeries terms.
  static constexpr int kSeries = 9;
  static cplx y_grad_series(double C, double G, double M, double Y, cplx u) {
    constexpr double kZeta[kSeries] = {0.0, 0.0, 1.6449340668482264, 1.2020569031595943,
                                       1.0823232337111382, 1.0369277551433699,
                                       1.0173430619844491, 1.0083492773819228,
                                       1.0040773561979443};
    double c[kSeries] = {0.0, kEulerGamma};
    for (int k = 2; k < kSeries; ++k) c[k] = kZeta[k] / k;
    double g[kSeries];  // coefficients of exp(C(x)): g_n = (1/n) sum_{k=1}^n k c_k g_{n-k}
    g[0] = 1.0;
    for (int n = 1; n < kSeries; ++n) {
      double acc = 0.0;
      for (int k = 1; k <= n; ++k) acc += k * c[k] * g[n - k];
      g[n] = acc / n;
    }
    const cplx i(0.0, 1.0);
    const cplx zm = M - i * u, zg = G + i * u;
    const cplx lzm = std::log(zm), lzg = std::log(zg);
    const double lm = std::log(M), lg = std::log(G);
    const bool near0 = std::abs(Y) < kSeriesBand;
    cplx pzm = near0 ? 1.0 : zm, pzg = near0 ? 1.0 : zg;
    double pm = near0 ? 1.0 : M, pg = near0 ? 1.0 : G, fact = 1.0;
    cplx a[kSeries];  // a_n = (b or B)_{n+1} / (n+1)!
    for (int n = 0; n < kSeries; ++n) {
      pzm *= lzm;
      pzg *= lzg;
      pm *= lm;
      pg *= lg;
      fact *= (n + 1);
      a[n] = (pzm - pm + pzg - pg) / fact;
    }
    double pre[kSeries];  // -Gamma(1-Y) or Gamma(1-d)/(1+d)
    for (int n = 0; n < kSeries; ++n) {
      if (near0) {
        pre[n] = -g[n];
      } else {
        double acc = 0.0;
        for (int k = 0; k <= n; ++k) acc += g[k] * ((n - k) % 2 ? -1.0 : 1.0);
        pre[n] = acc;
      }
    }
    const double x = near0 ? Y : Y - 1.0;
    cplx deriv = 0.0;
    double xp = 1.0;  // x^(n-1)
    for (int n = 1; n < kSeries; ++n) {
      cplx coef = 0.0;
      for (int k = 0; k <= n; ++k) coef += pre[k] * a[n - k];
      deriv += static_cast<double>(n) * coef * xp;
      xp *= x;
    }
    return C * deriv;
  }

  static bool in_series_band(double Y) {
    return std::abs(Y) < kSeriesBand || std::abs(Y - 1.0) < kSeriesBand;
  }

  static void raw_exponent_grad(const Params& p, cplx u, cplx* out) {
    const double C = p[0], G = p[1], M = p[2], Y = p[3];
    if (!in_series_band(Y)) {
      const int all[kNumParams] = {0, 1, 2, 3, 4};
      const double no_omega[kNumParams] = {0.0, 0.0, 0.0, 0.0, 0.0};
      char_exponent_and_grad(p, 0.0, no_omega, &u, 1, all, kNumParams, nullptr, out);
      return;
    }
    const cplx i(0.0, 1.0);
    out[0] = jumps(1.0, G, M, Y, u);
    out[1] = rate_grad(C, Y, G, rate_factor(C, Y, G), std::log((G + i * u) / G));
    out[2] = rate_grad(C, Y, M, rate_factor(C, Y, M), std::log((M - i * u) / M));
    out[3] = y_grad_series(C, G, M, Y, u);
    out[4] = -p[4] * (u * u);
  }

  // Away from Y = 0 and 1 every derivative is built from l = ln(z / z0) and z^Y of z = M - iu
  // and G + iu (power_diff: two complex logs and exponentials per point):
  //   d/dC = Gamma(-Y) B,  d/dG = -C Gamma(1-Y) (z_G^(Y-1) - G^(Y-1))  (M alike),
  //   d/dY = C Gamma(-Y) [B' - digamma(-Y) B],  B' = sum z^Y ln z - z0^Y ln z0
  //        = sum z0^Y [ln z0 (e - 1) + e l],  e = z^Y / z0^Y,
  // and psi itself is linear in C: psi = C d psi_raw/dC - sigma^2 u^2/2 + i u omega.
  static void char_exponent_and_grad(const Params& p, double omega, const double* domega,
                                     const cplx* u, std::size_t n, const int* dirs,
                                     std::size_t n_dirs, cplx* psi, cplx* out) {
    const double C = p[0], G = p[1], M = p[2], Y = p[3], sigma = p[4];
    if (in_series_band(Y)) {
      ModelTraits::char_exponent_and_grad(p, omega, domega, u, n, dirs, n_dirs, psi, out);
      return;
    }
    const cplx i(0.0, 1.0);
    const double gm = std::tgamma(-Y);
    const double lm = std::log(M), lg = std::log(G), mY = std::pow(M, Y), gY = std::pow(G, Y);
    const double fg = rate_factor(C, Y, G), fm = rate_factor(C, Y, M);
    // digamma(-Y) by the recurrence psi(x) = psi(x + 1) - 1/x, twice.
    const double dg = digamma(2.0 - Y) - 1.0 / (1.0 - Y) + 1.0 / Y;
    // On a real grid (the COS pricer's) the logs and powers come from the vectorised kernel.
    std::vector<cplx> powers;
    if (real_grid(u, n, G, M)) {
      powers.resize(6 * n);
      cplx* w = powers.data();
      dispatch<real_grid_powers>(n, u, G, M, Y, w, w + n, w + 2 * n, w + 3 * n, w + 4 * n,
                                 w + 5 * n);
    }
    const bool vectorised = !powers.empty();
    for (std::size_t k = 0; k < n; ++k) {
      PowerDiff b;
      if (vectorised) {
        b.lrm = powers[k];
        b.lrg = powers[n + k];
        b.em = powers[2 * n + k];
        b.eg = powers[3 * n + k];
        b.B = mY * b.em + gY * b.eg;
      } else {
        b = power_diff(G, M, Y, mY, gY, u[k]);
      }
      const cplx drift = i * u[k];
      if (psi) psi[k] = C * gm * b.B - 0.5 * sigma * sigma * u[k] * u[k] + drift * omega;
      for (std::size_t d = 0; d < n_dirs; ++d) {
        cplx g;
        switch (dirs[d]) {
          case 0: g = gm * b.B; break;
          // rate_grad away from Y = 1 (outside the series band): factor * cexpm1((Y-1) l).
          case 1: g = vectorised ? fg * powers[5 * n + k] : rate_grad(C, Y, G, fg, b.lrg); break;
          case 2: g = vectorised ? fm * powers[4 * n + k] : rate_grad(C, Y, M, fm, b.lrm); break;
          case 3:
            g = C * gm *
                (mY * (lm * b.em + (1.0 + b.em) * b.lrm) + gY * (lg * b.eg + (1.0 + b.eg) * b.lrg) -
                 dg * b.B);
            break;
          default: g = -sigma * u[k] * u[k]; break;
        }
        out[d * n + k] = g + drift * domega[dirs[d]];
      }
    }
  }

  static Cumulants raw_cumulants(const Params& p) {
    const double C = p[0], G = p[1], M = p[2], Y = p[3];
    const double c1 = std::abs(Y - 1.0) < kLimitEps
                          ? C * std::log(G / M)
                          : C * std::tgamma(1.0 - Y) * (std::pow(M, Y - 1.0) - std::pow(G, Y - 1.0));
    return {c1, C * std::tgamma(2.0 - Y) * (std::pow(M, Y - 2.0) + std::pow(G, Y - 2.0)) + p[4] * p[4],
            C * std::tgamma(4.0 - Y) * (std::pow(M, Y - 4.0) + std::pow(G, Y - 4.0))};
  }

  static MomentStrip moment_strip(const Params& p) { return {p[1], p[2]}; }

  // e^{-x} k(-x) = C e^{-(G+1) x} / x^{1+Y} (x > 0), C e^{-(M-1)|x|} / |x|^{1+Y} (x < 0).
  static std::optional<Params> share_dual(const Params& p) {
    return Params{p[0], p[2] - 1.0, p[1] + 1.0, p[3], p[4]};
  }

  static double levy_density(const Params& p, double x) {
    const double ax = std::abs(x);
    if (ax == 0.0) return 0.0;
    return p[0] * std::exp(-(x > 0.0 ? p[2] : p[1]) * ax) / std::pow(ax, 1.0 + p[3]);
  }

  static double diffusion_variance(const Params& p) { return p[4] * p[4]; }
  static double activity_index(const Params& p) { return p[3]; }

  static LeftRight jump_reach(const Params& p, double tol) {
    return {tempered_reach(p[0], p[3], p[1], tol), tempered_reach(p[0], p[3], p[2] - 1.0, tol)};
  }
  static LeftRight length_scales(const Params& p) { return {1.0 / p[1], 1.0 / p[2]}; }

  // CGMY(C, G, M, Y = 0, sigma = 0) is VG(sigma^2 = 2C/(MG), nu = 1/C, theta = C(1/M - 1/G)).
  static std::optional<Subordinator> subordinator(const Params& p) {
    if (p[3] != 0.0 || p[4] != 0.0) return std::nullopt;
    return Subordinator{Subordinator::Clock::Gamma, 1.0 / p[0], 0.0, 0.0,
                        p[0] * (1.0 / p[2] - 1.0 / p[1]), 2.0 * p[0] / (p[2] * p[1])};
  }

  // Angle of the Lewis contour's rays (lewis_contour.cpp): pi/4, or pi/8 with a diffusion
  // part, divided by max(1, Y).
  static constexpr bool kLewisContour = true;
  static double lewis_ray_angle(const Params& p) {
    return (p[4] > 0.0 ? 0.125 : 0.25) * kPi / std::max(1.0, p[3]);
  }
};

}  // namespace levyfast::models
