// Carr–Madan (1999) FFT pricer of European options over a strike x maturity surface.
#pragma once

#include <cstddef>
#include <memory>

#include "levyfast/common.hpp"
#include "levyfast/models.hpp"

namespace levyfast {

struct FFTSettings {
  // Number of FFT points (power of two); 0 chooses it from `tolerance`.
  int n = 0;
  // Spacing of the Fourier grid; 0 chooses it from `tolerance`.
  double eta = 0.0;
  // Damping exponent alpha of the call transform; 0 chooses it inside the moment strip.
  double alpha = 0.0;
  // Target absolute error as a fraction of spot.
  double tolerance = 1e-7;
};

void validate_fft_settings(const FFTSettings& s);

// Prices into out[iT * nK + iK]; strikes and maturities are validated here (finite, > 0).
void fft_price_surface(const ModelParams& model, const Market& market, const double* strikes,
                       std::size_t nK, const double* maturities, std::size_t nT, OptionKind kind,
                       const FFTSettings& settings, double* out);

// Carr–Madan FFT per maturity at automatic settings (the grid and lengths chosen from
// `tolerance` exactly as fft_price_surface does), for Method::Auto: plan() a maturity to learn
// its estimated work (units of cos_cost), then price the planned maturities in pairs.
class FFTSlicePricer {
 public:
  FFTSlicePricer(const ModelParams& model, const Market& market, const double* strikes,
                 std::size_t nK, std::size_t nT, double tolerance);
  ~FFTSlicePricer();
  FFTSlicePricer(const FFTSlicePricer&) = delete;
  FFTSlicePricer& operator=(const FFTSlicePricer&) = delete;

  // Plans the damping and log-strike period L of maturity T into slot i < nT (a few dozen
  // exponent evaluations) and returns L, or +inf where the model's moments cannot size it.
  double span(std::size_t i, double T);
  // Completes slot i's plan (its spectrum up to the truncation, kept for put_slices) and
  // returns the estimated work of pricing it, or +inf where the FFT cannot reach the tolerance
  // or would need more nonzero terms than a work of max_work allows (the planning stops there).
  double plan(std::size_t i, double max_work);
  // Discounted puts of the planned slots into rows[t][0 .. nK), two maturities per transform.
  void put_slices(const std::size_t* slots, std::size_t n, double* const* rows);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Work estimate (units of cos_cost) of one maturity of the FFT with J nonzero terms, length N
// (paired with another maturity) and nK strikes, its span's planning included.
double fft_slice_cost(std::size_t J, std::size_t N, std::size_t nK);

}  // namespace levyfast
