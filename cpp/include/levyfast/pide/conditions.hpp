// The option's conditions on the PIDE: payoff, far-field values (boundary conditions and the
// values of jumps that leave the grid), early exercise and knock-out barriers. All values are
// in units of the strike (V / K) on x = ln(S/K); the solver never branches on them itself.
//
// Far field (tau = time to maturity): a put tends to e^(-r tau) - e^(x - q tau) as x -> -inf
// and to 0 as x -> +inf; a call to 0 and e^(x - q tau) - e^(-r tau). With early exercise the
// far-field value is the larger of that and the payoff (deep in the money it is exercised).
// A knocked-out region has the rebate. With discrete monitoring the region beyond the barrier
// also takes the rebate (an approximation only for jumps that land far beyond the barrier
// between two monitoring dates and come back before the next one).
#pragma once

#include <cstddef>
#include <vector>

#include "levyfast/common.hpp"

namespace levyfast::pide {

enum class Exercise : int { European = 0, American = 1 };
enum class BarrierKind : int { None = 0, DownAndOut = 1, UpAndOut = 2 };

struct BarrierSpec {
  BarrierKind kind = BarrierKind::None;
  double level = 0.0;   // in price units
  int monitoring = 0;   // 0: continuous; m > 0: m equally spaced dates T/m, 2T/m, ..., T
  double rebate = 0.0;  // paid when knocked out, in price units
};

void validate_barrier(const BarrierSpec& b);

// The option as seen by the solver for one strike, in strike units.
class OptionConditions {
 public:
  OptionConditions(OptionKind kind, Exercise exercise, const BarrierSpec& barrier, double strike,
                   double rate, double dividend);

  double payoff(double x) const;
  // Value of the option at x beyond the grid's left (`left`) or right end, at time to
  // maturity tau; also the Dirichlet value of the end nodes.
  double far_field(double x, double tau, bool left) const;
  bool american() const { return exercise_ == Exercise::American; }
  bool continuous_barrier() const { return barrier_.kind != BarrierKind::None && barrier_.monitoring == 0; }
  bool discrete_barrier() const { return barrier_.kind != BarrierKind::None && barrier_.monitoring > 0; }
  BarrierKind barrier_kind() const { return barrier_.kind; }
  int monitoring_dates() const { return barrier_.monitoring; }
  double barrier_x() const { return barrier_x_; }  // ln(B / K)
  double rebate() const { return rebate_; }         // R / K
  bool knocked_out(double x) const;
  // No-arbitrage upper bound of the value at x for times to maturity up to T: max(1, e^-rT)
  // for puts, e^(x + max(-q, 0) T) for calls, plus the rebate (strike units).
  double upper_bound(double x, double T) const;
  // Sets the knocked-out nodes to the rebate (a monitoring date).
  void apply_monitoring(const std::vector<double>& x, std::vector<double>& v) const;

 private:
  OptionKind kind_;
  Exercise exercise_;
  BarrierSpec barrier_;
  double barrier_x_, rebate_, rate_, dividend_;
};

}  // namespace levyfast::pide
