#include <pybind11/stl.h>

#include <tuple>

#include "levyfast/european.hpp"
#include "levyfast/pide/solver.hpp"
#include "register.hpp"

namespace levyfast::bindings {

void register_pide(py::module_& m) {
  using pide::PIDESettings;
  py::class_<PIDESettings>(m, "PIDESettings")
      .def(py::init<>())
      .def_property(
          "scheme", [](const PIDESettings& s) { return static_cast<int>(s.scheme); },
          [](PIDESettings& s, int v) {
            LF_REQUIRE(v >= 0 && v <= 2, "`scheme` code must be in [0, 2]");
            s.scheme = static_cast<pide::SchemeId>(v);
          })
      .def_readwrite("nx", &PIDESettings::nx)
      .def_readwrite("nt", &PIDESettings::nt)
      .def_readwrite("damping_steps", &PIDESettings::damping_steps)
      .def_readwrite("width", &PIDESettings::width)
      .def_readwrite("min_half_width", &PIDESettings::min_half_width)
      .def_readwrite("tail_tolerance", &PIDESettings::tail_tolerance)
      .def_readwrite("implicit_band", &PIDESettings::implicit_band)
      .def_readwrite("richardson", &PIDESettings::richardson)
      .def_property(
          "time_grid", [](const PIDESettings& s) { return static_cast<int>(s.time_grid); },
          [](PIDESettings& s, int v) {
            LF_REQUIRE(v >= 0 && v <= 2, "`time_grid` code must be in [0, 2]");
            s.time_grid = static_cast<pide::TimeGrid>(v);
          });
  m.def("validate_pide_settings", &pide::validate_pide_settings, py::arg("settings"));
  m.def(
      "pide_price_surface",
      [](int model_id, const darray& params, double spot, double rate, double dividend,
         const darray& strikes, const darray& maturities, int kind, int exercise,
         int barrier_kind, double barrier_level, int barrier_monitoring, double barrier_rebate,
         const PIDESettings& settings) {
        const ModelParams model = to_model(model_id, params);
        LF_REQUIRE(kind == 0 || kind == 1, "`kind` code must be 0 (call) or 1 (put)");
        LF_REQUIRE(exercise == 0 || exercise == 1, "`exercise` code must be 0 or 1");
        LF_REQUIRE(barrier_kind >= 0 && barrier_kind <= 2, "`barrier_kind` code must be in [0, 2]");
        const pide::BarrierSpec barrier{static_cast<pide::BarrierKind>(barrier_kind), barrier_level,
                                        barrier_monitoring, barrier_rebate};
        const auto nK = static_cast<std::size_t>(strikes.size());
        const auto nT = static_cast<std::size_t>(maturities.size());
        const std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(nT),
                                             static_cast<py::ssize_t>(nK)};
        darray price(shape), delta(shape), gamma(shape);
        const double* pk = strikes.data();
        const double* pt = maturities.data();
        double* pp = price.mutable_data();
        double* pd = delta.mutable_data();
        double* pg = gamma.mutable_data();
        // Ctrl-C during a long solve: the core calls this between time steps (GIL released);
        // a pending signal becomes KeyboardInterrupt (or the handler's exception).
        const pide::InterruptCheck interrupt = check_python_signals;
        {
          py::gil_scoped_release release;
          validate_grid(pk, nK, pt, nT);
          pide::price_surface(model, Market{spot, rate, dividend}, pk, nK, pt, nT,
                              static_cast<OptionKind>(kind), static_cast<pide::Exercise>(exercise),
                              barrier, settings, pp, pd, pg, interrupt);
        }
        return std::make_tuple(price, delta, gamma);
      },
      py::arg("model_id"), py::arg("params"), py::arg("spot"), py::arg("rate"),
      py::arg("dividend"), py::arg("strikes"), py::arg("maturities"), py::arg("kind"),
      py::arg("exercise"), py::arg("barrier_kind"), py::arg("barrier_level"),
      py::arg("barrier_monitoring"), py::arg("barrier_rebate"), py::arg("settings"));
}

}  // namespace levyfast::bindings
