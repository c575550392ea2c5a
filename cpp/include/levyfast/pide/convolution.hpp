// Discrete correlation with a fixed kernel, out[i] = sum_{j=-jl}^{jr} c_j in[i + j + jl] for
// i in [0, n_out): by real FFTs of a power-of-two length L >= n_out + jl + jr (no wrap-around
// reaches the outputs), O(L log L) per call, or directly, O(n_out (jl + jr)), for short
// kernels. The kernel's spectrum is computed once at construction.
#pragma once

#include <cstddef>
#include <vector>

#include "levyfast/common.hpp"

namespace levyfast::pide {

// In-place iterative radix-2 FFT of a power-of-two length with precomputed twiddles.
class ComplexFFT {
 public:
  explicit ComplexFFT(std::size_t n);
  // a_m <- sum_k a_k exp(-+2 pi i k m / n) (sign -1 forward, +1 inverse; no scaling).
  void transform(cplx* a, bool inverse) const;
  std::size_t size() const { return n_; }

 private:
  std::size_t n_;
  std::vector<cplx> twiddle_;      // exp(-2 pi i k / n), k < n/2
  std::vector<std::size_t> bitrev_;
};

class Correlation {
 public:
  Correlation(const std::vector<double>& kernel, int jl, int jr, std::size_t n_out);
  // `in` has n_out + jl + jr entries, `out` n_out.
  void apply(const double* in, double* out);
  std::size_t input_size() const { return n_out_ + static_cast<std::size_t>(jl_ + jr_); }

 private:
  void real_forward(const double* x, std::size_t n, std::vector<cplx>& spec);
  void real_inverse(std::vector<cplx>& spec, std::vector<double>& x);

  std::vector<double> kernel_;
  int jl_, jr_;
  std::size_t n_out_;
  bool direct_;
  std::size_t L_ = 0;
  ComplexFFT fft_;                  // of length L / 2
  std::vector<cplx> half_twiddle_;  // exp(-2 pi i k / L), k <= L/2
  std::vector<cplx> kernel_spec_, spec_, z_;
  std::vector<double> buf_;
};

}  // namespace levyfast::pide
