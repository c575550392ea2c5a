// Quotes handed to a neural calibrator: scaled by the spot and screened in one pass.
#pragma once

#include <cmath>
#include <cstddef>

namespace levyfast {

// out[i] = prices[i] / spot for i < n; true when every out[i] is in [0, max_value] (false
// for NaN, +-inf, a negative value or one above max_value, which the caller then explains or
// accepts as missing).
inline bool scale_quotes(const double* prices, std::size_t n, double spot, double max_value,
                         double* out) {
  bool ok = true;
  for (std::size_t i = 0; i < n; ++i) {
    // a division, not a product with 1 / spot: that is inf for a subnormal spot (0 * inf =
    // NaN would turn a zero quote into a missing one), and it rounds as NumPy's x / spot
    const double v = prices[i] / spot;
    out[i] = v;
    // ordered comparisons reject NaN (unordered), negatives, +-inf and values above the cap
    ok &= (v >= 0.0) & (v <= max_value);
  }
  return ok;
}

}  // namespace levyfast
