#include "levyfast/european.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "levyfast/time_change.hpp"

namespace levyfast {

namespace {

constexpr double kPi = 3.141592653589793;

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

  // Pass 1: plan every maturity and choose its method (cheaper of COS and time change).
  std::vector<MaturitySlice> slices(nT);
  std::vector<COSPlan> plans(nT);
  std::vector<char> use_cos(nT, 0);
  std::vector<std::vector<MixtureNode>> nodes(nT);  // time-change nodes, built once
  double shared_width = 0.0;
  for (std::size_t i = 0; i < nT; ++i) {
    const double T = maturities[i];
    slices[i] = {T, market.spot * std::exp((market.rate - market.dividend) * T),
                 std::exp(-market.rate * T), strikes, nK};
    const bool cos_ok =
        may_cos && plan_cos_slice(model, planner, cs, slices[i], market.spot, plans[i]);
    if (cos_ok && may_tc) {
      const double cost = cos_cost(plans[i].n_terms, nK);
      use_cos[i] = cost <= time_change_cost(time_change_min_nodes(cs.tolerance), nK);
      if (!use_cos[i]) {
        time_change_nodes(model, omega, T, cs.tolerance, nodes[i]);
        use_cos[i] = cost <= time_change_cost(nodes[i].size(), nK);
      }
    } else {
      use_cos[i] = cos_ok;
    }
    LF_REQUIRE(use_cos[i] || may_tc,
               "COS cannot reach tolerance " + describe(cs.tolerance) + " * spot at T = " +
                   describe(T) + " within max_terms = " + std::to_string(cs.max_terms) +
                   " (the characteristic function decays too slowly); raise max_terms "
                   "or tolerance, or use method='auto' or 'time_change' where available");
    if (use_cos[i]) shared_width = std::max(shared_width, plans[i].width);
  }

  // Pass 2: with automatic N, COS maturities share one exponent grid u_n = n pi / W on the
  // widest range W (each range is widened about its centre, N scaled to keep u_N).
  const bool share = cs.n_terms == 0;
  int shared_terms = 0;
  if (share) {
    for (std::size_t i = 0; i < nT; ++i) {
      if (!use_cos[i]) continue;
      COSPlan& pl = plans[i];
      pl.a -= 0.5 * (shared_width - pl.width);
      pl.n_terms = static_cast<int>(std::ceil(pl.n_terms * shared_width / pl.width));
      pl.width = shared_width;
      shared_terms = std::max(shared_terms, pl.n_terms);
    }
  }
  std::vector<cplx> u, psi;
  auto fill_exponent = [&](int n_terms, double width) {
    u.resize(n_terms);
    psi.resize(n_terms);
    for (int n = 0; n < n_terms; ++n) u[n] = cplx(n * kPi / width, 0.0);
    char_exponent(model, omega, u.data(), u.size(), psi.data());
  };
  if (share && shared_terms > 0) fill_exponent(shared_terms, shared_width);

  for (std::size_t i = 0; i < nT; ++i) {
    double* row = out + i * nK;
    const MaturitySlice& sl = slices[i];
    if (use_cos[i]) {
      if (!share) fill_exponent(plans[i].n_terms, plans[i].width);
      cos_put_slice(psi.data(), plans[i], sl, row);
    } else {
      if (nodes[i].empty()) time_change_nodes(model, omega, sl.T, cs.tolerance, nodes[i]);
      time_change_put_slice(nodes[i], sl, cs.tolerance, row);
    }
    if (kind == OptionKind::Call) {
      // Put–call parity C = P + D (F - K), kept on the call's own bound D (F - K)^+ so that
      // round-off in the subtraction cannot produce a negative time value.
      for (std::size_t j = 0; j < nK; ++j) {
        const double gap = sl.forward - strikes[j];
        row[j] = std::max(row[j] + sl.discount * gap, sl.discount * std::max(gap, 0.0));
      }
    }
  }
  check_finite_outputs(out, nT * nK);
}

}  // namespace levyfast
