// Quotes handed to a neural calibrator: scaled by the spot and screened in one pass.
#pragma once

#include <cmath>
#include <cstddef>

namespace levyfast {

// out[i] = prices[i] / spot for i < n; true when every out[i] is finite and >= 0 (false for
// NaN, +-inf or a negative value, which the caller then explains or accepts as missing).
inline bool scale_quotes(const double* prices, std::size_t n, double spot, double* out) {
  const double inv = 1.0 / spot;
  bool ok = true;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = prices[i] * inv;
    out[i] = v;
    // one comparison rejects NaN (unordered), negatives and +inf; -inf fails v >= 0
    ok &= (v >= 0.0) & (v < INFINITY);
  }
  return ok;
}

}  // namespace levyfast
