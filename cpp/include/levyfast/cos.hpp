// COS method of Fang & Oosterlee (2008), SIAM J. Sci. Comput. 31(2), for whole strike
// surfaces: one cosine expansion of the density of X_T per maturity, shared by all strikes.
#pragma once

#include <cmath>
#include <cstddef>
#include <array>
#include <vector>

#include "levyfast/common.hpp"
#include "levyfast/models.hpp"

namespace levyfast {

struct COSSettings {
  // Number of cosine terms; 0 chooses it per maturity from `tolerance` (tail of |phi|).
  int n_terms = 0;
  // Truncation width L of Fang & Oosterlee (eq. 49): [c1 - L sqrt(c2 + sqrt(c4)), ...];
  // 0 chooses [a, b] from `tolerance` by Chernoff bounds on the moment generating function.
  double truncation_width = 0.0;
  // Target absolute error as a fraction of spot.
  double tolerance = 1e-7;
  // Largest number of terms the automatic choice may use before it reports failure.
  int max_terms = 1 << 16;
};

// Smallest tolerance (fraction of spot) the pricers accept.
inline constexpr double kMinTolerance = 1e-14;

void validate_cos_settings(const COSSettings& s);

// Per-surface precomputation shared by every maturity of one parameter set: the cumulant
// generating function on a grid of real s (for Chernoff ranges) and Re psi on a geometric
// grid of u (for the number of terms). Both scale linearly in T. Built on the first range()
// or terms() call, so a surface priced without COS (closed forms, series) never pays for it.
class COSPlanner {
 public:
  COSPlanner(const ModelParams& model, const COSSettings& settings);
  // The u-grid (one point per octave) of the term count, and its points per octave where the
  // count is decided.
  static constexpr int kDecayPoints = 36, kDecayFine = 4;

  // Truncation range [a, b] for X_T such that the put error from mass outside is below
  // `mass_tol` (P(X_T < a) and P(X_T > 2b - k_hi) each, k_hi the largest log-moneyness
  // ln(K/F): the COS put integrates the density against the payoff's even periodic
  // extension, which is zero on (b, 2b - k_hi)).
  void range(double T, double mass_tol, double k_hi, double& a, double& b) const;
  // Smallest N whose series-tail estimate (2 K/pi) int_{u_N}^inf |phi(u)|/u^2 du < abs_tol,
  // or max_terms + 1 when the tolerance cannot be met.
  int terms(double T, double width, double strike_scale, double abs_tol) const;

 private:
  ModelParams model_;
  COSSettings settings_;
  Cumulants cum_;
  double omega_;  // convexity correction
  // The tables below are filled on first use (a planner belongs to one thread: each pricing
  // call builds its own).
  mutable bool ready_ = false;
  void build_tables() const;
  // The Chernoff grids s_i of each tail (kChernoffPoints, a multiple of 4) as 1/s_i and
  // k(-+s_i)/s_i, k(s) = ln E[e^{sX_1}] (+inf where infinite); see range().
  static constexpr int kChernoffPoints = 24;
  mutable std::array<double, kChernoffPoints> inv_s_left_, k_over_s_left_, inv_s_right_,
      k_over_s_right_;
  // u_j = u_0 2^j and Re psi (or its envelope) there
  mutable std::array<double, kDecayPoints> u_, re_psi_;
  // Re psi at u_j 2^{i/F}, i < F, per octave j: computed on first use (NaN before).
  mutable std::array<double, kDecayPoints * kDecayFine> fine_re_psi_;
  const double* fine_octave(int j) const;
};

struct MaturitySlice {
  double T;          // maturity
  double forward;    // F_T
  double discount;   // exp(-r T)
  const double* strikes;
  std::size_t nK;
  const double* log_strikes = nullptr;  // ln K_j, shared by a surface's maturities (optional)
  // The strike whose put error bound (proportional to the strike) must meet the tolerance,
  // 0 for the largest: the dual surface's puts are scaled by K / S (european.cpp).
  double error_strike = 0.0;

  // ln(K_j / F_T), from log_strikes when the surface has them (one log per strike and surface).
  double log_moneyness(std::size_t j, double log_forward) const {
    return log_strikes ? log_strikes[j] - log_forward : std::log(strikes[j] / forward);
  }
};

// Working memory of the slice pricers, reused across a surface's maturities (two vectors per
// maturity were ~15 of a VG surface's ~49 heap allocations). Grown, never shrunk or cleared:
// a slice writes what it reads.
struct SliceScratch {
  std::vector<double> values;
  std::vector<std::size_t> indices;
  double* doubles(std::size_t n) {
    if (values.size() < n) values.resize(n);
    return values.data();
  }
  std::size_t* index(std::size_t n) {
    if (indices.size() < n) indices.resize(n);
    return indices.data();
  }
};

// Truncation range [a, a + width] and number of terms of one maturity.
struct COSPlan {
  double a;
  double width;
  int n_terms;
};

// Plans one maturity from the settings (fixed N / L) or the tolerance. Returns false when
// the automatic number of terms would exceed max_terms.
bool plan_cos_slice(const ModelParams& model, const COSPlanner& planner,
                    const COSSettings& settings, const MaturitySlice& slice, double spot,
                    COSPlan& plan);

// e^{T Re psi_n} (cos, sin)(T Im psi_n - u_n a), u_n = n pi / width, into re[n], im[n] for
// n = 1 .. N-1: phi_T(u_n) e^{-i u_n a} conjugated, the COS density terms (vectorised where
// every phase is within the fast cosine's range).
void cos_density_terms(const cplx* psi, int N, double T, double a, double width, double* re,
                       double* im);
// Horner's rule in w_j = qr_j + i qi_j over n = N-1 .. 1 for m strikes at once:
// p_j <- p_j w_j + (cr_n + i ci_n) (vectorised, the instruction set dispatched).
void cos_horner(const double* cr, const double* ci, int N, std::size_t m, const double* qr,
                const double* qi, double* pr, double* pi);

// Discounted put prices of one maturity into put_out[nK], given psi[n] = psi(n pi / width)
// for n < plan.n_terms (the exponent grid may be shared by maturities of equal width).
void cos_put_slice(const cplx* psi, const COSPlan& plan, const MaturitySlice& slice,
                   SliceScratch& scratch, double* put_out);

// Work estimate (arbitrary units, comparable with time_change_cost) of a COS slice with N terms.
double cos_cost(int n_terms, std::size_t nK);

}  // namespace levyfast
