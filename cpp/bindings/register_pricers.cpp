#include <pybind11/stl.h>

#include <array>
#include <climits>
#include <cstddef>
#include <vector>

#include "levyfast/european.hpp"
#include "register.hpp"

namespace levyfast::bindings {

namespace {

// Calls or puts [nT, nK] of one parameter set (the GIL released while pricing).
darray price_surface_array(const ModelParams& model, const Market& market, const double* strikes,
                           std::size_t nK, const double* maturities, std::size_t nT, int kind,
                           const EuropeanSettings& settings) {
  validate_market(market);
  LF_REQUIRE(kind == 0 || kind == 1, "`kind` code must be 0 (call) or 1 (put)");
  darray out({static_cast<py::ssize_t>(nT), static_cast<py::ssize_t>(nK)});
  double* po = out.mutable_data();
  {
    py::gil_scoped_release release;
    validate_grid(strikes, nK, maturities, nT);
    price_surface(model, market, strikes, nK, maturities, nT, static_cast<OptionKind>(kind),
                  settings, po);
  }
  return out;
}

// A Python float (or int) as a double; false for anything else.
bool read_number(py::handle value, double& out) {
  if (PyFloat_CheckExact(value.ptr())) {
    out = PyFloat_AS_DOUBLE(value.ptr());
    return true;
  }
  if (!PyLong_CheckExact(value.ptr())) return false;
  out = PyLong_AsDouble(value.ptr());
  if (out == -1.0 && PyErr_Occurred()) {
    PyErr_Clear();
    return false;
  }
  return true;
}

// A Python int within int's range; false for anything else.
bool read_int(py::handle value, int& out) {
  if (!PyLong_CheckExact(value.ptr())) return false;
  int overflow = 0;
  const long v = PyLong_AsLongAndOverflow(value.ptr(), &overflow);
  if (overflow != 0 || v < INT_MIN || v > INT_MAX) return false;
  out = static_cast<int>(v);
  return true;
}

using exact_doubles = py::array_t<double, py::array::c_style>;

// A one-dimensional C-contiguous float64 array (no conversion); false for anything else.
bool read_grid(py::handle value, const double*& data, std::size_t& n) {
  if (!exact_doubles::check_(value)) return false;
  const auto arr = py::reinterpret_borrow<exact_doubles>(value);
  if (arr.ndim() != 1) return false;
  data = arr.data();
  n = static_cast<std::size_t>(arr.shape(0));
  return true;
}

}  // namespace

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
      // params: any sequence of floats.
      [](int model_id, const std::vector<double>& params, double spot, double rate,
         double dividend, const darray& strikes, const darray& maturities, int kind,
         const EuropeanSettings& settings) {
        return price_surface_array(make_model(model_id, params.data(), params.size()),
                                   Market{spot, rate, dividend}, strikes.data(),
                                   static_cast<std::size_t>(strikes.size()), maturities.data(),
                                   static_cast<std::size_t>(maturities.size()), kind, settings);
      },
      py::arg("model_id"), py::arg("params"), py::arg("spot"), py::arg("rate"),
      py::arg("dividend"), py::arg("strikes"), py::arg("maturities"), py::arg("kind"),
      py::arg("settings"));
  // price_surface for levyfast.price's common call (pricers/european.py's _fast_price), its
  // arguments read from the Python objects directly: pybind11's typed conversions of the nine
  // cost ~0.6 us, the call itself ~0.15 us (on a ~27 us surface). None where an argument is
  // not exactly an int, a tuple of floats, a float, a 1-d C-contiguous float64 array or the
  // settings (the general path then converts or reports it).
  m.def(
      "price_surface_lean",
      [](py::handle model_id, py::handle params, py::handle spot, py::handle rate,
         py::handle dividend, py::handle strikes, py::handle maturities, py::handle kind,
         py::handle settings) -> py::object {
        int id = 0, kind_code = 0;
        Market market{};
        const double *pk = nullptr, *pt = nullptr;
        std::size_t nK = 0, nT = 0;
        if (!read_int(model_id, id) || !read_int(kind, kind_code) ||
            !read_number(spot, market.spot) || !read_number(rate, market.rate) ||
            !read_number(dividend, market.dividend) || !read_grid(strikes, pk, nK) ||
            !read_grid(maturities, pt, nT) || !PyTuple_CheckExact(params.ptr()) ||
            !py::isinstance<EuropeanSettings>(settings))
          return py::none();
        const auto n = static_cast<std::size_t>(PyTuple_GET_SIZE(params.ptr()));
        std::array<double, kMaxParams> values{};
        if (n > values.size()) return py::none();
        for (std::size_t j = 0; j < n; ++j)
          if (!read_number(PyTuple_GET_ITEM(params.ptr(), j), values[j])) return py::none();
        return price_surface_array(make_model(id, values.data(), n), market, pk, nK, pt, nT,
                                   kind_code, settings.cast<const EuropeanSettings&>());
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
