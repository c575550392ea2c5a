// Exact sensitivities of European surfaces: the gradient of every price with respect to every
// model parameter, and the market Greeks (delta, gamma, theta, rho, dividend rho).
//
// The model parameters enter the price only through the exponent psi(u; theta) (COS) or the
// mixing law and conditional Black prices (time change). Both are differentiated analytically
// and carried through the same sums with the numerical choices (truncation range, number of
// terms, quadrature nodes) held fixed, so the result is the exact derivative of the computed
// price -- no bumping.
#pragma once

#include <cstddef>
#include <vector>

#include "levyfast/common.hpp"
#include "levyfast/cos.hpp"
#include "levyfast/models.hpp"

namespace levyfast {

// d psi_raw(u) / d p_j for j < n_params(m.id), into out[j] (PARAM_NAMES order).
void raw_exponent_grad(const ModelParams& m, cplx u, cplx* out);

// d omega / d p_j with omega = -psi_raw(-i): out[j] = -Re d psi_raw(-i) / d p_j.
void convexity_correction_grad(const ModelParams& m, double* out);

// d psi(u) / d p_j of the martingale-normalised exponent psi = psi_raw + i u omega, for `n`
// points: out[j * n + k] = d psi(u[k]) / d p_j.
void char_exponent_grad(const ModelParams& m, const cplx* u, std::size_t n, cplx* out);
// The same along the parameters dirs[0 .. n_dirs) only: out[d * n + k] = d psi(u[k]) / d p_dirs[d].
void char_exponent_grad(const ModelParams& m, const cplx* u, std::size_t n, const int* dirs,
                        std::size_t n_dirs, cplx* out);
// psi(u[k]) (as char_exponent, `omega` its convexity correction) into psi[k] when psi is not
// null, and the gradient along dirs as above, sharing the work where the model allows.
void char_exponent_and_grad(const ModelParams& m, double omega, const cplx* u, std::size_t n,
                            const int* dirs, std::size_t n_dirs, cplx* psi, cplx* out);

// Whether the time-change prices of the model are differentiated (time_change_node_grad) down
// to the smallest maturity t_min (VarianceGamma unless T / nu > 1e12, NIG).
bool has_differentiable_time_change(const ModelParams& m, double t_min);
// Whether the model's Greeks need the time change (VarianceGamma: COS does not converge).
bool greeks_need_time_change(const ModelParams& m);

// For the node with clock value V = exp(log_v) (MixtureNode::log_clock), the derivatives
// along each model parameter (out[0 .. n_params)) and, when with_maturity, along T
// (out[n_params]), NodeDerivative as in models/base.hpp. `omega` is the convexity correction,
// `domega` holds d omega / d p_j. For the models of has_differentiable_time_change only.
void time_change_node_grad(const ModelParams& m, double T, double log_v, double omega,
                           const double* domega, bool with_maturity, NodeDerivative* out);

// Output buffers of one surface [nT x nK] (row-major). `price` is required; `param_grad`
// ([n_params x nT x nK], or [n_param_dirs x nT x nK] along the parameters param_dirs[..]
// when param_dirs is set) and the Greeks are optional (nullptr: not computed). Theta is
// -dV/dT (calendar time passing at fixed spot), rho = dV/dr, dividend_rho = dV/dq, all per
// unit (per year, per unit rate).
struct SensitivityOutput {
  double* price = nullptr;
  double* param_grad = nullptr;
  const int* param_dirs = nullptr;
  std::size_t n_param_dirs = 0;
  double* delta = nullptr;
  double* gamma = nullptr;
  double* theta = nullptr;
  double* rho = nullptr;
  double* dividend_rho = nullptr;
};

// Prices and sensitivities of one surface by COS, or by the time-change quadrature for
// VG/NIG maturities where it is cheaper (as method 'auto' of price_surface). The settings'
// tolerance is the target for prices; the plans (range, N, nodes) aim at
// `derivative_tolerance` (fraction of spot; 0: 1e-2 x the price tolerance, since derivative
// series converge more slowly). Throws invalid_argument when a maturity cannot be priced to
// tolerance within max_terms.
void price_sensitivities(const ModelParams& model, const Market& market, const double* strikes,
                         std::size_t nK, const double* maturities, std::size_t nT, OptionKind kind,
                         const COSSettings& settings, const SensitivityOutput& out,
                         double derivative_tolerance = 0.0);

// Batched prices and parameter gradients of many parameter sets of one model on worker
// threads: prices [n_sets x nT x nK], grads [n_sets x n_params x nT x nK].
void price_and_grad_batch(int model_id, const double* params, std::size_t n_sets,
                          std::size_t n_params, const Market& market, const double* strikes,
                          std::size_t nK, const double* maturities, std::size_t nT,
                          OptionKind kind, const COSSettings& settings, int n_threads,
                          double* prices, double* grads);

}  // namespace levyfast
