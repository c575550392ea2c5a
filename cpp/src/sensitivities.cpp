// Prices, parameter gradients and market Greeks of European surfaces (see sensitivities.hpp).
//
// Every maturity is reduced to the normalised put g(k) = E[(e^k - e^X_T)^+] at log-strike
// k = ln(K/F), its derivatives along the requested directions (model parameters, maturity) at
// fixed k, the distribution function P(X_T < k) and the density f(k); the market Greeks
// follow from P = S0 e^{-qT} g(ln K - ln S0 - (r-q) T) by the chain rule.
#include <algorithm>

#include "levyfast/constants.hpp"
#include <cmath>
#include <vector>

#include "levyfast/european.hpp"
#include "levyfast/format.hpp"
#include "levyfast/parallel.hpp"
#include "levyfast/sensitivities.hpp"
#include "levyfast/time_change.hpp"

namespace levyfast {

namespace {

constexpr double kInvSqrt2Pi = 0.3989422804014327;
// Derivatives converge more slowly in the number of terms than prices (their coefficients
// carry d psi/d theta ~ u^2 for diffusion parameters): plan them at this fraction of the
// price tolerance.
constexpr double kDerivativeTolFactor = 1e-2;

inline double norm_cdf(double x) { return 0.5 * std::erfc(-x * 0.7071067811865476); }
inline double norm_pdf(double x) { return kInvSqrt2Pi * std::exp(-0.5 * x * x); }

// Normalised results of one maturity: g[j], dg[d * nK + j] along each direction d, and (for
// the Greeks) cdf[j] = P(X_T < k_j), pdf[j] = f(k_j).
struct SliceSens {
  std::vector<double> g, dg, cdf, pdf;
  void resize(std::size_t nK, std::size_t n_dir) {
    g.assign(nK, 0.0);
    dg.assign(n_dir * nK, 0.0);
    cdf.assign(nK, 0.0);
    pdf.assign(nK, 0.0);
  }
};

// Directions of differentiation of a COS slice: coefficient multiplier m_n such that
// d phi_T(u_n) = m_n phi_T(u_n), i.e. T d psi(u_n)/d p_j, or psi(u_n) for the maturity.
struct Direction {
  const cplx* values;
  double scale;
};

// COS (Fang & Oosterlee 2008) for g, its directional derivatives, the CDF and the density on
// the fixed range [a, a + width] with N terms: with R_n = Re(phi_T(u_n) e^{-i u_n a}),
//   g(k)   = (2/W) sum' R_n V_n(k),  V_n = int_a^k (e^k - e^z) cos(u_n (z - a)) dz,
//   dg(k)  = (2/W) sum' Re(m_n phi_T(u_n) e^{-i u_n a}) V_n(k)  (the n = 0 term vanishes),
//   F(k)   = (2/W) sum' R_n sin(u_n (k-a))/u_n  ((k-a) for n = 0),
//   f(k)   = (2/W) sum' R_n cos(u_n (k-a)).
// The strike-dependent sums are polynomials in w = exp(-i pi (k-a)/W) (Horner, vectorised
// across strikes), as in cos_put_slice.
void cos_slice(const cplx* psi, const std::vector<Direction>& dirs, bool greeks,
               const COSPlan& plan, double T, double F, const double* strikes, std::size_t nK,
               SliceSens& out) {
  const double a = plan.a, width = plan.width, b = a + width;
  const int N = plan.n_terms;
  const std::size_t D = dirs.size();
  const std::size_t S = 1 + D + (greeks ? 2 : 0);  // coefficient sequences
  std::vector<double> cr(S * N, 0.0), ci(S * N, 0.0), strike_free(1 + D, 0.0);
  std::vector<double> term_re(N), term_im(N);
  cos_density_terms(psi, N, T, a, width, term_re.data(), term_im.data());
  for (int n = 1; n < N; ++n) {
    const double un = n * kPi / width;
    const cplx c(term_re[n], term_im[n]);
    const double inv = 1.0 / (1.0 + un * un);
    const double g0 = c.real() * inv;
    cr[n] = -g0;
    ci[n] = g0 / un;
    strike_free[0] += g0;
    for (std::size_t d = 0; d < D; ++d) {
      const double gd = dirs[d].scale * (dirs[d].values[n] * c).real() * inv;
      cr[(1 + d) * N + n] = -gd;
      ci[(1 + d) * N + n] = gd / un;
      strike_free[1 + d] += gd;
    }
    if (greeks) {
      ci[(1 + D) * N + n] = c.real() / un;  // Re(i R/u e^{-it}) = R sin(t)/u
      cr[(2 + D) * N + n] = c.real();       // Re(R e^{-it}) = R cos(t)
    }
  }
  const double ea = std::exp(a);

  std::vector<std::size_t> idx;
  std::vector<double> wr, wi;
  idx.reserve(nK);
  for (std::size_t j = 0; j < nK; ++j) {
    const double k = std::log(strikes[j] / F);
    if (k <= a) {
      out.g[j] = 0.0;
      for (std::size_t d = 0; d < D; ++d) out.dg[d * nK + j] = 0.0;
      out.cdf[j] = 0.0;
      out.pdf[j] = 0.0;
    } else if (k >= b) {
      out.g[j] = strikes[j] / F - 1.0;
      for (std::size_t d = 0; d < D; ++d) out.dg[d * nK + j] = 0.0;
      out.cdf[j] = 1.0;
      out.pdf[j] = 0.0;
    } else {
      idx.push_back(j);
      const double th = kPi * (k - a) / width;
      wr.push_back(std::cos(th));
      wi.push_back(-std::sin(th));
    }
  }
  const std::size_t m = idx.size();
  std::vector<double> ar(S * m, 0.0), ai(S * m, 0.0);
  const double* __restrict qr = wr.data();
  const double* __restrict qi = wi.data();
  for (std::size_t s = 0; s < S; ++s)
    cos_horner(cr.data() + s * N, ci.data() + s * N, N, m, qr, qi, ar.data() + s * m,
               ai.data() + s * m);
  const double scale = 2.0 / width;
  for (std::size_t t = 0; t < m; ++t) {
    const std::size_t j = idx[t];
    const double kappa = strikes[j] / F, k = std::log(kappa);
    auto sum = [&](std::size_t s) { return ar[s * m + t] * qr[t] - ai[s * m + t] * qi[t]; };
    out.g[j] = scale * (0.5 * (kappa * (k - a) - kappa + ea) + kappa * sum(0) + ea * strike_free[0]);
    for (std::size_t d = 0; d < D; ++d)
      out.dg[d * nK + j] = scale * (kappa * sum(1 + d) + ea * strike_free[1 + d]);
    if (greeks) {
      out.cdf[j] = scale * (0.5 * (k - a) + sum(1 + D));
      out.pdf[j] = scale * (0.5 + sum(2 + D));
    }
  }
}

// Time-change quadrature (see time_change.hpp) for g, its derivatives, the CDF and density:
// g = sum_i w_i B(L_i, v_i; k) with B the normalised Black put (or call, plus kappa - 1 by
// parity, for k > 0: the out-of-the-money side). With the nodes' clock values V_i held
// fixed, d g = sum_i w_i [d ln w_i B + dL_i dB/dL + dv_i dB/dv], dB/dv = e^L phi(d1)/(2 sd).
void time_change_slice(const std::vector<MixtureNode>& nodes,
                       const std::vector<NodeDerivative>& node_grad, std::size_t D, bool greeks,
                       double F, const double* strikes, std::size_t nK, SliceSens& out) {
  const std::size_t n = nodes.size();
  std::vector<double> mean(n), sd(n);
  for (std::size_t i = 0; i < n; ++i) {
    mean[i] = std::exp(nodes[i].log_mean);
    sd[i] = std::sqrt(nodes[i].variance);
  }
  std::vector<double> acc(D);
  for (std::size_t j = 0; j < nK; ++j) {
    const double kappa = strikes[j] / F, k = std::log(kappa);
    const bool otm_call = k > 0.0;
    double value_sum = 0.0, tail = 0.0, dens = 0.0;
    std::fill(acc.begin(), acc.end(), 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      const double w = nodes[i].weight, s = sd[i], mi = mean[i];
      double value, dvalue_dlog_mean, tail_i;
      if (!(s > 0.0)) {
        // V underflowed to 0: X_T = log_mean exactly (a point mass; d/dv B -> 0 there).
        const bool above = nodes[i].log_mean > k;
        value = otm_call ? std::max(mi - kappa, 0.0) : std::max(kappa - mi, 0.0);
        dvalue_dlog_mean = otm_call ? (above ? mi : 0.0) : (above ? 0.0 : -mi);
        tail_i = otm_call ? (above ? 1.0 : 0.0) : (above ? 0.0 : 1.0);
        value_sum += w * value;
        for (std::size_t d = 0; d < D; ++d) {
          const NodeDerivative& nd = node_grad[i * D + d];
          acc[d] += w * (nd.log_weight * value + nd.log_mean * dvalue_dlog_mean);
        }
        if (greeks) tail += w * tail_i;
        continue;
      }
      const double d1 = (nodes[i].log_mean - k) / s + 0.5 * s, d2 = d1 - s;
      if (otm_call) {
        const double n1 = norm_cdf(d1), n2 = norm_cdf(d2);
        value = mi * n1 - kappa * n2;
        dvalue_dlog_mean = mi * n1;
        tail_i = n2;  // P(X > k | V)
      } else {
        const double n1 = norm_cdf(-d1), n2 = norm_cdf(-d2);
        value = kappa * n2 - mi * n1;
        dvalue_dlog_mean = -mi * n1;
        tail_i = n2;  // P(X < k | V)
      }
      const double dvalue_dvar = mi * norm_pdf(d1) / (2.0 * s);
      value_sum += w * value;
      for (std::size_t d = 0; d < D; ++d) {
        const NodeDerivative& nd = node_grad[i * D + d];
        acc[d] += w * (nd.log_weight * value + nd.log_mean * dvalue_dlog_mean +
                       nd.variance * dvalue_dvar);
      }
      if (greeks) {
        tail += w * tail_i;
        dens += w * norm_pdf(d2) / s;
      }
    }
    out.g[j] = otm_call ? value_sum + kappa - 1.0 : value_sum;
    for (std::size_t d = 0; d < D; ++d) out.dg[d * nK + j] = acc[d];
    if (greeks) {
      out.cdf[j] = otm_call ? 1.0 - tail : tail;
      out.pdf[j] = dens;
    }
  }
}

}  // namespace

void price_sensitivities(const ModelParams& model, const Market& market, const double* strikes,
                         std::size_t nK, const double* maturities, std::size_t nT, OptionKind kind,
                         const COSSettings& settings, const SensitivityOutput& out,
                         double derivative_tolerance) {
  LF_REQUIRE(out.price != nullptr, "internal error: price_sensitivities needs a price buffer");
  const bool greeks = out.delta || out.gamma || out.theta || out.rho || out.dividend_rho;
  const bool with_params = out.param_grad != nullptr;
  const bool with_maturity = out.theta != nullptr;
  const std::size_t np = static_cast<std::size_t>(n_params(model.id));
  // Parameter directions, in output order.
  std::vector<int> param_dirs;
  if (with_params && out.param_dirs) {
    param_dirs.assign(out.param_dirs, out.param_dirs + out.n_param_dirs);
    for (int j : param_dirs)
      LF_REQUIRE(j >= 0 && static_cast<std::size_t>(j) < np,
                 "parameter direction " + std::to_string(j) + " out of range [0, " +
                     std::to_string(np) + ")");
  } else if (with_params) {
    for (std::size_t j = 0; j < np; ++j) param_dirs.push_back(static_cast<int>(j));
  }
  const std::size_t n_param_dirs = param_dirs.size();
  const std::size_t D = n_param_dirs + (with_maturity ? 1 : 0);

  COSSettings cs = settings;
  cs.tolerance = derivative_tolerance > 0.0
                     ? std::max(kMinTolerance, derivative_tolerance)
                     : std::max(kMinTolerance, settings.tolerance * kDerivativeTolFactor);
  const double omega = convexity_correction(model);
  double domega[kMaxParams] = {0.0, 0.0, 0.0, 0.0, 0.0};
  convexity_correction_grad(model, domega);
  const COSPlanner planner(model, cs), price_planner(model, settings);
  // The time change is differentiated for VG and NIG only (CGMY(Y = 0) would need d/dY,
  // which leaves the variance-gamma family), and for VG not in its Black-Scholes limit.
  SurfacePlanOptions options;
  options.may_tc = has_differentiable_time_change(
      model, nT > 0 ? *std::min_element(maturities, maturities + nT) : 0.0);
  options.force_tc = greeks && greeks_need_time_change(model);
  // Where the derivative-grade N would exceed max_terms (slowly decaying |phi|), the
  // price-grade plan of price_surface.
  options.fallback_planner = &price_planner;
  options.fallback_settings = &settings;
  // A grid per maturity where cheaper than one shared grid: the exponent and its D gradients
  // per point (~40 units each, CGMY's vectorised closed form), and per term the density
  // terms and 1 + D (+2) Horner sequences over the strikes.
  options.exponent_cost = 40.0 * static_cast<double>(1 + D);
  options.term_cost = cos_cost(1, nK * (1 + D + (greeks ? 2 : 0)));
  options.remedy =
      "exact sensitivities have no certified method here (CGMY near Y = 0 or VG/NIG with a "
      "near-degenerate Brownian part or near the moment boundary, at short maturities); raise "
      "the tolerance, or price with levyfast.price, whose per-strike fallbacks cover it";
  SurfacePlan plan;
  plan_surface(model, omega, market, strikes, nK, maturities, nT, planner, cs, options, plan);
  const bool share = plan.share;
  std::vector<cplx> u, psi, dpsi;
  int grid_terms = 0;
  auto fill_exponent = [&](int n_terms, double width) {
    u.resize(n_terms);
    psi.resize(n_terms);
    for (int n = 0; n < n_terms; ++n) u[n] = cplx(n * kPi / width, 0.0);
    if (with_params) {
      dpsi.resize(n_param_dirs * n_terms);
      char_exponent_and_grad(model, omega, u.data(), u.size(), param_dirs.data(), n_param_dirs,
                             psi.data(), dpsi.data());
    } else {
      char_exponent(model, omega, u.data(), u.size(), psi.data());
    }
    grid_terms = n_terms;
  };
  if (share && plan.shared_terms > 0) fill_exponent(plan.shared_terms, plan.shared_width);

  SliceSens sl;
  sl.resize(nK, D);
  std::vector<Direction> dirs(D);
  std::vector<NodeDerivative> node_grad;
  const double S0 = market.spot, r = market.rate, q = market.dividend;
  for (std::size_t i = 0; i < nT; ++i) {
    const double T = maturities[i];
    const MaturitySlice& ms = plan.slices[i];
    if (plan.use_cos[i]) {
      if (!share) fill_exponent(plan.cos[i].n_terms, plan.cos[i].width);
      for (std::size_t d = 0; d < n_param_dirs; ++d)
        dirs[d] = {dpsi.data() + d * static_cast<std::size_t>(grid_terms), T};
      if (with_maturity) dirs[n_param_dirs] = {psi.data(), 1.0};
      cos_slice(psi.data(), dirs, greeks, plan.cos[i], T, ms.forward, strikes, nK, sl);
    } else {
      const std::vector<MixtureNode>& nodes = plan.nodes[i];
      const std::size_t full = np + (with_maturity ? 1 : 0);
      std::vector<NodeDerivative> all(full);
      node_grad.resize(nodes.size() * D);
      for (std::size_t k = 0; k < nodes.size(); ++k) {
        time_change_node_grad(model, T, nodes[k].log_clock, omega, domega, with_maturity,
                              all.data());
        for (std::size_t d = 0; d < n_param_dirs; ++d) node_grad[k * D + d] = all[param_dirs[d]];
        if (with_maturity) node_grad[k * D + n_param_dirs] = all[np];
      }
      for (const NodeDerivative& nd : node_grad)
        LF_REQUIRE(std::isfinite(nd.log_weight) && std::isfinite(nd.log_mean) &&
                       std::isfinite(nd.variance),
                   "exact sensitivities: the time-change clock at T = " + fmt(T) +
                       " is too degenerate to differentiate (the model's parameters are "
                       "extreme); price with levyfast.price, or use less extreme parameters");
      time_change_slice(nodes, node_grad, D, greeks, ms.forward, strikes, nK, sl);
    }

    // Market quantities of the put P = S0 e^{-qT} g(k), then the call by parity
    // C = P + S0 e^{-qT} - K e^{-rT}.
    const double F = ms.forward, disc = ms.discount, df0 = S0 * std::exp(-q * T);
    const bool call = kind == OptionKind::Call;
    for (std::size_t j = 0; j < nK; ++j) {
      const std::size_t o = i * nK + j;
      const double K = strikes[j], kappa = K / F, g = sl.g[j];
      const double put = disc * std::max(F * g, std::max(K - F, 0.0));
      out.price[o] = call ? std::max(put + disc * (F - K), disc * std::max(F - K, 0.0)) : put;
      for (std::size_t d = 0; d < n_param_dirs; ++d)
        out.param_grad[(d * nT + i) * nK + j] = df0 * sl.dg[d * nK + j];
      if (!greeks) continue;
      const double put_raw = df0 * g, cdf = sl.cdf[j];
      const double dK = disc * K;
      double delta = std::exp(-q * T) * (g - kappa * cdf);
      double dvdT = with_maturity
                        ? -q * put_raw + df0 * (-(r - q) * kappa * cdf + sl.dg[n_param_dirs * nK + j])
                        : 0.0;
      double rho = -T * dK * cdf;
      double dividend_rho = -T * put_raw + T * dK * cdf;
      if (call) {
        delta += std::exp(-q * T);
        dvdT += -q * df0 + r * dK;
        rho += T * dK;
        dividend_rho -= T * df0;
      }
      if (out.delta) out.delta[o] = delta;
      if (out.gamma) out.gamma[o] = dK * sl.pdf[j] / (S0 * S0);
      if (out.theta) out.theta[o] = -dvdT;
      if (out.rho) out.rho[o] = rho;
      if (out.dividend_rho) out.dividend_rho[o] = dividend_rho;
    }
  }

  const std::size_t n_out = nT * nK;
  auto check = [&](const double* p, std::size_t n, const char* what) {
    if (!p) return;
    for (std::size_t k = 0; k < n; ++k)
      LF_REQUIRE(std::isfinite(p[k]), std::string("internal error: non-finite ") + what +
                                          " at flat index " + std::to_string(k) +
                                          "; please report the inputs");
  };
  check(out.price, n_out, "price");
  check(out.param_grad, n_param_dirs * n_out, "gradient");
  check(out.delta, n_out, "delta");
  check(out.gamma, n_out, "gamma");
  check(out.theta, n_out, "theta");
  check(out.rho, n_out, "rho");
  check(out.dividend_rho, n_out, "dividend rho");
}

void price_and_grad_batch(int model_id, const double* params, std::size_t n_sets,
                          std::size_t n_par, const Market& market, const double* strikes,
                          std::size_t nK, const double* maturities, std::size_t nT,
                          OptionKind kind, const COSSettings& settings, int n_threads,
                          double* prices, double* grads) {
  validate_market(market);
  validate_grid(strikes, nK, maturities, nT);
  validate_cos_settings(settings);
  std::vector<ModelParams> models;
  models.reserve(n_sets);
  for (std::size_t r = 0; r < n_sets; ++r) {
    try {
      models.push_back(make_model(model_id, params + r * n_par, n_par));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("`params` row " + std::to_string(r) + ": " + e.what());
    }
  }
  const std::size_t surface = nT * nK;
  parallel_rows(n_sets, n_threads, 1, [&](std::size_t r) {
    SensitivityOutput o;
    o.price = prices + r * surface;
    o.param_grad = grads + r * n_par * surface;
    price_sensitivities(models[r], market, strikes, nK, maturities, nT, kind, settings, o);
  });
}

}  // namespace levyfast
