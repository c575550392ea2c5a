// levyfast._core: thin pybind11 bindings over the C++ core (DESIGN.md §4).
#include <pybind11/pybind11.h>

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
      [](const levyfast::bindings::darray& x, bool accurate) {
        namespace fm = levyfast::fast_math;
        levyfast::bindings::darray out(x.size());
        const double* in = x.data();
        double* o = out.mutable_data();
        for (pybind11::ssize_t i = 0; i < x.size(); ++i)
          o[i] = accurate
                     ? fm::erfc_fast<fm::ErfcAccurate>(in[i], fm::erfcx_series<fm::ErfcAccurate>())
                     : fm::erfc_fast<fm::ErfcFast>(in[i], fm::erfcx_series<fm::ErfcFast>());
        return out;
      },
      "erfc(x) by the core's vectorised kernels (accurate: the relative one; else the time "
      "change's absolute one), for the tests");
}
