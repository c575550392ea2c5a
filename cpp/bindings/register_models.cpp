#include <pybind11/complex.h>
#include <pybind11/stl.h>

#include <complex>
#include <optional>
#include <tuple>
#include <vector>

#include "register.hpp"

namespace levyfast::bindings {

void register_models(py::module_& m) {
  using carray = py::array_t<std::complex<double>, py::array::c_style | py::array::forcecast>;
  m.def("validate_model", [](int model_id, const darray& params) { to_model(model_id, params); },
        py::arg("model_id"), py::arg("params"));
  m.def("n_params", [](int model_id) { return n_params(static_cast<ModelId>(model_id)); },
        py::arg("model_id"));
  m.def(
      "char_exponent",
      [](int model_id, const darray& params, const carray& u) {
        const ModelParams model = to_model(model_id, params);
        carray out(u.request().shape);
        const double omega = convexity_correction(model);
        char_exponent(model, omega, u.data(), static_cast<std::size_t>(u.size()),
                      out.mutable_data());
        return out;
      },
      py::arg("model_id"), py::arg("params"), py::arg("u"));
  m.def(
      "cumulants",
      [](int model_id, const darray& params) {
        const Cumulants c = cumulants(to_model(model_id, params));
        return std::make_tuple(c.c1, c.c2, c.c4);
      },
      py::arg("model_id"), py::arg("params"));
  m.def(
      "cumulant_generating",
      [](int model_id, const darray& params, const darray& s) {
        const ModelParams model = to_model(model_id, params);
        darray out(s.request().shape);
        cumulant_generating(model, convexity_correction(model), s.data(),
                            static_cast<std::size_t>(s.size()), out.mutable_data());
        return out;
      },
      py::arg("model_id"), py::arg("params"), py::arg("s"));
  m.def(
      "moment_strip",
      [](int model_id, const darray& params) {
        const MomentStrip s = moment_strip(to_model(model_id, params));
        return std::make_tuple(s.s_minus, s.s_plus);
      },
      py::arg("model_id"), py::arg("params"));
  m.def(
      "share_dual",
      [](int model_id, const darray& params) -> std::optional<std::vector<double>> {
        const std::optional<ModelParams> dual = share_dual(to_model(model_id, params));
        if (!dual) return std::nullopt;
        return std::vector<double>(dual->p.begin(), dual->p.begin() + n_params(dual->id));
      },
      py::arg("model_id"), py::arg("params"));
  m.def(
      "levy_density",
      [](int model_id, const darray& params, const darray& x) {
        const ModelParams model = to_model(model_id, params);
        darray out(x.request().shape);
        const double* px = x.data();
        double* po = out.mutable_data();
        for (py::ssize_t k = 0; k < x.size(); ++k) po[k] = levy_density(model, px[k]);
        return out;
      },
      py::arg("model_id"), py::arg("params"), py::arg("x"));
}

}  // namespace levyfast::bindings
