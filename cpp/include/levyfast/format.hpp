// Numbers in error messages: every significant digit (`fmt`, "%.17g": 1e-15 stays 1e-15,
// where std::to_string(double) prints "0.000000") or six of them (`fmt_short`, "%.6g").
#pragma once

#include <cstdio>
#include <string>

namespace levyfast {

inline std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

inline std::string fmt_short(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace levyfast
