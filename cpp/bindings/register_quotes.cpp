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
}

}  // namespace levyfast::bindings
