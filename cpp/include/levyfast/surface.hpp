// Batched surface generation: many parameter sets of one model, priced on worker threads.
#pragma once

#include <cstddef>
#include <functional>

#include "levyfast/european.hpp"

namespace levyfast {

// params is [n_sets x n_params(model_id)] row-major; out is [n_sets x nT x nK].
// Every row is validated before any pricing starts (the error names the row).
// rates / dividends, when not null, hold one value per row and replace market.rate /
// market.dividend for that row (datasets sample the market with the parameters).
// n_threads <= 0 uses std::thread::hardware_concurrency(). `interrupt` is polled by the calling
// thread (see parallel_rows).
void price_batch(int model_id, const double* params, std::size_t n_sets, std::size_t n_params,
                 const Market& market, const double* rates, const double* dividends,
                 const double* strikes, std::size_t nK,
                 const double* maturities, std::size_t nT, OptionKind kind,
                 const EuropeanSettings& settings, int n_threads, double* out,
                 const std::function<void()>& interrupt = {});

}  // namespace levyfast
