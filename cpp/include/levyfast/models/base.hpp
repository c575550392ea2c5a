// The vocabulary of a model's traits (models/<name>.hpp) and the defaults a model inherits.
//
// A model is a struct of static functions of its parameter array `p` (PARAM_NAMES order),
// derived from ModelTraits<Itself> (CRTP: a default below calls the model's own functions, and
// a model overrides a default by declaring a function of the same name). registry.hpp lists
// the models and `visit` dispatches to one of them.
//
// Required of every model M:
//   kId, kName, kNumParams          id shared with Python and Numba, name in messages, count
//   validate(p)                     throws std::invalid_argument naming the bad parameter
//   raw_exponent(p, u)              psi_raw(u): Lévy exponent without the martingale correction
//   raw_exponent_grad(p, u, out)    d psi_raw(u) / d p_j into out[j]
//   raw_cumulants(p)                c1, c2, c4 per unit time of the uncorrected X
//   moment_strip(p)                 E[e^{sX_1}] < inf for s in (-s_minus, s_plus)
//   levy_density(p, x)              k(x) of the jump part (0 at x = 0)
//   diffusion_variance(p)           variance rate of the Brownian part
//   jump_reach(p, tol)              jump sizes the PIDE keeps (see pide/levy_measure.hpp)
//   length_scales(p)                scale on which k changes by O(1), left and right of 0
// and optional (ModelTraits below has the defaults): the array exponent, the real cumulant
// generating function, the exponent with its gradient (where they share work), the decay
// envelope, the activity index, the subordinator and its node gradient, the Lewis contour,
// the series pricer, exact PIDE cell moments and the share-measure dual.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <type_traits>

#include "levyfast/common.hpp"
#include "levyfast/constants.hpp"
#include "levyfast/format.hpp"
#include "levyfast/isa.hpp"

namespace levyfast {

// Stable ids, shared with Python (`MODEL_ID`) and Numba; registry.hpp lists the traits in
// this order.
enum class ModelId : int {
  BlackScholes = 0,  // sigma
  VarianceGamma = 1, // sigma, nu, theta
  CGMY = 2,          // C, G, M, Y, sigma
  NIG = 3,           // alpha, beta, delta
  Merton = 4,        // sigma, lam, mu_j, sigma_j
  Kou = 5,           // sigma, lam, p, eta1, eta2
  Meixner = 6,       // alpha, beta, delta
};

constexpr int kMaxParams = 5;
using Params = std::array<double, kMaxParams>;

// Whether every u[k] is real with |u[k]| <= max_abs: the COS pricer's grids, which the models'
// vectorised closed forms (real_grid_exponent) take.
inline bool real_grid_within(const cplx* u, std::size_t n, double max_abs) {
  for (std::size_t k = 0; k < n; ++k)
    if (!(u[k].imag() == 0.0 && std::abs(u[k].real()) <= max_abs)) return false;
  return true;
}

// Whether a model's traits have a vectorised real-grid exponent (real_grid_bound and
// real_grid_exponent).
template <class M, class = void>
struct HasRealGrid : std::false_type {};
template <class M>
struct HasRealGrid<M, std::void_t<decltype(&M::real_grid_bound)>> : std::true_type {};

struct Cumulants {
  double c1, c2, c4;  // per unit time
};

// Open strip of real s with E[exp(s X_t)] < inf: s in (-s_minus, s_plus); +inf if unbounded.
struct MomentStrip {
  double s_minus, s_plus;
};

// A pair of lengths to the left (negative jumps) and right (positive jumps) of 0.
struct LeftRight {
  double left, right;
};

// Integrals over one PIDE cell of k(y), (y - c + 1 - e^y) k(y) and (y^2 - c^2) k(y), c the
// cell's node (see pide/levy_measure.hpp).
struct CellMoments {
  double mass = 0.0, first = 0.0, second = 0.0;
};

// X_T = omega T + mu V + sqrt(s2) W_V: Brownian motion with drift on an independent clock V
// (a normal variance-mean mixture; time_change.hpp prices by it).
struct Subordinator {
  enum class Clock { Gamma, InverseGaussian } clock;
  // Gamma: V ~ Gamma(shape T / nu, scale nu), nu = `scale` (Madan, Carr & Chang 1998).
  // Inverse Gaussian: V ~ IG(mean delta T / gamma, shape (delta T)^2), delta = `scale`,
  // gamma = `gamma` under Q and `gamma_share` under the share measure (Barndorff-Nielsen 1997).
  double scale, gamma, gamma_share;
  double mu, s2;
};

// Derivatives of one time-change quadrature node (see time_change.hpp) along one direction:
// the log-weight (through the mixing density at the fixed clock value V), the conditional
// log-mean and the conditional variance.
struct NodeDerivative {
  double log_weight;
  double log_mean;
  double variance;
};

// Parameter checks with one message format: "`name` of Owner must be in (0, inf); got v".
inline bool is_positive(double v) { return std::isfinite(v) && v > 0.0; }
inline bool is_nonnegative(double v) { return std::isfinite(v) && v >= 0.0; }
inline void require_in(bool ok, const char* owner, const char* name, const char* interval,
                       double v) {
  LF_REQUIRE(ok, std::string("`") + name + "` of " + owner + " must be in " + interval +
                     "; got " + fmt(v));
}

// Smallest y0 with C y0^(-1-Y) e^(-a y0) / a <= tol (a bound of the tail mass beyond y0 of a
// density below C |y|^(-1-Y) e^(-a |y|)).
inline double tempered_reach(double C, double Y, double a, double tol) {
  double y0 = 1.0;
  for (int it = 0; it < 50; ++it)
    y0 = std::max(std::log(std::max(C * std::pow(y0, -1.0 - Y) / (a * tol), 1.0)) / a, 1e-3);
  return y0;
}

// Closed-form or series prices of a model (closed_form.hpp): Black–Scholes exactly, Merton's
// Poisson mixture of Black prices.
enum class SeriesPricer { None, Black, PoissonBlack };

template <class M>
struct ModelTraits {
  // psi(u) = psi_raw(u) + i u omega at n points.
  // psi(u[k]) into out[k]: M's vectorised closed form real_grid_exponent(n, u, p, omega, out)
  // where M has one and u is a real grid within M::real_grid_bound(p) (the COS pricer's and
  // planner's grids), else raw_exponent point by point.
  static void char_exponent(const Params& p, double omega, const cplx* u, std::size_t n,
                            cplx* out) {
    if constexpr (HasRealGrid<M>::value) {
      if (real_grid_within(u, n, M::real_grid_bound(p))) {
        dispatch<M::real_grid_exponent>(n, u, p, omega, out);
        return;
      }
    }
    const cplx i(0.0, 1.0);
    for (std::size_t k = 0; k < n; ++k) out[k] = M::raw_exponent(p, u[k]) + i * u[k] * omega;
  }

  // ln E[e^{s X_1}] of the uncorrected X for real s in the moment strip: psi_raw(-is).
  static double raw_cumulant_generating(const Params& p, double s) {
    return M::raw_exponent(p, cplx(0.0, -s)).real();
  }
  // The same at n points (a model with costly per-call constants overrides this).
  static void raw_cumulant_generating_n(const Params& p, const double* s, std::size_t n,
                                        double* out) {
    for (std::size_t k = 0; k < n; ++k) out[k] = M::raw_cumulant_generating(p, s[k]);
  }

  // A bound of Re psi(u), u >= 0, that does not increase with u (see models.hpp).
  static double decay_envelope(const Params&, double, double re_psi) { return re_psi; }

  // psi(u[k]) into psi[k] (when not null) and d psi(u[k]) / d p_dirs[d] into out[d * n + k],
  // domega[j] = d omega / d p_j.
  static void char_exponent_and_grad(const Params& p, double omega, const double* domega,
                                     const cplx* u, std::size_t n, const int* dirs,
                                     std::size_t n_dirs, cplx* psi, cplx* out) {
    if (psi) M::char_exponent(p, omega, u, n, psi);
    const cplx i(0.0, 1.0);
    cplx g[kMaxParams];
    for (std::size_t k = 0; k < n; ++k) {
      M::raw_exponent_grad(p, u[k], g);
      for (std::size_t d = 0; d < n_dirs; ++d)
        out[d * n + k] = g[dirs[d]] + i * u[k] * domega[dirs[d]];
    }
  }

  // Blumenthal–Getoor index of the jump part: -1 for finite activity (or no jumps).
  static double activity_index(const Params&) { return -1.0; }

  // Merton overrides: cell integrals of its Gaussian jump density in closed form instead of
  // the PIDE's Gauss quadrature.
  static constexpr bool kExactCellMoments = false;

  // The normal variance-mean mixture representation, where the model has one.
  static std::optional<Subordinator> subordinator(const Params&) { return std::nullopt; }
  // Whether the time-change prices are differentiated (time_change_node_grad) for the
  // smallest maturity t_min.
  static bool clock_differentiable(const Params&, double) { return false; }
  // Whether the Greeks need the time change (the COS series of the density does not converge).
  static constexpr bool kGreeksByClock = false;
  // The derivatives of one time-change node along each parameter (and T when with_maturity),
  // for the models where clock_differentiable holds (see sensitivities.hpp).
  static void time_change_node_grad(const Params&, double, double, const double*, bool,
                                    NodeDerivative*) {
    LF_REQUIRE(false, std::string("time-change sensitivities are not defined for ") + M::kName);
  }

  static constexpr SeriesPricer kSeriesPricer = SeriesPricer::None;

  // Models priced by the Lewis contour integral (lewis_contour.hpp) set kLewisContour and
  // define lewis_ray_angle(p).
  static constexpr bool kLewisContour = false;

  // The parameters of the dual model: Y = -X under the share measure dQ*/dQ = e^{X_1} is a
  // Lévy process of the same family, with Lévy density e^{-x} k(-x), the same Brownian part
  // and psi_Y(u) = psi(-u - i) (Fajardo & Mordecki, "Symmetry and duality in Lévy markets",
  // Quant. Finance 6 (2006) 219-227). The pricer prices calls as puts on Y where that is
  // cheaper (european.hpp). Models without one (or where it cannot help) return nullopt.
  static std::optional<Params> share_dual(const Params&) { return std::nullopt; }
};

}  // namespace levyfast
