#include "levyfast/models.hpp"

#include <cfloat>
#include <cmath>
#include <stdexcept>

#include "levyfast/format.hpp"
#include "levyfast/models/registry.hpp"

namespace levyfast {

void require_log_variance(double variance_rate, double T) {
  LF_REQUIRE(variance_rate * T <= kMaxLogVariance,
             "the model's variance of ln(S_T) at T = " + fmt(T) + " is " +
                 fmt(variance_rate * T) + " > " + fmt(kMaxLogVariance) +
                 " (a standard deviation above 316 in log-price): outside the domain the "
                 "pricers certify; check the parameters");
}

void validate_market(const Market& m) {
  require_in(std::isfinite(m.spot) && m.spot > 0.0, "Market", "spot", "(0, inf)", m.spot);
  require_in(std::isfinite(m.rate), "Market", "rate", "(-inf, inf)", m.rate);
  require_in(std::isfinite(m.dividend), "Market", "dividend", "(-inf, inf)", m.dividend);
}

ForwardDiscount validate_market_at(const Market& m, double T, double k_min, double k_max) {
  const double forward = m.spot * std::exp((m.rate - m.dividend) * T);
  const double discount = std::exp(-m.rate * T);
  auto normal = [](double x) { return std::isfinite(x) && x >= DBL_MIN; };
  // the bounds of the prices too: S e^{-qT} = D F and K e^{-rT} (D = e^{403}, F = e^{403})
  LF_REQUIRE(normal(forward) && normal(discount) && normal(k_min / forward) &&
                 normal(k_max / forward) && normal(discount * forward) &&
                 normal(discount * k_min) && normal(discount * k_max),
             "`market` (spot " + fmt(m.spot) + ", rate " + fmt(m.rate) + ", dividend " +
                 fmt(m.dividend) + ") at maturity T = " + fmt(T) + " gives the forward " +
                 fmt(forward) + ", discount factor " + fmt(discount) + " and strikes / forward " +
                 fmt(k_min / forward) + " .. " + fmt(k_max / forward) +
                 ": outside double precision (rates or dividends times maturities beyond ~700, "
                 "or strikes and spot too far apart)");
  return {forward, discount};
}

int n_params(ModelId id) {
  return visit(id, [](auto model) { return decltype(model)::kNumParams; });
}

ModelParams make_model(int model_id, const double* params, std::size_t n) {
  LF_REQUIRE(model_id >= 0 && model_id < kModelCount,
             "`model_id` must be in [0, " + std::to_string(kModelCount - 1) + "]; got " +
                 std::to_string(model_id));
  ModelParams m{static_cast<ModelId>(model_id), {0.0, 0.0, 0.0, 0.0, 0.0}};
  LF_REQUIRE(n == static_cast<std::size_t>(n_params(m.id)),
             "model " + std::to_string(model_id) + " takes " + std::to_string(n_params(m.id)) +
                 " parameters; got " + std::to_string(n));
  for (std::size_t k = 0; k < n; ++k) m.p[k] = params[k];
  validate_model(m);
  return m;
}

void validate_model(const ModelParams& m) {
  visit(m.id, [&](auto model) { decltype(model)::validate(m.p); });
}

cplx raw_exponent(const ModelParams& m, cplx u) {
  return visit(m.id, [&](auto model) { return decltype(model)::raw_exponent(m.p, u); });
}

double convexity_correction(const ModelParams& m) {
  return -raw_exponent(m, cplx(0.0, -1.0)).real();
}

cplx char_exponent(const ModelParams& m, double omega, cplx u) {
  return raw_exponent(m, u) + cplx(0.0, 1.0) * u * omega;
}

void char_exponent(const ModelParams& m, double omega, const cplx* u, std::size_t n, cplx* out) {
  visit(m.id, [&](auto model) { decltype(model)::char_exponent(m.p, omega, u, n, out); });
}

void cumulant_generating(const ModelParams& m, double omega, const double* s, std::size_t n,
                         double* out) {
  visit(m.id, [&](auto model) { decltype(model)::raw_cumulant_generating_n(m.p, s, n, out); });
  for (std::size_t k = 0; k < n; ++k) out[k] += s[k] * omega;
}

Cumulants cumulants(const ModelParams& m) {
  const Cumulants c =
      visit(m.id, [&](auto model) { return decltype(model)::raw_cumulants(m.p); });
  return {c.c1 + convexity_correction(m), c.c2, c.c4};
}

MomentStrip moment_strip(const ModelParams& m) {
  return visit(m.id, [&](auto model) { return decltype(model)::moment_strip(m.p); });
}

double decay_envelope(const ModelParams& m, double u, double re_psi) {
  return visit(m.id,
               [&](auto model) { return decltype(model)::decay_envelope(m.p, u, re_psi); });
}

double levy_density(const ModelParams& m, double x) {
  return visit(m.id, [&](auto model) { return decltype(model)::levy_density(m.p, x); });
}

double diffusion_variance(const ModelParams& m) {
  return visit(m.id, [&](auto model) { return decltype(model)::diffusion_variance(m.p); });
}

std::optional<Subordinator> subordinator(const ModelParams& m) {
  return visit(m.id, [&](auto model) { return decltype(model)::subordinator(m.p); });
}

std::optional<ModelParams> share_dual(const ModelParams& m) {
  const std::optional<Params> p =
      visit(m.id, [&](auto model) { return decltype(model)::share_dual(m.p); });
  if (!p) return std::nullopt;
  const ModelParams dual{m.id, *p};
  // The dual of a valid model is valid in exact arithmetic; rounding at the edge of the
  // domain (e.g. VG's 1 - theta nu - sigma^2 nu / 2 near 0) may leave it outside.
  const bool valid = visit(m.id, [&](auto model) {
    try {
      decltype(model)::validate(dual.p);
      return true;
    } catch (const std::invalid_argument&) {
      return false;
    }
  });
  return valid ? std::optional<ModelParams>(dual) : std::nullopt;
}

}  // namespace levyfast
