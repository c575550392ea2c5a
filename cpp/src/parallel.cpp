#include "levyfast/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace levyfast {

void parallel_rows(std::size_t n, int n_threads, std::size_t chunk,
                   const std::function<void(std::size_t)>& fn) {
  std::size_t workers = n_threads > 0 ? static_cast<std::size_t>(n_threads)
                                      : std::max(1u, std::thread::hardware_concurrency());
  workers = std::min(workers, std::max<std::size_t>(n, 1));
  chunk = std::max<std::size_t>(chunk, 1);

  std::atomic<std::size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto fail = [&](std::exception_ptr e) {
    std::lock_guard<std::mutex> lock(error_mutex);
    if (!error) error = e;
    next.store(n);
  };
  auto work = [&]() {
    for (;;) {
      const std::size_t start = next.fetch_add(chunk);
      if (start >= n) return;
      const std::size_t stop = std::min(n, start + chunk);
      for (std::size_t r = start; r < stop; ++r) {
        try {
          fn(r);
        } catch (const std::invalid_argument& e) {
          fail(std::make_exception_ptr(std::invalid_argument(
              "`params` row " + std::to_string(r) + ": " + e.what())));
          return;
        } catch (...) {
          fail(std::current_exception());
          return;
        }
      }
    }
  };
  if (workers <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    // Fewer threads than asked when the system cannot create more: the calling thread then
    // joins in, so the rows are done (by one thread at worst) instead of aborting the process.
    if (start_threads(pool, workers, work) < workers) work();
    for (auto& t : pool) t.join();
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace levyfast
