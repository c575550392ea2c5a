#include "levyfast/dense_network.hpp"
#include "register.hpp"

#include <pybind11/stl.h>

#include <string>
#include <vector>

namespace levyfast::bindings {

namespace {

// A float32 array's values (no conversion: a float64 weight would be rounded silently).
std::vector<float> floats(const py::array& a, const char* what, std::size_t l) {
  LF_REQUIRE(a.dtype().is(py::dtype::of<float>()) && (a.flags() & py::array::c_style),
             std::string("`") + what + "` " + std::to_string(l) +
                 " must be a C-contiguous float32 array");
  const float* p = static_cast<const float*>(a.data());
  return std::vector<float>(p, p + a.size());
}

Activation activation_of(const std::string& name) {
  if (name == "identity") return Activation::Identity;
  if (name == "sigmoid") return Activation::Sigmoid;
  if (name == "silu") return Activation::SiLU;
  throw std::invalid_argument("`activations` must be 'identity', 'sigmoid' or 'silu'; got '" +
                              name + "'");
}

}  // namespace

void register_network(py::module_& m) {
  py::class_<DenseNetwork>(m, "DenseNetwork",
                           "Dense float32 layers y = act(x W + b) evaluated for one input "
                           "(the network of a compact calibrator graph).")
      .def(py::init([](const std::vector<py::array>& weights,
                       const std::vector<py::array>& biases,
                       const std::vector<std::string>& activations) {
             LF_REQUIRE(weights.size() == biases.size() && weights.size() == activations.size(),
                        "`weights`, `biases` and `activations` must have one entry per layer");
             std::vector<DenseLayer> layers(weights.size());
             for (std::size_t l = 0; l < layers.size(); ++l) {
               LF_REQUIRE(weights[l].ndim() == 2, "`weights` " + std::to_string(l) +
                                                      " must be two-dimensional [n_in, n_out]");
               layers[l].n_in = static_cast<std::size_t>(weights[l].shape(0));
               layers[l].n_out = static_cast<std::size_t>(weights[l].shape(1));
               layers[l].weight = floats(weights[l], "weights", l);
               layers[l].bias = floats(biases[l], "biases", l);
               layers[l].activation = activation_of(activations[l]);
             }
             return DenseNetwork(std::move(layers));
           }),
           py::arg("weights"), py::arg("biases"), py::arg("activations"))
      .def_property_readonly("n_inputs", &DenseNetwork::n_inputs)
      .def_property_readonly("n_outputs", &DenseNetwork::n_outputs)
      .def(
          "__call__",
          [](const DenseNetwork& self, const py::array& x, py::array& out) {
            // no conversion: a converted copy of `out` would take the result silently
            LF_REQUIRE(x.dtype().is(py::dtype::of<float>()) &&
                           static_cast<std::size_t>(x.size()) == self.n_inputs() &&
                           (x.flags() & py::array::c_style),
                       "`x` must be a C-contiguous float32 array of n_inputs values");
            LF_REQUIRE(out.dtype().is(py::dtype::of<float>()) &&
                           static_cast<std::size_t>(out.size()) == self.n_outputs() &&
                           (out.flags() & py::array::c_style) && out.writeable(),
                       "`out` must be a writable C-contiguous float32 array of n_outputs");
            self(static_cast<const float*>(x.data()), static_cast<float*>(out.mutable_data()));
          },
          py::arg("x"), py::arg("out"), "Write the network's outputs for `x` into `out`.");
}

}  // namespace levyfast::bindings
