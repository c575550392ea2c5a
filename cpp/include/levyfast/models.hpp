// Characteristic exponents, cumulants, moment strips and Lévy densities of the built-in
// models, for a model chosen at run time. Each model's formulas live in its traits header
// (models/<name>.hpp); these functions are one `visit` (models/registry.hpp) each.
//
// Convention: ln S_T = ln F_T + X_T with F_T = S0 exp((r-q)T) and E[exp(iuX_T)] =
// exp(T psi(u)), psi(u) = psi_raw(u) + iu*omega, omega = -psi_raw(-i), so psi(-i) = 0.
#pragma once

#include <array>
#include <cstddef>
#include <optional>

#include "levyfast/common.hpp"
#include "levyfast/models/base.hpp"

namespace levyfast {

int n_params(ModelId id);

struct ModelParams {
  ModelId id;
  Params p;
};

// Build from a parameter array in PARAM_NAMES order; validates (throws invalid_argument).
ModelParams make_model(int model_id, const double* params, std::size_t n);
void validate_model(const ModelParams& m);

// psi_raw(u): Lévy exponent without the martingale correction.
cplx raw_exponent(const ModelParams& m, cplx u);
// omega = -psi_raw(-i).
double convexity_correction(const ModelParams& m);
// psi(u) = psi_raw(u) + i u omega, for `n` points u[k] (one dispatch for the whole array).
void char_exponent(const ModelParams& m, double omega, const cplx* u, std::size_t n, cplx* out);
cplx char_exponent(const ModelParams& m, double omega, cplx u);
// Cumulant generating function per unit time, ln E[e^{s X_1}] = psi(-i s), for `n` real points
// s[k] inside the moment strip, in real arithmetic where the model allows (+inf outside).
void cumulant_generating(const ModelParams& m, double omega, const double* s, std::size_t n,
                         double* out);

// c1, c2, c4 per unit time, of the martingale-normalised X.
Cumulants cumulants(const ModelParams& m);

// Largest variance of ln(S_T) the transform pricers certify (a standard deviation of ~316 in
// log-price): beyond it their ranges and quadratures lose all precision (e.g. NIG delta = 1e300).
inline constexpr double kMaxLogVariance = 1e5;
// Throws std::invalid_argument unless variance_rate * T <= kMaxLogVariance (NaN included).
void require_log_variance(double variance_rate, double T);

MomentStrip moment_strip(const ModelParams& m);

// A bound of Re psi(u) for real u >= 0 that does not increase with u, given re_psi = Re psi(u):
// re_psi itself where it is monotone; Merton's -sigma^2 u^2/2 + lam (e^{-s_j^2 u^2/2} - 1)
// (|phi| revives near u = 2 pi k / mu_j, which a sampled Re psi steps over).
double decay_envelope(const ModelParams& m, double u, double re_psi);

// Lévy density k(x) of the jump part (0 at x == 0 and for Black–Scholes).
double levy_density(const ModelParams& m, double x);

// Brownian variance rate of the model's diffusion part (0 for pure-jump models).
double diffusion_variance(const ModelParams& m);

// The normal variance-mean mixture (Brownian motion on a gamma or inverse Gaussian clock) of
// the models that have one: VG, NIG, and CGMY with Y = 0 and sigma = 0.
std::optional<Subordinator> subordinator(const ModelParams& m);

// The share-measure dual (models/base.hpp: Y = -X under e^{X_1} dQ, psi_Y(u) = psi(-u - i)),
// for the models that define it and where its parameters pass validation.
std::optional<ModelParams> share_dual(const ModelParams& m);

}  // namespace levyfast
