#include "levyfast/pide/convolution.hpp"

#include <cmath>

#include "levyfast/constants.hpp"

namespace levyfast::pide {

namespace {
// Kernels up to this length are applied directly (faster than two FFTs there).
constexpr int kDirectMaxTaps = 24;

std::size_t next_pow2(std::size_t n) {
  std::size_t p = 2;
  while (p < n) p <<= 1;
  return p;
}
}  // namespace

Correlation::Correlation(const std::vector<double>& kernel, int jl, int jr, std::size_t n_out)
    : kernel_(kernel),
      jl_(jl),
      jr_(jr),
      n_out_(n_out),
      direct_(jl + jr + 1 <= kDirectMaxTaps),
      L_(direct_ ? 2 : next_pow2(n_out + static_cast<std::size_t>(jl + jr))) {
  LF_REQUIRE(static_cast<int>(kernel.size()) == jl + jr + 1, "internal error: kernel size");
  if (direct_) return;
  fft_.reserve(L_ / 2);
  bitrev_.resize(L_ / 2);
  for (std::size_t k = 0; k < L_ / 2; ++k) bitrev_[k] = bit_reverse(k, L_ / 2);
  half_twiddle_.resize(L_ / 2 + 1);
  for (std::size_t k = 0; k <= L_ / 2; ++k)
    half_twiddle_[k] = std::polar(1.0, -2.0 * kPi * static_cast<double>(k) / static_cast<double>(L_));
  // out[e] = sum_m c[m] in[e - m] with c[m] = kernel(j = -m), m in [-jr, jl], at index m mod L;
  // the output of node i sits at e = i + jl.
  std::vector<double> c(L_, 0.0);
  for (int j = -jl; j <= jr; ++j) {
    const long m = -j;
    c[static_cast<std::size_t>((m + static_cast<long>(L_)) % static_cast<long>(L_))] =
        kernel[static_cast<std::size_t>(j + jl)];
  }
  real_forward(c.data(), L_, kernel_spec_);
  buf_.assign(L_, 0.0);
}

// Spectrum X_k, k = 0..L/2, of a real sequence (zero-padded to L) by one complex FFT of
// length L/2 on z_k = x_2k + i x_2k+1: X_k = E_k + W^k O_k with E_k = (Z_k + conj Z_{M-k})/2,
// O_k = (Z_k - conj Z_{M-k})/(2i), W = exp(-2 pi i / L), M = L/2.
void Correlation::real_forward(const double* x, std::size_t n, std::vector<cplx>& spec) {
  const std::size_t M = L_ / 2;
  z_.assign(M, cplx(0.0, 0.0));
  for (std::size_t k = 0; k < M; ++k) {
    const double re = 2 * k < n ? x[2 * k] : 0.0;
    const double im = 2 * k + 1 < n ? x[2 * k + 1] : 0.0;
    z_[k] = cplx(re, im);
  }
  fft_.transform(z_.data(), M);  // Z_k is left in z_[bitrev_[k]]
  spec.resize(M + 1);
  for (std::size_t k = 0; k <= M; ++k) {
    const cplx zk = z_[bitrev_[k % M]], zc = std::conj(z_[bitrev_[(M - k) % M]]);
    const cplx e = 0.5 * (zk + zc), o = cplx(0.0, -0.5) * (zk - zc);
    spec[k] = e + half_twiddle_[k] * o;
  }
}

// Inverse of real_forward: E_k = (X_k + conj X_{M-k})/2, O_k = (X_k - conj X_{M-k}) / (2 W^k),
// Z_k = E_k + i O_k, z = IFFT(Z) / M, x_2k = Re z_k, x_2k+1 = Im z_k.
void Correlation::real_inverse(std::vector<cplx>& spec, std::vector<double>& x) {
  const std::size_t M = L_ / 2;
  for (std::size_t k = 0; k < M; ++k) {
    const cplx xk = spec[k], xc = std::conj(spec[M - k]);
    const cplx e = 0.5 * (xk + xc), o = 0.5 * (xk - xc) * std::conj(half_twiddle_[k]);
    z_[k] = std::conj(e + cplx(0.0, 1.0) * o);
  }
  // The inverse transform as conj(FFT(conj Z)), z_k left in z_[bitrev_[k]].
  fft_.transform(z_.data(), M);
  const double scale = 1.0 / static_cast<double>(M);
  for (std::size_t k = 0; k < M; ++k) {
    const cplx zk = z_[bitrev_[k]];
    x[2 * k] = zk.real() * scale;
    x[2 * k + 1] = -zk.imag() * scale;
  }
}

void Correlation::apply(const double* in, double* out) {
  if (direct_) {
    for (std::size_t i = 0; i < n_out_; ++i) {
      double acc = 0.0;
      for (int t = 0; t <= jl_ + jr_; ++t) acc += kernel_[static_cast<std::size_t>(t)] * in[i + static_cast<std::size_t>(t)];
      out[i] = acc;
    }
    return;
  }
  real_forward(in, input_size(), spec_);
  for (std::size_t k = 0; k < spec_.size(); ++k) spec_[k] *= kernel_spec_[k];
  real_inverse(spec_, buf_);
  for (std::size_t i = 0; i < n_out_; ++i) out[i] = buf_[i + static_cast<std::size_t>(jl_)];
}

}  // namespace levyfast::pide
