// European surface pricing: one entry point per parameter set, choosing the method per
// maturity when asked to (Method::Auto).
#pragma once

#include <cstddef>

#include "levyfast/common.hpp"
#include "levyfast/cos.hpp"
#include "levyfast/fft.hpp"
#include "levyfast/models.hpp"

namespace levyfast {

enum class Method : int {
  Auto = 0,        // per maturity: COS, or the time change (VG/NIG) where it is cheaper
  COS = 1,
  FFT = 2,
  TimeChange = 3,  // VG, NIG and CGMY(Y=0, sigma=0) only
};

struct EuropeanSettings {
  Method method = Method::Auto;
  COSSettings cos;   // its tolerance is the target of Auto and TimeChange too
  FFTSettings fft;
};

// Validates strikes (finite, > 0) and maturities (finite, > 0); messages name the index.
void validate_grid(const double* strikes, std::size_t nK, const double* maturities, std::size_t nT);

// Prices into out[iT * nK + iK]. Model and market must be valid (see validate_model).
void price_surface(const ModelParams& model, const Market& market, const double* strikes,
                   std::size_t nK, const double* maturities, std::size_t nT, OptionKind kind,
                   const EuropeanSettings& settings, double* out);

}  // namespace levyfast
