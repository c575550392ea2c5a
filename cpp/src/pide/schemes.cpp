#include "levyfast/pide/schemes.hpp"

#include "levyfast/common.hpp"

namespace levyfast::pide {

StepCoefficients StepCoefficients::of(SchemeId id, double omega) {
  switch (id) {
    case SchemeId::ImexEuler: return imex_euler();
    case SchemeId::CNAB: return cnab(omega);
    case SchemeId::BDF2: return sbdf2(omega);
  }
  LF_REQUIRE(false, "`scheme` code must be 0 (imex_euler), 1 (cnab) or 2 (bdf2)");
  return imex_euler();
}

}  // namespace levyfast::pide
