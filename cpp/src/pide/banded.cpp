#include "levyfast/pide/banded.hpp"

#include <algorithm>

namespace levyfast::pide {

void BandedLU::factor() {
  const std::size_t p = static_cast<std::size_t>(p_), w = width();
  for (std::size_t i = 0; i < n_; ++i) {
    const double pivot = a_[i * w + p];
    const std::size_t last = std::min(i + p, n_ - 1);
    for (std::size_t r = i + 1; r <= last; ++r) {
      double* row = &a_[r * w + p - r];  // row[col] = entry (r, col)
      const double l = row[i] / pivot;
      if (l == 0.0) continue;
      row[i] = l;
      const double* prow = &a_[i * w + p - i];
      for (std::size_t c = i + 1; c <= last; ++c) row[c] -= l * prow[c];
    }
  }
}

void BandedLU::solve(double* b) const {
  const std::size_t p = static_cast<std::size_t>(p_), w = width();
  for (std::size_t i = 1; i < n_; ++i) {
    const double* row = &a_[i * w + p - i];
    double s = b[i];
    for (std::size_t c = (i > p ? i - p : 0); c < i; ++c) s -= row[c] * b[c];
    b[i] = s;
  }
  for (std::size_t i = n_; i-- > 0;) {
    const double* row = &a_[i * w + p - i];
    double s = b[i];
    const std::size_t last = std::min(i + p, n_ - 1);
    for (std::size_t c = i + 1; c <= last; ++c) s -= row[c] * b[c];
    b[i] = s / row[i];
  }
}

}  // namespace levyfast::pide
