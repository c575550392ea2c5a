// Discrete correlation with a fixed kernel, out[i] = sum_{j=-jl}^{jr} c_j in[i + j + jl] for
// i in [0, n_out): by real FFTs of a power-of-two length L >= n_out + jl + jr (no wrap-around
// reaches the outputs), O(L log L) per call, or directly, O(n_out (jl + jr)), for short
// kernels. The kernel's spectrum is computed once at construction.
#pragma once

#include <cstddef>
#include <vector>

#include "levyfast/common.hpp"
#include "levyfast/radix2_fft.hpp"

namespace levyfast::pide {

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
  Radix2Fft fft_;                   // of length L / 2 (bit-reversed output)
  std::vector<std::size_t> bitrev_;  // bit_reverse(k, L / 2)
  std::vector<cplx> half_twiddle_;  // exp(-2 pi i k / L), k <= L/2
  std::vector<cplx> kernel_spec_, spec_, z_;
  std::vector<double> buf_;
};

}  // namespace levyfast::pide
