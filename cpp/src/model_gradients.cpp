// Analytic parameter derivatives of the characteristic exponents and of the time-change
// (subordinator) representations: one `switch (ModelId)` per quantity, as in models.cpp.
#include <cmath>

#include "levyfast/complex_math.hpp"
#include "levyfast/sensitivities.hpp"

namespace levyfast {

namespace {

constexpr double kEulerGamma = 0.5772156649015329;
// Same band as models.cpp: inside it, CGMY's removable singularities at Y = 0 and Y = 1 use
// Taylor expansions (here to one order more than the exponent needs, since we differentiate).
constexpr double kCgmyLimitEps = 1e-6;

// CGMY jump part per unit C, with C = 1 and sigma = 0 (limits at Y = 0, 1 included).
cplx cgmy_unit_jumps(const ModelParams& m, cplx u) {
  ModelParams unit = m;
  unit.p[0] = 1.0;
  unit.p[4] = 0.0;
  return raw_exponent(unit, u);
}

// d/dG of (G + iu)^Y - G^Y, times C Gamma(-Y): -C Gamma(1-Y) [z^(Y-1) - z0^(Y-1)] with
// z = G + iu, z0 = G (the same with z = M - iu, z0 = M for d/dM). Near Y = 1, Gamma(1-Y) has
// a pole that cancels: with d = Y - 1, C [L1 + d (L2/2 + gamma_E L1)] + O(d^2),
// L_k = ln^k z - ln^k z0.
cplx cgmy_rate_grad(double C, double Y, cplx z, double z0) {
  const double d = Y - 1.0;
  if (std::abs(d) < kCgmyLimitEps) {
    const cplx lz = std::log(z);
    const double l0 = std::log(z0);
    const cplx L1 = lz - l0, L2 = lz * lz - l0 * l0;
    return C * (L1 + d * (0.5 * L2 + kEulerGamma * L1));
  }
  // z^d - z0^d = z0^d expm1(d ln(z / z0)): no cancellation for z ~ z0 (large G or M)
  return -C * std::tgamma(1.0 - Y) * std::pow(z0, d) * cexpm1(d * std::log(z / z0));
}

// Series in x of Gamma(1 - x) = exp(gamma_E x + sum_{k>=2} zeta(k) x^k / k), kSeries terms.
constexpr int kSeries = 9;
constexpr double kZeta[kSeries] = {0.0, 0.0, 1.6449340668482264, 1.2020569031595943,
                                   1.0823232337111382, 1.0369277551433699, 1.0173430619844491,
                                   1.0083492773819228, 1.0040773561979443};
// Half-width of the bands about Y = 0 and Y = 1 where d/dY uses the series: the closed form
// loses ~eps / dist^2 to cancellation, the 8-term series ~dist^8 ln^9|z| / 9!.
constexpr double kCgmySeriesBand = 1e-2;

void gamma_one_minus_series(double* g) {
  double c[kSeries] = {0.0, kEulerGamma};
  for (int k = 2; k < kSeries; ++k) c[k] = kZeta[k] / k;
  g[0] = 1.0;  // coefficients of exp(C(x)): g_n = (1/n) sum_{k=1}^n k c_k g_{n-k}
  for (int n = 1; n < kSeries; ++n) {
    double acc = 0.0;
    for (int k = 1; k <= n; ++k) acc += k * c[k] * g[n - k];
    g[n] = acc / n;
  }
}

// d/dY of C Gamma(-Y) B(Y), B(Y) = (M-iu)^Y - M^Y + (G+iu)^Y - G^Y (Carr et al. 2002):
// C Gamma(-Y) [B'(Y) - digamma(-Y) B(Y)] away from Y = 0 and 1. Near them, power series:
//   Y -> 0:  J/C = -Gamma(1-Y) sum_n b_{n+1} Y^n/(n+1)!,  b_k = sum ln^k z - ln^k z0,
//   Y = 1+d: J/C = Gamma(1-d)/(1+d) sum_n B_{n+1} d^n/(n+1)!,  B_k = sum z ln^k z - z0 ln^k z0,
// (from Gamma(-Y) = -Gamma(1-Y)/Y = Gamma(1-d)/(d (1+d))), differentiated term by term.
cplx cgmy_y_grad(double C, double G, double M, double Y, cplx u) {
  const cplx i(0.0, 1.0);
  const cplx zm = M - i * u, zg = G + i * u;
  const cplx lzm = std::log(zm), lzg = std::log(zg);
  const double lm = std::log(M), lg = std::log(G);
  const double d = Y - 1.0;
  const bool near0 = std::abs(Y) < kCgmySeriesBand, near1 = std::abs(d) < kCgmySeriesBand;
  if (near0 || near1) {
    double g[kSeries];
    gamma_one_minus_series(g);
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
    const double x = near0 ? Y : d;
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
  // Differences of powers in the stable form z0^Y expm1(Y ln(z / z0)) (see
  // char_exponent_and_grad).
  const cplx lrm = std::log(zm / M), lrg = std::log(zg / G);
  const cplx em = cexpm1(Y * lrm), eg = cexpm1(Y * lrg);
  const double mY = std::pow(M, Y), gY = std::pow(G, Y);
  const cplx B = mY * em + gY * eg;
  const cplx dB = mY * (lm * em + (1.0 + em) * lrm) + gY * (lg * eg + (1.0 + eg) * lrg);
  // digamma(-Y) by the recurrence psi(x) = psi(x + 1) - 1/x, twice.
  const double dg = digamma(2.0 - Y) - 1.0 / (1.0 - Y) + 1.0 / Y;
  return C * std::tgamma(-Y) * (dB - dg * B);
}

}  // namespace

double digamma(double x) {
  double r = 0.0;
  while (x < 10.0) {
    r -= 1.0 / x;
    x += 1.0;
  }
  const double f = 1.0 / (x * x);
  // psi(x) ~ ln x - 1/(2x) - sum B_2k / (2k x^2k)  (A&S 6.3.18), error < 1e-14 for x >= 10.
  return r + std::log(x) - 0.5 / x -
         f * (1.0 / 12.0 - f * (1.0 / 120.0 - f * (1.0 / 252.0 - f * (1.0 / 240.0 - f / 132.0))));
}

void raw_exponent_grad(const ModelParams& m, cplx u, cplx* out) {
  const cplx i(0.0, 1.0);
  const auto& p = m.p;
  const cplx u2 = u * u;
  switch (m.id) {
    case ModelId::BlackScholes:
      out[0] = -p[0] * u2;
      return;
    case ModelId::VarianceGamma: {
      // psi = -(1/nu) ln w, w = 1 - i u theta nu + sigma^2 nu u^2 / 2.
      // With a = -i u theta + sigma^2 u^2 / 2 and z = nu a: d psi / d nu =
      // (ln(1 + z) - z / (1 + z)) / nu^2. For small |z| that is 0 / 0 in double (nu = 1e-300:
      // nu^2 underflows, a non-finite gradient), so it is summed as its series
      // a^2 sum_{k>=2} (-1)^k (k-1)/k z^(k-2) (terms to z^5: error below 1e-18 for |z| < 1e-3).
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
      return;
    }
    case ModelId::CGMY: {
      const double C = p[0], G = p[1], M = p[2], Y = p[3];
      out[0] = cgmy_unit_jumps(m, u);
      out[1] = cgmy_rate_grad(C, Y, G + i * u, G);
      out[2] = cgmy_rate_grad(C, Y, M - i * u, M);
      out[3] = cgmy_y_grad(C, G, M, Y, u);
      out[4] = -p[4] * u2;
      return;
    }
    case ModelId::NIG: {
      // psi = delta (gamma - s), gamma = sqrt(alpha^2 - beta^2), s = sqrt(alpha^2 - (beta+iu)^2).
      const double a = p[0], b = p[1], d = p[2], g = std::sqrt(a * a - b * b);
      const cplx bu = b + i * u;
      const cplx s = std::sqrt(a * a - bu * bu);
      out[0] = d * (a / g - a / s);
      out[1] = d * (-b / g + bu / s);
      out[2] = g - s;
      return;
    }
    case ModelId::Merton: {
      // psi = -sigma^2 u^2/2 + lam (E - 1), E = exp(i u mu - s_j^2 u^2 / 2).
      const double lam = p[1], mu = p[2], sj = p[3];
      const cplx z = i * u * mu - 0.5 * sj * sj * u2;
      const cplx E = std::exp(z);
      out[0] = -p[0] * u2;
      out[1] = cexpm1(z);  // E - 1 without cancellation (see raw_exponent)
      out[2] = lam * i * u * E;
      out[3] = -lam * sj * u2 * E;
      return;
    }
    case ModelId::Kou: {
      // psi = -sigma^2 u^2/2 + lam (p eta1/(eta1 - iu) + (1-p) eta2/(eta2 + iu) - 1).
      const double lam = p[1], q = p[2], e1 = p[3], e2 = p[4];
      const cplx z1 = e1 - i * u, z2 = e2 + i * u;
      out[0] = -p[0] * u2;
      // e1/z1 - 1 = iu/z1 and e2/z2 - 1 = -iu/z2 (no cancellation for huge eta, see
      // raw_exponent)
      out[1] = q * (i * u) / z1 - (1.0 - q) * (i * u) / z2;
      out[2] = lam * ((i * u) / z1 + (i * u) / z2);
      out[3] = lam * q * (-i * u) / (z1 * z1);
      out[4] = lam * (1.0 - q) * (i * u) / (z2 * z2);
      return;
    }
  }
}

void convexity_correction_grad(const ModelParams& m, double* out) {
  cplx g[kMaxParams];
  raw_exponent_grad(m, cplx(0.0, -1.0), g);
  for (int j = 0; j < n_params(m.id); ++j) out[j] = -g[j].real();
}

void char_exponent_grad(const ModelParams& m, const cplx* u, std::size_t n, cplx* out) {
  int all[kMaxParams];
  const int np = n_params(m.id);
  for (int j = 0; j < np; ++j) all[j] = j;
  char_exponent_grad(m, u, n, all, static_cast<std::size_t>(np), out);
}

void char_exponent_grad(const ModelParams& m, const cplx* u, std::size_t n, const int* dirs,
                        std::size_t n_dirs, cplx* out) {
  char_exponent_and_grad(m, convexity_correction(m), u, n, dirs, n_dirs, nullptr, out);
}

void char_exponent_and_grad(const ModelParams& m, double omega, const cplx* u, std::size_t n,
                            const int* dirs, std::size_t n_dirs, cplx* psi, cplx* out) {
  double domega[kMaxParams];
  convexity_correction_grad(m, domega);
  const cplx i(0.0, 1.0);
  const auto& p = m.p;
  const double Y = p[3];
  if (m.id == ModelId::CGMY && std::abs(Y) >= kCgmySeriesBand &&
      std::abs(Y - 1.0) >= kCgmySeriesBand) {
    // Away from Y = 0 and 1 every derivative is built from ln z and z^Y = exp(Y ln z) of
    // z = M - iu and G + iu (two complex logs and exponentials per point):
    //   d/dC = Gamma(-Y) B,  d/dG = -C Gamma(1-Y) (z_G^(Y-1) - G^(Y-1))  (M alike),
    //   d/dY = C Gamma(-Y) [B' - digamma(-Y) B],  B = z_M^Y - M^Y + z_G^Y - G^Y,
    // and psi itself is linear in C: psi = C d psi_raw/dC - sigma^2 u^2/2 + i u omega.
    const double C = p[0], G = p[1], M = p[2], sigma = p[4];
    const double gm = std::tgamma(-Y), g1 = -C * std::tgamma(1.0 - Y);
    const double lm = std::log(M), lg = std::log(G), mY = std::exp(Y * lm),
                 gY = std::exp(Y * lg);
    const double dg = digamma(2.0 - Y) - 1.0 / (1.0 - Y) + 1.0 / Y;  // digamma(-Y)
    // The differences z^a - z0^a = z0^a expm1(a l), l = ln(z / z0), do not cancel when
    // z ~ z0 (large G or M: z^Y and z0^Y agree to many digits, e.g. G = 1e300).
    for (std::size_t k = 0; k < n; ++k) {
      const cplx lrm = std::log(1.0 - i * u[k] / M), lrg = std::log(1.0 + i * u[k] / G);
      const cplx em = cexpm1(Y * lrm), eg = cexpm1(Y * lrg);  // z^Y / z0^Y - 1
      const cplx B = mY * em + gY * eg;
      const cplx drift = i * u[k];
      if (psi) psi[k] = C * gm * B - 0.5 * sigma * sigma * u[k] * u[k] + drift * omega;
      for (std::size_t d = 0; d < n_dirs; ++d) {
        cplx g;
        switch (dirs[d]) {
          case 0: g = gm * B; break;
          case 1: g = g1 * gY / G * cexpm1((Y - 1.0) * lrg); break;
          case 2: g = g1 * mY / M * cexpm1((Y - 1.0) * lrm); break;
          case 3:  // z^Y ln z - z0^Y ln z0 = z0^Y [ln z0 (e - 1) + e l], e = z^Y / z0^Y
            g = C * gm *
                (mY * (lm * em + (1.0 + em) * lrm) + gY * (lg * eg + (1.0 + eg) * lrg) - dg * B);
            break;
          default: g = -sigma * u[k] * u[k]; break;
        }
        out[d * n + k] = g + drift * domega[dirs[d]];
      }
    }
    return;
  }
  if (psi) char_exponent(m, omega, u, n, psi);
  cplx g[kMaxParams];
  for (std::size_t k = 0; k < n; ++k) {
    raw_exponent_grad(m, u[k], g);
    for (std::size_t d = 0; d < n_dirs; ++d)
      out[d * n + k] = g[dirs[d]] + i * u[k] * domega[dirs[d]];
  }
}

void time_change_node_grad(const ModelParams& m, double T, double log_v, double omega,
                           const double* domega, bool with_maturity, NodeDerivative* out) {
  const auto& p = m.p;
  const double V = std::exp(log_v);
  if (m.id == ModelId::VarianceGamma) {
    // X_T = omega T + theta V + sigma W_V, V ~ Gamma(shape a = T/nu, scale nu):
    // ln f(V) = (a-1) ln V - V/nu - ln Gamma(a) - a ln nu (Madan, Carr & Chang 1998).
    const double s = p[0], nu = p[1], a = T / nu;
    const double dlog_da = log_v - digamma(a) - std::log(nu);
    out[0] = {0.0, domega[0] * T + s * V, 2.0 * s * V};
    out[1] = {-a / nu * dlog_da + V / (nu * nu) - a / nu, domega[1] * T, 0.0};
    out[2] = {0.0, domega[2] * T + V, 0.0};
    if (with_maturity) out[3] = {dlog_da / nu, 0.0, 0.0};
  } else {
    // X_T = omega T + beta V + W_V, V ~ IG(mean mu = delta T/gamma, shape lam = delta^2 T^2):
    // ln f(V) = ln(lam)/2 - ln(2 pi)/2 - 3/2 ln V - lam (V - mu)^2 / (2 mu^2 V)
    // (Barndorff-Nielsen 1997).
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
  if (with_maturity) {
    // d(omega T)/dT = omega at a fixed clock value.
    out[n_params(m.id)].log_mean = omega;
  }
}

}  // namespace levyfast
