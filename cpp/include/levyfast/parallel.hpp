// Work sharing over the rows of a batch (one parameter set per row) on worker threads.
#pragma once

#include <cstddef>
#include <functional>
#include <new>
#include <system_error>
#include <thread>
#include <vector>

namespace levyfast {

// Calls fn(r) for every r in [0, n) on min(n, n_threads) threads (n_threads <= 0: all
// hardware threads), handing out rows in chunks of `chunk` on demand (rows differ in cost).
// The first exception stops the remaining rows and is rethrown on the calling thread; an
// std::invalid_argument from row r is rethrown as "`params` row r: <message>". The calling
// thread calls `interrupt` (when given) every 20 ms; whatever it throws stops the rows the
// same way (the bindings raise Python's KeyboardInterrupt from it).
void parallel_rows(std::size_t n, int n_threads, std::size_t chunk,
                   const std::function<void(std::size_t)>& fn,
                   const std::function<void()>& interrupt = {});

// Appends up to `count` threads running `fn` to `pool` and returns how many were started: it
// stops at the first thread the system cannot create (std::system_error, e.g. under a memory
// or process limit) instead of letting the exception unwind past running threads, whose
// std::thread destructors would call std::terminate. Callers hand out work through a shared
// counter, so the threads that did start (and the calling thread) finish it.
template <class F>
std::size_t start_threads(std::vector<std::thread>& pool, std::size_t count, const F& fn) {
  std::size_t started = 0;
  try {
    pool.reserve(pool.size() + count);
    for (; started < count; ++started) pool.emplace_back(fn);
  } catch (const std::system_error&) {
  } catch (const std::bad_alloc&) {
  }
  return started;
}

}  // namespace levyfast
