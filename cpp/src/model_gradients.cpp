// Analytic parameter derivatives of the characteristic exponents and of the time-change
// (subordinator) representations: each model's formulas are in its traits header
// (models/<name>.hpp), dispatched by one `visit` per quantity.
#include "levyfast/models/registry.hpp"
#include "levyfast/sensitivities.hpp"

namespace levyfast {

void raw_exponent_grad(const ModelParams& m, cplx u, cplx* out) {
  visit(m.id, [&](auto model) { decltype(model)::raw_exponent_grad(m.p, u, out); });
}

void convexity_correction_grad(const ModelParams& m, double* out) {
  cplx g[kMaxParams];
  raw_exponent_grad(m, cplx(0.0, -1.0), g);
  for (int j = 0; j < n_params(m.id); ++j) out[j] = -g[j].real();
}

void char_exponent_grad(const ModelParams& m, const cplx* u, std::size_t n, cplx* out) {
  int all[kMaxParams];
  const int np = n_params(m.id);
  for (int j = 0; j < np; ++j) all[j] = j;
  char_exponent_grad(m, u, n, all, static_cast<std::size_t>(np), out);
}

void char_exponent_grad(const ModelParams& m, const cplx* u, std::size_t n, const int* dirs,
                        std::size_t n_dirs, cplx* out) {
  char_exponent_and_grad(m, convexity_correction(m), u, n, dirs, n_dirs, nullptr, out);
}

void char_exponent_and_grad(const ModelParams& m, double omega, const cplx* u, std::size_t n,
                            const int* dirs, std::size_t n_dirs, cplx* psi, cplx* out) {
  double domega[kMaxParams];
  convexity_correction_grad(m, domega);
  visit(m.id, [&](auto model) {
    decltype(model)::char_exponent_and_grad(m.p, omega, domega, u, n, dirs, n_dirs, psi, out);
  });
}

bool has_differentiable_time_change(const ModelParams& m, double t_min) {
  return visit(m.id,
               [&](auto model) { return decltype(model)::clock_differentiable(m.p, t_min); });
}

bool greeks_need_time_change(const ModelParams& m) {
  return visit(m.id, [](auto model) { return decltype(model)::kGreeksByClock; });
}

void time_change_node_grad(const ModelParams& m, double T, double log_v, double omega,
                           const double* domega, bool with_maturity, NodeDerivative* out) {
  visit(m.id, [&](auto model) {
    decltype(model)::time_change_node_grad(m.p, T, log_v, domega, with_maturity, out);
  });
  if (with_maturity) {
    // d(omega T)/dT = omega at a fixed clock value.
    out[n_params(m.id)].log_mean = omega;
  }
}

}  // namespace levyfast
