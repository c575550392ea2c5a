#include "levyfast/closed_form.hpp"

#include "levyfast/fast_math.hpp"
#include "levyfast/isa.hpp"
#include "levyfast/models/registry.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

namespace levyfast {

namespace {

constexpr double kInvSqrt2 = 0.7071067811865476;

// Phi(x) = erfc(-x / sqrt 2) / 2, exact in both tails (no 1 - Phi cancellation).
double norm_cdf(double x) { return 0.5 * std::erfc(-x * kInvSqrt2); }

// Phi(d) of a degenerate normal (variance 0): the step at 0, 1/2 on it.
double step_cdf(double numerator) {
  return numerator > 0.0 ? 1.0 : (numerator < 0.0 ? 0.0 : 0.5);
}

}  // namespace

double black_otm(double log_mean, double variance, double k, double kappa, double log_weight) {
  const double sd = std::sqrt(variance);
  const double sgn = k > 0.0 ? 1.0 : -1.0;
  // d1 = (log_mean - k)/sd + sd/2, d2 = d1 - sd; written so that sd -> 0 and sd -> inf
  // give their limits without 0/0 or inf - inf.
  double n1, n2;
  if (sd > 0.0 && std::isfinite(sd)) {
    const double d1 = (log_mean - k) / sd + 0.5 * sd, d2 = d1 - sd;
    n1 = norm_cdf(sgn * d1);
    n2 = norm_cdf(sgn * d2);
  } else if (sd > 0.0) {  // infinite variance: the share measure puts S_T at +inf, Q at 0
    n1 = sgn > 0.0 ? 1.0 : 0.0;
    n2 = sgn > 0.0 ? 0.0 : 1.0;
  } else {
    n1 = n2 = step_cdf(sgn * (log_mean - k));
  }
  // The weight enters the exponentials, so that a tiny weight times a huge e^{log_mean}
  // neither overflows nor underflows on the way.
  const double share = n1 > 0.0 ? std::exp(log_weight + log_mean) * n1 : 0.0;
  const double value = sgn * (share - kappa * std::exp(log_weight) * n2);
  return std::max(value, 0.0);
}

namespace {

// The out-of-the-money strips of a slice: k = ln(K/F) and kappa = K/F per strike.
struct Moneyness {
  std::vector<double> k, kappa;
  explicit Moneyness(const MaturitySlice& sl) : k(sl.nK), kappa(sl.nK) {
    const double log_f = std::log(sl.forward);
    for (std::size_t j = 0; j < sl.nK; ++j) {
      kappa[j] = sl.strikes[j] / sl.forward;
      k[j] = sl.log_moneyness(j, log_f);
    }
  }
};

// acc_j += max(black_otm(log_mean, sd^2, k_j, kappa_j, log_w), 0) for n strikes, branch-free
// with a vectorised erfc (fast_math::erfc_fast: ErfcAccurate 3e-14 relative, ErfcFast 3e-13
// absolute): mean_weight = e^{log_w + log_mean}, weight = e^{log_w}, sd in (0, inf) and
// inv_sd = 1/sd finite.
template <class Accuracy>
LEVYFAST_INLINE void add_black_otm(std::size_t n, const double* __restrict k,
                                   const double* __restrict kappa, double log_mean, double sd,
                                   double inv_sd, double mean_weight, double weight,
                                   double* __restrict acc) {
  const fast_math::ErfcxSeries<Accuracy::kTerms> series = fast_math::erfcx_series<Accuracy>();
  constexpr double kMinusInvSqrt2 = -0.7071067811865476;
  for (std::size_t j = 0; j < n; ++j) {
    const double sgn = k[j] > 0.0 ? 1.0 : -1.0;
    const double d1 = (log_mean - k[j]) * inv_sd + 0.5 * sd, d2 = d1 - sd;
    const double n1 = 0.5 * fast_math::erfc_fast<Accuracy>(kMinusInvSqrt2 * sgn * d1, series);
    const double n2 = 0.5 * fast_math::erfc_fast<Accuracy>(kMinusInvSqrt2 * sgn * d2, series);
    acc[j] += std::max(sgn * (mean_weight * n1 - kappa[j] * weight * n2), 0.0);
  }
}

// acc_j += black_otm(log_mean, variance, k_j, kappa_j, log_weight): the vectorised kernel where
// the variance and the weights are finite and positive, black_otm (its limits) elsewhere.
template <class Accuracy>
void add_black_otm_strip(const Moneyness& m, double log_mean, double variance,
                         double log_weight, double* acc) {
  const double sd = std::sqrt(variance), inv_sd = 1.0 / sd;
  const double mean_weight = std::exp(log_weight + log_mean), weight = std::exp(log_weight);
  const std::size_t n = m.k.size();
  if (sd > 0.0 && std::isfinite(sd) && std::isfinite(inv_sd) && std::isfinite(mean_weight)) {
    dispatch<add_black_otm<Accuracy>>(n, m.k.data(), m.kappa.data(), log_mean, sd, inv_sd,
                                      mean_weight, weight, acc);
    return;
  }
  for (std::size_t j = 0; j < n; ++j)
    acc[j] += black_otm(log_mean, variance, m.k[j], m.kappa[j], log_weight);
}

// Discounted puts from the out-of-the-money values per unit forward (parity with E[e^X] = 1 on
// the call side), kept above the discounted intrinsic value.
void otm_to_puts(const Moneyness& m, const MaturitySlice& sl, const double* otm,
                 double* put_out) {
  for (std::size_t j = 0; j < sl.nK; ++j) {
    const double put = otm[j] + (m.k[j] > 0.0 ? m.kappa[j] - 1.0 : 0.0);
    put_out[j] =
        sl.discount * std::max(sl.forward * put, std::max(sl.strikes[j] - sl.forward, 0.0));
  }
}

}  // namespace

void black_scholes_put_slice(const ModelParams& model, const MaturitySlice& sl, double* put_out) {
  const Moneyness m(sl);
  std::vector<double> otm(sl.nK, 0.0);
  add_black_otm_strip<fast_math::ErfcAccurate>(m, 0.0, model.p[0] * model.p[0] * sl.T, 0.0,
                                                otm.data());
  otm_to_puts(m, sl, otm.data(), put_out);
}

SeriesPricer series_pricer(const ModelParams& model) {
  return visit(model.id, [](auto m) { return decltype(m)::kSeriesPricer; });
}

namespace {

// Terms the series may sum (a work budget): beyond it the planner uses COS, or raises.
constexpr double kMaxSeriesTerms = 5e7;
// Poisson mass (under Q and under the share measure) the series may leave out: below double
// rounding of a price per unit forward, so that the series stays exact up to rounding at any
// tolerance (it costs a few terms: 15 instead of 9 at lam T = 0.2 against 1e-9).
constexpr double kSeriesTailMass = 1e-17;
// Largest n ln(rate) ~ rate ln(rate) at which the log Poisson weights -rate + n ln(rate) -
// lgamma(n + 1) keep ~1e-8 absolute accuracy (each term is rounded to 1.1e-16 relative):
// beyond it (rate ~ 6e6) the weights, hence the price, are off by more than a 1e-8 fraction.
constexpr double kMaxSeriesLogWeight = 1e8;

bool series_trusted(double rate_hi) {
  return rate_hi * std::max(std::log(rate_hi), 1.0) <= kMaxSeriesLogWeight;  // NaN: false
}

// Rates up to which the upper end of the jump counts is found by walking the Poisson terms
// (at most ~k sqrt(rate) + k^2 ~ 1,300 steps); beyond, the Chernoff-type margin alone.
constexpr double kMaxWalkRate = 1e4;

// The smallest n >= floor(rate), at most `cap`, with P(N > n) <= e^{log_eps} for N ~
// Poisson(rate): P(N > n) = sum_{m > n} p_m <= p_{n+1} / (1 - rate / (n + 2)), the terms beyond
// n + 1 shrinking at least geometrically by rate / (n + 2) < 1 (p_m = e^{-rate} rate^m / m!).
double poisson_upper(double rate, double log_eps, double cap) {
  if (!(rate > 0.0)) return 0.0;
  if (!(rate <= kMaxWalkRate)) return cap;
  const double log_rate = std::log(rate);
  double n = std::floor(rate);
  double log_p = -rate + (n + 1.0) * log_rate - std::lgamma(n + 2.0);  // ln p_{n+1}
  while (n < cap) {
    if (log_p - std::log1p(-rate / (n + 2.0)) <= log_eps) return n;
    n += 1.0;
    log_p += log_rate - std::log(n + 1.0);
  }
  return cap;
}

// Range [lo, hi] of jump counts n holding all but `log_eps` (log) of the Poisson(rate) mass
// and of the share measure's Poisson(rate e^{mu_j + s_j^2/2}) mass: omitted terms add at most
// that mass to an out-of-the-money value per unit forward (a put's side pays <= kappa < 1, a
// call's side is weighted by the share measure). In doubles: lam T beyond 2^63 (lam = 1e20)
// overflowed a long to garbage, and the series summed no term at all.
void poisson_range(double rate, double share_rate, double log_eps, double& lo, double& hi) {
  const double r_lo = std::min(rate, share_rate), r_hi = std::max(rate, share_rate);
  // Chernoff-type margin: k sd + k^2 about each mode covers tails below e^{-k^2/2}-ish; the
  // upper end tightened by the certified geometric bound where the rates allow the walk
  // (rate 0.2 at 1e-16: 13 terms instead of 228).
  const double k = std::sqrt(2.0 * std::max(-log_eps, 1.0)) + 2.0;
  lo = std::max(0.0, std::floor(r_lo - k * std::sqrt(r_lo) - k * k));
  hi = std::ceil(r_hi + k * std::sqrt(r_hi) + k * k + 2.0);
  hi = std::max(poisson_upper(rate, log_eps, hi), poisson_upper(share_rate, log_eps, hi));
}

// hi - lo + 1 of poisson_range, without the rounding of hi and lo at huge rates (at rate
// 1e48 both round to the rate and their difference to 0).
double poisson_terms(double rate, double share_rate, double log_eps) {
  const double r_lo = std::min(rate, share_rate), r_hi = std::max(rate, share_rate);
  if (r_hi <= kMaxWalkRate) {
    double lo, hi;
    poisson_range(rate, share_rate, log_eps, lo, hi);
    return hi - lo + 1.0;
  }
  const double k = std::sqrt(2.0 * std::max(-log_eps, 1.0)) + 2.0;
  return (r_hi - r_lo) + k * (std::sqrt(r_lo) + std::sqrt(r_hi)) + 2.0 * k * k + 3.0;
}

}  // namespace

double merton_series_cost(const ModelParams& model, double T, std::size_t nK,
                          double tolerance) {
  const double rate = model.p[1] * T;
  const double share = rate * std::exp(model.p[2] + 0.5 * model.p[3] * model.p[3]);
  const double terms = poisson_terms(rate, share, std::log(kSeriesTailMass));
  if (!(terms <= kMaxSeriesTerms) || !series_trusted(std::max(rate, share)))  // NaN too
    return std::numeric_limits<double>::infinity();
  // Per term: the Poisson weight (lgamma, exp), a dispatched call, and two vectorised erfc
  // per strike, in the units of cos_cost; fitted to whole Merton surfaces on x86-64-v3 and v4
  // (20 strikes: at 100 + 8 per strike `auto` summed the series where COS was cheaper, 29 us
  // against COS's 23; at 300 + 20, 20.5 us), ErfcAccurate's strikes ~1.5 x dearer.
  const double per_strike = tolerance >= fast_math::kFastErfcMinTolerance ? 20.0 : 30.0;
  return terms * (300.0 + per_strike * static_cast<double>(nK));
}

void merton_put_slice(const ModelParams& model, const MaturitySlice& sl, double tolerance,
                      double* put_out) {
  const auto& p = model.p;
  const double T = sl.T, s2 = p[0] * p[0], lam = p[1], mu = p[2], sj2 = p[3] * p[3];
  const double rate = lam * T;
  const double jump_log_mean = mu + 0.5 * sj2;  // ln E[e^J]
  const double share_rate = rate * std::exp(jump_log_mean);
  const double log_eps = std::log(kSeriesTailMass);
  const double terms = poisson_terms(rate, share_rate, log_eps);
  if (!(terms < kMaxSeriesTerms && series_trusted(std::max(rate, share_rate)))) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "lam T = %.3g and e^{mu_j} lam T = %.3g", rate, share_rate);
    LF_REQUIRE(false, std::string("Merton's series cannot be summed here: ") + buf +
                          " need more than 5e7 terms or more than double precision in the "
                          "Poisson weights (above ~6e6)");
  }
  double lo_d, hi_d;
  poisson_range(rate, share_rate, log_eps, lo_d, hi_d);
  const long lo = static_cast<long>(lo_d), hi = static_cast<long>(hi_d);
  const double log_rate = std::log(rate > 0.0 ? rate : 1.0);
  // omega T + s2 T / 2 = -lam T (e^{mu + sj2/2} - 1), written without omega, whose two
  // +-s2 T / 2 cancel (sigma = 1e6: an error of ~1e-4 in every log-mean, calls above S e^{-qT})
  const double jump_drift = -rate * std::expm1(jump_log_mean);
  // Given n jumps, ln S_T/F ~ N(omega T + n mu, s2 T + n sj2): a Black price with log-mean
  // omega T + n (mu + sj2/2) + s2 T / 2 and variance s2 T + n sj2, all strikes at once.
  const Moneyness m(sl);
  std::vector<double> otm(sl.nK, 0.0);
  // The weights sum to 1: the absolute erfc is exact enough from the default tolerance up.
  const bool fast = tolerance >= fast_math::kFastErfcMinTolerance;
  for (long n = lo; n <= hi; ++n) {
    const double log_w = rate > 0.0 ? -rate + n * log_rate - std::lgamma(n + 1.0)
                                    : (n == 0 ? 0.0 : -INFINITY);
    if (log_w < -745.0) continue;
    if (fast)
      add_black_otm_strip<fast_math::ErfcFast>(m, jump_drift + n * jump_log_mean,
                                               s2 * T + n * sj2, log_w, otm.data());
    else
      add_black_otm_strip<fast_math::ErfcAccurate>(m, jump_drift + n * jump_log_mean,
                                                   s2 * T + n * sj2, log_w, otm.data());
  }
  otm_to_puts(m, sl, otm.data(), put_out);
}

}  // namespace levyfast
