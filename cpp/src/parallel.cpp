#include "levyfast/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace levyfast {

void parallel_rows(std::size_t n, int n_threads, std::size_t chunk,
                   const std::function<void(std::size_t)>& fn,
                   const std::function<void()>& interrupt) {
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
  // The calling thread runs `interrupt` every kInterruptPeriod; an exception from it (e.g.
  // KeyboardInterrupt) stops the remaining rows like a row's own error.
  using clock = std::chrono::steady_clock;
  constexpr auto kInterruptPeriod = std::chrono::milliseconds(20);
  auto last_check = clock::now();
  auto poll = [&]() {
    if (!interrupt || clock::now() - last_check < kInterruptPeriod) return;
    last_check = clock::now();
    try {
      interrupt();
    } catch (...) {
      fail(std::current_exception());
    }
  };
  auto work = [&](bool polling) {
    for (;;) {
      if (polling) poll();
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
    work(true);
  } else {
    std::atomic<std::size_t> running{0};
    std::mutex done_mutex;
    std::condition_variable done;
    auto worker = [&]() {
      work(false);
      std::lock_guard<std::mutex> lock(done_mutex);
      running.fetch_sub(1);
      done.notify_one();
    };
    running.store(workers);
    std::vector<std::thread> pool;
    // Fewer threads than asked when the system cannot create more: the calling thread then
    // joins in, so the rows are done (by one thread at worst) instead of aborting the process.
    const std::size_t started = start_threads(pool, workers, worker);
    running.fetch_sub(workers - started);
    if (started < workers) work(true);
    // Wait for the workers, checking for an interrupt meanwhile.
    std::unique_lock<std::mutex> lock(done_mutex);
    while (running.load() > 0) {
      done.wait_for(lock, kInterruptPeriod);
      lock.unlock();
      poll();
      lock.lock();
    }
    lock.unlock();
    for (auto& t : pool) t.join();
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace levyfast
