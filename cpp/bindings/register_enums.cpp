// The core's enumerations as Python IntEnums: the one definition of the integer codes the
// bindings take (method, option kind, PIDE exercise, barrier, scheme, time grid). The Python
// layer derives its accepted names from these members (lower case, '-' for '_').
#include <pybind11/native_enum.h>

#include "levyfast/european.hpp"
#include "levyfast/pide/conditions.hpp"
#include "levyfast/pide/grid.hpp"
#include "register.hpp"

namespace levyfast::bindings {

void register_enums(py::module_& m) {
  py::native_enum<Method>(m, "Method", "enum.IntEnum", "European pricing method")
      .value("AUTO", Method::Auto)
      .value("COS", Method::COS)
      .value("FFT", Method::FFT)
      .value("TIME_CHANGE", Method::TimeChange)
      .finalize();
  py::native_enum<OptionKind>(m, "OptionKind", "enum.IntEnum", "Call or put")
      .value("CALL", OptionKind::Call)
      .value("PUT", OptionKind::Put)
      .finalize();
  py::native_enum<pide::Exercise>(m, "Exercise", "enum.IntEnum", "PIDE exercise style")
      .value("EUROPEAN", pide::Exercise::European)
      .value("AMERICAN", pide::Exercise::American)
      .finalize();
  py::native_enum<pide::BarrierKind>(m, "BarrierKind", "enum.IntEnum", "PIDE knock-out barrier")
      .value("NONE", pide::BarrierKind::None)
      .value("DOWN_AND_OUT", pide::BarrierKind::DownAndOut)
      .value("UP_AND_OUT", pide::BarrierKind::UpAndOut)
      .finalize();
  py::native_enum<pide::SchemeId>(m, "PIDEScheme", "enum.IntEnum", "PIDE time-stepping scheme")
      .value("IMEX_EULER", pide::SchemeId::ImexEuler)
      .value("CNAB", pide::SchemeId::CNAB)
      .value("BDF2", pide::SchemeId::BDF2)
      .finalize();
  py::native_enum<pide::TimeGrid>(m, "TimeGrid", "enum.IntEnum", "PIDE time steps")
      .value("AUTO", pide::TimeGrid::Auto)
      .value("UNIFORM", pide::TimeGrid::Uniform)
      .value("QUADRATIC", pide::TimeGrid::Quadratic)
      .finalize();
}

}  // namespace levyfast::bindings
