// The SIMD kernel of Black implied volatility by P. Jäckel, "Let's Be Rational", Wilmott
// (January 2015) 40-53 (revised 2016, jaeckel.org): one option per SIMD lane.
//
// Notation of the paper: x = -|ln(F/K)| (every call and put maps to an out-of-the-money call by
// put-call parity), total volatility s = sigma sqrt(T), h = x/s, t = s/2, normalised price
// b(x, s) = exp(x/2) Phi(h + t) - exp(-x/2) Phi(h - t) of the time value over sqrt(F K), vega
// b'(s) = exp(-(h^2 + t^2)/2)/sqrt(2 pi). The ratios b/b' = Y(h + t) - Y(h - t) (Y Mills'
// ratio, Jäckel's asymptotic and small-t expansions where erfcx would cancel) and
// (exp(x/2) - b)/b' = sqrt(pi/2) [erfcx((h+t)/sqrt 2) + erfcx((t-h)/sqrt 2)] carry all the
// cancellation, and give ln b and ln(exp(x/2) - b) without underflow.
//
// The algorithm is the paper's, done in three passes per vector of options:
//  1. normalise (beta, ln beta, x) and evaluate b at the inflection point s_c = sqrt(2|x|) and at
//     s_l or s_u (where the tangent at s_c meets 0 or exp(x/2)): one evaluation per lane each;
//  2. initial guesses from Delbourgo–Gregory rational cubics on four price branches, in the
//     transformed coordinates f_lower / f_upper on the outer two (computed only if a lane of
//     the vector is on that branch);
//  3. Householder(3) iterations on the branch's objective (1/ln b, b, or ln(b_max - b)), all
//     lanes at once, each lane frozen once its step is below 1e-5 relative (quartic convergence
//     leaves an error below 1e-18), inside a bracket that every evaluation tightens, with
//     bisection where a step is not finite or leaves it.
// The independent second implementation is the scalar Numba kernel of
// python/levyfast/_numba/lets_be_rational.py; tests cross-check the two.

// Included by one translation unit per instruction set (cpp/src/implied_vol_{avx512,avx2,
// baseline}.cpp), which defines LEVYFAST_SIMD_LANES and the name LEVYFAST_IV_SOLVER of the
// entry point (declared in implied_vol.cpp). No standard-library templates here: their inline
// copies would be compiled for different instruction sets under one name (ODR).
#pragma once

#include <cstddef>

#include "levyfast/simd_math.hpp"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"  // vectors by value: all calls are inlined
#endif

#ifndef LEVYFAST_IV_SOLVER
#error "define LEVYFAST_IV_SOLVER (the entry point's name) before including implied_vol_simd.hpp"
#endif

namespace levyfast::detail {
namespace {  // NOLINT(cert-dcl59-cpp): one copy per instruction set

using namespace simd;

#define LF_INLINE inline __attribute__((always_inline))

constexpr double kSqrtHalfPi = 1.2533141373155002512;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kLnSqrt2Pi = 0.91893853320467274178;
constexpr double kSqrt3 = 1.7320508075688772935;
constexpr double kTwoPi = 6.2831853071795864769;
constexpr double kTwoPiOverSqrt27 = 1.2091995761561452337;
constexpr double kEps = 2.220446049250313e-16;
constexpr double kTiny = 2.2250738585072014e-308;
constexpr double kInf = __builtin_inf();
constexpr double kNaN = __builtin_nan("");
// Jäckel's tau = 2 eps^(1/16): below it the small-t expansion of b/b' is exact to eps.
constexpr double kSmallT = 0.21022410381342863;
// Jäckel's eta: the asymptotic expansion of Y reaches eps below h = -10.
constexpr double kAsymptoticH = -10.0;
// Above h + t = 0.85 the price is taken from its complement exp(x/2) - b.
constexpr double kComplementHT = 0.85;
constexpr int kMaxIterations = 10;
constexpr double kConvergedStep = 1e-5;
// Rational cubic control parameter: r > -1 keeps the denominator positive, r_max = "linear".
constexpr double kRMin = -(1.0 - 1.4901161193847656e-08);
constexpr double kRMax = 2.0 / (kEps * kEps);

// ---- the normalised Black function ---------------------------------------------------------

// b/b' for h < -10, h + t < -10 + tau: Y(z) ~ sum_n (-1)^(n+1) (2n-1)!! z^-(2n+1) (Abramowitz &
// Stegun 26.2.12); the difference of the two series summed term by term without cancellation,
// R = (2t/(ac)) sum_n (-1)^n (2n-1)!! T_(2n+1), T_m = sum_(j<m) a^-j c^-(m-1-j), a = h+t, c = h-t.
LF_INLINE vd asymptotic_ratio(vd h, vd t, vm lanes) {
  const vd a = h + t, c = h - t;
  const vd u = 1.0 / a, w = 1.0 / c;
  vd t_m = splat(1.0), w_m = w, total = splat(1.0);
  double coefficient = 1.0;
  vm active = lanes;
  for (int n = 1; n < 40 && any(active); ++n) {
    t_m = u * t_m + w_m;
    w_m *= w;
    t_m = u * t_m + w_m;
    w_m *= w;
    coefficient *= -(2.0 * n - 1.0);
    const vd term = coefficient * t_m;
    total = select(active, total + term, total);
    active &= ~(vabs(term) <= 1e-17 * total);
  }
  return (2.0 * t / (a * c)) * total;
}

// b/b' for t < tau by its Taylor series in t to order t^13: R = 2 sum_k Y^(2k+1)(h)
// t^(2k+1)/(2k+1)!, with Y' = 1 + hY and Y^(n+1) = n Y^(n-1) + h Y^(n) (Jäckel 2015).
LF_INLINE vd small_t_ratio(vd h, vd t) {
  const vd w = t * t;
  vd d_prev = kSqrtHalfPi * erfcx(-h * kInvSqrt2);
  vd d = 1.0 + h * d_prev;
  vd total = d, factor = splat(1.0);
  for (int n = 1; n <= 12; ++n) {
    const vd next = static_cast<double>(n) * d_prev + h * d;
    d_prev = d;
    d = next;
    if (n % 2 == 0) {
      factor *= w * (1.0 / (n * (n + 1.0)));
      total += factor * d;
    }
  }
  return 2.0 * t * total;
}

// h <= 0, t > 0: (exp(x/2) - b)/b' on `complement` lanes, b/b' on the others.
LF_INLINE vd black_ratio(vd h, vd t, vm complement) {
  const vd a = h + t;
  const vm asymptotic = ~complement & (h < kAsymptoticH) & (a < kAsymptoticH + kSmallT);
  const vm small_t = ~complement & ~asymptotic & (t < kSmallT);
  vd r = splat(0.0);
  if (any(~(asymptotic | small_t))) {
    const vd first = erfcx(select(complement, a, -a) * kInvSqrt2);
    const vd second = erfcx((t - h) * kInvSqrt2);
    r = kSqrtHalfPi * select(complement, first + second, first - second);
  }
  if (any(asymptotic)) r = select(asymptotic, asymptotic_ratio(h, t, asymptotic), r);
  if (any(small_t)) r = select(small_t, small_t_ratio(h, t), r);
  return r;
}

// b/b' at the inflection point s_c = sqrt(2|x|), where h = -t: Y(0) - Y(-2t) =
// sqrt(pi/2) (1 - erfcx(sqrt(2) t)), or the small-t series (h + t = 0 is never asymptotic).
LF_INLINE vd inflection_ratio(vd t) {
  const vm small_t = t < kSmallT;
  vd r = splat(0.0);
  if (any(~small_t)) r = kSqrtHalfPi * (1.0 - erfcx(t * 1.4142135623730950488));
  if (any(small_t)) r = select(small_t, small_t_ratio(-t, t), r);
  return r;
}

struct PriceAndVega {
  vd b, vega;
};

// (b(x, s), b'(s)) for x <= 0, s > 0; e_half_x = exp(x/2).
LF_INLINE PriceAndVega normalised_black(vd x, vd s, vd e_half_x) {
  const vd h = x / s, t = 0.5 * s;
  const vd vega = kInvSqrt2Pi * exp(-0.5 * (h * h + t * t));
  const vm complement = h + t > kComplementHT;
  const vd r = black_ratio(h, t, complement);
  return {select(complement, e_half_x - r * vega, r * vega), vega};
}

// ---- Delbourgo–Gregory rational cubic (SIAM J. Sci. Stat. Comput. 6 (1985) 967-976) --------

LF_INLINE vd rational_cubic(vd x, vd x_l, vd x_r, vd y_l, vd y_r, vd d_l, vd d_r, vd r) {
  const vd h = x_r - x_l;
  const vd u = (x - x_l) / h, v = 1.0 - u;
  const vd num = y_r * u * u * u + (r * y_r - h * d_r) * u * u * v + (r * y_l + h * d_l) * u * v * v;
  const vd cubic = (num + y_l * v * v * v) / (1.0 + (r - 3.0) * u * v);
  const vd linear = y_r * u + y_l * (1.0 - u);
  return select(vabs(h) <= 0.0, 0.5 * (y_l + y_r), select(r >= kRMax, linear, cubic));
}

// Smallest r keeping the data's monotonicity (eq. 3.8) and convexity (eq. 3.18).
LF_INLINE vd shape_preserving_minimum(vd d_l, vd d_r, vd slope, bool prefer_shape) {
  const vm monotone = (d_l * slope >= 0.0) & (d_r * slope >= 0.0);
  const vm convex = (d_l <= slope) & (slope <= d_r);
  const vm concave = (d_l >= slope) & (slope >= d_r);
  const vd monotone_fit = select(vabs(slope) >= kTiny, (d_r + d_l) / slope,
                                 splat(prefer_shape ? kRMax : -1e308));
  const vd r_monotone = select(monotone, monotone_fit, -1e308);
  const vd above = slope - d_l, below = d_r - slope, spread = d_r - d_l;
  // max(|spread/below|, |spread/above|) in one (equally rounded) division.
  const vd convex_fit =
      select((vabs(above) >= kTiny) & (vabs(below) >= kTiny),
             vabs(spread) / vmin(vabs(below), vabs(above)), splat(prefer_shape ? kRMax : -1e308));
  // Not convex/concave but monotone: r_max when the shape is preferred (else r = R_MIN below).
  const vd r_convex = select(convex | concave, convex_fit, splat(prefer_shape ? kRMax : -1e308));
  const vd r = vmax(splat(kRMin), vmax(r_monotone, r_convex));
  return select(monotone | convex | concave, r, kRMin);
}

LF_INLINE vd control_from(vd numerator, vd denominator) {
  const vd saturated = select(numerator > 0.0, splat(kRMax), splat(kRMin));
  return select(vabs(numerator) < kTiny, splat(0.0),
                select(vabs(denominator) < kTiny, saturated, numerator / denominator));
}

// Shape-preserving r whose interpolant has second derivative `second` at x_l (left) / x_r.
LF_INLINE vd control_fit_left(vd x_l, vd x_r, vd y_l, vd y_r, vd d_l, vd d_r, vd second,
                              bool prefer_shape) {
  const vd h = x_r - x_l, slope = (y_r - y_l) / h;
  const vd r = control_from(0.5 * h * second + (d_r - d_l), slope - d_l);
  return vmax(r, shape_preserving_minimum(d_l, d_r, slope, prefer_shape));
}

LF_INLINE vd control_fit_right(vd x_l, vd x_r, vd y_l, vd y_r, vd d_l, vd d_r, vd second,
                               bool prefer_shape) {
  const vd h = x_r - x_l, slope = (y_r - y_l) / h;
  const vd r = control_from(0.5 * h * second + (d_r - d_l), d_r - slope);
  return vmax(r, shape_preserving_minimum(d_l, d_r, slope, prefer_shape));
}

// ---- transformed coordinates of the outer branches (Jäckel 2015, section 5) -----------------

struct MapAndDerivatives {
  vd f, fp, fpp;  // f and df/db, d2f/db2
};

// f_lower(s) = 2 pi |x|/sqrt(27) Phi(-z)^3, z = |x|/(sqrt 3 s), and its derivatives in b.
LF_INLINE MapAndDerivatives lower_map(vd x, vd s) {
  const vd ax = vabs(x);
  const vd z = ax / (kSqrt3 * s), y = z * z;
  const vd mills = kSqrtHalfPi * erfcx(z * kInvSqrt2);
  const vd cdf = mills * kInvSqrt2Pi * exp(-0.5 * y);
  const vd e = exp(y + 0.125 * s * s);
  return {kTwoPiOverSqrt27 * ax * cdf * cdf * cdf, kTwoPi * y * cdf * cdf * e,
          kTwoPi * (y / s) * cdf * e * e * (2.0 * z - (2.0 + 2.0 * y - 0.25 * s * s) * mills)};
}

// s with f_lower(s) = f, from ln f.
LF_INLINE vd inverse_lower_map(vd x, vd ln_f) {
  const vd cube_root = exp((ln_f - log(kTwoPiOverSqrt27 * vabs(x))) / 3.0);
  return vabs(x / (kSqrt3 * norm_quantile(cube_root)));
}

// f_upper(s) = Phi(-s/2) = erfc(s/sqrt 8)/2 and its derivatives in b.
LF_INLINE MapAndDerivatives upper_map(vd x, vd s) {
  const vd w = (x / s) * (x / s);
  const vd y = s * (0.5 * kInvSqrt2);
  return {0.5 * exp_neg_square(y) * erfcx(y), -0.5 * exp(0.5 * w),
          kSqrtHalfPi * (w / s) * exp(w + 0.125 * s * s)};
}

// ---- iteration ----------------------------------------------------------------------------

LF_INLINE vd householder_step(vd newton, vd halley, vd hh3) {
  return newton * (1.0 + 0.5 * halley * newton) /
         (1.0 + newton * (halley + hh3 * newton * (1.0 / 6.0)));
}

struct Advance {
  vd s;
  vm converged;
};

// Next iterate from step ds inside (s_left, s_right): steps limited to -s/2; a step below
// 1e-5 s converges; a non-finite step or one leaving the bracket bisects (doubles while the
// bracket is open to the right).
LF_INLINE Advance advance(vd s, vd ds, vd s_left, vd s_right) {
  const vm finite = is_finite(ds);
  const vd step = vmax(ds, -0.5 * s);
  const vd next = s + step;
  const vm small = finite & (vabs(step) <= kConvergedStep * s);
  const vm take = small | (finite & (s_left < next) & (next < s_right));
  const vm open = s_right == kInf;
  const vd mid = 0.5 * (s_left + s_right);
  const vd bisect = select(open, 2.0 * vmax(s, s_left), mid);
  const vm bisect_converged = ~open & (s_right - s_left <= 4.0 * kEps * mid);
  return {select(take, next, bisect), small | (~take & bisect_converged)};
}

// The state of one vector of quotes between the passes of solve_block.
struct Quotes {
  vd forward, strike, maturity, time_value;
  vd x, beta, b_max, e_half_x;      // normalised quote
  vd s_c, b_c, v_c, s_2, b_2, v_2;  // branch points (s_2 = s_l or s_u)
  vd s, s_left, s_right, ln_beta, inv_ln_beta, ln_gap, target;  // iteration
  vm solve, zero, lower, lower_objective, upper_objective, active;
};

// Pass 1: normalise onto an out-of-the-money call; the inflection point s_c and s_l or s_u.
LF_INLINE void normalise(Quotes& q, vd price, vd discount, double theta) {
  const vd forward = q.forward, strike = q.strike;
  q.time_value = price / discount - vmax(theta * (forward - strike), splat(0.0));
  const vd bound = vmin(forward, strike);
  const vd sqrt_fk = vsqrt(forward) * vsqrt(strike);
  const vd beta = q.time_value / sqrt_fk, b_max = bound / sqrt_fk;
  const vm valid = (q.time_value >= 0.0) & (q.time_value < bound) & (beta < b_max);
  q.zero = valid & (q.time_value == 0.0);
  q.solve = valid & ~q.zero;
  // ln(F/K) = ln(1 + u), u = (F - K)/K, by log1p near the money, where F - K is exact
  // (Sterbenz): ln w with w = 1 + u rounded, plus the rounding error (u - (w - 1))/w.
  const vd u = (forward - strike) / strike;
  const vm near = (u >= -0.5) & (u <= 1.0);
  const vd w = select(near, u + 1.0, forward / strike);
  const vd x = -vabs(log(w) + select(near, (u - (w - 1.0)) / w, 0.0));
  // Lanes not solved get a benign at-the-money quote.
  q.x = select(q.solve, x, 0.0);
  q.beta = select(q.solve, beta, 0.2);
  q.b_max = select(q.solve, b_max, 1.0);
  q.e_half_x = exp(0.5 * q.x);
  // At s_c = sqrt(2|x|): h = -t, (h^2 + t^2)/2 = -x/2, so b' = exp(x/2)/sqrt(2 pi), b = b' R.
  q.s_c = select(q.x == 0.0, 0.0, vsqrt(-2.0 * q.x));
  q.v_c = kInvSqrt2Pi * q.e_half_x;
  q.b_c = inflection_ratio(0.5 * q.s_c) * q.v_c;
  q.lower = q.beta < q.b_c;
  q.s_2 = q.s_c + select(q.lower, -q.b_c, q.b_max - q.b_c) / q.v_c;
}

// Pass 3: the initial guess and bracket on the quote's branch, and its objective.
LF_INLINE void initial_guess(Quotes& q) {
  const vd beta = q.beta, x = q.x, s_2 = q.s_2, b_2 = q.b_2, b_c = q.b_c, s_c = q.s_c;
  const vm lower = q.lower;
  const vm lowest = lower & (beta < b_2);
  const vm highest = ~lower & (beta > b_2);
  // Middle branches: rational cubic in s through (b_l, s_l)-(b_c, s_c) or (b_c, s_c)-(b_u, s_u)
  // with slopes 1/b', zero second derivative at s_c.
  const vd inv_v2 = 1.0 / q.v_2, inv_vc = 1.0 / q.v_c;
  const vd x_l = select(lower, b_2, b_c), x_r = select(lower, b_c, b_2);
  const vd y_l = select(lower, s_2, s_c), y_r = select(lower, s_c, s_2);
  const vd d_l = select(lower, inv_v2, inv_vc), d_r = select(lower, inv_vc, inv_v2);
  // control_fit_right (lower) / control_fit_left (upper) with zero second derivative.
  const vd slope = (y_r - y_l) / (x_r - x_l);
  const vd r_mid = vmax(control_from(d_r - d_l, select(lower, d_r - slope, slope - d_l)),
                        shape_preserving_minimum(d_l, d_r, slope, false));
  vd s = rational_cubic(beta, x_l, x_r, y_l, y_r, d_l, d_r, r_mid);
  vd s_left = y_l, s_right = y_r;
  vd ln_beta = splat(0.0);
  vm upper_objective = all_false();
  if (any(lowest)) {
    // ln beta without underflow: ln(time value) - ln sqrt(F K) where beta is below the normal
    // range (or 0).
    ln_beta = log(beta);
    const vm tiny = beta < 1e-290;
    if (any(tiny))
      ln_beta =
          select(tiny, log(q.time_value) - 0.5 * (log(q.forward) + log(q.strike)), ln_beta);
    const MapAndDerivatives m = lower_map(x, s_2);
    const vd zeros = splat(0.0), ones = splat(1.0);
    const vd r = control_fit_right(zeros, b_2, zeros, m.f, ones, m.fp, m.fpp, true);
    vd f = rational_cubic(beta, zeros, b_2, zeros, m.f, ones, m.fp, r);
    const vd u = beta / b_2;
    f = select(f > 0.0, f, (m.f * u + b_2 * (1.0 - u)) * u);
    // f = beta (1 + O(beta)) near 0: below the normal range take ln f = ln beta.
    vd guess = inverse_lower_map(x, select(f > 1e-290, log(f), ln_beta));
    guess = select((guess > 0.0) & (guess < s_2), guess, 0.5 * s_2);
    s = select(lowest, guess, s);
    s_left = select(lowest, 0.0, s_left);
    s_right = select(lowest, s_2, s_right);
  }
  if (any(highest)) {
    const vd b_max = q.b_max;
    const MapAndDerivatives m = upper_map(x, s_2);
    const vd r = control_fit_left(b_2, b_max, m.f, splat(0.0), m.fp, splat(-0.5), m.fpp, true);
    vd f = rational_cubic(beta, b_2, b_max, m.f, splat(0.0), m.fp, splat(-0.5), r);
    f = select(is_finite(m.fpp), f, -1.0);
    const vd gap = b_max - b_2, u = (beta - b_2) / gap;
    f = select((f > 0.0) & (f < 0.5), f, (m.f * (1.0 - u) + 0.5 * gap * u) * (1.0 - u));
    vd guess = -2.0 * norm_quantile(f);
    guess = select(guess > s_2, guess, 2.0 * s_2);
    s = select(highest, guess, s);
    s_left = select(highest, s_2, s_left);
    s_right = select(highest, kInf, s_right);
    upper_objective = highest & (beta > 0.5 * b_max);
  }
  q.s = s;
  q.s_left = s_left;
  q.s_right = s_right;
  q.lower_objective = lowest;
  q.upper_objective = upper_objective;
  q.ln_beta = ln_beta;
  q.inv_ln_beta = 1.0 / ln_beta;
  q.ln_gap = any(upper_objective) ? log(q.b_max - beta) : splat(0.0);
  const vm price_objective = ~lowest & ~upper_objective;
  q.target = select(price_objective, beta, select(lowest, ln_beta, q.ln_gap));
  q.active = q.solve;
}

// Pass 4 (repeated): one Householder(3) step on g = b - beta (price), 1/ln b - 1/ln beta
// (lower) or ln(b_max - beta) - ln(b_max - b) (upper), on the lanes still active.
LF_INLINE void householder_iteration(Quotes& q) {
  const vd s = q.s;
  const vm active = q.active, lower_objective = q.lower_objective;
  const vm upper_objective = q.upper_objective;
  const vm price_objective = ~lower_objective & ~upper_objective;
  const vd inv_s = 1.0 / s;
  const vd h = q.x * inv_s, t = 0.5 * s;
  const vm complement = upper_objective | (price_objective & (h + t > kComplementHT));
  const vd r = black_ratio(h, t, complement);
  const vd h2t2 = h * h + t * t;
  vd value = splat(0.0), vega = splat(0.0);
  if (any(active & price_objective)) {
    vega = kInvSqrt2Pi * exp(-0.5 * h2t2);
    value = select(complement, q.e_half_x - r * vega, r * vega);
  }
  if (any(active & ~price_objective))  // ln b or ln(b_max - b)
    value = select(price_objective, value, log(r) + (-0.5 * h2t2 - kLnSqrt2Pi));
  const vd target = q.target;
  const vm above = select(upper_objective, target - value, value - target) > 0.0;
  const vm below = select(upper_objective, value - target, target - value) > 0.0;
  q.s_right = select(active & above, vmin(q.s_right, s), q.s_right);
  q.s_left = select(active & below, vmax(q.s_left, s), q.s_left);
  const vm stepping = active & (above | below);

  const vd h_over_s = h * inv_s;
  const vd b2 = h * h_over_s - 0.25 * s;                     // b''/b'
  const vd b3 = b2 * b2 - 3.0 * h_over_s * h_over_s - 0.25;  // b'''/b'
  // -g/g', g''/g' and g'''/g' of the lane's objective.
  vd newton = (q.beta - value) / vega, halley = b2, hh3 = b3;
  vm finite_step = vega > 0.0;
  if (any(active & ~price_objective)) {
    // Lower, with L = ln b and rho = b'/b: -g/g' = (ln beta - L) L / (ln beta rho),
    // g''/g' = b''/b' - rho (1 + 2/L), g'''/g' = b'''/b' + 2 rho^2 (1 + 3/L + 3/L^2)
    // - 3 (b''/b') rho (1 + 2/L). Upper, with gamma = b'/(b_max - b): -g/g' = -g/gamma,
    // g''/g' = b''/b' + gamma, g'''/g' = b'''/b' + gamma (2 gamma + 3 b''/b').
    const vd rho = 1.0 / r;  // rho or gamma
    const vd inv_l = 1.0 / value;
    const vd halley_lower = b2 - rho * (1.0 + 2.0 * inv_l);
    const vd hh3_lower = b3 + 2.0 * rho * rho * (1.0 + 3.0 * inv_l * (1.0 + inv_l)) -
                         3.0 * b2 * rho * (1.0 + 2.0 * inv_l);
    newton = select(price_objective, newton,
                    select(lower_objective, (q.ln_beta - value) * value * q.inv_ln_beta * r,
                           (value - q.ln_gap) * r));
    halley = select(price_objective, halley, select(lower_objective, halley_lower, b2 + rho));
    hh3 = select(price_objective, hh3,
                 select(lower_objective, hh3_lower, b3 + rho * (2.0 * rho + 3.0 * b2)));
    finite_step = (price_objective & finite_step) |
                  (~price_objective & is_finite(value) & (r > 0.0));
  }
  const vd ds = select(finite_step, householder_step(newton, halley, hh3), kNaN);
  const Advance next = advance(s, ds, q.s_left, q.s_right);
  q.s = select(stepping, next.s, s);
  q.active = stepping & ~next.converged;
}

// Up to kBlock vectors of quotes, pass by pass: the vectors of a pass are independent, so that
// their long dependency chains (the kernel is latency-bound) overlap in the CPU.
constexpr int kBlock = 4;

LF_INLINE void solve_block(int n_vectors, const vd* price, const vd* discount, double theta,
                           Quotes* q, vd* out) {
  for (int v = 0; v < n_vectors; ++v) normalise(q[v], price[v], discount[v], theta);
  for (int v = 0; v < n_vectors; ++v) {
    const PriceAndVega at_2 = normalised_black(q[v].x, q[v].s_2, q[v].e_half_x);
    q[v].b_2 = at_2.b;
    q[v].v_2 = at_2.vega;
  }
  for (int v = 0; v < n_vectors; ++v) initial_guess(q[v]);
  for (int iteration = 0; iteration < kMaxIterations; ++iteration) {
    bool running = false;
    for (int v = 0; v < n_vectors; ++v) {
      if (!any(q[v].active)) continue;
      householder_iteration(q[v]);
      running = true;
    }
    if (!running) break;
  }
  for (int v = 0; v < n_vectors; ++v)
    out[v] = select(q[v].solve, q[v].s / vsqrt(q[v].maturity),
                    select(q[v].zero, splat(0.0), kNaN));
}

}  // namespace

// Solves n contiguous quotes, kBlock vectors at a time (a short last vector padded with the
// block's first quote).
void LEVYFAST_IV_SOLVER(std::size_t n, const double* price, const double* forward,
                        const double* strike, const double* maturity, const double* discount,
                        double theta, double* out) {
  constexpr std::size_t kPerBlock = static_cast<std::size_t>(kBlock) * kLanes;
  Quotes q[kBlock];
  vd p[kBlock], d[kBlock], vol[kBlock];
  for (std::size_t i = 0; i < n; i += kPerBlock) {
    const std::size_t m = n - i < kPerBlock ? n - i : kPerBlock;
    const int n_vectors = static_cast<int>((m + kLanes - 1) / kLanes);
    for (int v = 0; v < n_vectors; ++v) {
      for (int j = 0; j < kLanes; ++j) {
        const std::size_t lane = static_cast<std::size_t>(v * kLanes + j);
        const std::size_t src = i + (lane < m ? lane : 0);
        p[v][j] = price[src];
        q[v].forward[j] = forward[src];
        q[v].strike[j] = strike[src];
        q[v].maturity[j] = maturity[src];
        d[v][j] = discount[src];
      }
    }
    solve_block(n_vectors, p, d, theta, q, vol);
    for (std::size_t j = 0; j < m; ++j) out[i + j] = vol[j / kLanes][j % kLanes];
  }
}

}  // namespace levyfast::detail
