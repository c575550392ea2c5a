// Double vectors of LEVYFAST_SIMD_LANES lanes (GCC/Clang vector extensions) and the special
// functions of the implied-volatility kernel on them, accurate to about one ulp: exp, log,
// log1p, Cody's erfcx and Wichura's normal quantile. Every function is branch-free per lane; a
// region of a piecewise approximation is evaluated only when some lane of the vector needs it.
//
// Each including translation unit is compiled for one instruction set (-march) and sets the
// lane count to its register width (8: AVX-512, 4: AVX2, 2: SSE2); GCC lowers vectors wider
// than the target's registers lane by lane. Everything is in an anonymous namespace, so that
// the copies compiled for different instruction sets never meet at link time (ODR).
#pragma once

#ifndef LEVYFAST_SIMD_LANES
#error "define LEVYFAST_SIMD_LANES (the vector width in doubles) before including simd_math.hpp"
#endif

#include <cstdint>

#if defined(__AVX__)
#include <immintrin.h>
#endif

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"  // 64-byte vectors by value: all calls are inlined
#endif

namespace levyfast::simd {
namespace {  // NOLINT(cert-dcl59-cpp): one copy per instruction set, see above

constexpr int kLanes = LEVYFAST_SIMD_LANES;
typedef double vd __attribute__((vector_size(8 * kLanes)));
typedef std::int64_t vi __attribute__((vector_size(8 * kLanes)));
using vm = decltype(vd{} < vd{});  // lane mask: all bits set where true

#define LF_SIMD_INLINE inline __attribute__((always_inline))

LF_SIMD_INLINE vd splat(double c) { return vd{} + c; }
// m ? a : b lane by lane, as bit operations (GCC lowers the vector `?:` lane by lane).
LF_SIMD_INLINE vd select(vm m, vd a, vd b) {
  return reinterpret_cast<vd>((reinterpret_cast<vi>(a) & m) | (reinterpret_cast<vi>(b) & ~m));
}
LF_SIMD_INLINE vd select(vm m, vd a, double b) { return select(m, a, splat(b)); }
LF_SIMD_INLINE vd select(vm m, double a, vd b) { return select(m, splat(a), b); }
LF_SIMD_INLINE vm all_false() { return vd{} < vd{}; }
LF_SIMD_INLINE vm all_true() { return vd{} == vd{}; }
LF_SIMD_INLINE bool any(vm m) {
#if defined(__AVX512F__) && LEVYFAST_SIMD_LANES == 8
  return _mm512_test_epi64_mask(reinterpret_cast<__m512i>(m), reinterpret_cast<__m512i>(m)) != 0;
#elif defined(__AVX__) && LEVYFAST_SIMD_LANES == 4
  return _mm256_testz_si256(reinterpret_cast<__m256i>(m), reinterpret_cast<__m256i>(m)) == 0;
#else
  std::int64_t r = 0;
  for (int i = 0; i < kLanes; ++i) r |= m[i];
  return r != 0;
#endif
}
LF_SIMD_INLINE vd vmin(vd a, vd b) { return select(b < a, b, a); }
LF_SIMD_INLINE vd vmax(vd a, vd b) { return select(a < b, b, a); }
LF_SIMD_INLINE vd vabs(vd a) {
  return reinterpret_cast<vd>(reinterpret_cast<vi>(a) & 0x7fffffffffffffffLL);
}
LF_SIMD_INLINE vm is_nan(vd a) { return a != a; }
LF_SIMD_INLINE vm is_finite(vd a) { return vabs(a) <= splat(1.79769313486231570815e308); }
LF_SIMD_INLINE vd vsqrt(vd a) {
  vd r;
  for (int i = 0; i < kLanes; ++i) r[i] = __builtin_sqrt(a[i]);
  return r;
}
LF_SIMD_INLINE vd vtrunc(vd a) {  // |a| < 2^63
  return __builtin_convertvector(__builtin_convertvector(a, vi), vd);
}

// exp(y), faithful to about one ulp over the whole double range (0 below -745.2, inf above
// 709.8, NaN for NaN: it propagates through the clamp and the polynomial). y = k ln 2 + r with
// |r| <= ln2/2 (Cody–Waite split of ln 2), e^r by its degree-13 Taylor polynomial (truncation
// below 1e-17), 2^k applied in two halves so that subnormal results and k = 1024 need no
// special case.
LF_SIMD_INLINE vd exp(vd y) {
  constexpr double kLog2e = 1.4426950408889634;
  constexpr double kLn2Hi = 0.6931471803691238;  // ln 2 to 32 bits: k * kLn2Hi is exact
  constexpr double kLn2Lo = 1.9082149292705877e-10;
  constexpr double kShift = 6755399441055744.0;  // 1.5 * 2^52: adding it rounds to an integer
  const vd yc = vmin(vmax(y, splat(-746.0)), splat(710.0));
  const vd shifted = yc * kLog2e + kShift;
  const vd k = shifted - kShift;
  const vd r = (yc - k * kLn2Hi) - k * kLn2Lo;
  // e^r = 1 + (r + r^2 P(r)), P(r) = sum_{j=0}^{11} r^j/(j+2)! by Estrin's scheme (short
  // dependency chains: the kernel is latency-bound).
  const vd r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  const vd e0 = (1.0 / 6.0) * r + 0.5, e1 = (1.0 / 120.0) * r + 1.0 / 24.0;
  const vd e2 = (1.0 / 5040.0) * r + 1.0 / 720.0, e3 = (1.0 / 362880.0) * r + 1.0 / 40320.0;
  const vd e4 = (1.0 / 39916800.0) * r + 1.0 / 3628800.0;
  const vd e5 = (1.0 / 6227020800.0) * r + 1.0 / 479001600.0;
  const vd big_p = (e0 + e1 * r2) + (e2 + e3 * r2) * r4 + (e4 + e5 * r2) * r8;
  const vd p = 1.0 + (r + r2 * big_p);
  const vi ki = reinterpret_cast<vi>(shifted) - reinterpret_cast<vi>(splat(kShift));
  const vi k1 = ki >> 1;
  const vi k2 = ki - k1;
  const vd scale1 = reinterpret_cast<vd>((k1 + 1023) << 52);
  const vd scale2 = reinterpret_cast<vd>((k2 + 1023) << 52);
  return p * scale1 * scale2;
}

// ln(a) to below one ulp for a >= 0 (-inf at 0, inf at inf, NaN below 0 or for NaN).
// a = 2^e m with m in [sqrt(1/2), sqrt(2)), f = m - 1, s = f/(2 + f): ln(1 + f) = 2 atanh(s)
// = f - hfsq + s (hfsq + R(s^2)), hfsq = f^2/2, R(z) = sum_n 2 z^n/(2n + 1) (the Taylor series
// of atanh, 11 terms for z <= 0.0295), and e ln 2 added in two parts (the classical fdlibm
// arrangement of this identity).
LF_SIMD_INLINE vd log(vd a) {
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  const vm subnormal = a < splat(2.2250738585072014e-308);
  const vd scaled = select(subnormal, a * 18014398509481984.0, a);  // * 2^54
  const vi bits = reinterpret_cast<vi>(scaled);
  // Shift the mantissa range to [sqrt(1/2), sqrt(2)): add (1 - 0x3fe6a09e...) to the bits.
  const vi shifted = bits + (0x3ff0000000000000LL - 0x3fe6a09e667f3bcdLL);
  const vi e = (shifted >> 52) - 1023 - (reinterpret_cast<vi>(subnormal) & 54);
  const vd m = reinterpret_cast<vd>((shifted & 0x000fffffffffffffLL) + 0x3fe6a09e667f3bcdLL);
  const vd f = m - 1.0;
  const vd s = f / (f + 2.0);
  const vd z = s * s;
  vd R = splat(2.0 / 23.0);
  for (int n = 10; n >= 1; --n) R = R * z + 2.0 / (2 * n + 1);
  R = R * z;
  const vd hfsq = 0.5 * f * f;
  const vd ek = __builtin_convertvector(e, vd);
  const vd result = ek * kLn2Hi - ((hfsq - (s * (hfsq + R) + ek * kLn2Lo)) - f);
  const vd special = select(a == 0.0, splat(-__builtin_inf()),
                            select(a < 0.0, splat(__builtin_nan("")), a));
  return select((a == 0.0) | (a < 0.0) | ~is_finite(a), special, result);
}

// ln(1 + u) for u > -1 with u exact: w = 1 + u rounded, and the rounding error u - (w - 1)
// (exact) corrected to first order, (u - (w - 1))/w.
LF_SIMD_INLINE vd log1p(vd u) {
  const vd w = u + 1.0;
  return log(w) + (u - (w - 1.0)) / w;
}

// ---------------------------------------------------------------------------------------------
// erfcx(x) = exp(x^2) erfc(x): W. J. Cody, "Rational Chebyshev approximations for the error
// function", Math. Comp. 23 (1969) 631-638, coefficients of Cody's CALERF (1990). For
// x > 0.46875 the rational functions approximate erfcx itself, with no exponential; for x < 0,
// erfcx(x) = 2 exp(x^2) - erfcx(-x).

// exp(x^2) for x >= 0 with x^2 = hi^2 + (x - hi)(x + hi), hi = x rounded down to 1/16 (hi^2
// exact), so that the rounding of x^2 (relative error 2^-53 x^2 in the result) is avoided. Below
// x = 1 that error is under 2^-53 and a single exp suffices (chosen per lane, so that a lane's
// result never depends on the other lanes).
LF_SIMD_INLINE vd exp_square(vd x) {
  const vd plain = exp(x * x);
  const vm large = x > 1.0;
  if (!any(large)) return plain;
  const vd hi = vtrunc(16.0 * x) * 0.0625;
  return select(large, exp(hi * hi) * exp((x - hi) * (x + hi)), plain);
}

// exp(-x^2), likewise.
LF_SIMD_INLINE vd exp_neg_square(vd x) {
  const vd hi = vtrunc(16.0 * x) * 0.0625;
  return exp(-(hi * hi)) * exp(-((x - hi) * (x + hi)));
}

LF_SIMD_INLINE vd erfcx(vd x) {
  const vd y = vabs(x);
  const vm small = y <= 0.46875;
  const vm middle = (y > 0.46875) & (y <= 4.0);
  const vm large = y > 4.0;
  vd r = splat(0.0);
  if (any(small)) {  // erf(y) = y P(y^2)/Q(y^2)
    const vd z = y * y;
    const vd num = (((0.185777706184603153 * z + 3.1611237438705656) * z + 113.864154151050156) *
                        z + 377.485237685302021) * z + 3209.37758913846947;
    const vd den = (((z + 23.6012909523441209) * z + 244.024637934444173) * z +
                    1282.61652607737228) * z + 2844.23683343917062;
    // Exact for either sign of x: erfcx(x) = exp(x^2) (1 - erf(x)).
    const vd value = exp(z) * (1.0 - x * num / den);
    r = select(small, value, r);
  }
  if (any(middle)) {  // erfcx(y) = P(y)/Q(y)
    constexpr double C[9] = {0.564188496988670089, 8.88314979438837594, 66.1191906371416295,
                             298.635138197400131,  881.95222124176909,  1712.04761263407058,
                             2051.07837782607147,  1230.33935479799725, 2.15311535474403846e-8};
    constexpr double D[8] = {15.7449261107098347, 117.693950891312499, 537.181101862009858,
                             1621.38957456669019, 3290.79923573345963, 4362.61909014324716,
                             3439.36767414372164, 1230.33935480374942};
    vd num = C[8] * y;
    vd den = y;
    for (int i = 0; i < 7; ++i) {
      num = (num + C[i]) * y;
      den = (den + D[i]) * y;
    }
    r = select(middle, (num + C[7]) / (den + D[7]), r);
  }
  if (any(large)) {  // erfcx(y) = (1/sqrt(pi) - z P(z)/Q(z))/y, z = 1/y^2
    constexpr double P[6] = {0.305326634961232344,  0.360344899949804439,
                             0.125781726111229246,  0.0160837851487422766,
                             6.58749161529837803e-4, 0.0163153871373020978};
    constexpr double Q[5] = {2.56852019228982242, 1.87295284992346047, 0.527905102951428412,
                             0.0605183413124413191, 0.00233520497626869185};
    const vd z = 1.0 / (y * y);
    vd num = P[5] * z;
    vd den = z;
    for (int i = 0; i < 4; ++i) {
      num = (num + P[i]) * z;
      den = (den + Q[i]) * z;
    }
    r = select(large, (0.56418958354775628695 - z * (num + P[4]) / (den + Q[4])) / y, r);
  }
  const vm negative = (x < 0.0) & ~small;
  if (any(negative)) {
    const vd e = exp_square(vmin(y, splat(26.628)));
    r = select(negative, select(x < -26.628, splat(__builtin_inf()), (e + e) - r), r);
  }
  return select(is_nan(x), x, r);
}

// ---------------------------------------------------------------------------------------------
// Inverse standard normal CDF for 0 < p < 1: M. J. Wichura, "Algorithm AS 241: the percentage
// points of the normal distribution", Appl. Statist. 37 (1988) 477-484 (PPND16, ~1e-16).

LF_SIMD_INLINE vd rational7(const double (&num)[8], const double (&den)[8], vd r) {
  vd p = splat(num[7]);
  vd q = splat(den[7]);
  for (int i = 6; i >= 0; --i) {
    p = p * r + num[i];
    q = q * r + den[i];
  }
  return p / q;
}

LF_SIMD_INLINE vd norm_quantile(vd p) {
  static constexpr double kCentralNum[8] = {
      3.3871328727963666080e0, 1.3314166789178437745e2, 1.9715909503065514427e3,
      1.3731693765509461125e4, 4.5921953931549871457e4, 6.7265770927008700853e4,
      3.3430575583588128105e4, 2.5090809287301226727e3};
  static constexpr double kCentralDen[8] = {
      1.0, 4.2313330701600911252e1, 6.8718700749205790830e2, 5.3941960214247511077e3,
      2.1213794301586595867e4, 3.9307895800092710610e4, 2.8729085735721942674e4,
      5.2264952788528545610e3};
  static constexpr double kTailNum[8] = {
      1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0,
      3.64784832476320460504e0, 1.27045825245236838258e0, 2.41780725177450611770e-1,
      2.27238449892691845833e-2, 7.74545014278341407640e-4};
  static constexpr double kTailDen[8] = {
      1.0, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
      1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4,
      1.05075007164441684324e-9};
  static constexpr double kFarNum[8] = {
      6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0,
      2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3,
      2.71155556874348757815e-5, 2.01033439929228813265e-7};
  static constexpr double kFarDen[8] = {
      1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
      7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7,
      2.04426310338993978564e-15};
  const vd q = p - 0.5;
  const vm central = vabs(q) <= 0.425;
  vd x = splat(0.0);
  if (any(central)) x = q * rational7(kCentralNum, kCentralDen, 0.180625 - q * q);
  if (any(~central)) {
    const vd r = vsqrt(-log(select(q < 0.0, p, 1.0 - p)));
    const vm near = r <= 5.0;
    vd tail = splat(0.0);
    if (any(near & ~central)) tail = rational7(kTailNum, kTailDen, r - 1.6);
    if (any(~near & ~central)) tail = select(near, tail, rational7(kFarNum, kFarDen, r - 5.0));
    x = select(central, x, select(q < 0.0, -tail, tail));
  }
  return x;
}

#undef LF_SIMD_INLINE

}  // namespace
}  // namespace levyfast::simd

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
