#include <pybind11/stl.h>

#include <vector>

#include "levyfast/european.hpp"
#include "register.hpp"

namespace levyfast::bindings {

void register_pricers(py::module_& m) {
  py::class_<COSSettings>(m, "COSSettings")
      .def(py::init<>())
      .def_readwrite("n_terms", &COSSettings::n_terms)
      .def_readwrite("truncation_width", &COSSettings::truncation_width)
      .def_readwrite("tolerance", &COSSettings::tolerance)
      .def_readwrite("max_terms", &COSSettings::max_terms);
  py::class_<FFTSettings>(m, "FFTSettings")
      .def(py::init<>())
      .def_readwrite("n", &FFTSettings::n)
      .def_readwrite("eta", &FFTSettings::eta)
      .def_readwrite("alpha", &FFTSettings::alpha)
      .def_readwrite("tolerance", &FFTSettings::tolerance);
  py::class_<EuropeanSettings>(m, "EuropeanSettings")
      .def(py::init<>())
      .def_property(
          "method", [](const EuropeanSettings& s) { return static_cast<int>(s.method); },
          [](EuropeanSettings& s, int v) {
            LF_REQUIRE(v >= 0 && v <= 3, "`method` code must be in [0, 3]");
            s.method = static_cast<Method>(v);
          })
      .def_readwrite("cos", &EuropeanSettings::cos)
      .def_readwrite("fft", &EuropeanSettings::fft);
  m.def("validate_cos_settings", &validate_cos_settings, py::arg("settings"));
  m.def("validate_fft_settings", &validate_fft_settings, py::arg("settings"));

  m.def(
      "price_surface",
      // params: any sequence of floats (the fast path passes a tuple, cheaper than an array).
      [](int model_id, const std::vector<double>& params, double spot, double rate,
         double dividend, const darray& strikes, const darray& maturities, int kind,
         const EuropeanSettings& settings) {
        const ModelParams model = make_model(model_id, params.data(), params.size());
        const Market market{spot, rate, dividend};
        validate_market(market);
        LF_REQUIRE(kind == 0 || kind == 1, "`kind` code must be 0 (call) or 1 (put)");
        const auto nK = static_cast<std::size_t>(strikes.size());
        const auto nT = static_cast<std::size_t>(maturities.size());
        darray out({static_cast<py::ssize_t>(nT), static_cast<py::ssize_t>(nK)});
        const double* pk = strikes.data();
        const double* pt = maturities.data();
        double* po = out.mutable_data();
        {
          py::gil_scoped_release release;
          validate_grid(pk, nK, pt, nT);
          price_surface(model, market, pk, nK, pt, nT, static_cast<OptionKind>(kind), settings, po);
        }
        return out;
      },
      py::arg("model_id"), py::arg("params"), py::arg("spot"), py::arg("rate"),
      py::arg("dividend"), py::arg("strikes"), py::arg("maturities"), py::arg("kind"),
      py::arg("settings"));
  m.def(
      "surface_plan",
      [](int model_id, const darray& params, double spot, double rate, double dividend,
         const darray& strikes, const darray& maturities, const EuropeanSettings& settings) {
        const ModelParams model = to_model(model_id, params);
        const Market market{spot, rate, dividend};
        validate_market(market);
        const auto nK = static_cast<std::size_t>(strikes.size());
        const auto nT = static_cast<std::size_t>(maturities.size());
        validate_grid(strikes.data(), nK, maturities.data(), nT);
        const SurfacePlanSummary s =
            describe_surface_plan(model, market, strikes.data(), nK, maturities.data(), nT,
                                  settings);
        py::dict out;
        out["dual"] = s.dual;
        out["methods"] = s.methods;
        out["cos_terms"] = s.cos_terms;
        out["work"] = s.work;
        return out;
      },
      py::arg("model_id"), py::arg("params"), py::arg("spot"), py::arg("rate"),
      py::arg("dividend"), py::arg("strikes"), py::arg("maturities"), py::arg("settings"));
}

}  // namespace levyfast::bindings
