#include "levyfast/surface.hpp"

#include <vector>

#include "levyfast/parallel.hpp"

namespace levyfast {

void price_batch(int model_id, const double* params, std::size_t n_sets, std::size_t n_params,
                 const Market& market, const double* rates, const double* dividends,
                 const double* strikes, std::size_t nK,
                 const double* maturities, std::size_t nT, OptionKind kind,
                 const EuropeanSettings& settings, int n_threads, double* out,
                 const std::function<void()>& interrupt) {
  validate_market(market);
  validate_grid(strikes, nK, maturities, nT);
  std::vector<ModelParams> models;
  std::vector<Market> markets;
  models.reserve(n_sets);
  markets.reserve(n_sets);
  for (std::size_t r = 0; r < n_sets; ++r) {
    try {
      models.push_back(make_model(model_id, params + r * n_params, n_params));
      Market row = market;
      if (rates) row.rate = rates[r];
      if (dividends) row.dividend = dividends[r];
      validate_market(row);
      markets.push_back(row);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("`params` row " + std::to_string(r) + ": " + e.what());
    }
  }
  // Small chunks: hard parameter sets cost more than easy ones.
  const std::size_t surface = nT * nK;
  parallel_rows(n_sets, n_threads, 16, [&](std::size_t r) {
    price_surface(models[r], markets[r], strikes, nK, maturities, nT, kind, settings,
                  out + r * surface);
  }, interrupt);
}

}  // namespace levyfast
