#include "levyfast/surface.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace levyfast {

void price_batch(int model_id, const double* params, std::size_t n_sets, std::size_t n_params,
                 const Market& market, const double* rates, const double* dividends,
                 const double* strikes, std::size_t nK,
                 const double* maturities, std::size_t nT, OptionKind kind,
                 const EuropeanSettings& settings, int n_threads, double* out) {
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
  std::size_t workers = n_threads > 0 ? static_cast<std::size_t>(n_threads)
                                      : std::max(1u, std::thread::hardware_concurrency());
  workers = std::min(workers, std::max<std::size_t>(n_sets, 1));

  // Dynamic scheduling in small chunks: hard parameter sets cost more than easy ones.
  std::atomic<std::size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  const std::size_t chunk = 16, surface = nT * nK;
  auto work = [&]() {
    for (;;) {
      const std::size_t start = next.fetch_add(chunk);
      if (start >= n_sets) return;
      const std::size_t stop = std::min(n_sets, start + chunk);
      for (std::size_t r = start; r < stop; ++r) {
        try {
          price_surface(models[r], markets[r], strikes, nK, maturities, nT, kind, settings,
                        out + r * surface);
        } catch (const std::invalid_argument& e) {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (!error)
            error = std::make_exception_ptr(std::invalid_argument(
                "`params` row " + std::to_string(r) + ": " + e.what()));
          next.store(n_sets);
          return;
        } catch (...) {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (!error) error = std::current_exception();
          next.store(n_sets);
          return;
        }
      }
    }
  };
  if (workers <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(workers);
    for (std::size_t w = 0; w < workers; ++w) pool.emplace_back(work);
    for (auto& t : pool) t.join();
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace levyfast
