// levyfast._core: thin pybind11 bindings over the C++ core (DESIGN.md §4).
#include <pybind11/pybind11.h>

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
  m.def(
      "instruction_set",
      [] {
        return pybind11::make_tuple(levyfast::isa_name(levyfast::dispatched_isa()),
                                    levyfast::isa_name(levyfast::cpu_isa()));
      },
      "(dispatched level, the CPU's best level): LEVYFAST_MAX_ISA caps the former");
}
