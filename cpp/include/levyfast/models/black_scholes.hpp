// Black–Scholes (1973): X_t = sigma W_t, psi_raw(u) = -sigma^2 u^2 / 2.
#pragma once

#include "levyfast/models/base.hpp"

namespace levyfast::models {

struct BlackScholes : ModelTraits<BlackScholes> {
  static constexpr ModelId kId = ModelId::BlackScholes;
  static constexpr const char* kName = "BlackScholes";
  static constexpr int kNumParams = 1;  // sigma
  static constexpr SeriesPricer kSeriesPricer = SeriesPricer::Black;

  static void validate(const Params& p) {
    require_in(is_positive(p[0]), kName, "sigma", "(0, inf)", p[0]);
  }

  static cplx raw_exponent(const Params& p, cplx u) { return -0.5 * p[0] * p[0] * u * u; }

  static void raw_exponent_grad(const Params& p, cplx u, cplx* out) {
    const cplx u2 = u * u;
    out[0] = -p[0] * u2;
  }

  static double raw_cumulant_generating(const Params& p, double s) {
    return 0.5 * p[0] * p[0] * s * s;
  }

  static Cumulants raw_cumulants(const Params& p) { return {0.0, p[0] * p[0], 0.0}; }
  static MomentStrip moment_strip(const Params&) { return {kInf, kInf}; }
  static double levy_density(const Params&, double) { return 0.0; }
  static double diffusion_variance(const Params& p) { return p[0] * p[0]; }
  static LeftRight jump_reach(const Params&, double) { return {0.0, 0.0}; }
  static LeftRight length_scales(const Params&) { return {kInf, kInf}; }
};

}  // namespace levyfast::models
