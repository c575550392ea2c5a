// Iterative radix-2 FFT shared by the Carr–Madan pricer (fft.cpp) and the PIDE's jump
// correlation (pide/convolution.cpp).
#pragma once

#include <cstddef>
#include <vector>

#include "levyfast/common.hpp"
#include "levyfast/constants.hpp"

namespace levyfast {

// m with its log2(n) low bits reversed.
inline std::size_t bit_reverse(std::size_t m, std::size_t n) {
  std::size_t r = 0;
  for (std::size_t bit = n >> 1; bit != 0; bit >>= 1, m >>= 1) r = (r << 1) | (m & 1);
  return r;
}

// Iterative radix-2 FFT, A_m = sum_j a_j exp(-2 pi i j m / n), in place.
class Radix2Fft {
 public:
  // Twiddles for every length up to n_max (grown only when a longer transform is needed):
  // tw_[h + k] = exp(-i pi k / h) for the butterflies of half-length h, k < h, so each stage reads
  // them contiguously. The longest stage is built as coarse * fine products of exact values
  // (about 2 sqrt(n_max) cos/sin calls, errors of a few ulp); shorter stages are its subsamples.
  void reserve(std::size_t n_max) {
    if (n_max <= n_max_) return;
    n_max_ = n_max;
    tw_.resize(n_max);
    const std::size_t H = n_max / 2;
    std::size_t B = 1;
    while (B * B < H) B *= 2;
    std::vector<cplx> fine(B);
    const double step = -kPi / static_cast<double>(H);
    for (std::size_t b = 0; b < B; ++b) fine[b] = std::polar(1.0, step * static_cast<double>(b));
    for (std::size_t a = 0; a < H; a += B) {
      const cplx coarse = std::polar(1.0, step * static_cast<double>(a));
      const double cr = coarse.real(), ci = coarse.imag();
      for (std::size_t b = 0; b < B && a + b < H; ++b) {
        const double fr = fine[b].real(), fi = fine[b].imag();
        tw_[H + a + b] = cplx(cr * fr - ci * fi, cr * fi + ci * fr);
      }
    }
    for (std::size_t h = H / 2; h >= 1; h /= 2)
      for (std::size_t k = 0; k < h; ++k) tw_[h + k] = tw_[H + k * (H / h)];
  }

  // Decimation in frequency, in place, for a power of two 2 <= n <= the reserved length: natural
  // order in, bit-reversed order out (A_m is left in a[bit_reverse(m, n)]); the callers read only
  // a few outputs, so the permutation pass is skipped.
  void transform(cplx* a, std::size_t n) const {
    for (std::size_t h = n / 2; h >= 1; h /= 2) {
      const cplx* w = tw_.data() + h;
      for (std::size_t i = 0; i < n; i += 2 * h) {
        cplx* lo = a + i;
        cplx* hi = lo + h;
        for (std::size_t k = 0; k < h; ++k) {
          // Explicit arithmetic: std::complex's operator* adds NaN/Inf recovery branches.
          const double ur = lo[k].real(), ui = lo[k].imag();
          const double dr = ur - hi[k].real(), di = ui - hi[k].imag();
          const double wr = w[k].real(), wi = w[k].imag();
          lo[k] = cplx(ur + hi[k].real(), ui + hi[k].imag());
          hi[k] = cplx(dr * wr - di * wi, dr * wi + di * wr);
        }
      }
    }
  }

 private:
  std::size_t n_max_ = 0;
  std::vector<cplx> tw_;
};

}  // namespace levyfast
