#include "levyfast/quotes.hpp"
#include "register.hpp"

namespace levyfast::bindings {

void register_quotes(py::module_& m) {
  m.def(
      "scale_quotes",
      [](const py::object& prices_in, double spot, double max_value, py::array_t<double> out) {
        const darray prices = as_doubles(prices_in);
        LF_REQUIRE(prices, "`prices` must be an array of real numbers");
        LF_REQUIRE(out.size() == prices.size() && (out.flags() & py::array::c_style) &&
                       out.writeable(),
                   "`out` must be a writable C-contiguous float64 array of the size of `prices`");
        LF_REQUIRE(spot > 0.0 && std::isfinite(spot), "`spot` must be positive and finite");
        LF_REQUIRE(max_value >= 0.0 && std::isfinite(max_value),
                   "`max_value` must be non-negative and finite");
        return scale_quotes(prices.data(), static_cast<std::size_t>(prices.size()), spot,
                            max_value, out.mutable_data());
      },
      py::arg("prices"), py::arg("spot"), py::arg("max_value"), py::arg("out"),
      "out = prices / spot; True when every scaled quote is in [0, max_value].");
  using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;
  const auto values = [](const Array& a) {
    return std::vector<double>(a.data(), a.data() + a.size());
  };
  py::class_<CompactFeatures>(m, "CompactFeatures",
                              "The input features of a compact calibrator network "
                              "(levyfast._compact_graph); one object per thread.")
      .def(py::init([values](const Array& a, const Array& parity, const Array& fill,
                             double floor, const Array& center) {
             LF_REQUIRE(a.ndim() == 2 && a.shape(0) == 2 && a.shape(1) > 0,
                        "`a` must have shape [2, m] with m > 0");
             const auto n = static_cast<py::ssize_t>(fill.size());
             LF_REQUIRE(parity.ndim() == 2 && parity.shape(0) == a.shape(1) &&
                            parity.shape(1) == n,
                        "`parity` must have shape [m, n] (n = fill.size)");
             LF_REQUIRE(center.size() == 3 * n + 2, "`center` must have 3 n + 2 entries");
             return CompactFeatures(values(a), values(parity), values(fill), floor,
                                    values(center));
           }),
           py::arg("a"), py::arg("parity"), py::arg("fill"), py::arg("floor"),
           py::arg("center"))
      .def_property_readonly("n_features", &CompactFeatures::n_features)
      .def(
          "__call__",
          [](CompactFeatures& self, const py::array& x, double rate, double dividend,
             py::array& out) {
            // no conversion: a converted copy of `out` would take the features silently
            LF_REQUIRE(x.dtype().is(py::dtype::of<double>()) &&
                           static_cast<std::size_t>(x.size()) == self.n_quotes() &&
                           (x.flags() & py::array::c_style),
                       "`x` must be a C-contiguous float64 array of n quotes");
            LF_REQUIRE(out.dtype().is(py::dtype::of<float>()) &&
                           static_cast<std::size_t>(out.size()) == self.n_features() &&
                           (out.flags() & py::array::c_style) && out.writeable(),
                       "`out` must be a writable C-contiguous float32 array of 3 n + 2");
            self(static_cast<const double*>(x.data()), rate, dividend,
                 static_cast<float*>(out.mutable_data()));
          },
          py::arg("x"), py::arg("rate"), py::arg("dividend"), py::arg("out"),
          "Write the features of scaled quotes `x` (NaN = missing) into `out`.");
}

}  // namespace levyfast::bindings
