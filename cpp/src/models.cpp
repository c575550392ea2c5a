#include "levyfast/models.hpp"

#include "levyfast/complex_math.hpp"

#include <cfloat>
#include <cmath>
#include <limits>
#include <sstream>

namespace levyfast {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kEulerGamma = 0.5772156649015329;
// Distance from Y = 0 or Y = 1 below which CGMY's Gamma(-Y) * B(Y) uses its Taylor limit.
constexpr double kCgmyLimitEps = 1e-6;
constexpr double kPi = 3.141592653589793;

std::string fmt(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

}  // namespace

void require_log_variance(double variance_rate, double T) {
  LF_REQUIRE(variance_rate * T <= kMaxLogVariance,
             "the model's variance of ln(S_T) at T = " + fmt(T) + " is " +
                 fmt(variance_rate * T) + " > " + fmt(kMaxLogVariance) +
                 " (a standard deviation above 316 in log-price): outside the domain the "
                 "pricers certify; check the parameters");
}

namespace {

void require_in(bool ok, const char* owner, const char* name, const char* interval, double v) {
  LF_REQUIRE(ok, std::string("`") + name + "` of " + owner + " must be in " + interval +
                     "; got " + fmt(v));
}

// -(1/nu) ln(1 + nu z), z = -i u theta + sigma^2 u^2 / 2: by log1p, so that small nu (the
// Black-Scholes limit) keeps full precision instead of losing a factor 1/nu to rounding.
cplx vg_raw(double sigma, double nu, double theta, cplx u) {
  const cplx i(0.0, 1.0);
  return -clog1p(nu * (-i * u * theta + 0.5 * sigma * sigma * u * u)) / nu;
}


cplx cgmy_jumps(double C, double G, double M, double Y, cplx u) {
  const cplx i(0.0, 1.0);
  const cplx zm = M - i * u, zg = G + i * u;
  if (std::abs(Y) < kCgmyLimitEps) {
    // Gamma(-Y) = -1/Y - gamma_E + O(Y); B(Y) = Y b1 + Y^2 b2 / 2 + O(Y^3).
    const cplx lzm = std::log(zm), lzg = std::log(zg);
    const double lm = std::log(M), lg = std::log(G);
    const cplx b1 = (lzm - lm) + (lzg - lg);
    const cplx b2 = lzm * lzm - lm * lm + lzg * lzg - lg * lg;
    return C * (-b1 - Y * (0.5 * b2 + kEulerGamma * b1));
  }
  if (std::abs(Y - 1.0) < kCgmyLimitEps) {
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
  // z^Y - Z^Y = Z^Y expm1(Y ln(z/Z)): no cancellation as Y -> 0.
  const cplx b = std::pow(M, Y) * cexpm1(Y * std::log(zm / M)) +
                 std::pow(G, Y) * cexpm1(Y * std::log(zg / G));
  return C * std::tgamma(-Y) * b;
}

}  // namespace

void validate_market(const Market& m) {
  require_in(std::isfinite(m.spot) && m.spot > 0.0, "Market", "spot", "(0, inf)", m.spot);
  require_in(std::isfinite(m.rate), "Market", "rate", "(-inf, inf)", m.rate);
  require_in(std::isfinite(m.dividend), "Market", "dividend", "(-inf, inf)", m.dividend);
}

void validate_market_at(const Market& m, double T, double k_min, double k_max) {
  const double forward = m.spot * std::exp((m.rate - m.dividend) * T);
  const double discount = std::exp(-m.rate * T);
  auto normal = [](double x) { return std::isfinite(x) && x >= DBL_MIN; };
  // the bounds of the prices too: S e^{-qT} = D F and K e^{-rT} (D = e^{403}, F = e^{403})
  LF_REQUIRE(normal(forward) && normal(discount) && normal(k_min / forward) &&
                 normal(k_max / forward) && normal(discount * forward) &&
                 normal(discount * k_min) && normal(discount * k_max),
             "`market` (spot " + fmt(m.spot) + ", rate " + fmt(m.rate) + ", dividend " +
                 fmt(m.dividend) + ") at maturity T = " + fmt(T) + " gives the forward " +
                 fmt(forward) + ", discount factor " + fmt(discount) + " and strikes / forward " +
                 fmt(k_min / forward) + " .. " + fmt(k_max / forward) +
                 ": outside double precision (rates or dividends times maturities beyond ~700, "
                 "or strikes and spot too far apart)");
}

int n_params(ModelId id) {
  switch (id) {
    case ModelId::BlackScholes: return 1;
    case ModelId::VarianceGamma: return 3;
    case ModelId::CGMY: return 5;
    case ModelId::NIG: return 3;
    case ModelId::Merton: return 4;
    case ModelId::Kou: return 5;
  }
  return 0;
}

ModelParams make_model(int model_id, const double* params, std::size_t n) {
  LF_REQUIRE(model_id >= 0 && model_id <= 5, "`model_id` must be in [0, 5]; got " + std::to_string(model_id));
  ModelParams m{static_cast<ModelId>(model_id), {0.0, 0.0, 0.0, 0.0, 0.0}};
  LF_REQUIRE(n == static_cast<std::size_t>(n_params(m.id)),
             "model " + std::to_string(model_id) + " takes " + std::to_string(n_params(m.id)) +
                 " parameters; got " + std::to_string(n));
  for (std::size_t k = 0; k < n; ++k) m.p[k] = params[k];
  validate_model(m);
  return m;
}

void validate_model(const ModelParams& m) {
  const auto& p = m.p;
  auto pos = [](double v) { return std::isfinite(v) && v > 0.0; };
  auto nonneg = [](double v) { return std::isfinite(v) && v >= 0.0; };
  auto real = [](double v) { return std::isfinite(v); };
  switch (m.id) {
    case ModelId::BlackScholes:
      require_in(pos(p[0]), "BlackScholes", "sigma", "(0, inf)", p[0]);
      return;
    case ModelId::VarianceGamma: {
      require_in(pos(p[0]), "VarianceGamma", "sigma", "(0, inf)", p[0]);
      require_in(pos(p[1]), "VarianceGamma", "nu", "(0, inf)", p[1]);
      require_in(real(p[2]), "VarianceGamma", "theta", "(-inf, inf)", p[2]);
      const double v = 1.0 - p[2] * p[1] - 0.5 * p[0] * p[0] * p[1];
      LF_REQUIRE(v > 0.0, "parameters of VarianceGamma violate 1 - theta*nu - sigma**2*nu/2 > 0 "
                          "(needed for E[S_T] to exist); got " + fmt(v));
      return;
    }
    case ModelId::CGMY:
      require_in(pos(p[0]), "CGMY", "C", "(0, inf)", p[0]);
      require_in(pos(p[1]), "CGMY", "G", "(0, inf)", p[1]);
      require_in(std::isfinite(p[2]) && p[2] > 1.0, "CGMY", "M", "(1.0, inf)", p[2]);
      require_in(std::isfinite(p[3]) && p[3] >= 0.0 && p[3] < 2.0, "CGMY", "Y", "[0.0, 2.0)", p[3]);
      require_in(nonneg(p[4]), "CGMY", "sigma", "[0.0, inf)", p[4]);
      return;
    case ModelId::NIG:
      require_in(pos(p[0]), "NIG", "alpha", "(0, inf)", p[0]);
      require_in(real(p[1]), "NIG", "beta", "(-inf, inf)", p[1]);
      require_in(pos(p[2]), "NIG", "delta", "(0, inf)", p[2]);
      LF_REQUIRE(std::abs(p[1]) < p[0], "parameters of NIG violate |beta| < alpha; got " +
                                            fmt(p[0] - std::abs(p[1])));
      LF_REQUIRE(p[0] > std::abs(p[1] + 1.0),
                 "parameters of NIG violate alpha > |beta + 1| (needed for E[S_T] to exist); got " +
                     fmt(p[0] - std::abs(p[1] + 1.0)));
      return;
    case ModelId::Merton:
      require_in(pos(p[0]), "Merton", "sigma", "(0, inf)", p[0]);
      require_in(nonneg(p[1]), "Merton", "lam", "[0.0, inf)", p[1]);
      require_in(real(p[2]), "Merton", "mu_j", "(-inf, inf)", p[2]);
      require_in(pos(p[3]), "Merton", "sigma_j", "(0, inf)", p[3]);
      return;
    case ModelId::Kou:
      require_in(pos(p[0]), "Kou", "sigma", "(0, inf)", p[0]);
      require_in(nonneg(p[1]), "Kou", "lam", "[0.0, inf)", p[1]);
      require_in(std::isfinite(p[2]) && p[2] >= 0.0 && p[2] <= 1.0, "Kou", "p", "[0.0, 1.0]", p[2]);
      require_in(std::isfinite(p[3]) && p[3] > 1.0, "Kou", "eta1", "(1.0, inf)", p[3]);
      require_in(pos(p[4]), "Kou", "eta2", "(0, inf)", p[4]);
      return;
  }
  LF_REQUIRE(false, "unknown model id");
}

cplx raw_exponent(const ModelParams& m, cplx u) {
  const cplx i(0.0, 1.0);
  const auto& p = m.p;
  switch (m.id) {
    case ModelId::BlackScholes:
      return -0.5 * p[0] * p[0] * u * u;
    case ModelId::VarianceGamma:
      return vg_raw(p[0], p[1], p[2], u);
    case ModelId::CGMY:
      return cgmy_jumps(p[0], p[1], p[2], p[3], u) - 0.5 * p[4] * p[4] * u * u;
    case ModelId::NIG: {
      const double a2 = p[0] * p[0];
      const cplx bu = p[1] + i * u;
      return p[2] * (std::sqrt(a2 - p[1] * p[1]) - std::sqrt(a2 - bu * bu));
    }
    // The jump parts as e^z - 1 = cexpm1(z) and p eta1/(eta1 - iu) - p = p iu/(eta1 - iu):
    // many small jumps (lam huge, sigma_j or 1/eta tiny) carry a variance lam sigma_j^2 that
    // "exp(z) - 1" and "... - 1" round away (Merton lam 1e20, sigma_j 1e-10 priced as sigma_j 0).
    case ModelId::Merton:
      return -0.5 * p[0] * p[0] * u * u +
             p[1] * cexpm1(i * u * p[2] - 0.5 * p[3] * p[3] * u * u);
    case ModelId::Kou:
      return -0.5 * p[0] * p[0] * u * u +
             p[1] * (p[2] * (i * u) / (p[3] - i * u) - (1.0 - p[2]) * (i * u) / (p[4] + i * u));
  }
  return 0.0;
}

double convexity_correction(const ModelParams& m) {
  return -raw_exponent(m, cplx(0.0, -1.0)).real();
}

cplx char_exponent(const ModelParams& m, double omega, cplx u) {
  return raw_exponent(m, u) + cplx(0.0, 1.0) * u * omega;
}

void char_exponent(const ModelParams& m, double omega, const cplx* u, std::size_t n, cplx* out) {
  const cplx i(0.0, 1.0);
  const auto& p = m.p;
  switch (m.id) {
    case ModelId::VarianceGamma: {
      // psi(u) = -(1/nu) ln w + i u omega, w = 1 + sigma^2 nu u^2/2 - i u theta nu. On the real
      // axis Re w >= 1, so ln w = ln|w| + i atan(Im w / Re w) (cheaper than the complex log);
      // ln|w|^2 = log1p(2 q + q^2 + (b x)^2), q = a x^2, keeps small nu exact.
      const double a = 0.5 * p[0] * p[0] * p[1], b = p[2] * p[1], inv_nu = 1.0 / p[1];
      for (std::size_t k = 0; k < n; ++k) {
        if (u[k].imag() == 0.0) {
          const double x = u[k].real(), q = a * x * x, im = -b * x;
          out[k] = cplx(-0.5 * std::log1p(q * (2.0 + q) + im * im) * inv_nu,
                        -std::atan(im / (1.0 + q)) * inv_nu + x * omega);
        } else {
          out[k] = vg_raw(p[0], p[1], p[2], u[k]) + i * u[k] * omega;
        }
      }
      return;
    }
    default:
      for (std::size_t k = 0; k < n; ++k) out[k] = raw_exponent(m, u[k]) + i * u[k] * omega;
  }
}

double cumulant_generating(const ModelParams& m, double omega, double s) {
  const auto& p = m.p;
  double k;
  switch (m.id) {
    case ModelId::BlackScholes:
      k = 0.5 * p[0] * p[0] * s * s;
      break;
    case ModelId::VarianceGamma: {
      const double z = -p[2] * p[1] * s - 0.5 * p[0] * p[0] * p[1] * s * s;  // w = 1 + z
      k = z > -1.0 ? -std::log1p(z) / p[1] : std::numeric_limits<double>::infinity();
      break;
    }
    case ModelId::NIG: {
      const double a2 = p[0] * p[0], bs = p[1] + s;
      k = a2 > bs * bs ? p[2] * (std::sqrt(a2 - p[1] * p[1]) - std::sqrt(a2 - bs * bs))
                       : std::numeric_limits<double>::infinity();
      break;
    }
    case ModelId::Merton:
      k = 0.5 * p[0] * p[0] * s * s +
          p[1] * std::expm1(p[2] * s + 0.5 * p[3] * p[3] * s * s);
      break;
    case ModelId::Kou:
      k = (s < p[3] && s > -p[4])
              ? 0.5 * p[0] * p[0] * s * s +
                    p[1] * (p[2] * p[3] / (p[3] - s) + (1.0 - p[2]) * p[4] / (p[4] + s) - 1.0)
              : std::numeric_limits<double>::infinity();
      break;
    default:
      return char_exponent(m, omega, cplx(0.0, -s)).real();
  }
  return k + s * omega;
}

Cumulants cumulants(const ModelParams& m) {
  const auto& p = m.p;
  double c1 = 0.0, c2 = 0.0, c4 = 0.0;
  switch (m.id) {
    case ModelId::BlackScholes:
      c2 = p[0] * p[0];
      break;
    case ModelId::VarianceGamma: {
      const double s2 = p[0] * p[0], nu = p[1], th = p[2];
      c1 = th;
      c2 = s2 + nu * th * th;
      c4 = 3.0 * (s2 * s2 * nu + 2.0 * std::pow(th, 4) * nu * nu * nu + 4.0 * s2 * th * th * nu * nu);
      break;
    }
    case ModelId::CGMY: {
      const double C = p[0], G = p[1], M = p[2], Y = p[3];
      c1 = std::abs(Y - 1.0) < kCgmyLimitEps
               ? C * std::log(G / M)
               : C * std::tgamma(1.0 - Y) * (std::pow(M, Y - 1.0) - std::pow(G, Y - 1.0));
      c2 = C * std::tgamma(2.0 - Y) * (std::pow(M, Y - 2.0) + std::pow(G, Y - 2.0)) + p[4] * p[4];
      c4 = C * std::tgamma(4.0 - Y) * (std::pow(M, Y - 4.0) + std::pow(G, Y - 4.0));
      break;
    }
    case ModelId::NIG: {
      const double a = p[0], b = p[1], d = p[2], g = std::sqrt(a * a - b * b);
      c1 = d * b / g;
      c2 = d * a * a / (g * g * g);
      c4 = 3.0 * d * a * a * (a * a + 4.0 * b * b) / std::pow(g, 7);
      break;
    }
    case ModelId::Merton: {
      const double lam = p[1], mu = p[2], s2 = p[3] * p[3];
      c1 = lam * mu;
      c2 = p[0] * p[0] + lam * (mu * mu + s2);
      c4 = lam * (std::pow(mu, 4) + 6.0 * mu * mu * s2 + 3.0 * s2 * s2);
      break;
    }
    case ModelId::Kou: {
      const double lam = p[1], q = p[2], e1 = p[3], e2 = p[4];
      c1 = lam * (q / e1 - (1.0 - q) / e2);
      c2 = p[0] * p[0] + 2.0 * lam * (q / (e1 * e1) + (1.0 - q) / (e2 * e2));
      c4 = 24.0 * lam * (q / std::pow(e1, 4) + (1.0 - q) / std::pow(e2, 4));
      break;
    }
  }
  return {c1 + convexity_correction(m), c2, c4};
}

MomentStrip moment_strip(const ModelParams& m) {
  const auto& p = m.p;
  switch (m.id) {
    case ModelId::BlackScholes:
    case ModelId::Merton:
      return {kInf, kInf};
    case ModelId::VarianceGamma: {
      // Roots of 1 - theta nu s - sigma^2 nu s^2 / 2 = 0: (disc +- theta) / sigma^2 with
      // disc = sqrt(theta^2 + 2 sigma^2 / nu); the root where disc and theta nearly cancel
      // (small sigma) as 2 / (nu (disc -+ theta)) instead.
      const double s2 = p[0] * p[0], th = p[2], nu = p[1];
      const double disc = std::sqrt(th * th + 2.0 * s2 / nu);
      const double s_minus = th < 0.0 ? 2.0 / (nu * (disc - th)) : (disc + th) / s2;
      const double s_plus = th > 0.0 ? 2.0 / (nu * (disc + th)) : (disc - th) / s2;
      return {std::isnan(s_minus) ? kInf : s_minus, std::isnan(s_plus) ? kInf : s_plus};
    }
    case ModelId::CGMY:
      return {p[1], p[2]};
    case ModelId::NIG:
      return {p[0] + p[1], p[0] - p[1]};
    case ModelId::Kou:
      return {p[4], p[3]};
  }
  return {0.0, 0.0};
}

double decay_envelope(const ModelParams& m, double u, double re_psi) {
  if (m.id != ModelId::Merton) return re_psi;
  const auto& p = m.p;
  return -0.5 * p[0] * p[0] * u * u + p[1] * std::expm1(-0.5 * p[3] * p[3] * u * u);
}

double levy_density(const ModelParams& m, double x) {
  const auto& p = m.p;
  const double ax = std::abs(x);
  switch (m.id) {
    case ModelId::BlackScholes:
      return 0.0;
    case ModelId::VarianceGamma: {
      if (ax == 0.0) return 0.0;
      const double s2 = p[0] * p[0];
      const double rate = std::sqrt(2.0 / p[1] + p[2] * p[2] / s2) / p[0];
      return std::exp(p[2] * x / s2 - rate * ax) / (p[1] * ax);
    }
    case ModelId::CGMY:
      if (ax == 0.0) return 0.0;
      return p[0] * std::exp(-(x > 0.0 ? p[2] : p[1]) * ax) / std::pow(ax, 1.0 + p[3]);
    case ModelId::NIG: {
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
    case ModelId::Merton: {
      const double z = (x - p[2]) / p[3];
      return p[1] * std::exp(-0.5 * z * z) / (p[3] * std::sqrt(2.0 * kPi));
    }
    case ModelId::Kou:
      if (x > 0.0) return p[1] * p[2] * p[3] * std::exp(-p[3] * x);
      if (x < 0.0) return p[1] * (1.0 - p[2]) * p[4] * std::exp(p[4] * x);
      return 0.0;
  }
  return 0.0;
}

double diffusion_variance(const ModelParams& m) {
  switch (m.id) {
    case ModelId::BlackScholes:
    case ModelId::Merton:
    case ModelId::Kou:
      return m.p[0] * m.p[0];
    case ModelId::CGMY:
      return m.p[4] * m.p[4];
    case ModelId::VarianceGamma:
    case ModelId::NIG:
      return 0.0;
  }
  return 0.0;
}

}  // namespace levyfast
