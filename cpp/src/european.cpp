#include "levyfast/european.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "levyfast/time_change.hpp"

namespace levyfast {

namespace {

std::string describe(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

void check_finite_outputs(const double* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    LF_REQUIRE(std::isfinite(out[i]), "internal error: non-finite price at flat index " +
                                          std::to_string(i) + "; please report the inputs");
}

}  // namespace

void validate_grid(const double* strikes, std::size_t nK, const double* maturities,
                   std::size_t nT) {
  LF_REQUIRE(nK > 0, "`strikes` must not be empty");
  LF_REQUIRE(nT > 0, "`maturities` must not be empty");
  for (std::size_t j = 0; j < nK; ++j)
    LF_REQUIRE(std::isfinite(strikes[j]) && strikes[j] > 0.0,
               "`strikes` must be finite and in (0, inf); got " + describe(strikes[j]) +
                   " at index " + std::to_string(j));
  for (std::size_t i = 0; i < nT; ++i)
    LF_REQUIRE(std::isfinite(maturities[i]) && maturities[i] > 0.0,
               "`maturities` must be finite and in (0, inf); got " + describe(maturities[i]) +
                   " at index " + std::to_string(i));
}

void price_surface(const ModelParams& model, const Market& market, const double* strikes,
                   std::size_t nK, const double* maturities, std::size_t nT, OptionKind kind,
                   const EuropeanSettings& settings, double* out) {
  if (settings.method == Method::FFT) {
    fft_price_surface(model, market, strikes, nK, maturities, nT, kind, settings.fft, out);
    return;
  }
  LF_REQUIRE(settings.method != Method::TimeChange || has_time_change(model),
             "method 'time_change' needs a VarianceGamma, NIG or CGMY(Y=0, sigma=0) model");
  const double omega = convexity_correction(model);
  const COSSettings& cs = settings.cos;
  const bool may_cos = settings.method != Method::TimeChange;
  const bool may_tc = settings.method != Method::COS && has_time_change(model);
  const COSPlanner planner(model, cs);
  std::vector<MixtureNode> nodes;
  for (std::size_t i = 0; i < nT; ++i) {
    const double T = maturities[i];
    const MaturitySlice sl{T, market.spot * std::exp((market.rate - market.dividend) * T),
                           std::exp(-market.rate * T), strikes, nK};
    double* row = out + i * nK;
    bool done = false;
    if (may_tc) {
      time_change_nodes(model, omega, T, cs.tolerance, nodes);
      int n_cos = cs.max_terms + 1;
      if (may_cos && cs.n_terms == 0) {
        double a, b;
        double k_max = *std::max_element(strikes, strikes + nK);
        planner.range(T, 0.1 * cs.tolerance * market.spot / std::max(k_max, sl.forward), a, b);
        n_cos = planner.terms(T, b - a, k_max, 0.5 * cs.tolerance * market.spot);
      }
      if (!may_cos || n_cos > cs.max_terms ||
          time_change_cost(nodes.size(), nK) < cos_cost(n_cos, nK)) {
        time_change_put_slice(nodes, sl, row);
        done = true;
      }
    }
    if (!done) {
      int used = 0;
      const bool ok = cos_put_slice(model, omega, planner, cs, sl, market.spot, row, used);
      LF_REQUIRE(ok, "COS cannot reach tolerance " + describe(cs.tolerance) + " * spot at T = " +
                         describe(T) + " within max_terms = " + std::to_string(cs.max_terms) +
                         " (the characteristic function decays too slowly); raise max_terms "
                         "or tolerance, or use method='auto' or 'time_change' where available");
    }
    if (kind == OptionKind::Call) {
      // Put–call parity: C = P + S e^{-qT} - K e^{-rT} = P + D (F - K).
      for (std::size_t j = 0; j < nK; ++j) row[j] += sl.discount * (sl.forward - strikes[j]);
    }
  }
  check_finite_outputs(out, nT * nK);
}

}  // namespace levyfast
