#include <vector>

#include "levyfast/implied_vol.hpp"
#include "register.hpp"

namespace levyfast::bindings {

void register_implied_vol(py::module_& m) {
  m.def(
      "implied_vol_surfaces",
      [](const darray& prices, double spot, double rate, double dividend, const darray& strikes,
         const darray& maturities, double theta, int n_threads) {
        LF_REQUIRE(strikes.ndim() == 1 && maturities.ndim() == 1,
                   "`strikes` and `maturities` must be one-dimensional");
        const auto n_k = static_cast<std::size_t>(strikes.size());
        const auto n_t = static_cast<std::size_t>(maturities.size());
        const auto n = static_cast<std::size_t>(prices.size());
        LF_REQUIRE(n_k > 0 && n_t > 0 && n % (n_k * n_t) == 0,
                   "`prices` must hold whole [n_T, n_K] surfaces");
        darray out(std::vector<py::ssize_t>(prices.shape(), prices.shape() + prices.ndim()));
        IvStatus status;
        {
          py::gil_scoped_release release;
          status = implied_vol_surfaces(n / (n_k * n_t), n_t, n_k, prices.data(),
                                        Market{spot, rate, dividend}, strikes.data(),
                                        maturities.data(), theta, n_threads, out.mutable_data());
        }
        return py::make_tuple(static_cast<int>(status), out);
      },
      py::arg("prices"), py::arg("spot"), py::arg("rate"), py::arg("dividend"),
      py::arg("strikes"), py::arg("maturities"), py::arg("theta"), py::arg("n_threads"));

  m.def(
      "black_implied_vol",
      [](const darray& prices, const darray& forwards, const darray& strikes,
         const darray& maturities, const darray& discounts, double theta, int n_threads) {
        const auto n = static_cast<std::size_t>(prices.size());
        for (const darray* a : {&prices, &forwards, &strikes, &maturities, &discounts})
          LF_REQUIRE(a->ndim() == 1 && static_cast<std::size_t>(a->size()) == n,
                     "the inputs must be one-dimensional and of one length");
        darray out(static_cast<py::ssize_t>(n));
        IvStatus status;
        {
          py::gil_scoped_release release;
          status = black_implied_vol(n, prices.data(), forwards.data(), strikes.data(),
                                     maturities.data(), discounts.data(), theta, n_threads,
                                     out.mutable_data());
        }
        return py::make_tuple(static_cast<int>(status), out);
      },
      py::arg("prices"), py::arg("forwards"), py::arg("strikes"), py::arg("maturities"),
      py::arg("discounts"), py::arg("theta"), py::arg("n_threads"));
}

}  // namespace levyfast::bindings
