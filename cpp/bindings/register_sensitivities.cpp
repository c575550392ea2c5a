#include <pybind11/complex.h>
#include <pybind11/stl.h>

#include <complex>
#include <vector>

#include "levyfast/european.hpp"
#include "levyfast/sensitivities.hpp"
#include "register.hpp"

namespace levyfast::bindings {

void register_sensitivities(py::module_& m) {
  using carray = py::array_t<std::complex<double>, py::array::c_style | py::array::forcecast>;
  m.def(
      "char_exponent_grad",
      [](int model_id, const darray& params, const carray& u) {
        const ModelParams model = to_model(model_id, params);
        LF_REQUIRE(u.ndim() == 1, "`u` must be one-dimensional");
        const auto n = static_cast<std::size_t>(u.size());
        carray out({static_cast<py::ssize_t>(n_params(model.id)), static_cast<py::ssize_t>(n)});
        char_exponent_grad(model, u.data(), n, out.mutable_data());
        return out;
      },
      py::arg("model_id"), py::arg("params"), py::arg("u"));

  m.def(
      "price_sensitivities",
      [](int model_id, const darray& params, double spot, double rate, double dividend,
         const darray& strikes, const darray& maturities, int kind, const COSSettings& settings,
         bool with_grad, bool with_greeks, const std::vector<int>& directions,
         double derivative_tolerance) {
        const ModelParams model = to_model(model_id, params);
        const Market market{spot, rate, dividend};
        validate_market(market);
        validate_cos_settings(settings);
        LF_REQUIRE(kind == 0 || kind == 1, "`kind` code must be 0 (call) or 1 (put)");
        const auto nK = static_cast<py::ssize_t>(strikes.size());
        const auto nT = static_cast<py::ssize_t>(maturities.size());
        const auto np = directions.empty() ? static_cast<py::ssize_t>(n_params(model.id))
                                           : static_cast<py::ssize_t>(directions.size());
        darray price({nT, nK});
        SensitivityOutput out;
        out.price = price.mutable_data();
        if (!directions.empty()) {
          out.param_dirs = directions.data();
          out.n_param_dirs = directions.size();
        }
        py::object grad = py::none(), greeks = py::none();
        if (with_grad) {
          darray g({np, nT, nK});
          out.param_grad = g.mutable_data();
          grad = g;
        }
        if (with_greeks) {
          darray delta({nT, nK}), gamma({nT, nK}), theta({nT, nK}), rho({nT, nK}),
              dividend_rho({nT, nK});
          out.delta = delta.mutable_data();
          out.gamma = gamma.mutable_data();
          out.theta = theta.mutable_data();
          out.rho = rho.mutable_data();
          out.dividend_rho = dividend_rho.mutable_data();
          greeks = py::make_tuple(delta, gamma, theta, rho, dividend_rho);
        }
        const double* pk = strikes.data();
        const double* pt = maturities.data();
        {
          py::gil_scoped_release release;
          validate_grid(pk, static_cast<std::size_t>(nK), pt, static_cast<std::size_t>(nT));
          price_sensitivities(model, market, pk, static_cast<std::size_t>(nK), pt,
                              static_cast<std::size_t>(nT), static_cast<OptionKind>(kind),
                              settings, out, derivative_tolerance);
        }
        return py::make_tuple(price, grad, greeks);
      },
      py::arg("model_id"), py::arg("params"), py::arg("spot"), py::arg("rate"),
      py::arg("dividend"), py::arg("strikes"), py::arg("maturities"), py::arg("kind"),
      py::arg("settings"), py::arg("with_grad"), py::arg("with_greeks"),
      py::arg("directions") = std::vector<int>{}, py::arg("derivative_tolerance") = 0.0);

  m.def(
      "price_and_grad_batch",
      [](int model_id, const darray& params, double spot, double rate, double dividend,
         const darray& strikes, const darray& maturities, int kind, const COSSettings& settings,
         int n_threads) {
        LF_REQUIRE(params.ndim() == 2, "`params` must be two-dimensional [n_sets, n_params]");
        LF_REQUIRE(kind == 0 || kind == 1, "`kind` code must be 0 (call) or 1 (put)");
        const auto n_sets = static_cast<py::ssize_t>(params.shape(0));
        const auto n_par = static_cast<py::ssize_t>(params.shape(1));
        const auto nK = static_cast<py::ssize_t>(strikes.size());
        const auto nT = static_cast<py::ssize_t>(maturities.size());
        darray prices({n_sets, nT, nK});
        darray grads({n_sets, n_par, nT, nK});
        const double* pp = params.data();
        const double* pk = strikes.data();
        const double* pt = maturities.data();
        double* po = prices.mutable_data();
        double* pg = grads.mutable_data();
        {
          py::gil_scoped_release release;
          price_and_grad_batch(model_id, pp, static_cast<std::size_t>(n_sets),
                               static_cast<std::size_t>(n_par), Market{spot, rate, dividend}, pk,
                               static_cast<std::size_t>(nK), pt, static_cast<std::size_t>(nT),
                               static_cast<OptionKind>(kind), settings, n_threads, po, pg);
        }
        return py::make_tuple(prices, grads);
      },
      py::arg("model_id"), py::arg("params"), py::arg("spot"), py::arg("rate"),
      py::arg("dividend"), py::arg("strikes"), py::arg("maturities"), py::arg("kind"),
      py::arg("settings"), py::arg("n_threads"));
}

}  // namespace levyfast::bindings
