#include "levyfast/fast_math.hpp"

namespace levyfast::fast_math {

template <int Terms>
ErfcxSeries<Terms>::ErfcxSeries() : L(std::sqrt(kTerms / std::sqrt(2.0))), a{} {
  // a_m = (1/4N) sum_{k=-2N+1}^{2N-1} f(t_k) cos(pi k m / (2N)), t_k = L tan(k pi / (4N)),
  // f(t) = (L^2 + t^2) e^{-t^2}: the discrete Fourier transform of Weideman's construction,
  // summed in long double once at start-up.
  constexpr int M = 2 * kTerms;
  const long double pi = 3.141592653589793238462643383279502884L;
  for (int m = 1; m <= kTerms; ++m) {
    long double sum = 0.0L;
    for (int k = -M + 1; k <= M - 1; ++k) {
      const long double t = L * std::tan(k * pi / (2 * M));
      sum += std::exp(-t * t) * (L * L + t * t) * std::cos(pi * k * m / M);
    }
    a[m - 1] = static_cast<double>(sum / (2 * M));
  }
}

template <int Terms>
const ErfcxSeries<Terms>& erfcx_series() {
  static const ErfcxSeries<Terms> series;
  return series;
}

template const ErfcxSeries<ErfcAccurate::kTerms>& erfcx_series<ErfcAccurate::kTerms>();
template const ErfcxSeries<ErfcFast::kTerms>& erfcx_series<ErfcFast::kTerms>();

}  // namespace levyfast::fast_math
