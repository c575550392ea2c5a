// Carr–Madan FFT pricer: P. Carr and D. B. Madan, "Option valuation using the fast Fourier
// transform", J. Comput. Finance 2(4) (1999) 61–73. Equation numbers below refer to that paper.
//
// Method
// ------
// * Work with the forward-normalised call c(k) = E[(e^{X_T} - e^k)^+], k = ln(K / F_T), so that
//   Call(K, T) = S0 e^{-qT} c(k). The damped call e^{alpha k} c(k) has the transform (eq. 6)
//       psi_T(u) = phi_T(u - i(alpha + 1)) / ((alpha + iu)(alpha + 1 + iu)),
//   phi_T(v) = exp(T psi(v)); the denominator is eq. 6's alpha^2 + alpha - u^2 + i(2 alpha + 1) u,
//   factored. Inversion (eq. 5): c(k) = e^{-alpha k} / pi * int_0^inf Re[e^{-iuk} psi_T(u)] du.
// * Quadrature on u_j = j eta, j < J, and the log-strike grid k_m = k_mid + (m - N/2) lambda with
//   lambda eta = 2 pi / N (eq. 23), N >= J (zero-padded), turn eq. 5 into one DFT of length N per
//   maturity (eq. 22, with the grid centred on the requested strikes instead of on k = 0).
// * Weights: the trapezoid rule (1/2 at j = 0), not eq. 24's Simpson weights. Re[e^{-iuk} psi_T(u)]
//   is even in u, so the half-line trapezoid sum is the full-line trapezoid rule, whose only
//   discretisation error is aliasing (Poisson summation): it returns
//       sum_m e^{alpha m L} c(k + m L),  L = 2 pi / eta.
//   Simpson's rule equals (4 T_eta - T_{2 eta}) / 3 and inherits the aliasing of T_{2 eta} at
//   period L / 2 (an error of about e^{-alpha L / 2} / 3): on the paper's grid (N = 4096,
//   eta = 0.25, alpha = 1.5) it is 2e-9 S0 off Black–Scholes (sigma = 0.25, T = 1) where the
//   trapezoid rule is 6e-16 S0 off.
// * Alias correction (not in the paper): since c(x) = 1 - e^x + p(x), p the normalised put, the
//   left images m <= -1 sum to 1 / expm1(alpha L) - e^k / expm1((alpha + 1) L) plus put terms of
//   size e^{-alpha L} p(k - L); the closed form is subtracted, so L is limited by the put and call
//   tails only, not by e^{-alpha L}.
// * Carr–Madan's time-value transforms (section 3) are not used: their transform decays like
//   phi_T(u) / u^2, as psi_T does, so they truncate no earlier, and the sinh-damped variant
//   recovers prices by dividing by sinh(alpha k), which amplifies errors without bound at the money.
// * One FFT serves two maturities: the DFT of the Hermitian part h_j = (x_j + conj(x_{N-j})) / 2 of
//   a sequence x is real and equals Re DFT(x), so DFT(h1 + i h2) = Re DFT(x1) + i Re DFT(x2).
//   Maturities are sorted and paired with their neighbour; a pair uses the longer of the two FFTs.
// * Off-grid strikes: Lagrange interpolation of e^{alpha k} c(k) on kStencil = 8 grid nodes around
//   each strike (degree 7; the error for a component e^{-iuk} is at most C (u lambda)^8).
// * Calls and puts: the out-of-the-money price z(k) = c(k) for k >= 0 and c(k) - (1 - e^k) for
//   k < 0 is floored at 0 (the no-arbitrage bound; the floor acts only on numerical noise below
//   the tolerance) and the other side follows from put-call parity C - P = S0 e^{-qT} - K e^{-rT},
//   which therefore holds to rounding.
//
// Automatic settings (FFTSettings fields left at 0), per maturity; eps = tolerance * e^{qT} in
// units of c is split between aliasing, truncation, interpolation and rounding (k*Share below),
// and gain = e^{-alpha k_min} / pi is eq. 5's amplification at the smallest requested k:
// * alpha = min(kDefaultAlpha, (s_plus - 1) / 2), so E[S_T^{alpha+1}] is finite with room left
//   for the right alias bound, lowered until E[e^{(alpha+1) X_T}] <= kMaxDampedMoment (keeps
//   psi_T and rounding moderate for high-variance models and long maturities).
// * L = 2 pi / eta from Chernoff bounds of the alias remainders, minimised over s:
//   right image e^{alpha L} c(k + L) <= E[e^{s X_T}] e^{-(s-1) k - (s-1-alpha) L}, s in
//   (alpha+1, s_plus), at k_min; left remainder e^{-alpha L} p(k - L) <=
//   E[e^{-s X_T}] e^{(1+s) k - (1+s+alpha) L}, s in [0, s_minus), at k_max. L is at least
//   kCoverage times the requested log-strike range.
// * Truncation: the smallest power of two J with gain * int_{J eta}^inf |psi_T| <= eps share; the
//   tail integral is extrapolated from the power-law decay of |psi_T| between J eta / 2 and J eta.
// * Interpolation: the smallest power of two N >= J with
//   gain * int_0^{J eta} E(u lambda) |psi_T(u)| du <= eps share, lambda = L / N, E the largest
//   interpolation error of a unit Fourier component (Lagrange::error_bound), and rounding
//   gain * 4 eps_mach log2(N) sum_j |eta psi_T(u_j)| within its share.
// * Given `eta`, L = 2 pi / eta and J, N are still chosen (aliasing is then not checked); given
//   `n`, J = N = n (no zero padding) and only the grid's coverage and the rounding are checked.
// * J, N <= 2^20, otherwise std::invalid_argument. The bounds are rigorous up to the tail
//   extrapolation, so the error is typically 10-100 times below `tolerance`. The long transforms
//   come from prices that are not smooth in k: variance gamma with T / nu small (its density is
//   singular at one point and phi_T decays like |u|^{-2T/nu}) needs N ~ tolerance^{-1/(1+2T/nu)}.
#include "levyfast/fft.hpp"

#include "levyfast/constants.hpp"
#include "levyfast/format.hpp"
#include "levyfast/radix2_fft.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace levyfast {

namespace {

constexpr std::size_t kMinN = 16;
constexpr std::size_t kMaxN = std::size_t{1} << 20;
constexpr double kDefaultAlpha = 1.5;
constexpr int kStencil = 8;
// Shares of the tolerance given to aliasing, truncation, interpolation and rounding.
constexpr double kAliasShare = 0.1;
constexpr double kTruncShare = 0.4;
constexpr double kInterpShare = 0.4;
constexpr double kRoundShare = 0.1;
// Rounding error of one FFT output, per unit of sum |x_j| and per radix-2 stage.
constexpr double kRoundUnit = 4.0 * std::numeric_limits<double>::epsilon();
// Exponents s tried in the Chernoff bounds of the alias terms: kChernoffPoints values of
// s - 1 - alpha (right image) or s (left image) up to kChernoffMaxExcess or the moment strip.
constexpr int kChernoffPoints = 32;
constexpr double kChernoffMaxExcess = 64.0;
// Cap on E[e^{(alpha+1) X_T}] in the automatic choice of alpha.
constexpr double kMaxDampedMoment = 100.0;
// The log-strike period L is at least this multiple of the requested log-strike range.
constexpr double kCoverage = 1.125;
// Work per nonzero Fourier term, per N log2 N of the transform and per strike of one
// maturity in the units of cos_cost (fft_slice_cost).
constexpr double kFftTermCost = 175.0;
constexpr double kFftButterflyCost = 0.6;
constexpr double kFftStrikeCost = 60.0;
constexpr double kFftSpanCost = 3000.0;

bool is_pow2(std::size_t n) { return n != 0 && (n & (n - 1)) == 0; }

// Width of log-strikes a grid of period L and length N can serve: each strike needs
// kStencil / 2 nodes on either side, plus one node of slack for rounding.
double served_width(double L, std::size_t N) {
  return L * (1.0 - (kStencil + 1.0) / static_cast<double>(N));
}

std::size_t stages(std::size_t n) {
  std::size_t s = 0;
  while ((std::size_t{1} << s) < n) ++s;
  return s;
}

// Lagrange interpolation on kStencil equispaced nodes, used in the central interval: weights and
// the error bound for a Fourier component e^{i theta x} (theta = u lambda) of the grid choice.
struct Lagrange {
  static constexpr int kResponsePoints = 64;
  double inv_denom[kStencil];  // 1 / prod_{j != i} (i - j)
  double err_const;            // max |prod_j (x - j)| / kStencil! over the central interval
  double max_gain;             // 1 + Lebesgue constant there: the error bound for any theta
  // Exact error for theta_k = k pi / kResponsePoints, which for theta <= pi is largest at the
  // interval's midpoint x = (kStencil - 1) / 2 (checked numerically), where by symmetry it is
  // |1 - 2 sum_{i >= kStencil/2} l_i(x) cos(theta (i - x))|; it increases with theta.
  double response[kResponsePoints + 1];

  Lagrange() {
    double fact = 1.0;
    for (int i = 2; i <= kStencil; ++i) fact *= i;
    for (int i = 0; i < kStencil; ++i) {
      double d = 1.0;
      for (int j = 0; j < kStencil; ++j)
        if (j != i) d *= static_cast<double>(i - j);
      inv_denom[i] = 1.0 / d;
    }
    const double mid = 0.5 * (kStencil - 1);
    double w[kStencil];
    weights(mid, w);
    double node = 1.0, lebesgue = 0.0;
    for (int j = 0; j < kStencil; ++j) {
      node *= std::abs(mid - j);
      lebesgue += std::abs(w[j]);
    }
    err_const = node / fact;
    max_gain = 1.0 + lebesgue;
    for (int k = 0; k <= kResponsePoints; ++k) {
      const double theta = kPi * k / kResponsePoints;
      double sum = 0.0;
      for (int i = kStencil / 2; i < kStencil; ++i) sum += w[i] * std::cos(theta * (i - mid));
      response[k] = std::abs(1.0 - 2.0 * sum);
    }
  }

  // Upper bound of the interpolation error of e^{i theta x}, |e^{i theta x}| = 1.
  double error_bound(double theta) const {
    if (!(theta >= 0.0 && theta < kPi)) return max_gain;  // also NaN: never index response[]
    const double t2 = theta * theta, t4 = t2 * t2;
    const int k = static_cast<int>(std::ceil(theta * (kResponsePoints / kPi)));
    return std::min(err_const * t4 * t4, response[k]);
  }

  // Weights l_i(x) of nodes 0..kStencil-1 at x (prefix/suffix products: exact at the nodes).
  void weights(double x, double* w) const {
    double prefix[kStencil], suffix = 1.0;
    prefix[0] = 1.0;
    for (int i = 1; i < kStencil; ++i) prefix[i] = prefix[i - 1] * (x - (i - 1));
    for (int i = kStencil - 1; i >= 0; --i) {
      w[i] = prefix[i] * suffix * inv_denom[i];
      suffix *= x - i;
    }
  }
};

// Spectrum of one maturity on u_j = j eta, extended on demand:
//   eta w_j psi_T(u_j) = exp(T expo[j]) * scale[j],
// expo[j] = psi(u_j - i(alpha + 1)), scale[j] = eta w_j / ((alpha + iu_j)(alpha + 1 + iu_j)).
class DampedSpectrum {
 public:
  DampedSpectrum(const ModelParams& model, double omega) : model_(model), omega_(omega) {}

  void reset(double alpha, double eta) {
    alpha_ = alpha;
    eta_ = eta;
    expo_.clear();
    scale_.clear();
    abs_scale_.clear();
  }

  void extend(std::size_t n) {
    const std::size_t old = expo_.size();
    if (n <= old) return;
    std::vector<cplx> u(n - old);
    for (std::size_t j = old; j < n; ++j) u[j - old] = cplx(eta_ * static_cast<double>(j), -(alpha_ + 1.0));
    expo_.resize(n);
    char_exponent(model_, omega_, u.data(), u.size(), expo_.data() + old);
    scale_.resize(n);
    abs_scale_.resize(n);
    for (std::size_t j = old; j < n; ++j) {
      const double uj = eta_ * static_cast<double>(j);
      const double ew = j == 0 ? 0.5 * eta_ : eta_;
      const double a0 = alpha_, a1 = alpha_ + 1.0;
      // 1 / ((a0 + iu)(a1 + iu)) = (a0 a1 - u^2 - iu(a0 + a1)) / ((a0^2 + u^2)(a1^2 + u^2)).
      const double d = (a0 * a0 + uj * uj) * (a1 * a1 + uj * uj);
      scale_[j] = cplx(ew * (a0 * a1 - uj * uj) / d, -ew * uj * (a0 + a1) / d);
      abs_scale_[j] = ew / std::sqrt(d);
    }
  }

  // |eta w_j psi_T(u_j)|.
  double abs_term(std::size_t j, double T) const {
    return std::exp(T * expo_[j].real()) * abs_scale_[j];
  }

  // x_j = (-1)^j e^{-i u_j k_mid} eta w_j psi_T(u_j), j < J: the nonzero DFT input of the grid
  // k_m = k_mid + (m - N/2) lambda (e^{-i u_j k_m} = (-1)^j e^{-i u_j k_mid} W^{jm}).
  void fill(double T, double k_mid, std::size_t J, cplx* x) const {
    for (std::size_t j = 0; j < J; ++j) {
      const double uj = eta_ * static_cast<double>(j);
      const double mag = (j & 1) ? -std::exp(T * expo_[j].real()) : std::exp(T * expo_[j].real());
      const double ph = T * expo_[j].imag() - uj * k_mid;
      const double er = mag * std::cos(ph), ei = mag * std::sin(ph);
      const double sr = scale_[j].real(), si = scale_[j].imag();
      x[j] = cplx(er * sr - ei * si, er * si + ei * sr);
    }
  }

 private:
  const ModelParams& model_;
  double omega_, alpha_ = 0.0, eta_ = 0.0;
  std::vector<cplx> expo_, scale_;
  std::vector<double> abs_scale_;
};

// Model quantities shared by all maturities of one call.
struct Context {
  const ModelParams& model;
  const FFTSettings& settings;
  double omega;
  MomentStrip strip;
  double lk_min, lk_max;  // ln(K / S0) over the requested strikes
  double S0, r, q;
  // Chernoff bound of the left alias remainder: s' in [0, s_minus) and ln E[e^{-s' X_1}].
  double s_left[kChernoffPoints], log_mgf_left[kChernoffPoints];

  double log_mgf(double s) const { return char_exponent(model, omega, cplx(0.0, -s)).real(); }
};

struct MaturityPlan {
  double T;
  double k_min, k_max;  // requested log-strikes k = ln(K / F_T)
  double eps;           // tolerance in units of c: tolerance * e^{qT}
  double alpha, L;      // damping and log-strike period L = 2 pi / eta
  double gain;          // e^{-alpha k_min} / pi: eq. 5's amplification of errors in the integral
  std::size_t J, N;     // nonzero Fourier terms, FFT length
};

std::string cannot_reach(const FFTSettings& s, double T, const std::string& why) {
  return "FFT pricer cannot reach `tolerance` = " + fmt_short(s.tolerance) +
         " (fraction of spot) at maturity " + fmt_short(T) + ": " + why +
         "; increase `tolerance`, narrow the strike range or use method='auto' (FFT lengths are "
         "capped at " + std::to_string(kMaxN) + ")";
}

// alpha = min(kDefaultAlpha, (s_plus - 1) / 2), lowered until E[e^{(alpha+1) X_T}] <=
// kMaxDampedMoment so that psi_T stays moderate (and rounding small) for high-variance models.
double choose_alpha(const Context& c, double T) {
  if (c.settings.alpha > 0.0) return c.settings.alpha;
  const double cap = std::log(kMaxDampedMoment);
  double hi = std::min(kDefaultAlpha, 0.5 * (c.strip.s_plus - 1.0));
  if (T * c.log_mgf(1.0 + hi) <= cap) return hi;
  double lo = 0.0;  // T ln E[e^{(1+a)X_1}] is convex in a and 0 at a = 0
  for (int i = 0; i < 60; ++i) {
    const double mid = 0.5 * (lo + hi);
    (T * c.log_mgf(1.0 + mid) <= cap ? lo : hi) = mid;
  }
  return lo;
}

// Period L of the log-strike grid: the alias remainders (see the header comment) within their
// share, and at least kCoverage times the requested log-strike range (or, for a given length `n`,
// wide enough to serve it).
double choose_span(const Context& c, const MaturityPlan& p) {
  const double log_eps = std::log(0.5 * kAliasShare * p.eps);
  const double d_max = std::min(c.strip.s_plus - 1.0 - p.alpha, kChernoffMaxExcess);
  double right = std::numeric_limits<double>::infinity();
  for (int i = 1; i <= kChernoffPoints; ++i) {
    const double s = 1.0 + p.alpha + d_max * i / (kChernoffPoints + 1);
    right = std::min(right, (p.T * c.log_mgf(s) - (s - 1.0) * p.k_min - log_eps) / (s - 1.0 - p.alpha));
  }
  double left = std::numeric_limits<double>::infinity();
  for (int i = 0; i < kChernoffPoints; ++i) {
    const double s = c.s_left[i];
    left = std::min(left, (p.T * c.log_mgf_left[i] + (1.0 + s) * p.k_max - log_eps) / (1.0 + s + p.alpha));
  }
  const double range = p.k_max - p.k_min;
  const double served = c.settings.n > 0 ? range / served_width(1.0, static_cast<std::size_t>(c.settings.n)) : 0.0;
  return std::max({right, left, kCoverage * range, served});
}

// Smallest power-of-two J whose truncated tail is within the share of the tolerance.
std::size_t choose_terms(DampedSpectrum& spec, const FFTSettings& s, const MaturityPlan& p,
                         std::size_t max_terms = kMaxN) {
  const double target = kTruncShare * p.eps / p.gain;
  for (std::size_t J = kMinN; J <= std::min(kMaxN, max_terms); J *= 2) {
    spec.extend(J);
    // Envelopes of |eta psi_T| just below u = J eta and u = J eta / 2.
    double hi = 0.0, lo = 0.0;
    for (std::size_t j = J - J / 8; j < J; ++j) hi = std::max(hi, spec.abs_term(j, p.T));
    for (std::size_t j = J / 2 - J / 16; j < J / 2; ++j) lo = std::max(lo, spec.abs_term(j, p.T));
    if (hi == 0.0) return J;
    // |psi_T(u)| ~ u^{-beta}: int_U^inf |psi_T| = U |psi_T(U)| / (beta - 1), U |psi_T(U)| = J hi.
    const double beta = std::log2(lo / hi);
    if (beta > 1.0 && static_cast<double>(J) * hi / (beta - 1.0) <= target) return J;
  }
  throw std::invalid_argument(cannot_reach(
      s, p.T, "the characteristic function decays too slowly (truncation needs more terms)"));
}

// Rounding error of a length-N FFT within its share; it grows with N and with
// E[e^{(alpha+1) X_T}], so a given `alpha` can make every grid useless.
void require_rounding(const FFTSettings& s, const MaturityPlan& p, std::size_t N, double abs_sum) {
  const double rounding = p.gain * kRoundUnit * static_cast<double>(stages(N)) * abs_sum;
  if (!(rounding <= kRoundShare * p.eps)) {
    throw std::invalid_argument(cannot_reach(
        s, p.T, "rounding error of the FFT (about " + fmt_short(rounding) +
                    ", growing with E[S_T^(alpha+1)], alpha = " + fmt_short(p.alpha) + ") exceeds it"));
  }
}

// sum_j |eta w_j psi_T(u_j)| over the J terms.
double abs_sum(const DampedSpectrum& spec, const MaturityPlan& p) {
  double total = 0.0;
  for (std::size_t j = 0; j < p.J; ++j) total += spec.abs_term(j, p.T);
  return total;
}

// Smallest power-of-two N >= J that keeps the interpolation error and rounding within their
// shares and leaves kStencil nodes of margin around the requested log-strikes.
std::size_t choose_length(const DampedSpectrum& spec, const FFTSettings& s, const MaturityPlan& p,
                          const Lagrange& lag) {
  std::vector<double> mag(p.J);
  double total = 0.0;
  for (std::size_t j = 0; j < p.J; ++j) total += (mag[j] = spec.abs_term(j, p.T));
  const double eta = 2.0 * kPi / p.L;
  for (std::size_t N = std::max(p.J, kMinN); N <= kMaxN; N *= 2) {
    const double lambda = p.L / static_cast<double>(N);
    if (p.k_max - p.k_min > served_width(p.L, N)) continue;
    require_rounding(s, p, N, total);
    double err = 0.0;
    for (std::size_t j = 0; j < p.J; ++j) err += lag.error_bound(eta * static_cast<double>(j) * lambda) * mag[j];
    if (p.gain * err <= kInterpShare * p.eps) return N;
  }
  throw std::invalid_argument(cannot_reach(
      s, p.T, "the price is not smooth enough in log-strike for the interpolation"));
}

// Damping, grid and lengths of one maturity; leaves `spec` holding its J spectrum terms.
// Damping and log-strike period of one maturity (the grid's first half: no spectrum yet).
MaturityPlan plan_span(const Context& c, double T) {
  const double drift = (c.r - c.q) * T;
  MaturityPlan p{T, c.lk_min - drift, c.lk_max - drift, c.settings.tolerance * std::exp(c.q * T),
                 0.0, 0.0, 0.0, 0, 0};
  p.alpha = choose_alpha(c, T);
  p.gain = std::exp(-p.alpha * p.k_min) / kPi;
  p.L = c.settings.eta > 0.0 ? 2.0 * kPi / c.settings.eta : choose_span(c, p);
  // A non-finite period (an infinite or NaN Chernoff bound from a degenerate moment generating
  // function) would give a zero or NaN grid spacing and out-of-range grid indices below.
  if (!(std::isfinite(p.L) && p.L > 0.0 && std::isfinite(p.alpha) && std::isfinite(p.gain))) {
    throw std::invalid_argument(cannot_reach(
        c.settings, T, "the model's moment generating function gives no finite log-strike "
                       "period (L = " + fmt_short(p.L) + ", alpha = " + fmt_short(p.alpha) +
                       "); the parameters are at a degenerate limit"));
  }
  return p;
}

// The spectrum and lengths J, N of a maturity whose span is planned; leaves `spec` holding its
// J spectrum terms.
void plan_lengths(const Context& c, MaturityPlan& p, DampedSpectrum& spec, const Lagrange& lag,
                  std::size_t max_terms = kMaxN) {
  const double T = p.T;
  spec.reset(p.alpha, 2.0 * kPi / p.L);
  if (c.settings.n > 0) {
    p.J = p.N = static_cast<std::size_t>(c.settings.n);
    spec.extend(p.J);
    const double width = served_width(p.L, p.N);
    LF_REQUIRE(p.k_max - p.k_min <= width,
               "the FFT grid of `n` = " + std::to_string(c.settings.n) + " and `eta` = " +
                   fmt(2.0 * kPi / p.L) + " covers log-strikes of width " + fmt(width) +
                   " (after interpolation margins) but the strikes span " +
                   fmt(p.k_max - p.k_min) + " at maturity " + fmt(T) +
                   "; increase `n` or decrease `eta`");
    require_rounding(c.settings, p, p.N, abs_sum(spec, p));
  } else {
    p.J = choose_terms(spec, c.settings, p, max_terms);
    p.N = choose_length(spec, c.settings, p, lag);
  }
}

// Damping, grid and lengths of one maturity; leaves `spec` holding its J spectrum terms.
MaturityPlan plan_maturity(const Context& c, double T, DampedSpectrum& spec, const Lagrange& lag) {
  MaturityPlan p = plan_span(c, T);
  plan_lengths(c, p, spec, lag);
  return p;
}

// Combines two DFT inputs into z = h1 + i h2 in a (h = Hermitian part), so that
// DFT(z) = Re DFT(x1) + i Re DFT(x2); a holds x1 (length N), b the first J2 terms of x2 (the rest
// are zero).
void pack_pair(cplx* a, std::size_t N, const cplx* b, std::size_t J2) {
  auto x2 = [&](std::size_t j) { return j < J2 ? b[j] : cplx(0.0, 0.0); };
  a[0] = cplx(a[0].real(), x2(0).real());
  a[N / 2] = cplx(a[N / 2].real(), x2(N / 2).real());
  for (std::size_t j = 1; j < N / 2; ++j) {
    const cplx a1 = a[j], a2 = a[N - j], b1 = x2(j), b2 = x2(N - j);
    const cplx h1 = 0.5 * (a1 + std::conj(a2)), g1 = 0.5 * (b1 + std::conj(b2));
    a[j] = cplx(h1.real() - g1.imag(), h1.imag() + g1.real());
    a[N - j] = cplx(h1.real() + g1.imag(), -h1.imag() + g1.real());
  }
}

// Prices `members` (1 or 2) planned maturities by one FFT of the longer length of the two into
// rows[m][0 .. nK).
void price_group(const Context& c, const Lagrange& lag, const MaturityPlan* const* plan,
                 const DampedSpectrum* const* spec, std::size_t members, const double* strikes,
                 std::size_t nK, OptionKind kind, Radix2Fft& fft, std::vector<cplx>& work,
                 std::vector<cplx>& second, double* const* rows) {
  const double S0 = c.S0, r = c.r, q = c.q;
  std::size_t N = 0;
  for (std::size_t m = 0; m < members; ++m) N = std::max(N, plan[m]->N);
  fft.reserve(N);
  work.assign(N, cplx(0.0, 0.0));
  double k_mid[2];
  k_mid[0] = 0.5 * (plan[0]->k_min + plan[0]->k_max);
  spec[0]->fill(plan[0]->T, k_mid[0], plan[0]->J, work.data());
  if (members == 2) {
    k_mid[1] = 0.5 * (plan[1]->k_min + plan[1]->k_max);
    second.resize(plan[1]->J);
    spec[1]->fill(plan[1]->T, k_mid[1], plan[1]->J, second.data());
    pack_pair(work.data(), N, second.data(), plan[1]->J);
  }
  fft.transform(work.data(), N);

  double w[kStencil];
  for (std::size_t m = 0; m < members; ++m) {
    const MaturityPlan& p = *plan[m];
    const double T = p.T, alpha = p.alpha, lambda = p.L / static_cast<double>(N);
    // Re (m = 0) or Im (m = 1) of the transform: std::complex is laid out as double[2].
    const double* values = reinterpret_cast<const double*>(work.data()) + m;
    const double k_first = k_mid[m] - 0.5 * static_cast<double>(N) * lambda;
    // Left alias images sum_{j>=1} e^{-alpha j L} (1 - e^{k - j L}) (c = 1 - e^k + put).
    const double alias_const = 1.0 / std::expm1(alpha * p.L);
    const double alias_exp = 1.0 / std::expm1((alpha + 1.0) * p.L);
    const double fwd_value = S0 * std::exp(-q * T), drift = (r - q) * T;
    for (std::size_t i = 0; i < nK; ++i) {
      const double K = strikes[i];
      const double k = std::log(K / S0) - drift, ek = std::exp(k);
      // Eq. 5 on the grid, Lagrange-interpolated: e^{alpha k} c(k) = sum_i l_i values_i / pi.
      const double pos = (k - k_first) / lambda;
      const double first_node = std::floor(pos) - (kStencil / 2 - 1);
      // The plan leaves kStencil / 2 nodes of margin around every strike; a non-finite or
      // out-of-range position (never expected) must not index outside the transform.
      LF_REQUIRE(first_node >= 0.0 && first_node + kStencil <= static_cast<double>(N),
                 "internal error: FFT grid does not cover strike " + fmt(K) + " at maturity " +
                     fmt(T) + "; please report the inputs");
      const std::size_t m0 = static_cast<std::size_t>(first_node);
      lag.weights(pos - static_cast<double>(m0), w);
      double damped = 0.0;
      for (int s = 0; s < kStencil; ++s)
        damped += w[s] * values[2 * bit_reverse(m0 + static_cast<std::size_t>(s), N)];
      const double cv = std::exp(-alpha * k) * damped / kPi - (alias_const - ek * alias_exp);
      const bool call_otm = k >= 0.0;
      const double otm = fwd_value * std::max(call_otm ? cv : cv - (1.0 - ek), 0.0);
      const double parity = fwd_value - K * std::exp(-r * T);  // C - P
      const double price = kind == OptionKind::Call ? (call_otm ? otm : otm + parity)
                                                    : (call_otm ? otm - parity : otm);
      LF_REQUIRE(std::isfinite(price), "FFT pricer produced a non-finite price at strike " +
                                           fmt(K) + ", maturity " + fmt(T) +
                                           "; the model or market is outside its range");
      rows[m][i] = price;
    }
  }
}

// The interpolation's weights and error table, built once.
const Lagrange& shared_lagrange() {
  static const Lagrange lag;
  return lag;
}

// Strip-dependent quantities of one call: the left Chernoff grid.
void init_left_chernoff(Context& c) {
  const double s_left_max = std::min(c.strip.s_minus, kChernoffMaxExcess);
  for (int i = 0; i < kChernoffPoints; ++i) {
    c.s_left[i] = s_left_max * i / kChernoffPoints;
    c.log_mgf_left[i] = c.log_mgf(-c.s_left[i]);
  }
}

// Whether the moment strip can size the transform (s_plus > 1, no NaN end).
bool strip_usable(const MomentStrip& strip) {
  return !std::isnan(strip.s_plus) && !std::isnan(strip.s_minus) && strip.s_plus > 1.0;
}

}  // namespace

void validate_fft_settings(const FFTSettings& s) {
  LF_REQUIRE(s.n == 0 || (s.n >= static_cast<int>(kMinN) && s.n <= static_cast<int>(kMaxN) &&
                          is_pow2(static_cast<std::size_t>(s.n))),
             "`n` of FFTSettings must be 0 (automatic) or a power of two in [16, " +
                 std::to_string(kMaxN) + "]; got " + std::to_string(s.n));
  LF_REQUIRE(s.eta == 0.0 || (std::isfinite(s.eta) && s.eta > 0.0),
             "`eta` of FFTSettings must be 0 (automatic) or finite and > 0; got " + fmt(s.eta));
  LF_REQUIRE(s.alpha == 0.0 || (std::isfinite(s.alpha) && s.alpha > 0.0),
             "`alpha` of FFTSettings must be 0 (automatic) or finite and > 0; got " + fmt(s.alpha));
  LF_REQUIRE(std::isfinite(s.tolerance) && s.tolerance > 0.0 && s.tolerance < 1.0,
             "`tolerance` of FFTSettings must be in (0, 1); got " + fmt(s.tolerance));
}

void fft_price_surface(const ModelParams& model, const Market& market, const double* strikes,
                       std::size_t nK, const double* maturities, std::size_t nT, OptionKind kind,
                       const FFTSettings& settings, double* out) {
  validate_model(model);
  validate_market(market);
  validate_fft_settings(settings);
  LF_REQUIRE(kind == OptionKind::Call || kind == OptionKind::Put,
             "`kind` must be Call (0) or Put (1); got " + std::to_string(static_cast<int>(kind)));
  LF_REQUIRE(nK == 0 || strikes != nullptr, "`strikes` must not be null");
  LF_REQUIRE(nT == 0 || maturities != nullptr, "`maturities` must not be null");
  LF_REQUIRE(nK == 0 || nT == 0 || out != nullptr, "`out` must not be null");
  for (std::size_t i = 0; i < nK; ++i) {
    LF_REQUIRE(std::isfinite(strikes[i]) && strikes[i] > 0.0,
               "`strikes` must be finite and > 0; got " + fmt(strikes[i]) + " at index " +
                   std::to_string(i));
  }
  for (std::size_t i = 0; i < nT; ++i) {
    LF_REQUIRE(std::isfinite(maturities[i]) && maturities[i] > 0.0,
               "`maturities` must be finite and > 0; got " + fmt(maturities[i]) + " at index " +
                   std::to_string(i));
  }
  if (nK == 0 || nT == 0) return;
  // the domain of the COS planner too: beyond it the transform returned prices inside the
  // static bounds but far from the model's (Merton lam 1e50: 12.9 for a call worth 99.99)
  const double variance_rate = cumulants(model).c2;
  const auto [k_lo, k_hi] = std::minmax_element(strikes, strikes + nK);
  for (std::size_t i = 0; i < nT; ++i) {
    validate_market_at(market, maturities[i], *k_lo, *k_hi);
    require_log_variance(variance_rate, maturities[i]);
  }

  const MomentStrip strip = moment_strip(model);
  // The strip sizes alpha and the alias bounds; a NaN end (e.g. 0/0 at a degenerate parameter
  // such as VG sigma so small that sigma^2 underflows) would make every size below NaN.
  LF_REQUIRE(strip_usable(strip),
             "FFT pricer: the model's exponential-moment strip (s_minus, s_plus) = (" +
                 fmt_short(strip.s_minus) + ", " + fmt_short(strip.s_plus) +
                 ") cannot size the transform (it needs s_plus > 1, no NaN): a parameter is at "
                 "a degenerate limit for the strip's formula (e.g. a volatility whose square "
                 "underflows); use a less extreme parameter or another method");
  LF_REQUIRE(settings.alpha == 0.0 || settings.alpha + 1.0 < strip.s_plus,
             "`alpha` of FFTSettings must satisfy alpha + 1 < s_plus = " + fmt(strip.s_plus) +
                 " (E[S_T^(alpha+1)] finite for this model); got " + fmt(settings.alpha));
  const double S0 = market.spot, r = market.rate, q = market.dividend;
  const auto [kmin_it, kmax_it] = std::minmax_element(strikes, strikes + nK);
  Context ctx{model, settings, convexity_correction(model), strip, std::log(*kmin_it / S0),
              std::log(*kmax_it / S0), S0, r, q, {}, {}};
  init_left_chernoff(ctx);
  const Lagrange& lag = shared_lagrange();

  // Maturities in increasing order, priced in pairs by one FFT of the longer length of the two
  // (the shortest maturity needs the longest FFT, so the twiddles are usually built once).
  std::vector<std::size_t> order(nT);
  for (std::size_t t = 0; t < nT; ++t) order[t] = t;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return maturities[a] < maturities[b]; });
  Radix2Fft fft;
  DampedSpectrum spec[2] = {DampedSpectrum(model, ctx.omega), DampedSpectrum(model, ctx.omega)};
  std::vector<cplx> work, second;
  MaturityPlan plan[2];

  const MaturityPlan* group_plan[2];
  const DampedSpectrum* group_spec[2];
  double* rows[2];
  for (std::size_t o = 0; o < nT; o += 2) {
    const std::size_t members = o + 1 < nT ? 2 : 1;
    for (std::size_t m = 0; m < members; ++m) {
      plan[m] = plan_maturity(ctx, maturities[order[o + m]], spec[m], lag);
      group_plan[m] = &plan[m];
      group_spec[m] = &spec[m];
      rows[m] = out + order[o + m] * nK;
    }
    price_group(ctx, lag, group_plan, group_spec, members, strikes, nK, kind, fft, work, second,
                rows);
  }
}

double fft_slice_cost(std::size_t J, std::size_t N, std::size_t nK) {
  const double j = static_cast<double>(J), n = static_cast<double>(N);
  const double log_n = static_cast<double>(stages(N));
  // Per nonzero term: the exponent at a complex argument, its scale, the DFT input (exp, cos,
  // sin) and the planning sums; per point, a quarter of a paired transform's butterflies; per
  // strike, the interpolation (bit-reversed reads of kStencil nodes).
  return kFftSpanCost + j * kFftTermCost + n * log_n * kFftButterflyCost +
         static_cast<double>(nK) * (kFftStrikeCost + kStencil * log_n);
}

struct FFTSlicePricer::Impl {
  ModelParams model;
  FFTSettings settings;
  const double* strikes;
  std::size_t nK;
  bool usable, ready = false;
  Context ctx;
  const Lagrange& lag = shared_lagrange();
  std::vector<std::unique_ptr<DampedSpectrum>> spec;
  std::vector<MaturityPlan> plan;
  Radix2Fft fft;
  std::vector<cplx> work, second;

  Impl(const ModelParams& m, const Market& market, const double* k, std::size_t n_k,
       std::size_t nT, double tolerance)
      : model(m),
        settings(),
        strikes(k),
        nK(n_k),
        usable(n_k > 0),
        ctx{model, settings, 0.0, MomentStrip{}, 0.0, 0.0, market.spot, market.rate,
            market.dividend, {}, {}},
        spec(nT),
        plan(nT) {
    settings.tolerance = tolerance;
  }

  // The model's strip, omega and the alias bounds' grid, on the first plan (most surfaces
  // never ask for the FFT).
  void prepare() {
    ready = true;
    ctx.strip = moment_strip(model);
    usable = usable && strip_usable(ctx.strip);
    if (!usable) return;
    ctx.omega = convexity_correction(model);
    const auto [kmin_it, kmax_it] = std::minmax_element(strikes, strikes + nK);
    ctx.lk_min = std::log(*kmin_it / ctx.S0);
    ctx.lk_max = std::log(*kmax_it / ctx.S0);
    init_left_chernoff(ctx);
  }
};

FFTSlicePricer::FFTSlicePricer(const ModelParams& model, const Market& market,
                               const double* strikes, std::size_t nK, std::size_t nT,
                               double tolerance)
    : impl_(std::make_unique<Impl>(model, market, strikes, nK, nT, tolerance)) {}

FFTSlicePricer::~FFTSlicePricer() = default;

double FFTSlicePricer::span(std::size_t i, double T) {
  Impl& d = *impl_;
  if (!d.ready) d.prepare();
  d.spec[i].reset();
  if (!d.usable) return std::numeric_limits<double>::infinity();
  try {
    d.plan[i] = plan_span(d.ctx, T);
  } catch (const std::invalid_argument&) {
    return std::numeric_limits<double>::infinity();
  }
  return d.plan[i].L;
}

double FFTSlicePricer::plan(std::size_t i, double max_work) {
  Impl& d = *impl_;
  d.spec[i] = std::make_unique<DampedSpectrum>(d.model, d.ctx.omega);
  // The spectrum is grown no further than a work of max_work would allow.
  const double max_terms = (max_work - kFftSpanCost) / kFftTermCost;
  if (!(max_terms >= static_cast<double>(kMinN))) return std::numeric_limits<double>::infinity();
  try {
    plan_lengths(d.ctx, d.plan[i], *d.spec[i], d.lag,
                 max_terms >= static_cast<double>(kMaxN) ? kMaxN
                                                         : static_cast<std::size_t>(max_terms));
  } catch (const std::invalid_argument&) {
    d.spec[i].reset();
    return std::numeric_limits<double>::infinity();
  }
  return fft_slice_cost(d.plan[i].J, d.plan[i].N, d.nK);
}

void FFTSlicePricer::put_slices(const std::size_t* slots, std::size_t n, double* const* rows) {
  Impl& d = *impl_;
  const MaturityPlan* group_plan[2];
  const DampedSpectrum* group_spec[2];
  for (std::size_t o = 0; o < n; o += 2) {
    const std::size_t members = o + 1 < n ? 2 : 1;
    for (std::size_t m = 0; m < members; ++m) {
      const std::size_t i = slots[o + m];
      LF_REQUIRE(d.spec[i] != nullptr, "internal error: FFT slice priced before it was planned");
      group_plan[m] = &d.plan[i];
      group_spec[m] = d.spec[i].get();
    }
    price_group(d.ctx, d.lag, group_plan, group_spec, members, d.strikes, d.nK, OptionKind::Put,
                d.fft, d.work, d.second, rows + o);
  }
}

}  // namespace levyfast
