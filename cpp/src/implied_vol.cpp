// Black implied volatility (P. Jäckel, "Let's Be Rational", Wilmott 2015): input checks,
// threads, and the choice of the SIMD kernel (include/levyfast/implied_vol_simd.hpp) for the
// dispatched instruction-set level (isa.hpp: the CPU's, capped by LEVYFAST_MAX_ISA).

#include "levyfast/implied_vol.hpp"
#include "levyfast/isa.hpp"
#include "levyfast/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>
#include <vector>

namespace levyfast {

namespace detail {
// One kernel per instruction set (implied_vol_{avx512,avx2,baseline}.cpp).
using QuoteSolver = void (*)(std::size_t n, const double* price, const double* forward,
                             const double* strike, const double* maturity,
                             const double* discount, double theta, double* out);
void solve_quotes_baseline(std::size_t, const double*, const double*, const double*,
                           const double*, const double*, double, double*);
#if defined(LEVYFAST_IV_X86_KERNELS)
void solve_quotes_avx2(std::size_t, const double*, const double*, const double*, const double*,
                       const double*, double, double*);
void solve_quotes_avx512(std::size_t, const double*, const double*, const double*,
                         const double*, const double*, double, double*);
#endif
}  // namespace detail

namespace {

// The kernel for `kernel`, or nullptr where it was not built or is above the dispatched level.
detail::QuoteSolver solver_for(IvKernel kernel) {
  switch (kernel) {
    case IvKernel::Baseline:
      return detail::solve_quotes_baseline;
#if defined(LEVYFAST_IV_X86_KERNELS)
    case IvKernel::Avx2:
      return dispatched_isa() >= Isa::V3 ? detail::solve_quotes_avx2 : nullptr;
    case IvKernel::Avx512:
      return dispatched_isa() >= Isa::V4 ? detail::solve_quotes_avx512 : nullptr;
#endif
    case IvKernel::Auto:
      for (IvKernel k : {IvKernel::Avx512, IvKernel::Avx2, IvKernel::Baseline})
        if (detail::QuoteSolver s = solver_for(k)) return s;
      return nullptr;
    default:
      return nullptr;
  }
}

bool all_finite(std::size_t n, const double* a) {
  bool ok = true;
  for (std::size_t i = 0; i < n; ++i) ok &= std::fabs(a[i]) <= 1.79769313486231570815e308;
  return ok;
}

bool all_positive(std::size_t n, const double* a) {
  bool ok = true;
  for (std::size_t i = 0; i < n; ++i) ok &= (a[i] > 0.0) & (a[i] <= 1.79769313486231570815e308);
  return ok;
}

// Runs work(start, stop) over [0, n) in chunks, on up to n_threads threads (<= 0: all).
template <class Work>
void run_chunks(std::size_t n, std::size_t chunk, int n_threads, const Work& work) {
  std::size_t workers = n_threads > 0 ? static_cast<std::size_t>(n_threads)
                                      : std::max(1u, std::thread::hardware_concurrency());
  workers = std::min(workers, (n + chunk - 1) / chunk);
  if (workers <= 1) {
    work(0, n);
    return;
  }
  std::atomic<std::size_t> next{0};
  auto loop = [&]() {
    for (std::size_t start; (start = next.fetch_add(chunk)) < n;)
      work(start, std::min(n, start + chunk));
  };
  std::vector<std::thread> pool;
  // Threads the system cannot create (memory or process limits) are replaced by the calling
  // thread taking part, instead of std::terminate from an unjoined pool.
  if (start_threads(pool, workers, loop) < workers) loop();
  for (auto& thread : pool) thread.join();
}

constexpr std::size_t kChunk = 4096;

}  // namespace

bool iv_kernel_available(IvKernel kernel) { return solver_for(kernel) != nullptr; }

IvStatus black_implied_vol(std::size_t n, const double* prices, const double* forwards,
                           const double* strikes, const double* maturities,
                           const double* discounts, double theta, int n_threads, double* out,
                           IvKernel kernel) {
  LF_REQUIRE(theta == 1.0 || theta == -1.0, "`theta` must be 1 (call) or -1 (put)");
  const detail::QuoteSolver solve = solver_for(kernel);
  LF_REQUIRE(solve != nullptr, "this implied-volatility kernel is not available on this CPU");
  if (!all_finite(n, prices)) return IvStatus::BadPrices;
  if (!all_positive(n, forwards)) return IvStatus::BadForwards;
  if (!all_positive(n, strikes)) return IvStatus::BadStrikes;
  if (!all_positive(n, maturities)) return IvStatus::BadMaturities;
  if (!all_positive(n, discounts)) return IvStatus::BadDiscounts;
  run_chunks(n, kChunk, n_threads, [&](std::size_t start, std::size_t stop) {
    solve(stop - start, prices + start, forwards + start, strikes + start, maturities + start,
          discounts + start, theta, out + start);
  });
  return IvStatus::Ok;
}

IvStatus implied_vol_surfaces(std::size_t n_surfaces, std::size_t n_t, std::size_t n_k,
                              const double* prices, const Market& market, const double* strikes,
                              const double* maturities, double theta, int n_threads,
                              double* out) {
  LF_REQUIRE(theta == 1.0 || theta == -1.0, "`theta` must be 1 (call) or -1 (put)");
  if (!all_positive(n_k, strikes)) return IvStatus::BadStrikes;
  if (!all_positive(n_t, maturities)) return IvStatus::BadMaturities;
  const std::size_t n = n_surfaces * n_t * n_k;
  if (!all_finite(n, prices)) return IvStatus::BadPrices;
  std::vector<double> forward(n_t), discount(n_t);
  for (std::size_t j = 0; j < n_t; ++j) {
    forward[j] = market.spot * std::exp((market.rate - market.dividend) * maturities[j]);
    discount[j] = std::exp(-market.rate * maturities[j]);
  }
  // Quotes are laid out flat in chunks of up to kBlock, with their forward, strike, maturity
  // and discount gathered alongside.
  constexpr std::size_t kBlock = 256;
  const detail::QuoteSolver solve_quotes = solver_for(IvKernel::Auto);
  run_chunks(n, kChunk, n_threads, [&](std::size_t start, std::size_t stop) {
    double f[kBlock], k[kBlock], t[kBlock], d[kBlock];
    for (std::size_t begin = start; begin < stop; begin += kBlock) {
      const std::size_t m = std::min(kBlock, stop - begin);
      std::size_t col = begin % n_k, row = (begin / n_k) % n_t;
      for (std::size_t i = 0; i < m; ++i) {
        f[i] = forward[row];
        k[i] = strikes[col];
        t[i] = maturities[row];
        d[i] = discount[row];
        if (++col == n_k) {
          col = 0;
          if (++row == n_t) row = 0;
        }
      }
      solve_quotes(m, prices + begin, f, k, t, d, theta, out + begin);
    }
  });
  return IvStatus::Ok;
}

}  // namespace levyfast
