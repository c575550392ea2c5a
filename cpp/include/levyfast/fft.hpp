// Carr–Madan (1999) FFT pricer of European options over a strike x maturity surface.
#pragma once

#include <cstddef>

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

}  // namespace levyfast
