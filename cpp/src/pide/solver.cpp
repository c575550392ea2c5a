#include "levyfast/pide/solver.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "levyfast/format.hpp"
#include "levyfast/pide/operator.hpp"
#include "levyfast/pide/schemes.hpp"

namespace levyfast::pide {

namespace {

// Largest grid step in log-price: coarser cells cannot represent the payoff (which varies like
// e^x) and its interpolation at the requested points.
constexpr double kMaxStep = 0.5;
// Work of one price_surface call, at most (LevyOperator::step_cost units, about flops: one to
// two minutes of CPU time; the default grid costs about 1e7 per maturity).
constexpr double kMaxWork = 1e11;
// Work between two interrupt checks (about a millisecond).
constexpr double kCheckEvery = 2e6;

// Time steps of one rollback: `steps` per segment plus the extra half steps of damping.
double rollback_steps(int steps, int segments, int damping_steps) {
  const int pairs = std::min(std::max(damping_steps / 2, 0), steps);
  return static_cast<double>(segments) * (static_cast<double>(steps) + pairs);
}

void require_work(double work, const PIDESettings& s, int segments, std::size_t rollbacks) {
  LF_REQUIRE(work <= kMaxWork,
             "the PIDE solve would take about " + fmt_short(work) + " operations (nx = " +
                 std::to_string(s.nx) + " grid points x time steps: nt = " +
                 std::to_string(s.nt) + ", " + std::to_string(segments) +
                 " monitoring segment(s), x implicit band and jump FFT, over " +
                 std::to_string(rollbacks) + " rollback(s)), above the budget of " +
                 fmt_short(kMaxWork) + "; reduce `nx`, `nt`, the number of monitoring dates, "
                 "`implicit_band` or the number of strikes/maturities per call");
}

// State of one rollback from the payoff (tau = 0) to today (tau = T).
class Rollback {
 public:
  Rollback(LevyOperator& op, const OptionConditions& cond, double T, int nt_total,
           const InterruptCheck& interrupt)
      : op_(op), cond_(cond), n_(op.grid().n), nt_total_(nt_total), T_(T), interrupt_(interrupt) {
    const UniformGrid& g = op.grid();
    x_.resize(n_);
    for (std::size_t i = 0; i < n_; ++i) x_[i] = g.x(i);
    v_.resize(n_);
    for (std::size_t i = 0; i < n_; ++i) v_[i] = cond.payoff(x_[i]);
    if (cond.continuous_barrier()) {
      if (cond.barrier_kind() == BarrierKind::DownAndOut) v_[0] = cond.rebate();
      else v_[n_ - 1] = cond.rebate();
    }
    if (cond.american()) obstacle_ = v_;
    v_prev_.assign(n_, 0.0);
    e_cur_.assign(n_, 0.0);
    e_prev_.assign(n_, 0.0);
    local_.assign(n_, 0.0);
    rhs_.assign(n_, 0.0);
  }

  // One step of `k` from tau_ to tau_ + dt; `use_prev` enables the two-step terms.
  void step(const StepCoefficients& k, double dt, bool use_prev) {
    if (interrupt_) {
      since_check_ += op_.step_cost();
      if (since_check_ >= kCheckEvery) {
        since_check_ = 0.0;
        interrupt_();
      }
    }
    const double tau = tau_;
    const FarField now = [&](double x) { return cond_.far_field(x, tau, x < x_[0]); };
    op_.apply_jumps(v_, now, e_cur_);
    if (k.d != 0.0) op_.apply_local(v_, now, local_);
    for (std::size_t i = 1; i + 1 < n_; ++i) {
      double r = k.a0 * v_[i] + dt * k.e0 * e_cur_[i];
      if (k.d != 0.0) r += k.d * dt * local_[i];
      if (use_prev) r += k.a1 * v_prev_[i] + dt * k.e1 * e_prev_[i];
      rhs_[i] = r;
    }
    tau_ = tau + dt;
    const double tau_new = tau_;
    const FarField next = [&](double x) { return cond_.far_field(x, tau_new, x < x_[0]); };
    rhs_[0] = end_value(true);
    rhs_[n_ - 1] = end_value(false);
    op_.solve(k.c * dt, rhs_, next, cond_.american() ? &obstacle_ : nullptr);
    std::swap(v_prev_, v_);
    std::swap(v_, rhs_);
    std::swap(e_prev_, e_cur_);
    check();
  }

  // One segment of steps of sizes `dts`: Rannacher damping (pairs of IMEX-Euler half steps
  // for the first `damping_pairs` steps), then `scheme` with the coefficients for the ratio of
  // consecutive steps, bootstrapped by one IMEX-Euler step.
  void segment(SchemeId scheme, const std::vector<double>& dts, int damping_pairs) {
    const StepCoefficients euler = StepCoefficients::imex_euler();
    const bool two_step = StepCoefficients::of(scheme).two_step();
    const std::size_t steps = dts.size();
    const auto pairs = std::min(static_cast<std::size_t>(std::max(damping_pairs, 0)), steps);
    bool have_prev = false;
    std::size_t done = 0;
    for (; done < pairs; ++done) {
      step(euler, 0.5 * dts[done], false);
      saved_v_ = v_prev_;  // level tau - dt after the second half step
      saved_e_ = e_prev_;
      step(euler, 0.5 * dts[done], false);
      v_prev_.swap(saved_v_);
      e_prev_.swap(saved_e_);
      have_prev = true;
    }
    for (; done < steps; ++done) {
      if (two_step && !have_prev) step(euler, dts[done], false);
      else step(StepCoefficients::of(scheme, dts[done] / dts[done - 1]), dts[done], true);
      have_prev = true;
    }
  }

  void monitor() { cond_.apply_monitoring(x_, v_); }
  const std::vector<double>& values() const { return v_; }

 private:
  double end_value(bool left) const {
    if (cond_.continuous_barrier() &&
        (left == (cond_.barrier_kind() == BarrierKind::DownAndOut)))
      return cond_.rebate();
    return cond_.far_field(left ? x_[0] : x_[n_ - 1], tau_, left);
  }

  // Post-condition: every value within its no-arbitrage bounds, up to kSlack (strike units);
  // an unstable scheme leaves them within a few steps.
  void check() const {
    constexpr double kSlack = 0.01;
    for (std::size_t i = 0; i < n_; ++i) {
      const double hi = cond_.upper_bound(x_[i], T_) + kSlack;
      if (!(v_[i] >= -kSlack && v_[i] <= hi)) {
        LF_REQUIRE(false, "the PIDE time stepping is unstable for these parameters: V = " +
                              fmt_short(v_[i]) + " (strike units) at x = ln(S/K) = " + fmt_short(x_[i]) +
                              " and time to maturity " + fmt_short(tau_) + " of " + fmt_short(T_) +
                              " (" + std::to_string(nt_total_) + " steps), outside the no-arbitrage range [0, " + fmt_short(hi - kSlack) +
                              "]; increase `nt` or `implicit_band`, or use scheme='imex_euler'");
      }
    }
  }

  LevyOperator& op_;
  const OptionConditions& cond_;
  std::size_t n_;
  int nt_total_;
  double T_;
  const InterruptCheck& interrupt_;
  double since_check_ = 0.0;
  double tau_ = 0.0;
  std::vector<double> x_, v_, v_prev_, e_cur_, e_prev_, local_, rhs_, obstacle_, saved_v_, saved_e_;
};

struct Interpolated {
  double value, dx, dxx;  // v, dv/dx, d2v/dx2 at x0
};

// Cubic Lagrange interpolation (Newton form) on the four nodes around x0.
Interpolated interpolate(const UniformGrid& g, const std::vector<double>& v, double x0) {
  const double s = (x0 - g.x_min) / g.h;
  const long last = static_cast<long>(g.n) - 4;
  const long i0 = std::clamp(static_cast<long>(std::floor(s)) - 1, 0L, last);
  const double t = s - static_cast<double>(i0);
  const auto at = [&](long k) { return v[static_cast<std::size_t>(i0 + k)]; };
  const double d1 = at(1) - at(0);
  const double d2 = at(2) - 2.0 * at(1) + at(0);
  const double d3 = at(3) - 3.0 * at(2) + 3.0 * at(1) - at(0);
  const double value = at(0) + d1 * t + d2 * t * (t - 1.0) / 2.0 + d3 * t * (t - 1.0) * (t - 2.0) / 6.0;
  const double p1 = d1 + d2 * (2.0 * t - 1.0) / 2.0 + d3 * (3.0 * t * t - 6.0 * t + 2.0) / 6.0;
  const double p2 = d2 + d3 * (t - 1.0);
  return {value, p1 / g.h, p2 / (g.h * g.h)};
}

// Grid of one rollback at maturity T covering the log-moneyness points [x_lo, x_hi]. The
// payoff's kink x = 0 is a node (its non-smoothness then costs no order), and so is a
// continuously monitored barrier, which is the grid's end on its side.
UniformGrid make_grid(const ModelParams& model, const OptionConditions& cond, double T,
                      double x_lo, double x_hi, const PIDESettings& s, int nx) {
  const double sd = std::sqrt(cumulants(model).c2 * T);
  const double half = std::max(s.width * sd, s.min_half_width);
  const double cells = static_cast<double>(nx - 1);
  UniformGrid g;
  g.n = static_cast<std::size_t>(nx);
  const bool down = cond.continuous_barrier() && cond.barrier_kind() == BarrierKind::DownAndOut;
  const bool up = cond.continuous_barrier() && cond.barrier_kind() == BarrierKind::UpAndOut;
  double lo = down ? cond.barrier_x() : std::min(x_lo - half, -0.5 * half);
  double hi = up ? cond.barrier_x() : std::max(x_hi + half, 0.5 * half);
  g.h = (hi - lo) / cells;
  if (down || !up) {
    // Anchor the lower end; cells between it and the kink become a whole number.
    const double m = std::max(1.0, std::round(-lo / g.h));
    if (down && -lo > 0.0) g.h = -lo / m;
    g.x_min = down ? lo : -m * g.h;
  } else {
    const double m = std::max(1.0, std::round(hi / g.h));
    g.h = hi / m;
    g.x_min = hi - cells * g.h;
  }
  return g;
}

// Step sizes of one segment of length `span` in `steps` steps (see TimeGrid).
std::vector<double> time_steps(double span, int steps, bool quadratic) {
  std::vector<double> dts(static_cast<std::size_t>(steps));
  const double n = static_cast<double>(steps);
  for (int k = 0; k < steps; ++k) {
    const double a = static_cast<double>(k) / n, b = static_cast<double>(k + 1) / n;
    dts[static_cast<std::size_t>(k)] = quadratic ? span * (b * b - a * a) : span / n;
  }
  return dts;
}

// Rollback over [0, T] with `steps` steps per monitoring segment; the grid values at tau = T.
std::vector<double> roll_back(const ModelParams& model, const Market& market, double T,
                              const OptionConditions& cond, const UniformGrid& grid,
                              const PIDESettings& s, int steps, std::size_t rollbacks,
                              const InterruptCheck& interrupt) {
  const int segments = cond.discrete_barrier() ? cond.monitoring_dates() : 1;
  const bool quadratic = s.time_grid == TimeGrid::Quadratic ||
                         (s.time_grid == TimeGrid::Auto && cond.american());
  LevyOperator op(model, market.rate, market.dividend, grid, s.tail_tolerance, s.implicit_band, T);
  // With the band and the jump kernel known: every rollback of the call costs about this much.
  require_work(op.step_cost() * rollback_steps(steps, segments, s.damping_steps) *
                   static_cast<double>(rollbacks), s, segments, rollbacks);
  const std::vector<double> dts = time_steps(T / segments, steps, quadratic);
  Rollback rb(op, cond, T, steps * segments, interrupt);
  if (cond.discrete_barrier()) rb.monitor();  // the last monitoring date is the maturity
  for (int seg = 0; seg < segments; ++seg) {
    if (seg > 0) rb.monitor();
    rb.segment(s.scheme, dts, s.damping_steps / 2);
  }
  return rb.values();
}

// Values, x- and xx-derivatives at the points `xs` of one option at maturity T, on a grid
// covering [x_lo, x_hi]. With `richardson`, two rollbacks, (h, dt) and (2h, 2dt) on nested
// grids (the fine grid halves every coarse cell and time step), are combined as
// (4 V_fine - V_coarse) / 3, which removes the O(h^2 + dt^2) error terms of the second-order
// schemes (Richardson 1911; e.g. Hull & White style grid extrapolation for American options).
// The grid of maturity T must resolve X_T: a step below kMaxStep (else the domain of `width`
// standard deviations is absurdly wide for nx points) and not above sd(X_T) (else the
// distribution lies within a cell and the scheme reduces to the payoff's transport).
void require_resolvable(const ModelParams& model, double T, const UniformGrid& g,
                        const PIDESettings& s, int nx) {
  const double sd = std::sqrt(cumulants(model).c2 * T);
  const std::string where = " at maturity T = " + fmt_short(T) + " (sd(X_T) = sqrt(c2 T) = " + fmt_short(sd) +
                            ", c2 = " + fmt_short(cumulants(model).c2) + " the model's variance rate)";
  LF_REQUIRE(std::isfinite(g.h) && g.h <= kMaxStep,
             "the PIDE grid cannot resolve this distribution" + where + ": its domain of `width` = " +
                 fmt_short(s.width) + " standard deviations needs a grid step h = " + fmt_short(g.h) +
                 " > " + fmt_short(kMaxStep) + " with nx = " + std::to_string(nx) +
                 " points; the PIDE resolves sd(X_T) up to about " +
                 fmt_short(kMaxStep * (nx - 1) / (2.0 * s.width)) +
                 " here: lower the maturity or the model's variance (parameters), or use "
                 "method='cos'");
  LF_REQUIRE(sd >= g.h,
             "the PIDE grid cannot resolve this distribution" + where + ": sd(X_T) is below the "
             "grid step h = " + fmt_short(g.h) + " (nx = " + std::to_string(nx) + ", `min_half_width` = " +
                 fmt_short(s.min_half_width) + "); the PIDE needs sd(X_T) >= h: raise `nx`, the "
                 "maturity or the model's variance, or use method='cos'");
}

std::vector<Interpolated> solve_at(const ModelParams& model, const Market& market, double T,
                                   const OptionConditions& cond, double x_lo, double x_hi,
                                   const std::vector<double>& xs, const PIDESettings& s,
                                   std::size_t rollbacks, const InterruptCheck& interrupt) {
  const int segments = cond.discrete_barrier() ? cond.monitoring_dates() : 1;
  int steps = std::max(1, static_cast<int>(std::ceil(static_cast<double>(s.nt) / segments)));
  std::vector<Interpolated> out(xs.size());
  if (!s.richardson) {
    const UniformGrid grid = make_grid(model, cond, T, x_lo, x_hi, s, s.nx);
    require_resolvable(model, T, grid, s, s.nx);
    const std::vector<double> v =
        roll_back(model, market, T, cond, grid, s, steps, rollbacks, interrupt);
    for (std::size_t k = 0; k < xs.size(); ++k) out[k] = interpolate(grid, v, xs[k]);
    return out;
  }
  steps += steps % 2;
  const UniformGrid coarse = make_grid(model, cond, T, x_lo, x_hi, s, (s.nx + 1) / 2);
  UniformGrid fine = coarse;
  fine.h = 0.5 * coarse.h;
  fine.n = 2 * coarse.n - 1;
  require_resolvable(model, T, coarse, s, (s.nx + 1) / 2);
  const std::vector<double> vc =
      roll_back(model, market, T, cond, coarse, s, steps / 2, rollbacks, interrupt);
  const std::vector<double> vf =
      roll_back(model, market, T, cond, fine, s, steps, rollbacks, interrupt);
  for (std::size_t k = 0; k < xs.size(); ++k) {
    const Interpolated c = interpolate(coarse, vc, xs[k]), f = interpolate(fine, vf, xs[k]);
    out[k] = {(4.0 * f.value - c.value) / 3.0, (4.0 * f.dx - c.dx) / 3.0,
              (4.0 * f.dxx - c.dxx) / 3.0};
  }
  return out;
}

}  // namespace

void validate_pide_settings(const PIDESettings& s) {
  LF_REQUIRE(s.scheme == SchemeId::ImexEuler || s.scheme == SchemeId::CNAB || s.scheme == SchemeId::BDF2,
             "`scheme` code must be 0 (imex_euler), 1 (cnab) or 2 (bdf2)");
  LF_REQUIRE(s.nx >= 16 && s.nx <= (1 << 24),
             "`nx` of PIDEPricer must be in [16, 16777216]; got " + std::to_string(s.nx));
  LF_REQUIRE(!s.richardson || s.nx >= 32,
             "`nx` of PIDEPricer must be >= 32 with richardson=True (the coarse grid has "
             "(nx + 1) / 2 points); got " + std::to_string(s.nx));
  LF_REQUIRE(s.nt >= 1 && s.nt <= 10000000,
             "`nt` of PIDEPricer must be in [1, 10000000]; got " + std::to_string(s.nt));
  LF_REQUIRE(s.damping_steps >= 0 && s.damping_steps % 2 == 0,
             "`damping_steps` of PIDEPricer must be an even number >= 0; got " +
                 std::to_string(s.damping_steps));
  LF_REQUIRE(std::isfinite(s.width) && s.width > 0.0,
             "`width` of PIDEPricer must be in (0, inf); got " + fmt_short(s.width));
  LF_REQUIRE(std::isfinite(s.min_half_width) && s.min_half_width > 0.0,
             "`min_half_width` of PIDEPricer must be in (0, inf); got " + fmt_short(s.min_half_width));
  LF_REQUIRE(s.implicit_band >= 0 && s.implicit_band <= 4096,
             "`implicit_band` of PIDEPricer must be in [0, 4096]; got " +
                 std::to_string(s.implicit_band));
  LF_REQUIRE(s.time_grid == TimeGrid::Auto || s.time_grid == TimeGrid::Uniform ||
                 s.time_grid == TimeGrid::Quadratic,
             "`time_grid` code must be 0 (auto), 1 (uniform) or 2 (quadratic)");
  LF_REQUIRE(s.tail_tolerance > 0.0 && s.tail_tolerance <= 1e-3,
             "`tail_tolerance` of PIDEPricer must be in (0, 0.001]; got " + fmt_short(s.tail_tolerance));
}

void price_surface(const ModelParams& model, const Market& market, const double* strikes,
                   std::size_t nK, const double* maturities, std::size_t nT, OptionKind kind,
                   Exercise exercise, const BarrierSpec& barrier, const PIDESettings& settings,
                   double* price, double* delta, double* gamma, const InterruptCheck& interrupt) {
  validate_model(model);
  validate_market(market);
  validate_pide_settings(settings);
  validate_barrier(barrier);
  LF_REQUIRE(exercise == Exercise::European || exercise == Exercise::American,
             "exercise code must be 0 (european) or 1 (american)");
  LF_REQUIRE(exercise == Exercise::European || barrier.kind == BarrierKind::None,
             "American barrier options are not supported by the PIDE solver; use "
             "exercise='european' with a barrier, or no barrier with exercise='american'");
  const double S = market.spot, r = market.rate, q = market.dividend;
  // European calls by parity from puts (the put's far field is bounded).
  const bool parity = kind == OptionKind::Call && exercise == Exercise::European &&
                      barrier.kind == BarrierKind::None;
  const OptionKind solved = parity ? OptionKind::Put : kind;

  // A priori work (a lower bound: band 1 unless given, no jumps), before any solve; each
  // rollback checks again with its band and jump kernel.
  const int segments = barrier.kind != BarrierKind::None && barrier.monitoring > 0 ? barrier.monitoring : 1;
  const int steps = std::max(1, static_cast<int>(std::ceil(static_cast<double>(settings.nt) / segments)));
  const std::size_t rollbacks = (barrier.kind == BarrierKind::None ? nT : nT * nK) *
                                (settings.richardson ? 2 : 1);
  const double min_band = std::max(settings.implicit_band, 1);
  require_work(static_cast<double>(settings.nx) * (4.0 * (2.0 * min_band + 1.0) + 8.0) *
                   rollback_steps(steps, segments, settings.damping_steps) *
                   static_cast<double>(rollbacks), settings, segments, rollbacks);

  // No-arbitrage range of the solved value (strike units) at x0 = ln(S/K), maturity T.
  auto bounds = [&](double x0, double T, const OptionConditions& cond) {
    const double disc = std::exp(-r * T), fwd = std::exp(x0 - q * T);
    double lo, hi;
    if (solved == OptionKind::Put) {
      lo = std::max(disc - fwd, 0.0);
      hi = disc;
      if (exercise == Exercise::American) {
        lo = std::max(lo, 1.0 - std::exp(x0));
        hi = std::max(hi, 1.0);
      }
    } else {
      lo = std::max(fwd - disc, 0.0);
      hi = fwd;
      if (exercise == Exercise::American) {
        lo = std::max(lo, std::exp(x0) - 1.0);
        hi = std::max(hi, std::exp(x0));
      }
    }
    if (barrier.kind != BarrierKind::None) {  // knock-out: anything from 0 up, plus the rebate
      lo = 0.0;
      hi += cond.rebate() * std::max(1.0, disc);
    }
    return std::make_pair(lo, hi);
  };
  // Values within kBoundSlack (strike units, above the grid's usual error) of the range are
  // clamped into it; further out the grid has not resolved the problem.
  constexpr double kBoundSlack = 1e-3;
  auto enforce = [&](double T, double K, double x0, const OptionConditions& cond,
                     Interpolated p) {
    const auto [lo, hi] = bounds(x0, T, cond);
    LF_REQUIRE(std::isfinite(p.value) && p.value >= lo - kBoundSlack && p.value <= hi + kBoundSlack,
               "the PIDE grid did not resolve this option: value " + fmt_short(p.value * K) +
                   " at strike " + fmt_short(K) + ", maturity " + fmt_short(T) +
                   " is outside the no-arbitrage range [" + fmt_short(lo * K) + ", " + fmt_short(hi * K) +
                   "] of the solved " + (solved == OptionKind::Put ? "put" : "call") +
                   "; refine the grid (`nx`, `nt`) or use method='cos' for European options");
    p.value = std::clamp(p.value, lo, hi);
    return p;
  };

  auto store = [&](std::size_t iT, std::size_t iK, double T, double K, const Interpolated& p) {
    double pv = K * p.value, dv = K * p.dx / S, gv = K * (p.dxx - p.dx) / (S * S);
    if (parity) {
      const double forward_value = S * std::exp(-q * T) - K * std::exp(-r * T);
      // The put was kept within its bounds; rounding of the sum must not undo that.
      pv = std::max(pv + forward_value, std::max(forward_value, 0.0));
      dv += std::exp(-q * T);
    }
    LF_REQUIRE(std::isfinite(pv) && std::isfinite(dv) && std::isfinite(gv),
               "internal error: non-finite PIDE price; please report the inputs");
    price[iT * nK + iK] = pv;
    if (delta) delta[iT * nK + iK] = dv;
    if (gamma) gamma[iT * nK + iK] = gv;
  };

  for (std::size_t iT = 0; iT < nT; ++iT) {
    const double T = maturities[iT];
    if (barrier.kind == BarrierKind::None) {
      // One rollback in strike units serves every strike (homogeneity of degree one).
      std::vector<double> xs(nK);
      for (std::size_t iK = 0; iK < nK; ++iK) xs[iK] = std::log(S / strikes[iK]);
      const OptionConditions cond(solved, exercise, barrier, 1.0, r, q);
      const auto [lo, hi] = std::minmax_element(xs.begin(), xs.end());
      const std::vector<Interpolated> v =
          solve_at(model, market, T, cond, *lo, *hi, xs, settings, rollbacks, interrupt);
      for (std::size_t iK = 0; iK < nK; ++iK)
        store(iT, iK, T, strikes[iK], enforce(T, strikes[iK], xs[iK], cond, v[iK]));
      continue;
    }
    for (std::size_t iK = 0; iK < nK; ++iK) {
      const double K = strikes[iK], x0 = std::log(S / K);
      const OptionConditions cond(solved, exercise, barrier, K, r, q);
      if (cond.continuous_barrier() && cond.knocked_out(x0)) {
        store(iT, iK, T, K, {cond.rebate(), 0.0, 0.0});
        continue;
      }
      store(iT, iK, T, K,
            enforce(T, K, x0, cond,
                    solve_at(model, market, T, cond, x0, x0, {x0}, settings, rollbacks,
                             interrupt)[0]));
    }
  }
}

}  // namespace levyfast::pide
