// Black (1976) implied volatility by P. Jäckel's "Let's Be Rational" (Wilmott, January 2015,
// 40-53), vectorised: eight options per SIMD vector (see cpp/src/implied_vol.cpp).
#pragma once

#include <cstddef>

#include "levyfast/common.hpp"

namespace levyfast {

// Which input of an implied-volatility call failed its precondition (nothing was computed).
enum class IvStatus : int { Ok = 0, BadStrikes = 1, BadMaturities = 2, BadPrices = 3,
                            BadForwards = 4, BadDiscounts = 5 };

// The SIMD kernels, one per instruction set; Auto picks the widest the CPU supports.
enum class IvKernel : int { Auto = 0, Baseline = 1, Avx2 = 2, Avx512 = 3 };

// Whether `kernel` was built and runs on this CPU.
bool iv_kernel_available(IvKernel kernel);

// out[i] = sigma with prices[i] = discounts[i] * Black(forwards[i], strikes[i], sigma,
// maturities[i]) for theta = +1 (calls) or -1 (puts); NaN where the price lies outside
// [discount * intrinsic, discount * min(F, K)) and 0.0 at intrinsic. All arrays have n elements.
// Prices must be finite, everything else positive and finite, else the status says which input
// is not (checked before anything is computed). n_threads <= 0: all hardware threads.
IvStatus black_implied_vol(std::size_t n, const double* prices, const double* forwards,
                           const double* strikes, const double* maturities,
                           const double* discounts, double theta, int n_threads, double* out,
                           IvKernel kernel = IvKernel::Auto);

// Implied volatilities of n_surfaces price surfaces [n_T][n_K] (C order, contiguous) on one
// strike and maturity grid, with F = S0 exp((r - q) T) and discount exp(-r T) from `market`.
IvStatus implied_vol_surfaces(std::size_t n_surfaces, std::size_t n_t, std::size_t n_k,
                              const double* prices, const Market& market, const double* strikes,
                              const double* maturities, double theta, int n_threads,
                              double* out);

}  // namespace levyfast
