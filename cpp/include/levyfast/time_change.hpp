// Pricing by the subordinated-Brownian-motion (normal variance-mean mixture) representation
// of VG and NIG: X_T = omega T + mu V + s W_V with V the gamma (VG, Madan, Carr & Chang 1998)
// or inverse Gaussian (NIG, Barndorff-Nielsen 1997) clock. Conditionally on V the price is a
// Black–Scholes price; the mixing integral over V is done by double-exponential (exp-sinh)
// quadrature (Takahasi & Mori 1974), which absorbs the V^(T/nu - 1) singularity of the gamma
// density that makes Fourier methods converge only algebraically for VG at T/nu << 1.
#pragma once

#include <cstddef>
#include <vector>

#include "levyfast/cos.hpp"
#include "levyfast/models.hpp"

namespace levyfast {

// True for models with a normal variance-mean mixture representation (VG, NIG, and CGMY with
// Y = 0 and sigma = 0, which is a VG process).
bool has_time_change(const ModelParams& model);
// The model's mixture representation (models.hpp's `subordinator`); throws invalid_argument
// where it has none.
Subordinator subordinator_of(const ModelParams& model);

struct MixtureNode {
  double variance;   // s^2 V: conditional variance of X_T
  double log_mean;   // ln E[e^{X_T} | V]
  double weight;     // quadrature weight (sums to 1 over the nodes up to `tolerance`)
  double log_weight; // ln weight (finite where the weight underflows)
  double log_clock;  // ln V (finite where V itself underflows; used by sensitivities.cpp)
};

// Quadrature nodes of the mixing distribution at maturity T, in increasing order of the clock,
// for an absolute price tolerance `tolerance` (fraction of the forward). Returns false (and no nodes) where the shared rule
// cannot be trusted to that tolerance: a strong share-measure tilt (near the moment boundary),
// a kink too sharp for a bounded step (small Brownian part), or tails that do not decay
// within the walk; price those maturities by time_change_put_slice_adaptive (or COS).
bool time_change_nodes(const ModelParams& model, double omega, double T, double tolerance,
                       std::vector<MixtureNode>& nodes);

double time_change_cost(std::size_t n_nodes, std::size_t nK);

// Work estimate (units of time_change_cost) of time_change_put_slice_adaptive for nK strikes.
double time_change_adaptive_cost(std::size_t nK);

// Discounted put prices of one maturity by adaptive Gauss-Kronrod quadrature per strike of the
// mixture under Q and under the share measure (see time_change_adaptive.cpp): slower than the
// shared nodes, but certified by its error estimate in every regime; throws invalid_argument
// when it cannot certify `tolerance` (fraction of the forward) within its work budget.
void time_change_put_slice_adaptive(const ModelParams& model, double omega,
                                    const MaturitySlice& slice, double tolerance,
                                    double* put_out);

// A lower bound on the number of nodes time_change_nodes returns at `tolerance` (it walks at
// least |t| = 1 each way), so that a cheap COS slice need not build nodes to win the choice.
std::size_t time_change_min_nodes(double tolerance);

// Discounted put prices of one maturity slice into put_out[nK], accurate to `tolerance`
// (fraction of the forward) given nodes built for it.
void time_change_put_slice(const std::vector<MixtureNode>& nodes, const MaturitySlice& slice,
                           double tolerance, SliceScratch& work, double* put_out);

}  // namespace levyfast
