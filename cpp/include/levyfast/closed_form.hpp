// Closed-form and series prices: Black–Scholes (Black 1976 on the forward) and Merton's (1976)
// Poisson mixture of Black prices. Exact up to rounding (Merton's within 3e-13 of the forward
// at tolerances from 1e-7 up), so also where Fourier methods lose their footing (a vanishing
// or a huge volatility, point-mass jumps).
#pragma once

#include <cstddef>

#include "levyfast/cos.hpp"
#include "levyfast/models.hpp"

namespace levyfast {

// e^{log_weight} times the undiscounted out-of-the-money-side Black value per unit forward:
// E[(e^X - kappa)^+] for k = ln kappa > 0, E[(kappa - e^X)^+] otherwise, where X is normal
// with variance `variance` and E[e^X] = e^{log_mean} (limits at variance 0 and inf included).
double black_otm(double log_mean, double variance, double k, double kappa,
                 double log_weight = 0.0);

// Discounted Black–Scholes put prices of one maturity (sigma = model.p[0]); the normal CDF by
// the vectorised erfc of fast_math.hpp (3e-14 relative).
void black_scholes_put_slice(const ModelParams& model, const MaturitySlice& slice,
                             double* put_out);

// The model's series pricer: Black for Black–Scholes (black_scholes_put_slice), PoissonBlack
// for Merton, whose series prices a maturity where merton_series_cost is finite (lam T within
// its term budget and the precision of its Poisson weights).
SeriesPricer series_pricer(const ModelParams& model);
// Work estimate (units of cos_cost) of merton_put_slice at maturity T for nK strikes and
// `tolerance`; +inf where the series cannot be summed.
double merton_series_cost(const ModelParams& model, double T, std::size_t nK, double tolerance);
// Discounted put prices of one maturity by Merton's series, all strikes per term, truncated
// where the Poisson weights under Q and under the share measure left out are below 1e-17 (a
// certified geometric tail bound). The normal CDF is fast_math's relative erfc below
// `tolerance` (fraction of the forward) kFastErfcMinTolerance, so exact up to rounding, and
// its absolute one (3e-13) from there up.
void merton_put_slice(const ModelParams& model, const MaturitySlice& slice, double tolerance,
                      double* put_out);

}  // namespace levyfast
