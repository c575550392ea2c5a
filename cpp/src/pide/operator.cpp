#include "levyfast/pide/operator.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace levyfast::pide {

namespace {
// Kernel cells of the jump operator, beyond which the reach is rejected (memory: 8 bytes each).
constexpr std::size_t kMaxJumpCells = std::size_t{1} << 24;
constexpr int kMaxPolicyIterations = 200;
// Automatic band: the explicit jumps occur at most this many times (in expectation) over the
// rollback's horizon, so the splitting error is C (dt/T)^2 with C independent of the grid.
constexpr double kMaxExplicitJumps = 10.0;
constexpr int kMaxAutoBand = 512;
// Factorisations kept (main step, damping half step, and the American active sets).
constexpr std::size_t kCacheSize = 4;
// Memory of one operator and its rollback, at most.
constexpr double kMaxBytes = 4.0 * (1 << 30);

int choose_band(const JumpStencil& s, std::size_t n, double horizon) {
  if (s.empty()) return 1;
  const int reach = std::max(s.j_left, s.j_right);
  const int cap = std::min({kMaxAutoBand, reach, static_cast<int>(n / 4)});
  double rate = s.intensity;
  for (int p = 1; p <= cap; ++p) {
    if (p <= s.j_left) rate -= s.weight(-p);
    if (p <= s.j_right) rate -= s.weight(p);
    if (rate * horizon <= kMaxExplicitJumps) return p;
  }
  return std::max(cap, 1);
}
}  // namespace

LevyOperator::LevyOperator(const ModelParams& m, double rate, double dividend,
                           const UniformGrid& grid, double tail_tolerance, int band,
                           double horizon)
    : grid_(grid), stencil_(discretise_jumps(m, grid.h, tail_tolerance, kMaxJumpCells)) {
  const std::size_t n = grid.n;
  p_ = band > 0 ? band : choose_band(stencil_, n, horizon);
  LF_REQUIRE(static_cast<std::size_t>(2 * p_ + 2) <= n,
             "`implicit_band` of PIDEPricer must be < nx / 2; got " + std::to_string(p_));
  // Memory before allocating: the cached band factorisations, the rollback's vectors and the
  // FFT buffers of the far jumps (as if every kernel cell were explicit).
  const double cells = static_cast<double>(stencil_.w.size());
  const double fft_len = stencil_.empty() ? 0.0 : static_cast<double>(
      std::size_t{1} << static_cast<int>(std::ceil(std::log2(static_cast<double>(n) + cells))));
  const double bytes = 8.0 * static_cast<double>(n) * (24.0 + kCacheSize * (2.0 * p_ + 1.0)) +
                       56.0 * fft_len + 16.0 * cells;
  LF_REQUIRE(bytes <= kMaxBytes,
             "the PIDE solve would need about " + std::to_string(bytes / (1 << 30)) +
                 " GiB (nx = " + std::to_string(n) + " grid points, implicit band " +
                 std::to_string(p_) + ", jump kernel of " + std::to_string(stencil_.w.size()) +
                 " cells), above the limit of " + std::to_string(kMaxBytes / (1 << 30)) +
                 " GiB; reduce `nx` or `implicit_band`");
  step_cost_ = static_cast<double>(n) * (4.0 * (2.0 * p_ + 1.0) + 8.0) +
               (fft_len > 0.0 ? 6.0 * fft_len * std::log2(fft_len) : 0.0);
  const double h = grid.h, s2 = diffusion_variance(m);
  const double D = s2 + stencil_.diffusion;
  const double mu = rate - dividend - 0.5 * s2 + stencil_.drift;
  a_.assign(static_cast<std::size_t>(2 * p_ + 1), 0.0);
  auto a = [&](int j) -> double& { return a_[static_cast<std::size_t>(j + p_)]; };
  a(-1) = 0.5 * D / (h * h) - 0.5 * mu / h;
  a(1) = 0.5 * D / (h * h) + 0.5 * mu / h;
  a(0) = -D / (h * h) - rate - stencil_.intensity;
  if (!stencil_.empty()) {
    for (int j = -p_; j <= p_; ++j)
      if (j != 0 && j >= -stencil_.j_left && j <= stencil_.j_right) a(j) += stencil_.weight(j);
    std::vector<double> kernel(stencil_.w);
    bool any_far = false;
    for (int j = -stencil_.j_left; j <= stencil_.j_right; ++j) {
      double& k = kernel[static_cast<std::size_t>(j + stencil_.j_left)];
      if (std::abs(j) <= p_) k = 0.0;
      any_far = any_far || k != 0.0;
    }
    if (any_far) {
      far_jumps_ = std::make_unique<Correlation>(kernel, stencil_.j_left, stencil_.j_right, n);
      extended_.resize(far_jumps_->input_size());
    }
  }
  rhs_.resize(n);
  work_.resize(n);
  fixed_.assign(n, 0);
  next_fixed_.assign(n, 0);
}

double LevyOperator::row_product(const std::vector<double>& v, std::size_t i,
                                 const FarField& outside) const {
  const long n = static_cast<long>(grid_.n), li = static_cast<long>(i);
  double s = 0.0;
  for (int j = -p_; j <= p_; ++j) {
    const long k = li + j;
    const double vk = (k >= 0 && k < n) ? v[static_cast<std::size_t>(k)] : outside(grid_.x_min + static_cast<double>(k) * grid_.h);
    s += a_[static_cast<std::size_t>(j + p_)] * vk;
  }
  return s;
}

void LevyOperator::apply_local(const std::vector<double>& v, const FarField& outside,
                               std::vector<double>& out) const {
  const std::size_t n = grid_.n, p = static_cast<std::size_t>(p_);
  out[0] = out[n - 1] = 0.0;
  for (std::size_t i = 1; i + 1 < n; ++i) {
    if (i >= p && i + p < n) {
      const double* vi = &v[i - p];
      double s = 0.0;
      for (std::size_t k = 0; k < 2 * p + 1; ++k) s += a_[k] * vi[k];
      out[i] = s;
    } else {
      out[i] = row_product(v, i, outside);
    }
  }
}

void LevyOperator::apply_jumps(const std::vector<double>& v, const FarField& outside,
                               std::vector<double>& out) {
  const std::size_t n = grid_.n;
  if (!far_jumps_) {
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

const BandedLU& LevyOperator::factorised(double theta_dt, const std::vector<char>& fixed) {
  for (const Factorisation& f : cache_)
    if (f.theta_dt == theta_dt && f.fixed == fixed) return f.lu;
  const std::size_t n = grid_.n;
  BandedLU lu(n, p_);
  for (std::size_t i = 0; i < n; ++i) {
    if (i == 0 || i + 1 == n || fixed[i]) {
      lu.at(i, 0) = 1.0;
      continue;
    }
    for (int j = -p_; j <= p_; ++j) {
      const long k = static_cast<long>(i) + j;
      if (k < 0 || k >= static_cast<long>(n)) continue;
      lu.at(i, j) = (j == 0 ? 1.0 : 0.0) - theta_dt * a_[static_cast<std::size_t>(j + p_)];
    }
  }
  lu.factor();
  if (cache_.size() == kCacheSize) cache_.erase(cache_.begin());
  cache_.push_back({theta_dt, fixed, std::move(lu)});
  return cache_.back().lu;
}

void LevyOperator::solve(double theta_dt, std::vector<double>& rhs_v, const FarField& outside,
                         const std::vector<double>* obstacle) {
  const std::size_t n = grid_.n, p = static_cast<std::size_t>(p_);
  // Columns beyond the grid carry known far-field values: move them to the right-hand side.
  for (std::size_t i = 1; i + 1 < n; ++i) {
    if (i >= p && i + p < n) continue;
    for (int j = -p_; j <= p_; ++j) {
      const long k = static_cast<long>(i) + j;
      if (k >= 0 && k < static_cast<long>(n)) continue;
      rhs_v[i] += theta_dt * a_[static_cast<std::size_t>(j + p_)] *
                  outside(grid_.x_min + static_cast<double>(k) * grid_.h);
    }
  }
  std::copy(rhs_v.begin(), rhs_v.end(), rhs_.begin());
  if (!obstacle) {
    std::fill(fixed_.begin(), fixed_.end(), 0);
    factorised(theta_dt, fixed_).solve(rhs_v.data());
    return;
  }
  // Policy iteration, started from the last step's exercise region (kept in fixed_).
  const std::vector<double>& g = *obstacle;
  // The far-field columns are already in rhs_: evaluate residuals with them zeroed.
  const FarField none = [](double) { return 0.0; };
  for (int it = 0;; ++it) {
    LF_REQUIRE(it < kMaxPolicyIterations,
               "the American exercise (policy iteration) did not converge in " +
                   std::to_string(kMaxPolicyIterations) +
                   " iterations; the scheme is not monotone on this grid: refine `nx` or "
                   "increase `nt`");
    for (std::size_t i = 0; i < n; ++i) work_[i] = fixed_[i] ? g[i] : rhs_[i];
    factorised(theta_dt, fixed_).solve(work_.data());
    bool changed = false;
    for (std::size_t i = 1; i + 1 < n; ++i) {
      const double residual = work_[i] - theta_dt * row_product(work_, i, none) - rhs_[i];
      const double gap = work_[i] - g[i];
      // Howard: row i follows the smaller of the two conditions; ties keep the current one.
      const char next = fixed_[i] ? (residual >= gap ? 1 : 0) : (gap < residual ? 1 : 0);
      next_fixed_[i] = next;
      changed = changed || next != fixed_[i];
    }
    if (!changed) break;
    std::swap(fixed_, next_fixed_);
  }
  std::copy(work_.begin(), work_.end(), rhs_v.begin());
}

}  // namespace levyfast::pide
