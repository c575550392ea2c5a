#include "levyfast/european.hpp"

#include "levyfast/constants.hpp"
#include "levyfast/format.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <stdexcept>
#include <utility>
#include <vector>

#include "levyfast/time_change.hpp"

namespace levyfast {

namespace {

// plan_surface's per-maturity FFT: planned where the best other method's work exceeds
// kFftPlanWork (units of cos_cost, ~30 us); its least nonzero terms; the fraction of its
// estimated J = N L / (2 width) taken as a lower bound (the J chosen was 0.77 to 1.64 times
// the estimate on CGMY, Kou, Meixner and NIG surfaces); the terms tried where that estimate
// says it cannot win.
constexpr double kFftPlanWork = 1e5;
constexpr std::size_t kFftMinTerms = 16;
constexpr double kFftTermsSlack = 0.75;
constexpr std::size_t kFftProbeTerms = 64;

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
               "`strikes` must be finite and in (0, inf); got " + fmt(strikes[j]) +
                   " at index " + std::to_string(j));
  for (std::size_t i = 0; i < nT; ++i)
    LF_REQUIRE(std::isfinite(maturities[i]) && maturities[i] > 0.0,
               "`maturities` must be finite and in (0, inf); got " + fmt(maturities[i]) +
                   " at index " + std::to_string(i));
}

void plan_surface(const ModelParams& model, double omega, const Market& market,
                  const double* strikes, std::size_t nK, const double* maturities,
                  std::size_t nT, const COSPlanner& planner, const COSSettings& settings,
                  const SurfacePlanOptions& options, SurfacePlan& plan) {
  LF_REQUIRE(nK > 0, "`strikes` must not be empty");
  plan.log_strikes.resize(nK);
  for (std::size_t j = 0; j < nK; ++j) plan.log_strikes[j] = std::log(strikes[j]);
  plan.slices.resize(nT);
  plan.cos.resize(nT);
  plan.use_cos.assign(nT, 0);
  plan.use_adaptive.assign(nT, 0);
  plan.use_contour.assign(nT, 0);
  plan.use_series.assign(nT, 0);
  plan.use_fft.assign(nT, 0);
  plan.nodes.assign(nT, {});
  std::vector<double> other_work(nT, 0.0);  // work of the maturities not priced by COS
  const bool has_fallback = options.fallback_planner && options.fallback_settings;
  const double variance_rate = cumulants(model).c2;
  constexpr double kUnavailable = std::numeric_limits<double>::infinity();
  double shared_width = 0.0;
  // A lower bound on a maturity's shared-rule node count: the rule's least, or
  // kNodeCountFloor of the fewest any maturity of this surface took (the counts fall with T to
  // a plateau as the mixing law concentrates: VG 54, 43, 36, 31, 30, 29 nodes at T = 0.02 ..
  // 2); building the nodes of a maturity that COS then prices cost ~0.4 us.
  constexpr double kNodeCountFloor = 0.75;
  double fewest_nodes = kUnavailable;
  const auto [k_min, k_max] = std::minmax_element(strikes, strikes + nK);
  const SeriesPricer series = series_pricer(model);
  for (std::size_t i = 0; i < nT; ++i) {
    const double T = maturities[i];
    const ForwardDiscount fd = validate_market_at(market, T, *k_min, *k_max);
    MaturitySlice& slice = plan.slices[i];
    slice = {T, fd.forward, fd.discount, strikes, nK, plan.log_strikes.data(),
             options.error_strike};
    COSPlan& cp = plan.cos[i];
    char& use_cos = plan.use_cos[i];
    if (options.may_series && series == SeriesPricer::Black) {
      plan.use_series[i] = 1;  // exact and cheapest
      continue;
    }
    const double series_work = options.may_series && series == SeriesPricer::PoissonBlack
                                   ? merton_series_cost(model, T, nK, settings.tolerance)
                                   : kUnavailable;
    // Beyond a standard deviation of ~316 in log-price no method here is certified except
    // Merton's series (exact at any variance) when its term count is within budget: COS and
    // the rest are not even planned there (a plan on such a range is garbage).
    const bool in_domain = variance_rate * T <= kMaxLogVariance;
    if (!(series_work < kUnavailable)) require_log_variance(variance_rate, T);
    const bool cos_ok =
        in_domain && options.may_cos &&
        (plan_cos_slice(model, planner, settings, slice, market.spot, cp) ||
         (has_fallback && plan_cos_slice(model, *options.fallback_planner,
                                         *options.fallback_settings, slice, market.spot, cp)));
    const double cos_work = cos_ok ? cos_cost(cp.n_terms, nK) : kUnavailable;
    // The time change: shared nodes where they can be trusted, else the adaptive rule.
    double tc_work = kUnavailable;
    const double least_nodes =
        std::max(static_cast<double>(time_change_min_nodes(settings.tolerance)),
                 fewest_nodes < kUnavailable ? kNodeCountFloor * fewest_nodes : 0.0);
    const bool tc_needed =
        in_domain && options.may_tc &&
        (options.force_tc || !cos_ok ||
         cos_work > time_change_cost(static_cast<std::size_t>(least_nodes), nK));
    if (tc_needed) {
      if (time_change_nodes(model, omega, T, settings.tolerance, plan.nodes[i])) {
        tc_work = time_change_cost(plan.nodes[i].size(), nK);
        fewest_nodes = std::min(fewest_nodes, static_cast<double>(plan.nodes[i].size()));
      } else if (options.may_adaptive)
        tc_work = time_change_adaptive_cost(nK);
    }
    const bool tc_ok = tc_work < kUnavailable;
    // The rotated-ray Lewis inversion: per strike, so dearer than COS unless COS needs a
    // very long series (slowly decaying |phi|).
    const double contour_work = in_domain && options.may_contour && has_lewis_contour(model)
                                    ? lewis_contour_cost(nK)
                                    : kUnavailable;
    // The FFT, planned only for a dear maturity (its planning evaluates the exponent at
    // complex points, where CGMY has no vectorised form: on a cheap maturity it costs more
    // than it can save). Its J nonzero terms resolve about the frequency u_N = N pi / width
    // that COS's N terms reach, on a grid of spacing 2 pi / L: J ~ N L / (2 width); where that
    // guess says it can win, its spectrum is grown up to the best other choice's work, else
    // only its first kFftProbeTerms terms are tried: the damping e^{(alpha + 1) x} may shrink
    // the spectrum far below the guess (Kou with eta1 near 1: the tilted jump rate makes
    // |phi| fall where COS's plateaus).
    const double best_other = std::min({cos_work, tc_work, contour_work, series_work});
    double fft_work = kUnavailable;
    if (in_domain && options.fft && !(tc_ok && options.force_tc) &&
        best_other > kFftPlanWork) {
      const double L = options.fft->span(i, T);
      if (L < kUnavailable) {
        const double j = cos_ok ? kFftTermsSlack * cp.n_terms * L / (2.0 * cp.width) : 0.0;
        const std::size_t j_guess = std::max(kFftMinTerms, static_cast<std::size_t>(j));
        const double probe = fft_slice_cost(kFftProbeTerms, 0, nK);
        fft_work = options.fft->plan(
            i, best_other > fft_slice_cost(j_guess, 2 * j_guess, nK)
                   ? best_other
                   : std::min(best_other, probe));
      }
    }
    if (fft_work < best_other) {
      plan.use_fft[i] = 1;
      other_work[i] = fft_work;
      continue;
    }
    if (tc_ok && options.force_tc) {
      use_cos = 0;
    } else {
      use_cos = cos_ok && cos_work <= std::min({tc_work, contour_work, series_work});
    }
    plan.use_series[i] = !use_cos && series_work < kUnavailable;
    plan.use_adaptive[i] = !use_cos && tc_ok && plan.nodes[i].empty();
    const COSSettings& last = has_fallback ? *options.fallback_settings : settings;
    plan.use_contour[i] = !use_cos && !tc_ok && !plan.use_series[i] && contour_work < kUnavailable;
    LF_REQUIRE(use_cos || tc_ok || plan.use_series[i] || plan.use_contour[i],
               std::string(options.may_tc && !tc_ok
                               ? "the time-change quadrature cannot be trusted to the "
                                 "tolerance here (degenerate Brownian part or a law near the "
                                 "moment boundary), and "
                               : "") +
                   "COS cannot reach tolerance " + fmt(last.tolerance) + " * spot at T = " +
                   fmt(T) + " within max_terms = " + std::to_string(last.max_terms) +
                   " (the characteristic function decays too slowly); " + options.remedy);
    if (use_cos) {
      shared_width = std::max(shared_width, cp.width);
    } else {
      other_work[i] = plan.use_series[i]    ? series_work
                      : plan.use_contour[i] ? contour_work
                                            : tc_work;
    }
  }

  plan.share = settings.n_terms == 0;
  plan.shared_width = shared_width;
  plan.shared_terms = 0;
  // Estimated work of the plan, after the grid is shared or not.
  auto total_work = [&] {
    double work = 0.0;
    for (std::size_t i = 0; i < nT; ++i)
      work += plan.use_cos[i] ? cos_cost(plan.cos[i].n_terms, nK) : other_work[i];
    return work;
  };
  plan.work = total_work();
  if (plan.share && options.exponent_cost > 0.0) {
    // Estimated work of one shared grid (the exponent once on the longest scaled grid, every
    // maturity's terms scaled by its widening) against a grid per maturity.
    double own = 0.0, shared = 0.0, longest = 0.0;
    for (std::size_t i = 0; i < nT; ++i) {
      if (!plan.use_cos[i]) continue;
      const double n_own = plan.cos[i].n_terms;
      const double n_shared = std::ceil(n_own * shared_width / plan.cos[i].width);
      own += n_own * (options.exponent_cost + options.term_cost);
      shared += n_shared * options.term_cost;
      longest = std::max(longest, n_shared);
    }
    plan.share = shared + longest * options.exponent_cost <= own;
  }
  if (!plan.share) return;
  for (std::size_t i = 0; i < nT; ++i) {
    if (!plan.use_cos[i]) continue;
    COSPlan& cp = plan.cos[i];
    cp.a -= 0.5 * (shared_width - cp.width);
    cp.n_terms = static_cast<int>(std::ceil(cp.n_terms * shared_width / cp.width));
    cp.width = shared_width;
    plan.shared_terms = std::max(plan.shared_terms, cp.n_terms);
  }
  plan.work = total_work();
}

namespace {

// See plan_dual and price_surface.
constexpr double kDualRangeGain = 2.0;
constexpr double kComparePlansWork = 5e5;  // units of cos_cost (~100 us)

// One surface planned for pricing: the plan's slices point into `strikes` and plan.log_strikes,
// so a PlannedSurface is built in place and never copied.
struct PlannedSurface {
  ModelParams model;
  double omega;
  Market market;
  std::vector<double> strikes;
  COSSettings cos;
  COSPlanner planner;
  std::unique_ptr<FFTSlicePricer> fft;  // where the plan may choose the FFT per maturity
  SurfacePlan plan;

  PlannedSurface(const ModelParams& m, const Market& mkt, std::vector<double> k,
                 const COSSettings& cs)
      : model(m), omega(convexity_correction(m)), market(mkt), strikes(std::move(k)), cos(cs),
        planner(m, cs) {}
  PlannedSurface(const PlannedSurface&) = delete;
  PlannedSurface& operator=(const PlannedSurface&) = delete;

  // `with_fft`: the per-maturity FFT may be chosen.
  void make_plan(const double* maturities, std::size_t nT, SurfacePlanOptions options,
                 bool with_fft) {
    if (with_fft) {
      fft = std::make_unique<FFTSlicePricer>(model, market, strikes.data(), strikes.size(), nT,
                                             cos.tolerance);
      options.fft = fft.get();
    }
    plan_surface(model, omega, market, strikes.data(), strikes.size(), maturities, nT, planner,
                 cos, options, plan);
  }

  // Discounted puts into out[iT * nK + iK], each within [D (K - F)^+, D K].
  void price_puts(double* out) const {
    const std::size_t nK = strikes.size(), nT = plan.slices.size();
    std::vector<std::size_t> fft_slots;
    std::vector<double*> fft_rows;
    for (std::size_t i = 0; i < nT; ++i) {
      if (!plan.use_fft[i]) continue;
      fft_slots.push_back(i);
      fft_rows.push_back(out + i * nK);
    }
    if (!fft_slots.empty()) fft->put_slices(fft_slots.data(), fft_slots.size(), fft_rows.data());
    std::vector<cplx> u, psi;
    auto fill_exponent = [&](int n_terms, double width) {
      u.resize(n_terms);
      psi.resize(n_terms);
      for (int n = 0; n < n_terms; ++n) u[n] = cplx(n * kPi / width, 0.0);
      char_exponent(model, omega, u.data(), u.size(), psi.data());
    };
    if (plan.share && plan.shared_terms > 0) fill_exponent(plan.shared_terms, plan.shared_width);
    SliceScratch scratch;
    for (std::size_t i = 0; i < nT; ++i) {
      double* row = out + i * nK;
      const MaturitySlice& sl = plan.slices[i];
      if (plan.use_fft[i]) {
        // priced above, two maturities per transform
      } else if (plan.use_cos[i]) {
        if (!plan.share) fill_exponent(plan.cos[i].n_terms, plan.cos[i].width);
        cos_put_slice(psi.data(), plan.cos[i], sl, scratch, row);
      } else if (plan.use_series[i]) {
        if (series_pricer(model) == SeriesPricer::Black)
          black_scholes_put_slice(model, sl, row);
        else
          merton_put_slice(model, sl, cos.tolerance, row);
      } else if (plan.use_contour[i]) {
        lewis_put_slice(model, omega, sl, cos.tolerance, row);
      } else if (plan.use_adaptive[i]) {
        time_change_put_slice_adaptive(model, omega, sl, cos.tolerance, row);
      } else {
        time_change_put_slice(plan.nodes[i], sl, cos.tolerance, scratch, row);
      }
      for (std::size_t j = 0; j < nK; ++j)
        row[j] = std::clamp(row[j], sl.discount * std::max(strikes[j] - sl.forward, 0.0),
                            sl.discount * strikes[j]);
    }
  }
};

// The dual surface (models/base.hpp's share_dual; put–call duality, Fajardo & Mordecki 2006,
// Quant. Finance 6(3) 219-227, and Carr & Chesney 1996): with dQ*/dQ = e^{X_T} and Y = -X,
//   C(K; S, r, q) = D F E*[(1 - (K/F) e^{Y_T})^+] = (K / S) P*(S^2 / K; S, q, r),
// the put under the dual model at strike S^2 / K with rate and dividend swapped. A put whose
// error is below tol' S therefore gives calls (and, by parity, puts) within tol' K.
// The dual's truncation range is set by X's e^x-weighted right tail instead of its left
// tail, so it is the cheaper side when the left tail is the heavier one (equity skews).
std::unique_ptr<PlannedSurface> plan_dual(const ModelParams& model, const Market& market,
                                          const double* strikes, std::size_t nK,
                                          const double* maturities, std::size_t nT,
                                          const COSSettings& cs,
                                          const SurfacePlanOptions& options, bool with_fft) {
  const std::optional<ModelParams> dual = share_dual(model);
  if (!dual) return nullptr;
  const MomentStrip strip = moment_strip(model);
  // P(X_T < a) decays like e^{s_minus a}, the dual's left tail like e^{(s_plus - 1) a}: the
  // dual is planned only where its left range is estimated at least kDualRangeGain times
  // shorter (planning costs about as much as pricing a light surface).
  if (!(kDualRangeGain * strip.s_minus < strip.s_plus - 1.0)) return nullptr;
  const double spot = market.spot;
  std::vector<double> dual_strikes(nK);
  double k_max = 0.0;
  for (std::size_t j = 0; j < nK; ++j) {
    dual_strikes[j] = spot * (spot / strikes[j]);
    k_max = std::max(k_max, strikes[j]);
  }
  // Every method's put errors within tol' S give calls within tol' K_max <= tol S. COS's
  // bound is proportional to the strike, so its puts need tol' S only at the smallest dual
  // strike S^2 / K_max (or S): the call error is S x the bound's factor at every strike.
  COSSettings dual_cs = cs;
  dual_cs.tolerance = cs.tolerance * std::min(1.0, spot / k_max);
  if (!(dual_cs.tolerance >= kMinTolerance)) return nullptr;
  SurfacePlanOptions dual_options = options;
  dual_options.error_strike = spot * std::min(1.0, spot / k_max);
  try {
    auto planned = std::make_unique<PlannedSurface>(
        *dual, Market{spot, market.dividend, market.rate}, std::move(dual_strikes), dual_cs);
    planned->make_plan(maturities, nT, dual_options, with_fft);
    return planned;
  } catch (const std::invalid_argument&) {
    return nullptr;  // the dual cannot be planned here (its market or tolerance): the primal
  }
}

// The plan price_surface prices by (the method's options; for `auto` the primal or the dual
// surface, whichever is planned cheaper).
struct ChosenPlan {
  std::unique_ptr<PlannedSurface> primal, dual;
  bool by_dual = false;
  const PlannedSurface& chosen() const { return by_dual ? *dual : *primal; }
};

ChosenPlan choose_plan(const ModelParams& model, const Market& market, const double* strikes,
                       std::size_t nK, const double* maturities, std::size_t nT,
                       const EuropeanSettings& settings) {
  LF_REQUIRE(settings.method != Method::TimeChange || has_time_change(model),
             "`method` 'time_change' needs a VarianceGamma, NIG or CGMY(Y=0, sigma=0) model");
  const COSSettings& cs = settings.cos;
  SurfacePlanOptions options;
  options.may_cos = settings.method != Method::TimeChange;
  options.may_tc = settings.method != Method::COS && has_time_change(model);
  options.may_adaptive = true;
  options.may_contour = settings.method == Method::Auto;
  options.may_series = settings.method == Method::Auto;
  options.remedy = settings.method == Method::COS
                       ? "raise max_terms or tolerance, or use method='auto'"
                       : "raise max_terms or tolerance";
  // One shared exponent grid only where estimated cheaper than a grid per maturity: the
  // exponent per point (~40 units, CGMY's vectorised closed form), per term the density
  // terms and the Horner sums over the strikes. A heavy tail at the longest maturity widens
  // every range, and a slowly decaying |phi| at the shortest keeps its u_N: shared, the
  // shortest maturity of Kou(0.07, 45, 0.72, 1.015, 0.4) summed 615,782 terms instead of 4,000.
  options.exponent_cost = 40.0;
  options.term_cost = cos_cost(1, nK);
  // Not for Black–Scholes and Merton (closed form, series): the FFT's truncation extrapolates
  // the decay of |phi|, which Merton's revivals defeat (6e-4 * S0 off at tolerance 1e-11).
  const bool with_fft =
      settings.method == Method::Auto && series_pricer(model) == SeriesPricer::None;
  ChosenPlan c;
  c.primal = std::make_unique<PlannedSurface>(model, market,
                                              std::vector<double>(strikes, strikes + nK), cs);
  // `auto` prices by the dual surface where its plan is estimated cheaper, or where the
  // primal cannot be planned.
  if (settings.method == Method::Auto && cs.n_terms == 0 && cs.truncation_width == 0.0)
    c.dual = plan_dual(model, market, strikes, nK, maturities, nT, cs, options, with_fft);
  // The primal is planned as well where the dual's work is large enough for a second plan
  // not to matter, and priced where it is estimated cheaper.
  c.by_dual = c.dual != nullptr;
  if (!c.dual || c.dual->plan.work > kComparePlansWork) {
    try {
      c.primal->make_plan(maturities, nT, options, with_fft);
      c.by_dual = c.dual && c.dual->plan.work < c.primal->plan.work;
    } catch (const std::invalid_argument&) {
      if (!c.dual) throw;
    }
  }
  return c;
}

}  // namespace

SurfacePlanSummary describe_surface_plan(const ModelParams& model, const Market& market,
                                         const double* strikes, std::size_t nK,
                                         const double* maturities, std::size_t nT,
                                         const EuropeanSettings& settings) {
  LF_REQUIRE(settings.method != Method::FFT,
             "`method` 'fft' has no surface plan (fft_price_surface plans each maturity)");
  const ChosenPlan c = choose_plan(model, market, strikes, nK, maturities, nT, settings);
  const SurfacePlan& plan = c.chosen().plan;
  SurfacePlanSummary summary;
  summary.dual = c.by_dual;
  summary.work = plan.work;
  for (std::size_t i = 0; i < nT; ++i) {
    summary.methods.push_back(plan.use_fft[i]        ? "fft"
                              : plan.use_cos[i]      ? "cos"
                              : plan.use_series[i]   ? "series"
                              : plan.use_contour[i]  ? "lewis_contour"
                              : plan.use_adaptive[i] ? "time_change_adaptive"
                                                     : "time_change");
    summary.cos_terms.push_back(plan.use_cos[i] ? plan.cos[i].n_terms : 0);
  }
  return summary;
}

void price_surface(const ModelParams& model, const Market& market, const double* strikes,
                   std::size_t nK, const double* maturities, std::size_t nT, OptionKind kind,
                   const EuropeanSettings& settings, double* out) {
  if (settings.method == Method::FFT) {
    fft_price_surface(model, market, strikes, nK, maturities, nT, kind, settings.fft, out);
    return;
  }
  const ChosenPlan c = choose_plan(model, market, strikes, nK, maturities, nT, settings);
  const bool by_dual = c.by_dual;
  c.chosen().price_puts(out);

  for (std::size_t i = 0; i < nT; ++i) {
    double* row = out + i * nK;
    // F and D of the primal market (the dual's slices have rate and dividend swapped)
    const double T = maturities[i];
    const ForwardDiscount fd =
        by_dual ? ForwardDiscount{market.spot * std::exp((market.rate - market.dividend) * T),
                                  std::exp(-market.rate * T)}
                : ForwardDiscount{c.primal->plan.slices[i].forward,
                                  c.primal->plan.slices[i].discount};
    const double forward = fd.forward, discount = fd.discount;
    // Calls by put–call parity C = P + D (F - K) (the dual's puts are calls (K / S) C*),
    // kept inside the static bounds: put in [D (K - F)^+, D K], call in [D (F - K)^+, D F].
    // Round-off in the parity subtraction cannot make a negative time value, and a put whose
    // error scales with D K (K / F = 1e22 after e^{-rT} = 1e24) cannot turn into a call
    // above S e^{-qT}.
    for (std::size_t j = 0; j < nK; ++j) {
      const double gap = forward - strikes[j];
      const double call =
          by_dual ? row[j] * (strikes[j] / market.spot) : row[j] + discount * gap;
      if (kind == OptionKind::Call)
        row[j] = std::clamp(call, discount * std::max(gap, 0.0), discount * forward);
      else
        row[j] = std::clamp(by_dual ? call - discount * gap : row[j],
                            discount * std::max(-gap, 0.0), discount * strikes[j]);
    }
  }
  check_finite_outputs(out, nT * nK);
}

}  // namespace levyfast
