#include "levyfast/pide/operator.hpp"

#include <cmath>
#include <string>

namespace levyfast::pide {

namespace {
// Kernel cells of the jump operator, beyond which the reach is rejected (memory: 8 bytes each).
constexpr std::size_t kMaxJumpCells = std::size_t{1} << 24;
constexpr int kMaxPolicyIterations = 200;
}  // namespace

LevyOperator::LevyOperator(const ModelParams& m, double rate, double dividend,
                           const UniformGrid& grid, double tail_tolerance)
    : grid_(grid), stencil_(discretise_jumps(m, grid.h, tail_tolerance, kMaxJumpCells)) {
  const double h = grid.h, s2 = diffusion_variance(m);
  const double D = s2 + stencil_.diffusion;
  const double mu = rate - dividend - 0.5 * s2 + stencil_.drift;
  const double w_minus = stencil_.empty() ? 0.0 : stencil_.weight(-1);
  const double w_plus = stencil_.empty() ? 0.0 : stencil_.weight(1);
  lower_ = 0.5 * D / (h * h) - 0.5 * mu / h + w_minus;
  upper_ = 0.5 * D / (h * h) + 0.5 * mu / h + w_plus;
  diag_ = -D / (h * h) - rate - stencil_.intensity;
  const std::size_t n = grid.n;
  rhs_.resize(n);
  cprime_.resize(n);
  active_.assign(n, 0);
  next_active_.assign(n, 0);
  active_state_.resize(n);
  if (stencil_.j_left + stencil_.j_right >= 4) {
    std::vector<double> kernel(stencil_.w);
    for (int j = -1; j <= 1; ++j) kernel[static_cast<std::size_t>(j + stencil_.j_left)] = 0.0;
    far_jumps_ = std::make_unique<Correlation>(kernel, stencil_.j_left, stencil_.j_right, n);
    has_far_jumps_ = true;
    extended_.resize(far_jumps_->input_size());
    far_out_.resize(n);
  }
}

void LevyOperator::apply_local(const std::vector<double>& v, std::vector<double>& out) const {
  const std::size_t n = grid_.n;
  out[0] = out[n - 1] = 0.0;
  for (std::size_t i = 1; i + 1 < n; ++i)
    out[i] = lower_ * v[i - 1] + diag_ * v[i] + upper_ * v[i + 1];
}

void LevyOperator::apply_jumps(const std::vector<double>& v,
                               const std::function<double(double)>& outside,
                               std::vector<double>& out) {
  const std::size_t n = grid_.n;
  if (!has_far_jumps_) {
    std::fill(out.begin(), out.end(), 0.0);
    return;
  }
  const auto jl = static_cast<std::size_t>(stencil_.j_left);
  for (std::size_t e = 0; e < jl; ++e)
    extended_[e] = outside(grid_.x_min - static_cast<double>(jl - e) * grid_.h);
  std::copy(v.begin(), v.end(), extended_.begin() + static_cast<std::ptrdiff_t>(jl));
  for (std::size_t e = jl + n; e < extended_.size(); ++e)
    extended_[e] = outside(grid_.x_min + static_cast<double>(e - jl) * grid_.h);
  far_jumps_->apply(extended_.data(), out.data());
  out[0] = out[n - 1] = 0.0;
}

// Tridiagonal solve of rows i = 1..n-2 of (I - theta_dt A) v = rhs, with v_0, v_{n-1} given and
// the rows flagged in `fixed` replaced by v_i = g_i.
void LevyOperator::thomas(double theta_dt, const std::vector<double>& rhs, std::vector<double>& v,
                          const std::vector<char>* fixed, const std::vector<double>* g) {
  const std::size_t n = grid_.n;
  const double a = -theta_dt * lower_, b = 1.0 - theta_dt * diag_, c = -theta_dt * upper_;
  // Forward elimination: row i becomes v_i + cprime_i v_{i+1} = rprime_i (stored in v).
  double c_prev = 0.0, r_prev = v[0];
  for (std::size_t i = 1; i + 1 < n; ++i) {
    if (fixed && (*fixed)[i]) {
      c_prev = 0.0;
      r_prev = (*g)[i];
    } else {
      const double ai = a, ci = (i + 2 == n) ? 0.0 : c;
      double ri = rhs[i] - (i == 1 ? a * v[0] : 0.0) - (i + 2 == n ? c * v[n - 1] : 0.0);
      double denom = b;
      if (i > 1) {
        denom -= ai * c_prev;
        ri -= ai * r_prev;
      }
      c_prev = ci / denom;
      r_prev = ri / denom;
    }
    cprime_[i] = c_prev;
    rhs_[i] = r_prev;
  }
  for (std::size_t i = n - 2; i >= 1; --i) {
    v[i] = rhs_[i] - (i + 2 == n ? 0.0 : cprime_[i] * v[i + 1]);
    if (i == 1) break;
  }
}

void LevyOperator::solve(double theta_dt, std::vector<double>& rhs_v,
                         const std::vector<double>* obstacle) {
  const std::size_t n = grid_.n;
  std::vector<double>& v = active_state_;
  v[0] = rhs_v[0];
  v[n - 1] = rhs_v[n - 1];
  thomas(theta_dt, rhs_v, v, nullptr, nullptr);
  if (obstacle) {
    const std::vector<double>& g = *obstacle;
    const double a = -theta_dt * lower_, b = 1.0 - theta_dt * diag_, c = -theta_dt * upper_;
    for (std::size_t i = 0; i < n; ++i) active_[i] = (i > 0 && i + 1 < n && v[i] < g[i]) ? 1 : 0;
    int it = 0;
    for (;; ++it) {
      LF_REQUIRE(it < kMaxPolicyIterations,
                 "the American exercise (policy iteration) did not converge in " +
                     std::to_string(kMaxPolicyIterations) +
                     " iterations; the scheme is not monotone on this grid: refine `nx` or "
                     "increase `nt`");
      thomas(theta_dt, rhs_v, v, &active_, &g);
      bool changed = false;
      for (std::size_t i = 1; i + 1 < n; ++i) {
        const double residual = a * v[i - 1] + b * v[i] + c * v[i + 1] - rhs_v[i];
        const double gap = v[i] - g[i];
        // Howard: row i follows the smaller of the two conditions; ties keep the current one.
        const char next = active_[i] ? (residual >= gap ? 1 : 0) : (gap < residual ? 1 : 0);
        next_active_[i] = next;
        changed = changed || next != active_[i];
      }
      if (!changed) break;
      std::swap(active_, next_active_);
    }
  }
  std::copy(v.begin(), v.end(), rhs_v.begin());
}

}  // namespace levyfast::pide
