#include "levyfast/pide/conditions.hpp"

#include "levyfast/format.hpp"

#include <algorithm>
#include <cmath>

namespace levyfast::pide {

void validate_barrier(const BarrierSpec& b) {
  if (b.kind == BarrierKind::None) return;
  LF_REQUIRE(b.kind == BarrierKind::DownAndOut || b.kind == BarrierKind::UpAndOut,
             "barrier kind code must be 0 (none), 1 (down-and-out) or 2 (up-and-out)");
  LF_REQUIRE(std::isfinite(b.level) && b.level > 0.0,
             "`level` of Barrier must be in (0, inf); got " + fmt(b.level));
  LF_REQUIRE(b.monitoring >= 0, "`monitoring` of Barrier must be 'continuous' or a positive "
                                "number of dates; got " + std::to_string(b.monitoring));
  LF_REQUIRE(std::isfinite(b.rebate) && b.rebate >= 0.0,
             "`rebate` of Barrier must be in [0, inf); got " + fmt(b.rebate));
}

OptionConditions::OptionConditions(OptionKind kind, Exercise exercise, const BarrierSpec& barrier,
                                   double strike, double rate, double dividend)
    : kind_(kind),
      exercise_(exercise),
      barrier_(barrier),
      barrier_x_(barrier.kind == BarrierKind::None ? 0.0 : std::log(barrier.level / strike)),
      rebate_(barrier.rebate / strike),
      rate_(rate),
      dividend_(dividend) {}

double OptionConditions::payoff(double x) const {
  if (barrier_.kind != BarrierKind::None && knocked_out(x)) return rebate_;
  return kind_ == OptionKind::Put ? std::max(1.0 - std::exp(x), 0.0)
                                  : std::max(std::exp(x) - 1.0, 0.0);
}

bool OptionConditions::knocked_out(double x) const {
  switch (barrier_.kind) {
    case BarrierKind::DownAndOut: return x <= barrier_x_;
    case BarrierKind::UpAndOut: return x >= barrier_x_;
    case BarrierKind::None: return false;
  }
  return false;
}

double OptionConditions::far_field(double x, double tau, bool left) const {
  if (barrier_.kind != BarrierKind::None && knocked_out(x)) return rebate_;
  const double fwd = std::exp(x - dividend_ * tau) - std::exp(-rate_ * tau);  // S e^-q tau - K e^-r tau
  double v;
  // Floored at 0, the no-arbitrage bound: where a large drift (r - q) tau moves the money
  // into the domain, the asymptote itself turns negative near the ends.
  if (kind_ == OptionKind::Put)
    v = left ? std::max(-fwd, 0.0) : 0.0;
  else
    v = left ? 0.0 : std::max(fwd, 0.0);
  if (american()) v = std::max(v, payoff(x));
  return v;
}

double OptionConditions::upper_bound(double x, double T) const {
  const double vanilla = kind_ == OptionKind::Put ? std::max(1.0, std::exp(-rate_ * T))
                                                  : std::exp(x + std::max(-dividend_, 0.0) * T);
  return vanilla + rebate_;
}

void OptionConditions::apply_monitoring(const std::vector<double>& x, std::vector<double>& v) const {
  for (std::size_t i = 0; i < x.size(); ++i)
    if (knocked_out(x[i])) v[i] = rebate_;
}

}  // namespace levyfast::pide
