// Variance gamma (Madan, Carr & Chang 1998): Brownian motion with drift theta and volatility
// sigma on a gamma clock of variance rate nu,
//   psi_raw(u) = -(1/nu) ln(1 - i u theta nu + sigma^2 nu u^2 / 2),
// with Lévy density k(x) = e^(-G|x|) / (nu |x|) (x < 0), e^(-M x) / (nu x) (x > 0), where G and
// M are the moment strip's edges.
#pragma once

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>

#include "levyfast/complex_math.hpp"
#include "levyfast/fast_math.hpp"
#include "levyfast/models/base.hpp"
#include "levyfast/special_functions.hpp"

namespace levyfast::models {

struct VarianceGamma : ModelTraits<VarianceGamma> {
  static constexpr ModelId kId = ModelId::VarianceGamma;
  static constexpr const char* kName = "VarianceGamma";
  static constexpr int kNumParams = 3;  // sigma, nu, theta

  static void validate(const Params& p) {
    require_in(is_positive(p[0]), kName, "sigma", "(0, inf)", p[0]);
    require_in(is_positive(p[1]), kName, "nu", "(0, inf)", p[1]);
    require_in(std::isfinite(p[2]), kName, "theta", "(-inf, inf)", p[2]);
    const double v = 1.0 - p[2] * p[1] - 0.5 * p[0] * p[0] * p[1];
    LF_REQUIRE(v > 0.0, "parameters of VarianceGamma violate 1 - theta*nu - sigma**2*nu/2 > 0 "
                        "(needed for E[S_T] to exist); got " + fmt(v));
  }

  // -(1/nu) ln(1 + nu z), z = -i u theta + sigma^2 u^2 / 2: by log1p, so that small nu (the
  // Black-Scholes limit) keeps full precision instead of losing a factor 1/nu to rounding.
  static cplx raw_exponent(const Params& p, cplx u) {
    const cplx i(0.0, 1.0);
    return -clog1p(p[1] * (-i * u * p[2] + 0.5 * p[0] * p[0] * u * u)) / p[1];
  }

  // psi(u) = -(1/nu) ln w + i u omega, w = 1 + sigma^2 nu u^2/2 - i u theta nu. On the real
  // axis Re w >= 1, so ln w = ln|w| + i atan(Im w / Re w) (cheaper than the complex log);
  // ln|w|^2 = log1p(2 q + q^2 + (b x)^2), q = a x^2, keeps small nu exact. Vectorised by
  // fast_math's branch-free log1p and atan.
  LEVYFAST_INLINE static void real_grid_exponent(std::size_t n, const cplx* __restrict u,
                                                 const Params& p, double omega,
                                                 cplx* __restrict out) {
    const double a = 0.5 * p[0] * p[0] * p[1], b = p[2] * p[1], inv_nu = 1.0 / p[1];
    for (std::size_t k = 0; k < n; ++k) {
      const double x = u[k].real(), q = a * x * x, im = -b * x;
      out[k] = cplx(-0.5 * fast_math::log1p_nonneg(q * (2.0 + q) + im * im) * inv_nu,
                    -fast_math::atan_real(im / (1.0 + q)) * inv_nu + x * omega);
    }
  }

  // q^2 and (b x)^2 stay far from overflow on such a grid.
  static double real_grid_bound(const Params& p) {
    return 1e60 / std::max({1.0, std::sqrt(0.5 * p[1]) * p[0], std::fabs(p[2] * p[1])});
  }

  static void raw_exponent_grad(const Params& p, cplx u, cplx* out) {
    // psi = -(1/nu) ln w, w = 1 - i u theta nu + sigma^2 nu u^2 / 2.
    // With a = -i u theta + sigma^2 u^2 / 2 and z = nu a: d psi / d nu =
    // (ln(1 + z) - z / (1 + z)) / nu^2. For small |z| that is 0 / 0 in double (nu = 1e-300:
    // nu^2 underflows, a non-finite gradient), so it is summed as its series
    // a^2 sum_{k>=2} (-1)^k (k-1)/k z^(k-2) (terms to z^5: error below 1e-18 for |z| < 1e-3).
    const cplx i(0.0, 1.0);
    const cplx u2 = u * u;
    const double s = p[0], nu = p[1], th = p[2];
    const cplx a = -i * u * th + 0.5 * s * s * u2;
    const cplx z = nu * a;
    const cplx w = 1.0 + z;
    out[0] = -s * u2 / w;
    if (std::abs(z) < 1e-3) {
      cplx sum = 0.0, zk = 1.0;
      for (int k = 2; k <= 7; ++k, zk *= z) sum += (k % 2 == 0 ? 1.0 : -1.0) * (k - 1.0) / k * zk;
      out[1] = a * a * sum;
    } else {
      out[1] = std::log(w) / (nu * nu) - a / (nu * w);
    }
    out[2] = i * u / w;
  }

  static double raw_cumulant_generating(const Params& p, double s) {
    const double z = -p[2] * p[1] * s - 0.5 * p[0] * p[0] * p[1] * s * s;  // w = 1 + z
    return z > -1.0 ? -std::log1p(z) / p[1] : kInf;
  }

  // The same at n points (the COS planner's Chernoff grids), vectorised: ln w by
  // fast_math::log1p_nonneg, of z itself for w = 1 + z >= 1 and as -ln(1 / w) = -log1p(-z / w)
  // below (w in (0, 1)); +inf where w <= 0 (outside the moment strip, NaN too).
  LEVYFAST_INLINE static void cumulant_grid(std::size_t n, const double* __restrict s,
                                            double a, double b, double inv_nu,
                                            double* __restrict out) {
    for (std::size_t k = 0; k < n; ++k) {
      const double z = -s[k] * (b + a * s[k]), w = 1.0 + z;
      const double q = z >= 0.0 ? z : w > 0.0 ? -z / w : 0.0;
      const double ln_q = fast_math::log1p_nonneg(q);
      out[k] = w > 0.0 ? (z >= 0.0 ? -ln_q : ln_q) * inv_nu : kInf;
    }
  }
  static void raw_cumulant_generating_n(const Params& p, const double* s, std::size_t n,
                                        double* out) {
    dispatch<cumulant_grid>(n, s, 0.5 * p[0] * p[0] * p[1], p[2] * p[1], 1.0 / p[1], out);
  }

  static Cumulants raw_cumulants(const Params& p) {
    const double s2 = p[0] * p[0], nu = p[1], th = p[2];
    return {th, s2 + nu * th * th,
            3.0 * (s2 * s2 * nu + 2.0 * std::pow(th, 4) * nu * nu * nu +
                   4.0 * s2 * th * th * nu * nu)};
  }

  // Roots of 1 - theta nu s - sigma^2 nu s^2 / 2 = 0: (disc +- theta) / sigma^2 with
  // disc = sqrt(theta^2 + 2 sigma^2 / nu); the root where disc and theta nearly cancel
  // (small sigma) as 2 / (nu (disc -+ theta)) instead. They are also the decay rates G (left)
  // and M (right) of the Lévy density; +inf once sigma^2 underflows.
  static MomentStrip moment_strip(const Params& p) {
    const double s2 = p[0] * p[0], th = p[2], nu = p[1];
    const double disc = std::sqrt(th * th + 2.0 * s2 / nu);
    const double s_minus = th < 0.0 ? 2.0 / (nu * (disc - th)) : (disc + th) / s2;
    const double s_plus = th > 0.0 ? 2.0 / (nu * (disc + th)) : (disc - th) / s2;
    return {std::isnan(s_minus) ? kInf : s_minus, std::isnan(s_plus) ? kInf : s_plus};
  }

  // With G, M the left and right decay rates (G M = 2 / (sigma^2 nu), M - G = -2 theta /
  // sigma^2), the dual has G* = M - 1 and M* = G + 1, the same nu, so with
  // v = 1 - theta nu - sigma^2 nu / 2: sigma*^2 = sigma^2 / v and theta* = -(theta + sigma^2) / v.
  static std::optional<Params> share_dual(const Params& p) {
    const double v = 1.0 - p[2] * p[1] - 0.5 * p[0] * p[0] * p[1];
    return Params{p[0] / std::sqrt(v), p[1], -(p[2] + p[0] * p[0]) / v, 0.0, 0.0};
  }

  // In terms of the rates G, M (no cancellation of theta / sigma^2 against the rate at small
  // sigma); where nu |x| underflows (nu = 1e-300) in logs, since e^-decay / 0 would be NaN.
  static double levy_density(const Params& p, double x) {
    if (x == 0.0) return 0.0;
    const MomentStrip r = moment_strip(p);
    const double ax = std::abs(x), decay = (x < 0.0 ? r.s_minus : r.s_plus) * ax;
    const double denom = p[1] * ax;
    if (denom >= DBL_MIN) return std::exp(-decay) / denom;
    return std::exp(-decay - std::log(p[1]) - std::log(ax));
  }

  static double diffusion_variance(const Params&) { return 0.0; }
  static double activity_index(const Params&) { return 0.0; }

  static LeftRight jump_reach(const Params& p, double tol) {
    const MomentStrip r = moment_strip(p);
    const auto reach = [&](double a) {
      return std::isinf(a) ? 0.0 : tempered_reach(1.0 / p[1], 0.0, a, tol);
    };
    return {reach(r.s_minus), reach(r.s_plus - 1.0)};
  }

  static LeftRight length_scales(const Params& p) {
    const MomentStrip r = moment_strip(p);
    return {1.0 / r.s_minus, 1.0 / r.s_plus};
  }

  // X_T = omega T + theta V + sigma W_V, V ~ Gamma(shape T/nu, scale nu).
  static std::optional<Subordinator> subordinator(const Params& p) {
    return Subordinator{Subordinator::Clock::Gamma, p[1], 0.0, 0.0, p[2], p[0] * p[0]};
  }

  // The gradient at a fixed clock value is a likelihood ratio of the gamma law with shape
  // T / nu: beyond ~1e12 (nu -> 0, the Black-Scholes limit) its terms, O(T / nu^2), cancel
  // to nothing or overflow (nu = 1e-300: a non-finite gradient). COS prices that limit.
  static bool clock_differentiable(const Params& p, double t_min) { return t_min / p[1] <= 1e12; }
  // |phi| decays only like u^(-2T/nu): the COS series of the density (gamma) and of the
  // distribution function (delta) converge slowly or not at all; the time change is exact.
  static constexpr bool kGreeksByClock = true;

  // ln f(V) = (a-1) ln V - V/nu - ln Gamma(a) - a ln nu, a = T/nu, differentiated at a fixed V
  // (Madan, Carr & Chang 1998); out[3] is d/dT when with_maturity.
  static void time_change_node_grad(const Params& p, double T, double log_v,
                                    const double* domega, bool with_maturity,
                                    NodeDerivative* out) {
    const double V = std::exp(log_v);
    const double s = p[0], nu = p[1], a = T / nu;
    const double dlog_da = log_v - digamma(a) - std::log(nu);
    out[0] = {0.0, domega[0] * T + s * V, 2.0 * s * V};
    out[1] = {-a / nu * dlog_da + V / (nu * nu) - a / nu, domega[1] * T, 0.0};
    out[2] = {0.0, domega[2] * T + V, 0.0};
    if (with_maturity) out[3] = {dlog_da / nu, 0.0, 0.0};
  }
};

}  // namespace levyfast::models
