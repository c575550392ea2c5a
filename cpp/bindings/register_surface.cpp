#include "levyfast/surface.hpp"
#include "register.hpp"

#include <optional>

#include <pybind11/stl.h>

namespace levyfast::bindings {

void register_surface(py::module_& m) {
  m.def(
      "price_batch",
      [](int model_id, const darray& params, double spot, double rate, double dividend,
         const std::optional<darray>& rates, const std::optional<darray>& dividends,
         const darray& strikes, const darray& maturities, int kind,
         const EuropeanSettings& settings, int n_threads) {
        LF_REQUIRE(params.ndim() == 2, "`params` must be two-dimensional [n_sets, n_params]");
        LF_REQUIRE(kind == 0 || kind == 1, "`kind` code must be 0 (call) or 1 (put)");
        const auto n_sets = static_cast<std::size_t>(params.shape(0));
        const auto n_par = static_cast<std::size_t>(params.shape(1));
        for (const auto* column : {&rates, &dividends})
          LF_REQUIRE(!column->has_value() ||
                         ((*column)->ndim() == 1 &&
                          static_cast<std::size_t>((*column)->shape(0)) == n_sets),
                     "per-row `rates` / `dividends` must have shape [n_sets]");
        const double* pr = rates ? rates->data() : nullptr;
        const double* pq = dividends ? dividends->data() : nullptr;
        const auto nK = static_cast<std::size_t>(strikes.size());
        const auto nT = static_cast<std::size_t>(maturities.size());
        darray out({static_cast<py::ssize_t>(n_sets), static_cast<py::ssize_t>(nT),
                    static_cast<py::ssize_t>(nK)});
        const double* pp = params.data();
        const double* pk = strikes.data();
        const double* pt = maturities.data();
        double* po = out.mutable_data();
        {
          py::gil_scoped_release release;
          price_batch(model_id, pp, n_sets, n_par, Market{spot, rate, dividend}, pr, pq, pk, nK, pt, nT,
                      static_cast<OptionKind>(kind), settings, n_threads, po,
                      check_python_signals);
        }
        return out;
      },
      py::arg("model_id"), py::arg("params"), py::arg("spot"), py::arg("rate"),
      py::arg("dividend"), py::arg("rates"), py::arg("dividends"), py::arg("strikes"), py::arg("maturities"), py::arg("kind"),
      py::arg("settings"), py::arg("n_threads"));
}

}  // namespace levyfast::bindings
