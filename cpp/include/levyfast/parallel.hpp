// Work sharing over the rows of a batch (one parameter set per row) on worker threads.
#pragma once

#include <cstddef>
#include <functional>

namespace levyfast {

// Calls fn(r) for every r in [0, n) on min(n, n_threads) threads (n_threads <= 0: all
// hardware threads), handing out rows in chunks of `chunk` on demand (rows differ in cost).
// The first exception stops the remaining rows and is rethrown on the calling thread; an
// std::invalid_argument from row r is rethrown as "`params` row r: <message>".
void parallel_rows(std::size_t n, int n_threads, std::size_t chunk,
                   const std::function<void(std::size_t)>& fn);

}  // namespace levyfast
