#include "levyfast/cos.hpp"

#include "levyfast/constants.hpp"
#include "levyfast/fast_math.hpp"
#include "levyfast/format.hpp"
#include "levyfast/isa.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace levyfast {

namespace {

constexpr int kDecayPoints = COSPlanner::kDecayPoints;
constexpr int kDecayFine = COSPlanner::kDecayFine;
constexpr double kFineStep[kDecayFine + 1] = {1.0, 1.1892071150027210667, 1.4142135623730950488,
                                              1.6817928305074290861, 2.0};  // 2^{i/4}
constexpr double kDecayU0 = 0.5;        // first point of the u-grid
constexpr int kMinTerms = 16;

// Geometric grid of N points from lo to hi, by repeated multiplication (one exp instead of N;
// the points drift from lo r^i by a few ulps, harmless for the grids below).
template <std::size_t N>
std::array<double, N> geomspace(double lo, double hi) {
  std::array<double, N> v;
  const double r = std::exp(std::log(hi / lo) / (N - 1));
  v[0] = lo;
  for (std::size_t i = 1; i + 1 < N; ++i) v[i] = v[i - 1] * r;
  v[N - 1] = hi;
  return v;
}

double finite_or_inf(double x) { return std::isfinite(x) ? x : kInf; }

// Largest |T Im psi - u a| for the vectorised cosine (fast_math::cos_bounded's range).
constexpr double kMaxFastCosArgument = 5e5;

// max_n |T Im psi_n - u_n a| over n = 1 .. N-1, in four independent chains (one chain of
// dependent maxima cost as much as the vectorised terms it guards).
LEVYFAST_INLINE double max_cos_argument(const cplx* __restrict psi, int N, double T, double a,
                                        double width) {
  double part[4] = {0.0, 0.0, 0.0, 0.0};
  const double step = kPi / width * a;
  int n = 1;
  for (; n + 3 < N; n += 4)
    for (int c = 0; c < 4; ++c)
      part[c] = std::max(part[c], std::fabs(T * psi[n + c].imag() - (n + c) * step));
  for (; n < N; ++n) part[0] = std::max(part[0], std::fabs(T * psi[n].imag() - n * step));
  return std::max(std::max(part[0], part[1]), std::max(part[2], part[3]));
}

// Put-coefficient parts of the density coefficients R_n = e^{T Re psi_n} cos(T Im psi_n - u_n a)
// for n = 1 .. N-1 (see cos_put_slice): cr = -g, ci = g / u, g = R_n / (1 + u^2); returns
// sum g. Vectorised (fast exp and cos) where every cosine argument is in range.
LEVYFAST_INLINE double put_coefficients(const cplx* __restrict psi, int N, double T, double a, double width,
                        double* __restrict cr, double* __restrict ci) {
  // g_n into cr and g_n / u_n into ci, with one division per term.
  if (max_cos_argument(psi, N, T, a, width) <= kMaxFastCosArgument) {
    for (int n = 1; n < N; ++n) {
      const double un = n * kPi / width, inv = 1.0 / (un * (1.0 + un * un));
      const double r = fast_math::exp_bounded(std::max(T * psi[n].real(), -700.0)) *
                       fast_math::cos_bounded(T * psi[n].imag() - un * a);
      cr[n] = r * un * inv;
      ci[n] = r * inv;
    }
  } else {
    for (int n = 1; n < N; ++n) {
      const double un = n * kPi / width, inv = 1.0 / (un * (1.0 + un * un));
      const double r = std::exp(T * psi[n].real()) * std::cos(T * psi[n].imag() - un * a);
      cr[n] = r * un * inv;
      ci[n] = r * inv;
    }
  }
  const double strike_free = fast_math::sum_four_chains(cr + 1, static_cast<std::size_t>(N - 1));
  for (int n = 1; n < N; ++n) cr[n] = -cr[n];
  return strike_free;
}

// Horner's rule in w_j = e^{-i th_j} over n = N-1 .. 1 for m strikes at once:
// acc_j <- acc_j w_j + c_n.
LEVYFAST_INLINE void horner_strikes(const double* __restrict cr, const double* __restrict ci, int N,
                    std::size_t m, const double* __restrict qr, const double* __restrict qi,
                    double* __restrict pr, double* __restrict pi) {
  for (int n = N - 1; n >= 1; --n) {
    const double c_r = cr[n], c_i = ci[n];
    for (std::size_t j = 0; j < m; ++j) {
      // Grouped as two fused multiply-adds each (the loop is bound by their count).
      const double xr = pr[j] * qr[j] + (c_r - pi[j] * qi[j]);
      const double xi = pr[j] * qi[j] + (c_i + pi[j] * qr[j]);
      pr[j] = xr;
      pi[j] = xi;
    }
  }
}

// w_j = e^{-i th_j}, th_j = pi (k_j - a) / width, for n log-moneynesses k_j by the vectorised
// sincos (libm's is a call per strike); th is clamped to [0, pi], its range for the strikes
// inside (a, b) that use it.
LEVYFAST_INLINE void strike_phases(std::size_t n, const double* __restrict k, double a,
                                   double width, double* __restrict wr, double* __restrict wi) {
  for (std::size_t j = 0; j < n; ++j) {
    const double th = std::min(std::max(kPi * (k[j] - a) / width, 0.0), kPi);
    const fast_math::SinCos sc = fast_math::sincos_bounded(th);
    wr[j] = sc.cos;
    wi[j] = -sc.sin;
  }
}

// R_n (cos, sin)(T Im psi_n - u_n a) with R_n = e^{T Re psi_n} for n = 1 .. N-1, vectorised
// (every argument within kMaxFastCosArgument).
LEVYFAST_INLINE void density_terms_fast(const cplx* __restrict psi, int N, double T, double a,
                                        double width, double* __restrict re,
                                        double* __restrict im) {
  for (int n = 1; n < N; ++n) {
    const double decay = fast_math::exp_bounded(std::max(T * psi[n].real(), -700.0));
    const fast_math::SinCos sc = fast_math::sincos_bounded(T * psi[n].imag() - n * kPi / width * a);
    re[n] = decay * sc.cos;
    im[n] = decay * sc.sin;
  }
}

// e^{T re_psi_j} on the planner's octave grid by the vectorised exp (the libm call per octave
// was most of the term count's cost), exactly 0 below e^{-700} (1e-304): e^{-700} itself,
// divided by u ~ 1e10, is subnormal, and the sums over such octaves stalled on every add
// (Merton's surface took 9 us longer).
LEVYFAST_INLINE void octave_magnitudes(const double* __restrict re_psi, double T,
                                       double* __restrict phi) {
  for (int j = 0; j < kDecayPoints; ++j) {
    const double y = T * re_psi[j];
    phi[j] = y < -700.0 ? 0.0 : fast_math::exp_bounded(std::max(y, -700.0));
  }
}

}  // namespace

void validate_cos_settings(const COSSettings& s) {
  LF_REQUIRE(s.n_terms == 0 || (s.n_terms >= 2 && s.n_terms <= (1 << 24)),
             "`n_terms` of COSPricer must be 0 (automatic) or in [2, 16777216]; got " +
                 std::to_string(s.n_terms));
  LF_REQUIRE(std::isfinite(s.truncation_width) && s.truncation_width >= 0.0,
             "`truncation_width` of COSPricer must be 0 (automatic) or in (0, inf); got " +
                 fmt(s.truncation_width));
  LF_REQUIRE(std::isfinite(s.tolerance) && s.tolerance >= kMinTolerance && s.tolerance < 1.0,
             "`tolerance` of COSPricer must be in [1e-14, 1); got " + fmt(s.tolerance));
  LF_REQUIRE(s.max_terms >= kMinTerms && s.max_terms <= (1 << 24),
             "`max_terms` of COSPricer must be in [16, 16777216]; got " +
                 std::to_string(s.max_terms));
}

COSPlanner::COSPlanner(const ModelParams& model, const COSSettings& settings)
    : model_(model), settings_(settings), cum_(cumulants(model)),
      omega_(convexity_correction(model)) {}

void COSPlanner::build_tables() const {
  if (ready_) return;
  ready_ = true;
  const ModelParams& model = model_;
  const MomentStrip strip = moment_strip(model);
  // Left tail: P(X_T < a) <= exp(s a + T k(-s)), k(-s) = psi(i s), s in (0, s_minus).
  // Stored as 1/s and k/s per point (range() takes a max of log_eps/s - T k/s).
  const auto s_left = geomspace<kChernoffPoints>(1e-2, std::min(0.98 * strip.s_minus, 2e3));
  std::array<double, kChernoffPoints> minus_s, k_at;
  for (int i = 0; i < kChernoffPoints; ++i) minus_s[i] = -s_left[i];
  cumulant_generating(model, omega_, minus_s.data(), kChernoffPoints, k_at.data());
  for (int i = 0; i < kChernoffPoints; ++i) {
    inv_s_left_[i] = 1.0 / s_left[i];
    k_over_s_left_[i] = finite_or_inf(k_at[i]) / s_left[i];
  }
  // Right tail: P(X_T > b) <= exp(-s b + T k(s)), s in (0, s_plus). Unweighted, like the left:
  // the COS put is the integral of the density against the even periodic extension of the
  // payoff on [a, b], bounded by K, so the error from mass outside [a, b] is at most
  // K P(X_T outside) (the call follows by exact parity). An e^x-weighted right tail would
  // need s in (1, s_plus), which near the moment boundary (s_plus -> 1: VG near
  // 1 - theta nu - sigma^2 nu / 2 = 0, CGMY with M near 1) gives a useless range.
  const auto s_right = geomspace<kChernoffPoints>(1e-2, std::min(0.98 * strip.s_plus, 2e3));
  cumulant_generating(model, omega_, s_right.data(), kChernoffPoints, k_at.data());
  for (int i = 0; i < kChernoffPoints; ++i) {
    inv_s_right_[i] = 1.0 / s_right[i];
    k_over_s_right_[i] = finite_or_inf(k_at[i]) / s_right[i];
  }
  // Re psi(u) (or a non-increasing upper envelope of it, where |phi| has revivals between the
  // grid points) on a geometric grid, so that |phi_T(u)| <= exp(T re_psi(u)) for every T.
  std::array<cplx, kDecayPoints> uc, psi;
  for (int j = 0; j < kDecayPoints; ++j) uc[j] = u_[j] = std::ldexp(kDecayU0, j);
  char_exponent(model, omega_, uc.data(), uc.size(), psi.data());
  for (int j = 0; j < kDecayPoints; ++j) re_psi_[j] = decay_envelope(model, u_[j], psi[j].real());
  fine_re_psi_.fill(std::numeric_limits<double>::quiet_NaN());
}

const double* COSPlanner::fine_octave(int j) const {
  double* fine = fine_re_psi_.data() + j * kDecayFine;
  if (std::isnan(fine[0])) {
    cplx uc[kDecayFine], psi[kDecayFine];
    for (int i = 1; i < kDecayFine; ++i) uc[i] = cplx(u_[j] * kFineStep[i], 0.0);
    char_exponent(model_, omega_, uc + 1, kDecayFine - 1, psi + 1);
    for (int i = 1; i < kDecayFine; ++i)
      fine[i] = decay_envelope(model_, uc[i].real(), psi[i].real());
    fine[0] = re_psi_[j];
  }
  return fine;
}

void COSPlanner::range(double T, double mass_tol, double k_hi, double& a, double& b) const {
  build_tables();
  const double log_eps = std::log(mass_tol);
  // The best bound over the s-grid, (log_eps - T k(-s)) / s on the left and
  // (T k(s) - log_eps) / s on the right, in four independent chains each.
  double lo[4] = {-kInf, -kInf, -kInf, -kInf}, hi[4] = {kInf, kInf, kInf, kInf};
  for (int i = 0; i < kChernoffPoints; i += 4)
    for (int c = 0; c < 4; ++c) {
      lo[c] = std::max(lo[c], log_eps * inv_s_left_[i + c] - T * k_over_s_left_[i + c]);
      hi[c] = std::min(hi[c], T * k_over_s_right_[i + c] - log_eps * inv_s_right_[i + c]);
    }
  a = std::max(std::max(lo[0], lo[1]), std::max(lo[2], lo[3]));
  const double b_tail = std::min(std::min(hi[0], hi[1]), std::min(hi[2], hi[3]));
  // The even extension of the put payoff about b vanishes on (b, 2b - k_hi): mass there costs
  // nothing, so P(X_T > 2b - k_hi) <= mass_tol is enough.
  b = 0.5 * (b_tail + k_hi);
  // Keep the mean strictly inside (the bounds are always valid; this only guards rounding).
  const double mean = cum_.c1 * T, sd = std::sqrt(cum_.c2 * T);
  a = std::min(a, mean - sd);
  b = std::max(b, mean + sd);
}

int COSPlanner::terms(double T, double width, double strike_scale, double abs_tol) const {
  build_tables();
  // Tail estimate of the COS sum (|V_n| ~ 2K/((b-a) u_n^2)): (2K/pi) int |phi(u)|/u^2 du,
  // accumulated from the top of the grid; |phi| is non-increasing (or re_psi an envelope),
  // so a cell [v, w] adds at most |phi(v)| (1/v - 1/w) and the top |phi(u_top)| / u_top.
  const int top = kDecayPoints - 1;
  const double scale = 2.0 * strike_scale / kPi;
  double phi[kDecayPoints];  // |phi_T(u_j)| bound, all octaves at once
  dispatch<octave_magnitudes>(re_psi_.data(), T, phi);
  const double top_tail = phi[top] / u_[top];
  if (!(scale * top_tail < abs_tol)) return settings_.max_terms + 1;
  const double budget = abs_tol / scale;
  auto octave = [&](int j) { return phi[j] * (0.5 / u_[j]); };  // u_j+1 = 2 u_j
  // The octave where the budget runs out on the one-per-octave grid ...
  double tail = top_tail, above = 0.0;  // above: octave j + 1's share of tail
  int j = top - 1;
  for (; j >= 0; --j) {
    const double cell = octave(j);
    if (tail + cell >= budget) break;
    tail += cell;
    above = cell;
  }
  // ... then from the octave above it downwards on the finer grid (a steep |phi| may fall by
  // orders of magnitude within an octave, which the coarse cells charge in full).
  int o = j < 0 ? -1 : std::min(j + 1, top - 1);
  if (o == j + 1) tail = std::max(top_tail, tail - above);  // octaves above o only
  // Fine cell c = o F + i is [u_o 2^{i/F}, u_o 2^{(i+1)/F}], walked downwards.
  double u_star = u_[0];
  for (int c = (o + 1) * kDecayFine - 1; c >= 0; --c) {
    const int oct = c / kDecayFine, i = c % kDecayFine;
    const double v = u_[oct] * kFineStep[i], w = u_[oct] * kFineStep[i + 1];
    const double phi_v = std::exp(T * fine_octave(oct)[i]);
    const double cell = phi_v * (1.0 / v - 1.0 / w);
    if (tail + cell < budget) {
      tail += cell;
      continue;
    }
    // Inside the cell where the budget runs out, the part above u* adds at most
    // |phi(v)| (1/u* - 1/w): the smallest u* keeping it within half the budget left (the
    // other half a margin for the estimate; the calibrators' parameter recovery feels the
    // full budget).
    const double inv = 0.5 * (budget - tail) / phi_v + 1.0 / w;
    u_star = std::min(w, std::max(v, 1.0 / inv));
    break;
  }
  const double n = std::ceil(u_star * width / kPi) + 1.0;
  if (n > settings_.max_terms) return settings_.max_terms + 1;
  return std::max(kMinTerms, static_cast<int>(n));
}

double cos_cost(int n_terms, std::size_t nK) {
  return static_cast<double>(n_terms) * (40.0 + 1.5 * static_cast<double>(nK));
}

bool plan_cos_slice(const ModelParams& model, const COSPlanner& planner,
                    const COSSettings& settings, const MaturitySlice& sl, double spot,
                    COSPlan& plan) {
  const double T = sl.T, F = sl.forward;
  double k_max = 0.0;
  for (std::size_t j = 0; j < sl.nK; ++j) k_max = std::max(k_max, sl.strikes[j]);
  const double abs_tol = settings.tolerance * spot;
  const double k_err = sl.error_strike > 0.0 ? sl.error_strike : k_max;
  double a, b;
  if (settings.truncation_width > 0.0) {
    const Cumulants c = cumulants(model);
    const double half = settings.truncation_width * std::sqrt(c.c2 * T + std::sqrt(c.c4 * T));
    a = c.c1 * T - half;
    b = c.c1 * T + half;
  } else {
    // Put error from the mass outside [a, b] is at most K P(outside): keep it below tol/4.
    const double k_hi = std::log(k_max / F);
    planner.range(T, 0.25 * abs_tol / std::max(k_err, F), k_hi, a, b);
    // Every strike's kink inside [a, b], so that the bound above covers it (a put struck
    // beyond b would need the e^x-weighted right tail).
    b = std::max(b, k_hi + 0.01 * (b - a));
  }
  plan.a = a;
  plan.width = b - a;
  plan.n_terms = settings.n_terms;
  if (plan.n_terms == 0) {
    plan.n_terms = planner.terms(T, plan.width, k_err, 0.5 * abs_tol);
    if (plan.n_terms > settings.max_terms) return false;
  }
  return true;
}

void cos_density_terms(const cplx* psi, int N, double T, double a, double width, double* re,
                       double* im) {
  if (max_cos_argument(psi, N, T, a, width) <= kMaxFastCosArgument) {
    dispatch<density_terms_fast>(psi, N, T, a, width, re, im);
    return;
  }
  for (int n = 1; n < N; ++n) {
    const double mag = std::exp(T * psi[n].real());
    const double ph = T * psi[n].imag() - n * kPi / width * a;
    re[n] = mag * std::cos(ph);
    im[n] = mag * std::sin(ph);
  }
}

void cos_horner(const double* cr, const double* ci, int N, std::size_t m, const double* qr,
                const double* qi, double* pr, double* pi) {
  dispatch<horner_strikes>(cr, ci, N, m, qr, qi, pr, pi);
}

void cos_put_slice(const cplx* psi, const COSPlan& plan, const MaturitySlice& sl,
                   SliceScratch& scratch, double* put_out) {
  const double T = sl.T, F = sl.forward, a = plan.a, width = plan.width, b = a + width;
  const int N = plan.n_terms;
  // Density coefficients R_n = Re(phi_T(u_n) e^{-i u_n a}), u_n = n pi / (b - a).
  // Put payoff coefficients (Fang & Oosterlee 2008, eqs. 22-23) split into a strike-free part
  // and a polynomial in w = exp(-i pi (k - a)/(b - a)) evaluated by Horner's rule:
  //   int_a^k (kappa - e^z) cos(u (z-a)) dz = kappa [sin t/(u(1+u^2)) - cos t/(1+u^2)]
  //                                           + e^a/(1+u^2),  t = u (k - a).
  // cr, ci [N] and, per strike with the kink in range, k, w and the Horner sums [nK] in one
  // buffer (a vector each, grown by push_back, was ~30 allocations per maturity).
  const std::size_t nK = sl.nK;
  double* cr = scratch.doubles(2 * static_cast<std::size_t>(N) + 5 * nK);
  std::size_t* idx = scratch.index(nK);
  double* ci = cr + N;
  double* ks = ci + N;
  double* wr = ks + nK;
  double* wi = wr + nK;
  double* ar = wi + nK;
  double* ai = ar + nK;
  double strike_free = dispatch<put_coefficients>(psi, N, T, a, width, cr, ci);
  const double ea = std::exp(a);
  strike_free *= ea;

  // Strikes with the kink inside (a, b) go through Horner, vectorised across strikes: their
  // w by the vectorised sincos over all strikes, then packed (in place: m <= j).
  const double log_f = std::log(F);
  for (std::size_t j = 0; j < nK; ++j) ks[j] = sl.log_moneyness(j, log_f);
  dispatch<strike_phases>(nK, ks, a, width, wr, wi);
  std::size_t m = 0;
  for (std::size_t j = 0; j < nK; ++j) {
    const double k = ks[j];
    if (k <= a) {
      put_out[j] = 0.0;
    } else if (k >= b) {
      put_out[j] = sl.strikes[j] / F - 1.0;  // E[kappa - e^X] exactly
    } else {
      idx[m] = j;
      ks[m] = k;
      wr[m] = wr[j];
      wi[m] = wi[j];
      ++m;
    }
  }
  std::fill(ar, ar + m, 0.0);
  std::fill(ai, ai + m, 0.0);
  cos_horner(cr, ci, N, m, wr, wi, ar, ai);
  for (std::size_t t = 0; t < m; ++t) {
    const std::size_t j = idx[t];
    const double kappa = sl.strikes[j] / F, k = ks[t];
    const double s = ar[t] * wr[t] - ai[t] * wi[t];  // Re(acc * w)
    put_out[j] = (2.0 / width) * (0.5 * (kappa * (k - a) - kappa + ea) + kappa * s + strike_free);
  }
  // Discounted prices, floored at the no-arbitrage lower bound D (K - F)^+ that the exact
  // value satisfies (removes round-off of order tolerance below intrinsic, nothing else).
  for (std::size_t j = 0; j < sl.nK; ++j) {
    const double intrinsic = std::max(sl.strikes[j] - F, 0.0);
    put_out[j] = sl.discount * std::max(F * put_out[j], intrinsic);
  }
}

}  // namespace levyfast
