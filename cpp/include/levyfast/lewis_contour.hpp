// Lewis (2001) Fourier inversion along rays in the complex plane, per strike: the fallback for
// maturities whose characteristic function decays too slowly for COS and that have no time
// change (CGMY with small C T, Kou with a tiny sigma: |phi(u)| decays slowly or not at all).
#pragma once

#include <cstddef>

#include "levyfast/cos.hpp"
#include "levyfast/models.hpp"

namespace levyfast {

// True where the rotated contour is valid: psi analytic in the open upper and lower half
// planes off the imaginary axis and bounded or decaying in the sectors of the rays (CGMY, any
// Y and sigma; Kou).
bool has_lewis_contour(const ModelParams& model);

// Work estimate (units of cos_cost) of lewis_put_slice for nK strikes.
double lewis_contour_cost(std::size_t nK);

// Discounted put prices of one maturity into put_out[nK] to `tolerance` (fraction of the
// forward), each certified by adaptive Gauss-Kronrod error estimates; throws
// invalid_argument when it cannot certify it.
void lewis_put_slice(const ModelParams& model, double omega, const MaturitySlice& slice,
                     double tolerance, double* put_out);

}  // namespace levyfast
