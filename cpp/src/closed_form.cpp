#include "levyfast/closed_form.hpp"

#include "levyfast/models/registry.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

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

void black_scholes_put_slice(const ModelParams& model, const MaturitySlice& sl, double* put_out) {
  const double variance = model.p[0] * model.p[0] * sl.T;
  for (std::size_t j = 0; j < sl.nK; ++j) {
    const double kappa = sl.strikes[j] / sl.forward, k = std::log(kappa);
    double put = black_otm(0.0, variance, k, kappa);
    if (k > 0.0) put += kappa - 1.0;  // parity with E[e^X] = 1
    put_out[j] = sl.discount * std::max(sl.forward * put, std::max(sl.strikes[j] - sl.forward, 0.0));
  }
}

SeriesPricer series_pricer(const ModelParams& model) {
  return visit(model.id, [](auto m) { return decltype(m)::kSeriesPricer; });
}

namespace {

// Terms the series may sum (a work budget): beyond it the planner uses COS, or raises.
constexpr double kMaxSeriesTerms = 5e7;
// Largest n ln(rate) ~ rate ln(rate) at which the log Poisson weights -rate + n ln(rate) -
// lgamma(n + 1) keep ~1e-8 absolute accuracy (each term is rounded to 1.1e-16 relative):
// beyond it (rate ~ 6e6) the weights, hence the price, are off by more than a 1e-8 fraction.
constexpr double kMaxSeriesLogWeight = 1e8;

bool series_trusted(double rate_hi) {
  return rate_hi * std::max(std::log(rate_hi), 1.0) <= kMaxSeriesLogWeight;  // NaN: false
}

// Range [lo, hi] of jump counts n holding all but `log_eps` (log) of the Poisson(rate) mass
// and of the share measure's Poisson(rate e^{mu_j + s_j^2/2}) mass. In doubles: lam T beyond
// 2^63 (lam = 1e20) overflowed a long to garbage, and the series summed no term at all.
void poisson_range(double rate, double share_rate, double log_eps, double& lo, double& hi) {
  const double r_lo = std::min(rate, share_rate), r_hi = std::max(rate, share_rate);
  // Chernoff-type margin: k sd + k^2 about each mode covers tails below e^{-k^2/2}-ish.
  const double k = std::sqrt(2.0 * std::max(-log_eps, 1.0)) + 2.0;
  lo = std::max(0.0, std::floor(r_lo - k * std::sqrt(r_lo) - k * k));
  hi = std::ceil(r_hi + k * std::sqrt(r_hi) + k * k + 2.0);
}

// hi - lo + 1 of poisson_range without the rounding of hi and lo (at rate 1e48 both round
// to the rate and their difference to 0).
double poisson_terms(double rate, double share_rate, double log_eps) {
  const double r_lo = std::min(rate, share_rate), r_hi = std::max(rate, share_rate);
  const double k = std::sqrt(2.0 * std::max(-log_eps, 1.0)) + 2.0;
  return (r_hi - r_lo) + k * (std::sqrt(r_lo) + std::sqrt(r_hi)) + 2.0 * k * k + 3.0;
}

}  // namespace

double merton_series_cost(const ModelParams& model, double T, std::size_t nK) {
  const double rate = model.p[1] * T;
  const double share = rate * std::exp(model.p[2] + 0.5 * model.p[3] * model.p[3]);
  const double terms = poisson_terms(rate, share, std::log(1e-16));
  if (!(terms <= kMaxSeriesTerms) || !series_trusted(std::max(rate, share)))  // NaN too
    return std::numeric_limits<double>::infinity();
  return terms * static_cast<double>(nK) * 60.0;
}

void merton_put_slice(const ModelParams& model, const MaturitySlice& sl,
                      double tolerance, double* put_out) {
  const auto& p = model.p;
  const double T = sl.T, s2 = p[0] * p[0], lam = p[1], mu = p[2], sj2 = p[3] * p[3];
  const double rate = lam * T;
  const double jump_log_mean = mu + 0.5 * sj2;  // ln E[e^J]
  const double share_rate = rate * std::exp(jump_log_mean);
  const double terms = poisson_terms(rate, share_rate, std::log(0.01 * tolerance));
  if (!(terms < kMaxSeriesTerms && series_trusted(std::max(rate, share_rate)))) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "lam T = %.3g and e^{mu_j} lam T = %.3g", rate, share_rate);
    LF_REQUIRE(false, std::string("Merton's series cannot be summed here: ") + buf +
                          " need more than 5e7 terms or more than double precision in the "
                          "Poisson weights (above ~6e6)");
  }
  double lo_d, hi_d;
  poisson_range(rate, share_rate, std::log(0.01 * tolerance), lo_d, hi_d);
  const long lo = static_cast<long>(lo_d), hi = static_cast<long>(hi_d);
  const double log_rate = std::log(rate > 0.0 ? rate : 1.0);
  // omega T + s2 T / 2 = -lam T (e^{mu + sj2/2} - 1), written without omega, whose two
  // +-s2 T / 2 cancel (sigma = 1e6: an error of ~1e-4 in every log-mean, calls above S e^{-qT})
  const double jump_drift = -rate * std::expm1(jump_log_mean);
  for (std::size_t j = 0; j < sl.nK; ++j) {
    const double kappa = sl.strikes[j] / sl.forward, k = std::log(kappa);
    // Given n jumps, ln S_T/F ~ N(omega T + n mu, s2 T + n sj2): a Black price with
    // log-mean omega T + n (mu + sj2/2) + s2 T / 2 and variance s2 T + n sj2.
    double sum = 0.0;
    for (long n = lo; n <= hi; ++n) {
      const double log_w = rate > 0.0 ? -rate + n * log_rate - std::lgamma(n + 1.0)
                                      : (n == 0 ? 0.0 : -INFINITY);
      if (log_w < -745.0) continue;
      const double log_mean = jump_drift + n * jump_log_mean;
      const double v = s2 * T + n * sj2;
      sum += black_otm(log_mean, v, k, kappa, log_w);
    }
    double put = sum;
    if (k > 0.0) put += kappa - 1.0;
    put_out[j] = sl.discount * std::max(sl.forward * put, std::max(sl.strikes[j] - sl.forward, 0.0));
  }
}

}  // namespace levyfast
