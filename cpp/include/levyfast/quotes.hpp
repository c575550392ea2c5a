// Quotes handed to a neural calibrator: scaled by the spot and screened in one pass, then
// turned into the input features of a compact calibrator network.
#pragma once

#include <cmath>
#include <cstddef>
#include <utility>
#include <vector>

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

// The input features of a compact calibrator network (python/levyfast_train/compact.py: the
// graph's fixed preprocessing, node for node) from n scaled quotes x (NaN = missing):
//   disc_c = exp(rate a[c] + dividend a[m + c])   (c < m; a is [2, m] row-major)
//   otm_j = x_j - max(sum_c disc_c parity[c, j], 0)  or fill_j where x_j is NaN
//   features = float(center + [otm, log(max(otm, floor)), isnan(x), rate, dividend])
// (3 n + 2 features; parity is [m, n] row-major). Double arithmetic up to the final cast, as
// in the graph. The constants are copied once; a call allocates nothing.
class CompactFeatures {
 public:
  CompactFeatures(std::vector<double> a, std::vector<double> parity, std::vector<double> fill,
                  double floor, std::vector<double> center)
      : a_(std::move(a)), parity_(std::move(parity)), fill_(std::move(fill)),
        center_(std::move(center)), floor_(floor), n_(fill_.size()), m_(a_.size() / 2),
        scratch_(m_ + n_) {}

  std::size_t n_quotes() const { return n_; }
  std::size_t n_features() const { return 3 * n_ + 2; }

  // out[0 .. 3 n + 2) from x[0 .. n). Not reentrant (one scratch buffer): one per thread.
  void operator()(const double* x, double rate, double dividend, float* out) {
    double* disc = scratch_.data();
    double* fwd = disc + m_;
    for (std::size_t c = 0; c < m_; ++c) disc[c] = std::exp(rate * a_[c] + dividend * a_[m_ + c]);
    for (std::size_t j = 0; j < n_; ++j) fwd[j] = 0.0;
    for (std::size_t c = 0; c < m_; ++c) {
      const double* row = parity_.data() + c * n_;
      for (std::size_t j = 0; j < n_; ++j) fwd[j] += disc[c] * row[j];
    }
    const std::size_t n = n_;
    for (std::size_t j = 0; j < n; ++j) {
      const bool missing = std::isnan(x[j]);
      const double otm = missing ? fill_[j] : x[j] - std::fmax(fwd[j], 0.0);
      out[j] = static_cast<float>(otm + center_[j]);
      out[n + j] = static_cast<float>(std::log(std::fmax(otm, floor_)) + center_[n + j]);
      out[2 * n + j] = static_cast<float>((missing ? 1.0 : 0.0) + center_[2 * n + j]);
    }
    out[3 * n] = static_cast<float>(rate + center_[3 * n]);
    out[3 * n + 1] = static_cast<float>(dividend + center_[3 * n + 1]);
  }

 private:
  std::vector<double> a_, parity_, fill_, center_;
  double floor_;
  std::size_t n_, m_;
  std::vector<double> scratch_;
};

}  // namespace levyfast
