#include "levyfast/time_change.hpp"

#include "levyfast/constants.hpp"
#include "levyfast/fast_math.hpp"
#include "levyfast/isa.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace levyfast {

namespace {

// Mixing law in standardised form: V = scale * x, with log-density ln p(x) of x.
struct Mixing {
  int kind;          // 0: gamma(shape), 1: inverse Gaussian(mean 1, shape phi)
  double shape;      // gamma shape T/nu, or IG shape-to-mean ratio phi = delta T gamma
  double scale;      // V = scale * x
  double mu;         // drift per unit of V (theta or beta)
  double s2;         // Brownian variance per unit of V (sigma^2 or 1)
  double log_norm;   // -lgamma(shape) for the gamma law
  double log_center; // ln x0 and
  double spread;     // c of the map ln x = ln x0 + c sinh t (c = pi/2: classic exp-sinh)
};

// Centre and spread of the quadrature map from the width of ln x: concentrated laws (large
// gamma shape or IG shape ratio) get a map centred at the mean with c ~ 2 sd(ln x); diffuse
// or singular ones the classic exp-sinh map (c = pi/2), whose double-exponential decay absorbs
// x^(a-1), centred at x = 1 or at a mean above it. Centring at 1 a gamma law of shape 1 < a <
// 2.3 (mean a, c still pi/2) errs by up to 15 x more at the same step (VG sigma = 0.2,
// nu = 0.3, theta = -0.15, T = 0.52: 1.2e-8 against 9e-10 of the forward; up to 7.7e-7
// against 9.4e-9 on a scan of shapes and parameters against h = 0.02).
void place_map(Mixing& mx, double mean, double sd_log) {
  const double c = std::min(0.5 * kPi, 2.0 * sd_log);
  mx.spread = c;
  mx.log_center = c < 0.5 * kPi ? std::log(mean) : std::max(std::log(mean), 0.0);
}

Mixing gamma_mixing(double T, double nu, double mu, double s2) {
  const double shape = T / nu;
  Mixing mx{0, shape, nu, mu, s2, -std::lgamma(shape), 0.0, 0.0};
  place_map(mx, shape, shape > 1.0 ? 1.0 / std::sqrt(std::max(shape - 0.5, 0.25)) : 1.0 / shape);
  return mx;
}

Mixing mixing_of(const ModelParams& m, double T) {
  const Subordinator sub = subordinator_of(m);
  if (sub.clock == Subordinator::Clock::Gamma) return gamma_mixing(T, sub.scale, sub.mu, sub.s2);
  const double phi = sub.scale * T * sub.gamma;
  Mixing mx{1, phi, sub.scale * T / sub.gamma, sub.mu, sub.s2, 0.0, 0.0, 0.0};
  place_map(mx, 1.0, 1.0 / std::sqrt(phi));
  return mx;
}

// Trapezoid step in t for a smooth integrand: the error decays like exp(-c/h), and
// h = 2/(ln(1/tol) - 2) was calibrated against 1e-13-accurate references.
double base_step(double tolerance) {
  return std::min(0.25, 2.0 / std::max(std::log(1.0 / tolerance) - 2.0, 4.0));
}

// Step in t that resolves the conditional payoff's smoothed kinks. Given V the Black price is
// a function of ln x with kinks at the strike: Phi(d2) and Phi(d1) are steps in V smoothed
// over w = sd(V) / |d mean / d ln x| = sqrt(s2 / V) / |mu_eff| (in ln x), mu_eff = mu for d2
// and mu + s2 for d1 (so the sharper is the larger |mu_eff|; not mu + s2/2, which may vanish),
// narrowest at the top of the bulk of the mixing law. The trapezoid error on a
// Gaussian-smoothed kink decays like exp(-2 pi^2 w^2 / dlnx^2), so dlnx <= pi w sqrt(2 / L)
// with L = ln(1/tol) + 2 (small sigma with a strong drift, e.g. VG sigma = 0.05,
// theta = -0.5, otherwise loses 1e-4).
double resolution_step(const Mixing& mx, double tolerance) {
  const double drift = std::max(std::fabs(mx.mu), std::fabs(mx.mu + mx.s2));
  if (drift == 0.0) return std::numeric_limits<double>::infinity();
  // Top of the bulk: gamma, 4 sd above the mean; inverse Gaussian (mean 1, shape phi), 4 sd
  // or, for a diffuse law (small phi), where its tail sqrt(2 / (pi phi x)) e^{-phi x / 2}
  // (x >> 1) has fallen to 1e-4 (the kink's smoothing is unresolved only beyond it).
  double x_hi = mx.shape + 4.0 * std::sqrt(mx.shape) + 2.0;
  if (mx.kind == 1) {
    x_hi = 1.0 + 4.0 / std::sqrt(mx.shape);
    double x_tail = x_hi;
    for (int it = 0; it < 8; ++it)
      x_tail = std::max(x_hi, 2.0 / mx.shape *
                                  (std::log(1e4) + 0.5 * std::log(2.0 / (kPi * mx.shape * x_tail))));
    x_hi = x_tail;
  }
  // Out-of-the-money calls weight the law by e^{log_mean}, an exponential tilt of rate
  // lambda in x that slows the tail's decay from `rate` to rate - lambda (> 0 whenever
  // E[e^X] is finite): the bulk of the tilted law reaches rate / (rate - lambda) further.
  const double lambda = (mx.mu + 0.5 * mx.s2) * mx.scale;
  const double rate = mx.kind == 0 ? 1.0 : 0.5 * mx.shape;
  if (lambda > 0.0) x_hi *= rate / std::max(rate - lambda, 1e-3 * rate);
  const double width = std::sqrt(mx.s2 / (mx.scale * x_hi)) / drift;
  const double step_log_x = kPi * width * std::sqrt(2.0 / (std::log(1.0 / tolerance) + 2.0));
  const double t_hi = std::asinh((std::log(x_hi) - mx.log_center) / mx.spread);
  return step_log_x / (mx.spread * std::cosh(t_hi));
}

constexpr int kBlock = 8;
// Capacity reserved for the nodes (a rule takes ~30-60 at the default tolerance).
constexpr std::size_t kNodesReserved = 96;

// Steps walked each way before the rule gives up (the tails decay double-exponentially in t,
// so a well-posed law needs a few hundred at most).
constexpr int kMaxWalk = 4000;
// The finest step, relative to base_step, that the shared rule may take for the kink.
constexpr double kMaxStepRefinement = 1.0 / 8.0;
// Largest shift of the share measure's mixing law from the law itself, |ln(mean ratio)|:
// the nodes are placed for the latter, so the former's bulk must lie within it.
constexpr double kMaxTiltShift = kLn2;

// ln of the mean of V under the share measure (V's law tilted by e^{log_mean(V)}) over its
// mean under Q. The tilt e^{lambda x}, lambda = (mu + s2/2) scale, keeps the family: gamma
// with scale / (1 - lambda); inverse Gaussian with mean 1 / r, r = sqrt(1 - 2 lambda / phi).
// +inf where the tilted law does not exist (outside the moment strip).
double tilt_shift(const Mixing& mx) {
  const double lambda = (mx.mu + 0.5 * mx.s2) * mx.scale;
  const double ratio = mx.kind == 0 ? 1.0 - lambda : 1.0 - 2.0 * lambda / mx.shape;
  if (!(ratio > 0.0)) return std::numeric_limits<double>::infinity();
  return std::fabs(mx.kind == 0 ? std::log(ratio) : 0.5 * std::log(ratio));
}

// Nodes j0 .. j0 + kBlock - 1 at t = direction * j * h: ln x, x (saturating at e^{+-700}),
// ln w and w (see time_change_nodes), with the vectorised exp; kind 0 the gamma law, 1 the
// inverse Gaussian.
template <int Kind>
LEVYFAST_INLINE void node_block(const Mixing& mx, double log_hc, double direction, int j0, double h,
                double* __restrict t, double* __restrict log_x, double* __restrict x_out,
                double* __restrict log_w, double* __restrict weight) {
  const double shape = mx.shape, log_norm = mx.log_norm, log_center = mx.log_center;
  const double half_spread = 0.5 * mx.spread;
  const double ig_const = Kind == 0 ? 0.0 : 0.5 * std::log(shape / (2.0 * kPi));
  for (int b = 0; b < kBlock; ++b) {
    const double tb = direction * (j0 + b) * h;
    const double e_pos = fast_math::exp_bounded(std::min(std::max(tb, -700.0), 700.0));
    const double e_neg = fast_math::exp_bounded(std::min(std::max(-tb, -700.0), 700.0));
    const double lx = log_center + half_spread * (e_pos - e_neg);
    const double x = fast_math::exp_bounded(std::min(std::max(lx, -700.0), 700.0));
    const double exponent = Kind == 0 ? shape * lx - x + log_norm
                                      : ig_const - 0.5 * lx - 0.5 * shape * (x - 2.0 + 1.0 / x);
    // ln cosh t = |t| - ln 2 + ln(1 + q), q = e^{-2|t|} in (0, 1].
    const double q = std::min(e_pos * e_pos, e_neg * e_neg);
    const double lw = log_hc + exponent + std::fabs(tb) - kLn2 + fast_math::log1p_unit(q);
    t[b] = tb;
    log_x[b] = lx;
    x_out[b] = x;
    log_w[b] = lw;
    weight[b] = fast_math::exp_bounded(std::max(lw, -700.0));
  }
}

}  // namespace

bool has_time_change(const ModelParams& m) { return subordinator(m).has_value(); }

Subordinator subordinator_of(const ModelParams& m) {
  const std::optional<Subordinator> sub = subordinator(m);
  LF_REQUIRE(sub, "time-change pricing needs a VG, NIG or CGMY(Y=0, sigma=0) model");
  return *sub;
}

bool time_change_nodes(const ModelParams& model, double omega, double T, double target,
                       std::vector<MixtureNode>& nodes) {
  const Mixing mx = mixing_of(model, T);
  nodes.clear();
  // A diffuse inverse-Gaussian clock (shape ratio phi = delta T gamma << 1) leaves a bias of
  // up to ~30 x the step's nominal tolerance (measured against the mixture oracle, NIG with
  // phi = 1e-3 .. 0.1): build its nodes for a tolerance scaled by phi / 2 (>= 1e-3).
  // Likewise a diffuse gamma clock (T / nu < 10) near the money at high accuracy (up to ~20x,
  // VG T / nu = 0.11 at 1e-11): nodes at tol * shape / 10 (>= 1e-2) below 1e-9.
  const double tolerance =
      mx.kind == 1   ? target * std::clamp(0.5 * mx.shape, 1e-3, 1.0)
      : target < 1e-9 ? target * std::clamp(0.1 * mx.shape, 1e-2, 1.0)
                      : target;
  // The shared rule is trusted only where the share measure's tilt of the mixing law is mild
  // (its bulk within twice the untilted one's reach) and the conditional payoff's smoothed
  // kink is resolved by a bounded number of steps; elsewhere the caller uses the adaptive
  // per-strike rule (time_change_put_slice_adaptive) or COS.
  // ... within ln 2 and within one width of ln V (spread/2 ~ sd of ln x, see place_map).
  if (!(tilt_shift(mx) <= std::min(kMaxTiltShift, 0.5 * mx.spread))) return false;
  const double h_base = base_step(tolerance);
  const double h_res = resolution_step(mx, tolerance);
  if (!(h_res >= kMaxStepRefinement * h_base)) return false;
  // Substitution ln x = ln x0 + c sinh t, trapezoid step h; the weight of node t is
  // h c cosh(t) x p(x) = h c cosh(t) exp(E(t)) with E = ln x + ln p(x) written without logs.
  const double h = std::min(h_res, h_base);
  const double log_cut = std::log(tolerance) - 4.0;
  const double log_hc = std::log(h * mx.spread);
  const double log_scale = std::log(mx.scale);
  const double drift = mx.mu + 0.5 * mx.s2;
  // Nodes are built in blocks of kBlock steps with the vectorised exp; each direction walks
  // outwards from t = 0 until the contributions are negligible past |t| = 1 (a bounded walk:
  // the tails decay double-exponentially in t).
  double t[kBlock], log_x[kBlock], x[kBlock], log_w[kBlock], weight[kBlock];
  nodes.reserve(kNodesReserved);
  std::size_t n_up = 0;  // nodes at t >= 0, then t < 0 follow
  for (const double direction : {1.0, -1.0}) {
    const int first = direction > 0.0 ? 0 : 1;
    bool done = false;
    for (int j0 = first; !done; j0 += kBlock) {
      if (j0 >= kMaxWalk) {  // the tails did not decay within the walk: not this rule
        nodes.clear();
        return false;
      }
      if (mx.kind == 0)
        dispatch<node_block<0>>(mx, log_hc, direction, j0, h, t, log_x, x, log_w, weight);
      else
        dispatch<node_block<1>>(mx, log_hc, direction, j0, h, t, log_x, x, log_w, weight);
      for (int b = 0; b < kBlock; ++b) {
        // x itself below e^{-700} (a clock value that underflows with it).
        const double v = mx.scale * (log_x[b] < -700.0 ? std::exp(log_x[b]) : x[b]);
        const double log_mean = omega * T + drift * v;
        if (log_w[b] >= -700.0 && weight[b] > 0.0) {
          // Written in place: a MixtureNode built on the stack and copied stalled on store
          // forwarding (half the cost of building the nodes).
          MixtureNode& nd = nodes.emplace_back();
          nd.variance = mx.s2 * v;
          nd.log_mean = log_mean;
          nd.weight = weight[b];
          nd.log_weight = log_w[b];
          nd.log_clock = log_scale + log_x[b];
        }
        // Negligible once the weight times the largest payoff scale, e^{log_mean} or 1, is.
        if (log_w[b] + std::max(log_mean, 0.0) < log_cut && std::fabs(t[b]) > 1.0) {
          done = true;
          break;
        }
      }
    }
    if (direction > 0.0) n_up = nodes.size();
  }
  // In increasing clock order (time_change_put_slice skips each strike's leading nodes).
  std::reverse(nodes.begin() + n_up, nodes.end());
  std::rotate(nodes.begin(), nodes.begin() + n_up, nodes.end());
  return true;
}

double time_change_adaptive_cost(std::size_t nK) {
  // Per strike: two adaptive integrals of ~10 Gauss-Kronrod panels (15 points: exp, erfc).
  return static_cast<double>(nK) * 2.0 * 10.0 * 15.0 * 60.0;
}

std::size_t time_change_min_nodes(double tolerance) {
  return 2 * static_cast<std::size_t>(1.0 / base_step(tolerance)) + 1;
}

double time_change_cost(std::size_t n_nodes, std::size_t nK) {
  // Per node: building it (exp, log, sinh, cosh) plus two vectorised erfc per strike; in the
  // units of cos_cost (a COS term with 20 strikes: 70 units, ~12 ns on x86-64-v4, ~16 ns on
  // v3). A node-strike pair measured 2.6 ns (v4) and 4.1 ns (v3), ~16 units, less the ~20%
  // of pairs time_change_put_slice skips; 13 and 24 units were slower on VG and NIG
  // surfaces, and at 8 `auto` kept the time change where COS was 0.5-1 us cheaper
  // (NIG(8, -3, 0.2): 46.7 -> 36.8 us on v3).
  return static_cast<double>(n_nodes) * (100.0 + 16.0 * static_cast<double>(nK));
}

namespace {

// sum_i sgn * (w_i m_i Phi(sgn d1_i) - w_i kappa Phi(sgn d2_i)): the OTM-side Black values of one
// strike over all nodes (sgn = +1 calls, -1 puts), branch-free so that it vectorises.
// Strikes priced together in one pass over the nodes, one per lane of an AVX2 vector (8, two
// vectors, was 4% slower on the VG surface).
constexpr std::size_t kStrikeBlock = 4;

// The nodes' fields as arrays for the vectorised kernels: ln m, ln(w m) (and, for now, again
// in weighted_mean: node_scales exponentiates it), s = sqrt(variance) and w.
LEVYFAST_INLINE void node_arrays(std::size_t n, const MixtureNode* __restrict nodes,
                                 double* __restrict log_mean,
                                 double* __restrict log_weighted_mean,
                                 double* __restrict weighted_mean, double* __restrict sd,
                                 double* __restrict weight) {
  for (std::size_t i = 0; i < n; ++i) {
    log_mean[i] = nodes[i].log_mean;
    log_weighted_mean[i] = nodes[i].log_weight + nodes[i].log_mean;
    weighted_mean[i] = log_weighted_mean[i];
    sd[i] = std::sqrt(nodes[i].variance);
    weight[i] = nodes[i].weight;
  }
}

// In place, w_i e^{log_mean_i} from its logarithm (one exponential: a far node's e^{log_mean}
// alone may overflow) by the vectorised exp: exactly 0 below e^{-700} (no subnormal sums),
// +inf above e^{700} (a non-finite price is reported, not a wrong one); and 1 / s_i, huge but
// finite where the variance underflowed to 0, so that d = +-inf gives Phi = 0 or 1 without NaN.
LEVYFAST_INLINE void node_scales(std::size_t n, const double* __restrict sd,
                                 double* __restrict weighted_mean, double* __restrict inv_sd) {
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < n; ++i) {
    const double y = weighted_mean[i];
    const double e = fast_math::exp_bounded(std::min(std::max(y, -700.0), 700.0));
    weighted_mean[i] = y < -700.0 ? 0.0 : y > 700.0 ? kInfinity : e;
    inv_sd[i] = sd[i] > 0.0 ? 1.0 / sd[i] : 1e300;
  }
}

// The out-of-the-money values above summed over the n nodes into sums[b]: the block's strikes
// in the lanes (`omp simd`) and the nodes in a loop. The transposed loop (nodes in the lanes,
// four strikes unrolled) spilled or reloaded half its ~32 instructions per pair on AVX2's 16
// registers and ran a scalar remainder: 10% slower on the VG surface. One exponential per
// node and strike: with x_j = -sgn d_j / sqrt 2,
// erfc(x) = 2 [x < 0] + sign(x) e^{-x^2} erfcx(|x|), and the Gaussian factors of the two
// terms are equal, kappa e^{-x2^2} = m e^{-x1^2} (x1^2 - x2^2 = d1 s - s^2 / 2 = ln m - ln
// kappa), so a node's value is
//   sgn (w m [x1 < 0] - w kappa [x2 < 0] + g (sign(x1) erfcx|x1| - sign(x2) erfcx|x2|) / 2),
// g = w m e^{-x1^2} = exp(ln(w m) - x1^2) by the vectorised exp (0 below e^{-700}, +inf above
// e^{700}, as node_scales' w m). |x| is capped at 1e150 (x^2 and (L + |x1|)(L + |x2|) stay
// finite; 1 / sd is huge but finite where the variance underflowed), where g is 0 anyway.
template <class Accuracy>
LEVYFAST_INLINE void mixture_otm_sums(std::size_t n, const double* __restrict log_mean,
                        const double* __restrict log_weighted_mean,
                        const double* __restrict weighted_mean, const double* __restrict sd,
                        const double* __restrict inv_sd, const double* __restrict weight,
                        const double* __restrict k, const double* __restrict kappa,
                        const double* __restrict sgn, double* __restrict sums) {
  // A local copy of the series: no aliasing with the outputs.
  const fast_math::ErfcxSeries<Accuracy::kTerms> series =
      fast_math::erfcx_series<Accuracy>();
  constexpr double kMinusInvSqrt2 = -0.7071067811865476;
  constexpr double kMaxAbsX = 1e150;
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  double acc[kStrikeBlock] = {};
  for (std::size_t i = 0; i < n; ++i) {
    const double lm = log_mean[i], lwm = log_weighted_mean[i], wm = weighted_mean[i];
    const double s = sd[i], is = inv_sd[i], w = weight[i];
#pragma omp simd
    for (std::size_t b = 0; b < kStrikeBlock; ++b) {
      const double d1 = (lm - k[b]) * is + 0.5 * s;
      const double d2 = d1 - s;
      const double x1 = kMinusInvSqrt2 * sgn[b] * d1, x2 = kMinusInvSqrt2 * sgn[b] * d2;
      const double a1 = fast_math::abs_clamped(x1, kMaxAbsX);
      const double a2 = fast_math::abs_clamped(x2, kMaxAbsX);
      const double y = lwm - a1 * a1;
      const double e =
          fast_math::exp_bounded<Accuracy::kExpDegree>(std::min(std::max(y, -700.0), 700.0));
      const double g = y < -700.0 ? 0.0 : y > 700.0 ? kInfinity : e;
      // 1 / (L + a1) and 1 / (L + a2) by one division (a1, a2 <= 1e150: no overflow)
      const double l1 = series.L + a1, l2 = series.L + a2, inv = 1.0 / (l1 * l2);
      const double c1 = fast_math::erfcx_fast<Accuracy>(a1, inv * l2, series);
      const double c2 = fast_math::erfcx_fast<Accuracy>(a2, inv * l1, series);
      const double diff = std::copysign(c1, x1) - std::copysign(c2, x2);
      const double steps = fast_math::select_if_negative(x1, wm, 0.0) -
                           fast_math::select_if_negative(x2, kappa[b] * w, 0.0);
      acc[b] += sgn[b] * (steps + 0.5 * g * diff);
    }
  }
  for (std::size_t b = 0; b < kStrikeBlock; ++b) sums[b] = acc[b];
}

// |d| beyond which a node's out-of-the-money Black value is negligible: Phi(-9) = 1.1e-19 of
// its payoff scale, so the nodes skipped below sum to < 1.1e-19 * max(1, kappa) per unit
// forward (their weights, and w e^{log_mean}, sum to 1).
constexpr double kNegligibleD = 9.0;

// The number of leading nodes (increasing clock order: ever wider conditional laws) whose
// out-of-the-money values are negligible at every strike of a block: d1 < -kNegligibleD for
// a call (its value is below w m Phi(d1)), d2 > kNegligibleD for a put (below w kappa
// Phi(-d2)); both read sgn (k - log_mean) / sd - sd / 2 > kNegligibleD.
std::size_t negligible_prefix(std::size_t n, const double* log_mean, const double* sd,
                              const double* inv_sd, const double* k, const double* sgn) {
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t b = 0; b < kStrikeBlock; ++b)
      if (!(sgn[b] * (k[b] - log_mean[i]) * inv_sd[i] - 0.5 * sd[i] > kNegligibleD)) return i;
  return n;
}

}  // namespace

void time_change_put_slice(const std::vector<MixtureNode>& nodes, const MaturitySlice& sl,
                           double tolerance, SliceScratch& work, double* put_out) {
  const double F = sl.forward;
  const std::size_t n = nodes.size();
  // Structure of arrays for the vectorised kernel.
  double* log_mean = work.doubles(6 * n);
  double* log_weighted_mean = log_mean + n;
  double* weighted_mean = log_weighted_mean + n;
  double* sd = weighted_mean + n;
  double* inv_sd = sd + n;
  double* weight = inv_sd + n;
  dispatch<node_arrays>(n, nodes.data(), log_mean, log_weighted_mean, weighted_mean, sd, weight);
  dispatch<node_scales>(n, sd, weighted_mean, inv_sd);
  // Each strike integrates its out-of-the-money side (bounded by the weight sum's small error
  // instead of cancelling against it) and gets the other by parity with E[e^X] = 1 exactly.
  // The coarse erfc (< 1e-10 absolute) errs by < 1e-10 (1 + kappa) F on the sum (the weights
  // sum to 1 and the payoff scales are <= 1 + kappa): enough from the default tolerance up;
  // below it the accurate one.
  const bool coarse = tolerance >= fast_math::kCoarseErfcMinTolerance;
  const double log_f = std::log(F);
  for (std::size_t j0 = 0; j0 < sl.nK; j0 += kStrikeBlock) {
    double k[kStrikeBlock], kappa[kStrikeBlock], sgn[kStrikeBlock];
    for (std::size_t b = 0; b < kStrikeBlock; ++b) {
      const std::size_t j = std::min(j0 + b, sl.nK - 1);  // the last block is padded
      kappa[b] = sl.strikes[j] / F;
      k[b] = sl.log_moneyness(j, log_f);
      sgn[b] = k[b] > 0.0 ? 1.0 : -1.0;
    }
    const std::size_t i0 = negligible_prefix(n, log_mean, sd, inv_sd, k, sgn), m = n - i0;
    double sums[kStrikeBlock];
    const auto otm_sums = [&](auto accuracy) {
      dispatch<mixture_otm_sums<decltype(accuracy)>>(
          m, log_mean + i0, log_weighted_mean + i0, weighted_mean + i0, sd + i0, inv_sd + i0,
          weight + i0, k, kappa, sgn, sums);
    };
    if (coarse)
      otm_sums(fast_math::ErfcCoarse{});
    else
      otm_sums(fast_math::ErfcAccurate{});
    for (std::size_t b = 0; b < kStrikeBlock && j0 + b < sl.nK; ++b) {
      double acc = std::max(sums[b], 0.0);
      if (sgn[b] > 0.0) acc += kappa[b] - 1.0;
      const std::size_t j = j0 + b;
      const double intrinsic = std::max(sl.strikes[j] - F, 0.0);
      put_out[j] = sl.discount * std::max(F * acc, intrinsic);
    }
  }
}

}  // namespace levyfast
