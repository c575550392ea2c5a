// Lewis (2001) inversion on rotated rays. With F the forward, kappa = K / F, x = -ln kappa,
// c = omega T (the exponent's linear phase) and y = x + c,
//   put = D F [kappa - sqrt(kappa) / pi * I],   I = int_0^inf Re[e^{iuy} g(u)] du,
//   g(u) = exp(T psi(u - i/2) - i u c) / (u^2 + 1/4)
// (A. L. Lewis, "A simple option formula for general jump-diffusion and other exponential
// Lévy processes", 2001). Since g(-conj u) = conj g(u), I = Re int_R e^{iuy} g(u) du / 2, and
// where g is analytic off the imaginary axis and decays in the sectors, the two half-lines
// rotate into the ray u = rho e^{i sgn(y) theta}, on which e^{iuy} decays like
// e^{-|y| rho sin theta}:
//   I = Re[e^{i s theta} int_0^inf exp(i y rho e^{i s theta}) g(rho e^{i s theta}) d rho],
// s = sgn(y). For CGMY the branch points of psi(u - i/2), i (G + 1/2) and -i (M - 1/2), and
// the poles +-i/2 lie on the imaginary axis, and Re psi ~ C Gamma(-Y) rho^Y 2 cos(Y theta)
// cos(Y pi/2) -> -inf on the ray when Y theta < pi/2 (Gamma(-Y) cos(Y pi/2) < 0 for every
// Y in (0, 2)), so theta = pi / (4 max(1, Y)) is valid (the diffusion term stays bounded for
// theta <= pi/4, and decays for theta < pi/4: see ray_angle). Kou likewise: its poles -i eta1 and
// i eta2 lie on the imaginary axis and its jump part is bounded off them, so g ~ 1/u^2 on the
// ray (this prices Kou with a tiny sigma, whose |phi| tends to e^{-lam T} on the real axis). The ray integral is taken in ln rho by
// adaptive Gauss-Kronrod: no oscillation left to resolve at any distance from the money.
#include "levyfast/lewis_contour.hpp"

#include "levyfast/constants.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "levyfast/adaptive_quadrature.hpp"
#include "levyfast/models/registry.hpp"

namespace levyfast {

namespace {

// Angle of the rays (see above), from the model's traits: pi/4, or pi/8 with a diffusion part,
// whose factor exp(-sigma^2 T u^2 / 2) only oscillates on the pi/4 ray (an integrand that the
// quadrature cannot follow once the jump part decays slowly) and decays like
// exp(-sigma^2 T rho^2 / 2^1.5) on the pi/8 ray; for CGMY divided by max(1, Y).
double ray_angle(const ModelParams& model) {
  return visit(model.id, [&](auto m) {
    using M = decltype(m);
    if constexpr (M::kLewisContour) {
      return M::lewis_ray_angle(model.p);
    } else {
      LF_REQUIRE(false, std::string("the Lewis contour does not price ") + M::kName);
      return 0.0;
    }
  });
}

}  // namespace

bool has_lewis_contour(const ModelParams& model) {
  return visit(model.id, [](auto m) { return decltype(m)::kLewisContour; });
}

double lewis_contour_cost(std::size_t nK) {
  // Per strike ~40 Gauss-Kronrod panels of 15 exponent evaluations (complex pow and log).
  return static_cast<double>(nK) * 40.0 * 15.0 * 200.0;
}

void lewis_put_slice(const ModelParams& model, double omega, const MaturitySlice& sl,
                     double tolerance, double* put_out) {
  const double T = sl.T, F = sl.forward, c = omega * T, log_f = std::log(F);
  const cplx i(0.0, 1.0);
  const double theta = ray_angle(model);
  for (std::size_t j = 0; j < sl.nK; ++j) {
    const double kappa = sl.strikes[j] / F, y = c - sl.log_moneyness(j, log_f);
    const double sgn = y >= 0.0 ? 1.0 : -1.0;
    const cplx dir = std::polar(1.0, sgn * theta);
    // Integrand in t = ln rho (d rho = rho dt).
    auto f = [&](double t) -> cplx {
      const double rho = std::exp(t);
      const cplx u = rho * dir;
      const cplx psi = char_exponent(model, omega, u - 0.5 * i);
      const cplx e = T * psi - i * u * c + i * y * u;
      if (e.real() < -745.0) return 0.0;
      return std::exp(e) / (u * u + 0.25) * (rho * dir);
    };
    // |put error| = D F sqrt(kappa) / pi |dI|: give I a quarter of the tolerance.
    const double tol_i = 0.25 * tolerance * kPi / std::sqrt(kappa);
    // Below rho0 the integrand is at most |g(0)| rho <= 4 rho (|phi(-i/2)| <= 1): cut at
    // a 1/100 share; above, walk out until the integrand (which decays at least like 1/rho
    // in t) is below a 1/1000 share on two consecutive unit steps.
    const double t_lo = std::log(0.01 * tol_i / 4.0);
    std::vector<double> breaks{t_lo};
    for (double t = std::ceil(t_lo); t < 80.0; t += 1.0) {
      breaks.push_back(t);
      if (t > 2.0 && std::abs(f(t)) < 1e-3 * tol_i && std::abs(f(t - 1.0)) < 1e-3 * tol_i) break;
    }
    const double integral =
        quadrature::adaptive_integral<cplx>(f, breaks, tol_i, "the Lewis contour quadrature")
            .real();
    const double put_over_forward = kappa - std::sqrt(kappa) / kPi * integral;
    const double intrinsic = std::max(sl.strikes[j] - F, 0.0);
    put_out[j] = sl.discount * std::max(F * put_over_forward, intrinsic);
  }
}

}  // namespace levyfast
