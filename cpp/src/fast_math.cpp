#include "levyfast/fast_math.hpp"

#include <vector>

namespace levyfast::fast_math {

namespace {

// Weideman's coefficients: a_m = (1/4N) sum_{k=-2N+1}^{2N-1} f(t_k) cos(pi k m / (2N)),
// t_k = L tan(k pi / (4N)), f(t) = (L^2 + t^2) e^{-t^2}, summed in long double.
template <int Terms>
ErfcxSeries<Terms> weideman_series() {
  ErfcxSeries<Terms> s{std::sqrt(Terms / std::sqrt(2.0)), {}};
  constexpr int M = 2 * Terms;
  const long double pi = 3.141592653589793238462643383279502884L;
  const long double L = s.L;
  for (int m = 1; m <= Terms; ++m) {
    long double sum = 0.0L;
    for (int k = -M + 1; k <= M - 1; ++k) {
      const long double t = L * std::tan(k * pi / (2 * M));
      sum += std::exp(-t * t) * (L * L + t * t) * std::cos(pi * k * m / M);
    }
    s.a[m - 1] = static_cast<double>(sum / (2 * M));
  }
  return s;
}

// Coefficients of p minimising erfc's absolute error in the least-squares sense on x in
// [0, 26]: rows w(x_i) Z_i^(m-1) against w(x_i) p*(x_i), with p*(x) = ((L + x) erfcx(x) -
// 1/sqrt(pi)) (L + x) / 2 the exact p and w = 2 e^{-x^2} / (L + x)^2 the sensitivity of erfc to
// it; 600 points on [0, 6), where erfc > 2e-17, and 100 on [6, 26]. Solved by Householder QR in
// long double (the monomial basis on Z in (-1, 1] is well conditioned at this degree).
template <int Terms>
ErfcxSeries<Terms> absolute_fit_series(double L) {
  constexpr int kRows = 700;
  std::vector<std::array<long double, Terms + 1>> rows(kRows);  // [A | b]
  for (int i = 0; i < kRows; ++i) {
    const long double x = i < 600 ? 6.0L * i / 600 : 6.0L + 20.0L * (i - 600) / 99;
    const long double lx = L + x, z = (L - x) / lx;
    const long double erfcx = std::exp(x * x) * std::erfc(x);
    const long double w = 2.0L * std::exp(-x * x) / (lx * lx);
    long double zp = 1.0L;
    for (int m = 0; m < Terms; ++m, zp *= z) rows[i][m] = w * zp;
    rows[i][Terms] = w * (lx * erfcx - 0.5641895835477562869480794515607726L) * lx / 2.0L;
  }
  // Householder QR, applied to b as well: column m is reduced below the diagonal.
  for (int m = 0; m < Terms; ++m) {
    long double norm = 0.0L;
    for (int i = m; i < kRows; ++i) norm += rows[i][m] * rows[i][m];
    norm = std::sqrt(norm);
    const long double alpha = rows[m][m] > 0.0L ? -norm : norm;
    std::vector<long double> v(kRows - m);
    for (int i = m; i < kRows; ++i) v[i - m] = rows[i][m];
    v[0] -= alpha;
    long double vv = 0.0L;
    for (const long double e : v) vv += e * e;
    for (int c = m; c <= Terms; ++c) {
      long double dot = 0.0L;
      for (int i = m; i < kRows; ++i) dot += v[i - m] * rows[i][c];
      const long double f = 2.0L * dot / vv;
      for (int i = m; i < kRows; ++i) rows[i][c] -= f * v[i - m];
    }
  }
  ErfcxSeries<Terms> s{L, {}};
  long double coef[Terms];
  for (int m = Terms - 1; m >= 0; --m) {
    long double r = rows[m][Terms];
    for (int c = m + 1; c < Terms; ++c) r -= rows[m][c] * coef[c];
    coef[m] = r / rows[m][m];
    s.a[m] = static_cast<double>(coef[m]);
  }
  return s;
}

}  // namespace

template <>
const ErfcxSeries<ErfcAccurate::kTerms>& erfcx_series<ErfcAccurate>() {
  static const ErfcxSeries<ErfcAccurate::kTerms> series = weideman_series<ErfcAccurate::kTerms>();
  return series;
}

template <>
const ErfcxSeries<ErfcFast::kTerms>& erfcx_series<ErfcFast>() {
  static const ErfcxSeries<ErfcFast::kTerms> series =
      absolute_fit_series<ErfcFast::kTerms>(3.0);
  return series;
}

template <>
const ErfcxSeries<ErfcCoarse::kTerms>& erfcx_series<ErfcCoarse>() {
  static const ErfcxSeries<ErfcCoarse::kTerms> series =
      absolute_fit_series<ErfcCoarse::kTerms>(2.25);
  return series;
}

}  // namespace levyfast::fast_math
