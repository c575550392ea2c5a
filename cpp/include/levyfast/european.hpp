// European surface pricing: one entry point per parameter set, choosing the method per
// maturity when asked to (Method::Auto).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "levyfast/closed_form.hpp"
#include "levyfast/common.hpp"
#include "levyfast/cos.hpp"
#include "levyfast/fft.hpp"
#include "levyfast/lewis_contour.hpp"
#include "levyfast/models.hpp"
#include "levyfast/time_change.hpp"

namespace levyfast {

enum class Method : int {
  Auto = 0,        // per maturity, the cheapest certified method: COS; the time change (VG,
                   // NIG; adaptive per strike where the shared nodes cannot be trusted);
                   // Black-Scholes in closed form; Merton's series; CGMY and Kou by Lewis
                   // inversion on rotated rays where COS would need more than max_terms
  COS = 1,
  FFT = 2,
  TimeChange = 3,  // VG, NIG and CGMY(Y=0, sigma=0) only
};

struct EuropeanSettings {
  Method method = Method::Auto;
  COSSettings cos;   // its tolerance is the target of Auto and TimeChange too
  FFTSettings fft;
};

// Validates strikes (finite, > 0) and maturities (finite, > 0); messages name the index.
void validate_grid(const double* strikes, std::size_t nK, const double* maturities, std::size_t nT);

// Which methods plan_surface may choose per maturity.
struct SurfacePlanOptions {
  bool may_cos = true;
  bool may_tc = false;    // the time change (the model must have one)
  bool force_tc = false;  // with may_tc: always the time change, no cost comparison
  // The adaptive per-strike time change where the shared nodes cannot be trusted (prices
  // only; without it such a maturity goes to COS, or raises when COS cannot price it).
  bool may_adaptive = false;
  // The Lewis inversion on rotated rays (lewis_contour.hpp) where COS cannot reach the
  // tolerance and the model allows it (prices only; tried before FFT).
  bool may_contour = false;
  // Black–Scholes in closed form, Merton by its Poisson series where cheaper than COS or where
  // COS cannot price (prices only).
  bool may_series = false;
  // Work per exponent grid point and per COS term of a maturity (units of cos_cost): when
  // set (> 0), the maturities share one exponent grid only where that is estimated cheaper
  // than a grid per maturity (sharing widens each range to the widest one and scales N with
  // it; a short maturity with a slowly decaying |phi| may then sum several times its own N).
  // 0: always share (automatic N).
  double exponent_cost = 0.0;
  double term_cost = 0.0;
  // Tried for a maturity whose COS plan from the main planner would exceed max_terms.
  const COSPlanner* fallback_planner = nullptr;
  const COSSettings* fallback_settings = nullptr;
  const char* remedy = "";  // appended to the error when a maturity cannot be planned
  double error_strike = 0.0;  // MaturitySlice::error_strike of every slice
  // The Carr–Madan FFT per maturity (fft.hpp), planned where its work could be below every
  // other choice's (prices only).
  FFTSlicePricer* fft = nullptr;
};

// Per-maturity method and COS plan of one surface. With automatic N (settings.n_terms == 0)
// the COS maturities share one exponent grid u_n = n pi / shared_width, n < shared_terms
// (unless SurfacePlanOptions' costs say a grid per maturity is cheaper): each range is widened
// about its centre to the widest one and N scaled to keep u_N.
struct SurfacePlan {
  std::vector<double> log_strikes;               // ln K_j, for every slice
  std::vector<MaturitySlice> slices;
  std::vector<COSPlan> cos;                      // valid where use_cos
  std::vector<char> use_cos;
  std::vector<char> use_adaptive;                // adaptive per-strike time change
  std::vector<char> use_contour;                 // Lewis inversion on rotated rays
  std::vector<char> use_series;                  // closed form (BS) or Merton's series
  std::vector<char> use_fft;                     // Carr–Madan FFT (options.fft's slot i)
  std::vector<std::vector<MixtureNode>> nodes;   // shared time-change nodes, where used
  bool share = false;
  double shared_width = 0.0;
  int shared_terms = 0;
  double work = 0.0;  // estimated work (units of cos_cost)
};

// Plans every maturity (COS where possible and not dearer than the time change, nodes of the
// time change built at settings.tolerance), then the shared grid. Throws invalid_argument
// naming the maturity when neither method is available.
void plan_surface(const ModelParams& model, double omega, const Market& market,
                  const double* strikes, std::size_t nK, const double* maturities,
                  std::size_t nT, const COSPlanner& planner, const COSSettings& settings,
                  const SurfacePlanOptions& options, SurfacePlan& plan);

// What price_surface would do (methods other than FFT): whether it prices through the
// share-measure dual, the method of each maturity ("cos", "time_change",
// "time_change_adaptive", "lewis_contour", "series", "fft"), COS terms (0 where not COS) and
// the estimated work (units of cos_cost). For tests and diagnostics.
struct SurfacePlanSummary {
  bool dual = false;
  std::vector<std::string> methods;
  std::vector<int> cos_terms;
  double work = 0.0;
};
SurfacePlanSummary describe_surface_plan(const ModelParams& model, const Market& market,
                                         const double* strikes, std::size_t nK,
                                         const double* maturities, std::size_t nT,
                                         const EuropeanSettings& settings);

// Prices into out[iT * nK + iK]. Model and market must be valid (see validate_model).
void price_surface(const ModelParams& model, const Market& market, const double* strikes,
                   std::size_t nK, const double* maturities, std::size_t nT, OptionKind kind,
                   const EuropeanSettings& settings, double* out);

}  // namespace levyfast
