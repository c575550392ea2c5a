// levyfast._core: thin pybind11 bindings over the C++ core (DESIGN.md §4).
#include <pybind11/pybind11.h>

#include <string>

#include "levyfast/fast_math.hpp"
#include "levyfast/isa.hpp"
#include "register.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "levyfast compiled core (private; use the levyfast package)";
  levyfast::bindings::register_enums(m);
  levyfast::bindings::register_models(m);
  levyfast::bindings::register_pricers(m);
  levyfast::bindings::register_surface(m);
  levyfast::bindings::register_sensitivities(m);
  levyfast::bindings::register_pide(m);
  levyfast::bindings::register_implied_vol(m);
  levyfast::bindings::register_quotes(m);
  levyfast::bindings::register_network(m);
  m.def(
      "instruction_set",
      [] {
        return pybind11::make_tuple(levyfast::isa_name(levyfast::dispatched_isa()),
                                    levyfast::isa_name(levyfast::cpu_isa()));
      },
      "(dispatched level, the CPU's best level): LEVYFAST_MAX_ISA caps the former");
  m.def(
      "erfc_kernel",
      [](const levyfast::bindings::darray& x, const std::string& kernel) {
        namespace fm = levyfast::fast_math;
        levyfast::bindings::darray out(x.size());
        const double* in = x.data();
        double* o = out.mutable_data();
        const auto evaluate = [&](auto accuracy) {
          using Accuracy = decltype(accuracy);
          for (pybind11::ssize_t i = 0; i < x.size(); ++i)
            o[i] = fm::erfc_fast<Accuracy>(in[i], fm::erfcx_series<Accuracy>());
        };
        if (kernel == "accurate")
          evaluate(fm::ErfcAccurate{});
        else if (kernel == "fast")
          evaluate(fm::ErfcFast{});
        else if (kernel == "coarse")
          evaluate(fm::ErfcCoarse{});
        else
          throw pybind11::value_error("`kernel` of erfc_kernel must be 'accurate', 'fast' or "
                                      "'coarse'; got '" + kernel + "'");
        return out;
      },
      "erfc(x) by the core's vectorised kernels (accurate: the relative one; fast: Merton's "
      "absolute one; coarse: the time change's at the default tolerance), for the tests");
}
