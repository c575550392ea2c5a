// Branch-free exp and erfc that compilers vectorise (libm's are scalar calls), for the inner
// loops of the time-change quadrature. Both are accurate to a few ulp / 3e-14 relative.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>

// Kernels marked LEVYFAST_MULTIVERSION are compiled for x86-64-v4 (AVX-512), v3 (AVX2+FMA)
// and the baseline, the loader picking the best the CPU has (GCC/Clang function multiversioning).
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define LEVYFAST_MULTIVERSION \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LEVYFAST_MULTIVERSION
#endif

namespace levyfast::fast_math {

inline std::uint64_t bits_of(double x) {
  std::uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

inline double from_bits(std::uint64_t b) {
  double x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

// exp(y) for y in [-700, 700]: y = k ln2 + r with |r| <= ln2/2 (Cody & Waite split of ln 2),
// e^r by its degree-12 Taylor polynomial (truncation < 2e-16), 2^k added to the exponent bits.
inline double exp_bounded(double y) {
  constexpr double kLog2e = 1.4426950408889634;
  constexpr double kLn2Hi = 0.6931471803691238;   // ln 2 to 32 bits
  constexpr double kLn2Lo = 1.9082149292705877e-10;
  constexpr double kShift = 6755399441055744.0;     // 1.5 * 2^52: rounds to an integer
  const double shifted = y * kLog2e + kShift;
  const double k = shifted - kShift;
  const double r = (y - k * kLn2Hi) - k * kLn2Lo;
  double p = 1.0 / 479001600.0;
  constexpr std::array<double, 12> kInvFact = {
      1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0,
      1.0 / 120.0,      1.0 / 24.0,      1.0 / 6.0,      0.5,           1.0,          1.0};
#pragma GCC unroll 16
  for (double c : kInvFact) p = p * r + c;
  const std::int64_t ki = static_cast<std::int64_t>(bits_of(shifted) - bits_of(kShift));
  return from_bits(bits_of(p) + (static_cast<std::uint64_t>(ki) << 52));
}

// Coefficients of Weideman's (1994, SIAM J. Numer. Anal. 31) rational series for the scaled
// complementary error function on the imaginary axis: with L = sqrt(N / sqrt 2),
//   erfcx(x) = [1/sqrt(pi) + 2 p(Z) / (L + x)] / (L + x),  Z = (L - x)/(L + x),  x >= 0,
// p(Z) = sum_{m=1}^{N} a_m Z^(m-1), a_m the cosine transform of (L^2 + t^2) e^{-t^2} at
// t = L tan(theta/2). N = 32 gives 3e-14 relative accuracy on [0, inf).
struct ErfcxSeries {
  static constexpr int kTerms = 32;
  double L;
  std::array<double, kTerms> a;  // a[m - 1] = a_m
  ErfcxSeries();
};

const ErfcxSeries& erfcx_series();

// erfc(x) for any real x (|x| is clamped at 26, where erfc < 1e-295, so that exp_bounded
// stays inside its range).
inline double erfc_fast(double x, const ErfcxSeries& s) {
  const double abs_x = std::fabs(x);
  const double ax = abs_x < 26.0 ? abs_x : 26.0;
  const double inv = 1.0 / (s.L + ax);
  const double Z = (s.L - ax) * inv;
  double p = s.a[ErfcxSeries::kTerms - 1];
#pragma GCC unroll 32
  for (int m = ErfcxSeries::kTerms - 2; m >= 0; --m) p = p * Z + s.a[m];
  const double erfcx = (0.5641895835477563 + 2.0 * p * inv) * inv;
  const double tail = exp_bounded(-ax * ax) * erfcx;
  const double mirrored = 2.0 - tail;
  return x < 0.0 ? mirrored : tail;
}

}  // namespace levyfast::fast_math
