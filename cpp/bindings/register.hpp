// Declarations shared by the binding translation units; no logic here.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstddef>

#include "levyfast/models.hpp"

namespace levyfast::bindings {

namespace py = pybind11;
using darray = py::array_t<double, py::array::c_style | py::array::forcecast>;

void register_enums(py::module_& m);
void register_models(py::module_& m);
void register_pricers(py::module_& m);
void register_surface(py::module_& m);
void register_sensitivities(py::module_& m);
void register_pide(py::module_& m);
void register_implied_vol(py::module_& m);
void register_quotes(py::module_& m);
void register_network(py::module_& m);

// `value` as a C-contiguous float64 array: as is when it already is one (a type check, no
// conversion: the common case, and ~0.3 us cheaper per argument than the generic caster).
inline darray as_doubles(const py::object& value) {
  if (py::isinstance<darray>(value)) return py::reinterpret_borrow<darray>(value);
  return darray::ensure(value);
}

// The interrupt hook of long compiled calls (run with the GIL released): takes the GIL and
// turns a pending signal (Ctrl-C) into its Python exception, KeyboardInterrupt by default.
inline void check_python_signals() {
  py::gil_scoped_acquire acquire;
  if (PyErr_CheckSignals() != 0) throw py::error_already_set();
}

inline ModelParams to_model(int model_id, const darray& params) {
  LF_REQUIRE(params.ndim() == 1, "`params` must be one-dimensional");
  return make_model(model_id, params.data(), static_cast<std::size_t>(params.shape(0)));
}

}  // namespace levyfast::bindings
