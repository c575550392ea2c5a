// Branch-free exp and erfc that compilers vectorise (libm's are scalar calls), for the inner
// loops of the time-change quadrature. Both are accurate to a few ulp / 3e-14 relative.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

// The elementary kernels below are inlined into the vector loops of every instruction-set copy
// of a dispatched kernel (isa.hpp), which are always-inline themselves.
#if defined(__GNUC__)
#define LEVYFAST_INLINE inline __attribute__((always_inline))
#else
#define LEVYFAST_INLINE inline
#endif

namespace levyfast::fast_math {

LEVYFAST_INLINE std::uint64_t bits_of(double x) {
  std::uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

LEVYFAST_INLINE double from_bits(std::uint64_t b) {
  double x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

// x < 0 ? if_negative : otherwise, by the sign bit (-0 counts as negative, NaN by its sign),
// with integer masks: both operands are computed unconditionally and no branch is left to
// if-convert.
LEVYFAST_INLINE double select_if_negative(double x, double if_negative, double otherwise) {
  const std::uint64_t negative = 0u - (bits_of(x) >> 63);  // all ones where x < 0
  return from_bits((bits_of(if_negative) & negative) | (bits_of(otherwise) & ~negative));
}

// x[0] + ... + x[n-1] in four independent chains of adds (one chain of dependent adds is
// bound by the add latency: it was a quarter of put_coefficients' time).
LEVYFAST_INLINE double sum_four_chains(const double* x, std::size_t n) {
  double part[4] = {0.0, 0.0, 0.0, 0.0};
  std::size_t i = 0;
  for (; i + 3 < n; i += 4)
    for (int c = 0; c < 4; ++c) part[c] += x[i + c];
  for (; i < n; ++i) part[0] += x[i];
  return (part[0] + part[1]) + (part[2] + part[3]);
}

// sum_{m<N} c[m] z^m by Estrin's scheme: pairs combined with z, z^2, z^4, ..., a dependency
// chain of ~log2 N multiply-adds instead of Horner's N (the erfc loops are latency-bound, and
// atan_real and log1p_nonneg went 11-20% faster per exponent point of VG and CGMY).
template <std::size_t N>
LEVYFAST_INLINE double estrin(const std::array<double, N>& c, double z) {
  std::array<double, N> v = c;
  std::size_t n = N;
  double zp = z;
#pragma GCC unroll 8
  for (int level = 0; level < 8 && n > 1; ++level) {
    const std::size_t half = n / 2;
#pragma GCC unroll 32
    for (std::size_t i = 0; i < half; ++i) v[i] = v[2 * i] + v[2 * i + 1] * zp;
    if (n % 2 == 1) v[half] = v[n - 1];
    n = half + n % 2;
    zp *= zp;
  }
  return v[0];
}

// 1/d! for d = 0 .. 12 (namespace-scope constants, so that vectorised loops load them).
inline constexpr std::array<double, 13> kInvFact = {
    1.0,         1.0,           0.5,           1.0 / 6.0,      1.0 / 24.0,
    1.0 / 120.0, 1.0 / 720.0,   1.0 / 5040.0,  1.0 / 40320.0,  1.0 / 362880.0,
    1.0 / 3628800.0, 1.0 / 39916800.0, 1.0 / 479001600.0};

// 1/d!, d = 0 .. Degree: the Taylor polynomial of exp_bounded.
template <int Degree>
inline constexpr std::array<double, Degree + 1> kExpTaylor = [] {
  std::array<double, Degree + 1> c{};
  for (int d = 0; d <= Degree; ++d) c[d] = kInvFact[d];
  return c;
}();

// 1/(m + 2)!, m = 0 .. 11: (e^r - 1 - r) / r^2 (expm1_bounded).
inline constexpr std::array<double, 12> kExpm1Taylor = [] {
  std::array<double, 12> c{};
  for (int m = 0; m < 11; ++m) c[m] = kInvFact[m + 2];
  c[11] = kInvFact[12] / 13.0;
  return c;
}();

// exp(y) for y in [-700, 700]: y = k ln2 + r with |r| <= ln2/2 (Cody & Waite split of ln 2),
// e^r by its Taylor polynomial of degree Degree (truncation (ln2/2)^(D+1)/(D+1)!: 1.7e-16 for
// the default 12, 7e-12 for 9), 2^k added to the exponent bits.
template <int Degree = 12>
LEVYFAST_INLINE double exp_bounded(double y) {
  static_assert(Degree >= 2 && Degree <= 12, "exp_bounded: degree in [2, 12]");
  constexpr double kLog2e = 1.4426950408889634;
  constexpr double kLn2Hi = 0.6931471803691238;   // ln 2 to 32 bits
  constexpr double kLn2Lo = 1.9082149292705877e-10;
  constexpr double kShift = 6755399441055744.0;     // 1.5 * 2^52: rounds to an integer
  const double shifted = y * kLog2e + kShift;
  const double k = shifted - kShift;
  const double r = (y - k * kLn2Hi) - k * kLn2Lo;
  const double p = estrin(kExpTaylor<Degree>, r);
  const std::int64_t ki = static_cast<std::int64_t>(bits_of(shifted) - bits_of(kShift));
  return from_bits(bits_of(p) + (static_cast<std::uint64_t>(ki) << 52));
}

// 1 / (2k + 1), k = 0 .. N - 1: atanh(s) / s in s^2 (log1p_nonneg, log1p_unit).
template <std::size_t N>
inline constexpr std::array<double, N> kAtanhSeries = [] {
  std::array<double, N> c{};
  for (std::size_t k = 0; k < N; ++k) c[k] = 1.0 / static_cast<double>(2 * k + 1);
  return c;
}();

// ln(1 + q) for q in [0, 1], branch-free: 2 atanh(s) with s = q / (2 + q) <= 1/3, by its odd
// series 2 sum s^(2k+1)/(2k+1) to k = 16 (truncation < 1e-17).
LEVYFAST_INLINE double log1p_unit(double q) {
  const double s = q / (2.0 + q);
  return 2.0 * s * estrin(kAtanhSeries<17>, s * s);
}

// ln(1 + q) for finite q >= 0, branch-free: 1 + q = 2^e m with m in [1/sqrt 2, sqrt 2) read
// off the bits of (1 + q) sqrt 2, then e ln 2 + 2 atanh(s), s = f / (2 + f) with f = m - 1
// (f = q itself when e = 0, exact for small q), |s| <= 0.1716: the odd series to s^23
// (truncation < 1e-18 relative); ln 2 split as in exp_bounded.
LEVYFAST_INLINE double log1p_nonneg(double q) {
  constexpr double kLn2Hi = 0.6931471803691238, kLn2Lo = 1.9082149292705877e-10;
  constexpr double kSqrt2 = 1.4142135623730951;
  const double v = 1.0 + q;
  const std::uint64_t biased = bits_of(v * kSqrt2) >> 52;
  // The exponent as a double without an integer conversion (none for 64-bit lanes on AVX2):
  // 2^52 + e_biased read as the mantissa of 2^52, minus 2^52 + 1023.
  const double e = from_bits(0x4330000000000000ULL | biased) - (4503599627370496.0 + 1023.0);
  const double m = v * from_bits((2046u - biased) << 52);  // v 2^-e, exact
  const double f = e == 0.0 ? q : m - 1.0;
  const double s = f / (2.0 + f);
  const double p = estrin(kAtanhSeries<12>, s * s);
  return e * kLn2Hi + (2.0 * s * p + e * kLn2Lo);
}

// Taylor coefficients (-1)^k / (2k + 1) of atan(t) / t in t^2, k = 0 .. 22.
inline constexpr std::array<double, 23> kAtanTaylor = {
    1.0,       -1.0 / 3,  1.0 / 5,   -1.0 / 7,  1.0 / 9,   -1.0 / 11, 1.0 / 13,  -1.0 / 15,
    1.0 / 17,  -1.0 / 19, 1.0 / 21,  -1.0 / 23, 1.0 / 25,  -1.0 / 27, 1.0 / 29,  -1.0 / 31,
    1.0 / 33,  -1.0 / 35, 1.0 / 37,  -1.0 / 39, 1.0 / 41,  -1.0 / 43, 1.0 / 45};

// atan(x) for finite x, branch-free, one division: |x| = tan(base + atan t) with t = |x| on
// [0, tan pi/8], (|x| - 1)/(|x| + 1) and base pi/4 up to tan 3pi/8, -1/|x| and base pi/2
// above, so that the Taylor series runs on |t| <= tan(pi/8) (to t^45: truncation
// 0.4142^47 / 47 < 1e-19); the sign of x restored.
LEVYFAST_INLINE double atan_real(double x) {
  constexpr double kPi2 = 1.5707963267948966, kPi4 = 0.7853981633974483;
  constexpr double kTanPi8 = 0.41421356237309503, kTan3Pi8 = 2.414213562373095;
  const double ax = std::fabs(x);
  const bool large = ax > kTan3Pi8, mid = ax > kTanPi8;
  const double num = large ? -1.0 : (mid ? ax - 1.0 : ax);
  const double den = large ? ax : (mid ? ax + 1.0 : 1.0);
  const double t = num / den;
  const double p = estrin(kAtanTaylor, t * t);
  const double base = large ? kPi2 : (mid ? kPi4 : 0.0);
  return std::copysign(base + t * p, x);
}

// Taylor coefficients of cos r (in r^2, degrees 0 .. 16) and sin r / r (degrees 0 .. 16).
inline constexpr std::array<double, 9> kCosTaylor = {
    1.0,           -0.5,          1.0 / 24.0,         -1.0 / 720.0,          1.0 / 40320.0,
    -1.0 / 3628800.0, 1.0 / 479001600.0, -1.0 / 87178291200.0, 1.0 / 20922789888000.0};
inline constexpr std::array<double, 9> kSinTaylor = {
    1.0,             -1.0 / 6.0,        1.0 / 120.0,          -1.0 / 5040.0,
    1.0 / 362880.0,  -1.0 / 39916800.0, 1.0 / 6227020800.0,   -1.0 / 1307674368000.0,
    1.0 / 355687428096000.0};

// cos(x) and sin(x) for |x| <= 2^19 (about 5e5), branch-free: x = k pi/2 + r with |r| <= pi/4
// by a Cody & Waite split of pi/2 into 33 bits (k pi/2 exact for such k) and a tail, then
// the Taylor polynomials of cos r (degree 16) and sin r (degree 17), truncation < 1e-17, and
// the quadrant k mod 4 selects +-cos r or +-sin r (each accurate relative to its own value).
struct SinCos {
  double sin, cos;
};
LEVYFAST_INLINE SinCos sincos_bounded(double x) {
  constexpr double k2OverPi = 0.6366197723675814;
  constexpr double kPio2Hi = 1.5707963267341256;      // pi/2 to 33 bits
  constexpr double kPio2Lo = 6.077100506506192e-11;   // pi/2 - kPio2Hi
  constexpr double kShift = 6755399441055744.0;       // 1.5 * 2^52: rounds to an integer
  const double shifted = x * k2OverPi + kShift;
  const double k = shifted - kShift;
  const double r = (x - k * kPio2Hi) - k * kPio2Lo;
  const double r2 = r * r;
  const double c = estrin(kCosTaylor, r2);
  const double s = estrin(kSinTaylor, r2) * r;
  // Quadrant selection on the bits (no branch and no integer-to-double conversion, which
  // x86-64-v3 lacks for 64-bit lanes, so that loops vectorise on AVX2 too): odd quadrants swap
  // sin r and cos r; cos flips its sign bit in quadrants 1 and 2, sin in 2 and 3.
  const std::uint64_t quadrant = (bits_of(shifted) - bits_of(kShift)) & 3u;
  const std::uint64_t odd = 0u - (quadrant & 1u);  // all ones in odd quadrants
  const std::uint64_t cos_bits = (bits_of(c) & ~odd) | (bits_of(s) & odd);
  const std::uint64_t sin_bits = (bits_of(s) & ~odd) | (bits_of(c) & odd);
  return {from_bits(sin_bits ^ ((quadrant & 2u) << 62)),
          from_bits(cos_bits ^ (((quadrant + 1u) & 2u) << 62))};
}

LEVYFAST_INLINE double cos_bounded(double x) { return sincos_bounded(x).cos; }

// e^y - 1 for y in [-700, 700], accurate relative to itself near 0: y = k ln 2 + r as in
// exp_bounded, e^r - 1 = r + r^2 (1/2! + r/3! + ... + r^11/13!) (truncation (ln2/2)^14 / 14!
// < 1e-17 relative), then 2^k (e^r - 1) + (2^k - 1): exact for k = 0, no cancellation beyond.
LEVYFAST_INLINE double expm1_bounded(double y) {
  constexpr double kLog2e = 1.4426950408889634;
  constexpr double kLn2Hi = 0.6931471803691238, kLn2Lo = 1.9082149292705877e-10;
  constexpr double kShift = 6755399441055744.0;  // 1.5 * 2^52: rounds to an integer
  const double shifted = y * kLog2e + kShift;
  const double k = shifted - kShift;
  const double r = (y - k * kLn2Hi) - k * kLn2Lo;
  const double r_expm1 = estrin(kExpm1Taylor, r) * r * r + r;
  const std::int64_t ki = static_cast<std::int64_t>(bits_of(shifted) - bits_of(kShift));
  const double two_k = from_bits(static_cast<std::uint64_t>(ki + 1023) << 52);
  return two_k * r_expm1 + (two_k - 1.0);
}

// The scaled complementary error function in Weideman's (1994, SIAM J. Numer. Anal. 31)
// rational form: for x >= 0,
//   erfcx(x) = [1/sqrt(pi) + 2 p(Z) / (L + x)] / (L + x),  Z = (L - x)/(L + x),
// p(Z) = sum_{m=1}^{N} a_m Z^(m-1).
template <int Terms>
struct ErfcxSeries {
  static constexpr int kTerms = Terms;
  double L;
  std::array<double, Terms> a;  // a[m - 1] = a_m
};

// The two erfc kernels: series terms, exp degree (exp_bounded's truncation).
// ErfcAccurate: Weideman's coefficients (the cosine transform of (L^2 + t^2) e^{-t^2} at
// t = L tan(theta/2), L = sqrt(N / sqrt 2)), 3e-14 relative on [0, inf), for results whose
// small values must keep their relative accuracy (Black-Scholes, Merton).
struct ErfcAccurate {
  static constexpr int kTerms = 32, kExpDegree = 12;
};
// ErfcFast: p fitted by weighted least squares to erfc's absolute error (weight
// 2 e^{-x^2} / (L + x)^2, L = 3; fast_math.cpp), < 3e-13 absolute on the real line (the relative
// accuracy of values far below that is lost): for the time change's sums, whose error is
// absolute (the weights sum to 1). Twelve terms where Weideman's construction needs 20 for
// 3.3e-9 relative, which was up to 3.3e-9 absolute near 0.
struct ErfcFast {
  static constexpr int kTerms = 12, kExpDegree = 10;
};
// ErfcCoarse: the same fit with eight terms (L = 2.25, the best of L = 1.5 .. 4 in steps of
// 1/4) and e^r to degree 9, < 1e-10 absolute on the real line (6.4e-11 measured): for the time
// change's sums at the default tolerance and above, where ErfcFast's twelve-term series was a
// third of a node-strike pair's arithmetic. (Degree 8 erred by 1.5e-10 near |x| = 0.59.)
struct ErfcCoarse {
  static constexpr int kTerms = 8, kExpDegree = 9;
};
// Smallest price tolerance (fraction of the forward) at which sums of Black values weighted
// by a probability law (Merton's Poisson terms; the time change's nodes take ErfcCoarse) take
// ErfcFast: its < 3e-13 absolute error times the payoff scale 1 + kappa stays far inside it.
inline constexpr double kFastErfcMinTolerance = 1e-7;
// Smallest tolerance at which the time change's sums take ErfcCoarse: its < 1e-10 (1 + kappa)
// on the sum is 0.1% of it per unit of payoff scale.
inline constexpr double kCoarseErfcMinTolerance = 1e-7;

// The series of an erfc kernel (built once, on first use).
template <class Accuracy>
const ErfcxSeries<Accuracy::kTerms>& erfcx_series();

// min(|x|, cap) for a positive cap, on the bits (for x >= 0 their integer order is the order
// of the values; NaN clamps to the cap): an integer minimum, where a floating-point select of
// the constant let GCC specialise the clamped branch (e^{-676} folded in erfc_fast) and left
// the x86-64-v3 loops scalar.
LEVYFAST_INLINE double abs_clamped(double x, double cap) {
  const std::int64_t abs_bits = static_cast<std::int64_t>(bits_of(std::fabs(x)));
  return from_bits(static_cast<std::uint64_t>(
      std::min(abs_bits, static_cast<std::int64_t>(bits_of(cap)))));
}

// erfcx(ax) = e^{ax^2} erfc(ax) for ax >= 0 (finite) by the series of an erfc kernel, given
// inv = 1 / (L + ax).
template <class Accuracy>
LEVYFAST_INLINE double erfcx_fast(double ax, double inv, const ErfcxSeries<Accuracy::kTerms>& s) {
  const double Z = (s.L - ax) * inv;
  const double p = estrin(s.a, Z);
  return (0.5641895835477563 + 2.0 * p * inv) * inv;
}

// erfc(x) for any real x (|x| is clamped at 26, where erfc < 1e-295, so that exp_bounded
// stays inside its range).
template <class Accuracy>
LEVYFAST_INLINE double erfc_fast(double x, const ErfcxSeries<Accuracy::kTerms>& s) {
  const double ax = abs_clamped(x, 26.0);
  const double erfcx = erfcx_fast<Accuracy>(ax, 1.0 / (s.L + ax), s);
  const double tail = exp_bounded<Accuracy::kExpDegree>(-ax * ax) * erfcx;
  const double mirrored = 2.0 - tail;
  // erfc(x) = 2 - erfc(-x) for x < 0, selected on the bits: a floating-point select let GCC
  // sink the subtraction into a branch that it then may not if-convert without AVX-512's
  // masks (the subtraction "could trap"), which left the x86-64-v3 loops scalar.
  return select_if_negative(x, mirrored, tail);
}

}  // namespace levyfast::fast_math
