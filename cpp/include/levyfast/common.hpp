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
// Throws std::invalid_argument unless, at maturity T, the forward F = S e^{(r-q)T}, the
// discount D = e^{-rT}, the moneyness K/F and the price bounds D F = S e^{-qT} and D K of the
// strikes k_min..k_max are finite normal doubles (rates or dividends times maturities beyond
// ~700 under/overflow, and the prices with them). Returns F and D.
struct ForwardDiscount {
  double forward, discount;
};
ForwardDiscount validate_market_at(const Market& m, double T, double k_min, double k_max);

}  // namespace levyfast
