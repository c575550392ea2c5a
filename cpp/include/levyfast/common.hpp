// Shared vocabulary of the C++ core: preconditions, option kinds, market data.
#pragma once

#include <complex>
#include <stdexcept>
#include <string>

namespace levyfast {

using cplx = std::complex<double>;

// Precondition check: throws std::invalid_argument (-> ValueError in Python) with `msg`.
#define LF_REQUIRE(cond, msg)                                   \
  do {                                                          \
    if (!(cond)) throw std::invalid_argument(std::string(msg)); \
  } while (0)

enum class OptionKind : int { Call = 0, Put = 1 };

struct Market {
  double spot;
  double rate;
  double dividend;
};

void validate_market(const Market& m);

}  // namespace levyfast
