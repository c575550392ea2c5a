// Mathematical constants of the core, each defined once.
#pragma once

#include <limits>

namespace levyfast {

inline constexpr double kPi = 3.141592653589793;
inline constexpr double kLn2 = 0.6931471805599453;
inline constexpr double kEulerGamma = 0.5772156649015329;  // gamma_E = -Gamma'(1)
inline constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace levyfast
