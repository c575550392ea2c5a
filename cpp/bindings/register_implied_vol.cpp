#include <vector>

#include "levyfast/implied_vol.hpp"
#include "register.hpp"

namespace levyfast::bindings {

namespace {

// Below this many quotes the GIL is kept: releasing it costs more than the solve.
constexpr std::size_t kReleaseGil = 4096;

// solve(), with the GIL released when there are at least kReleaseGil quotes.
template <class Solve>
IvStatus run_solve(std::size_t n, const Solve& solve) {
  if (n < kReleaseGil) return solve();
  py::gil_scoped_release release;
  return solve();
}

}  // namespace

void register_implied_vol(py::module_& m) {
  m.def(
      "implied_vol_surfaces",
      [](const py::object& prices_in, double spot, double rate, double dividend,
         const py::object& strikes_in, const py::object& maturities_in, double theta,
         int n_threads) {
        const darray prices = as_doubles(prices_in), strikes = as_doubles(strikes_in),
                     maturities = as_doubles(maturities_in);
        LF_REQUIRE(prices && strikes && maturities, "the inputs must be arrays of real numbers");
        LF_REQUIRE(strikes.ndim() <= 1 && maturities.ndim() <= 1,
                   "`strikes` and `maturities` must be scalars or one-dimensional");
        const auto n_k = static_cast<std::size_t>(strikes.size());
        const auto n_t = static_cast<std::size_t>(maturities.size());
        const auto n = static_cast<std::size_t>(prices.size());
        LF_REQUIRE(n_k > 0 && n_t > 0 && n % (n_k * n_t) == 0,
                   "`prices` must hold whole [n_T, n_K] surfaces");
        darray out(std::vector<py::ssize_t>(prices.shape(), prices.shape() + prices.ndim()));
        const auto solve = [&]() {
          return implied_vol_surfaces(n / (n_k * n_t), n_t, n_k, prices.data(),
                                      Market{spot, rate, dividend}, strikes.data(),
                                      maturities.data(), theta, n_threads, out.mutable_data());
        };
        return py::make_tuple(static_cast<int>(run_solve(n, solve)), out);
      },
      py::arg("prices"), py::arg("spot"), py::arg("rate"), py::arg("dividend"),
      py::arg("strikes"), py::arg("maturities"), py::arg("theta"), py::arg("n_threads"));

  m.def(
      "black_implied_vol",
      [](const py::object& prices_in, const py::object& forwards_in,
         const py::object& strikes_in, const py::object& maturities_in,
         const py::object& discounts_in, double theta, int n_threads, int kernel) {
        const darray prices = as_doubles(prices_in), forwards = as_doubles(forwards_in),
                     strikes = as_doubles(strikes_in), maturities = as_doubles(maturities_in),
                     discounts = as_doubles(discounts_in);
        LF_REQUIRE(prices && forwards && strikes && maturities && discounts,
                   "the inputs must be arrays of real numbers");
        const auto n = static_cast<std::size_t>(prices.size());
        for (const darray* a : {&prices, &forwards, &strikes, &maturities, &discounts})
          LF_REQUIRE(a->ndim() == 1 && static_cast<std::size_t>(a->size()) == n,
                     "the inputs must be one-dimensional and of one length");
        darray out(static_cast<py::ssize_t>(n));
        const auto solve = [&]() {
          return black_implied_vol(n, prices.data(), forwards.data(), strikes.data(),
                                   maturities.data(), discounts.data(), theta, n_threads,
                                   out.mutable_data(), static_cast<IvKernel>(kernel));
        };
        return py::make_tuple(static_cast<int>(run_solve(n, solve)), out);
      },
      py::arg("prices"), py::arg("forwards"), py::arg("strikes"), py::arg("maturities"),
      py::arg("discounts"), py::arg("theta"), py::arg("n_threads"), py::arg("kernel") = 0);

  m.def(
      "iv_kernel_available",
      [](int kernel) { return iv_kernel_available(static_cast<IvKernel>(kernel)); },
      py::arg("kernel"));
}

}  // namespace levyfast::bindings
