#include "levyfast/isa.hpp"

#include "levyfast/common.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>

namespace levyfast {

namespace {

Isa detect_cpu() {
#if defined(LEVYFAST_X86_DISPATCH)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("x86-64-v4")) return Isa::V4;
  if (__builtin_cpu_supports("x86-64-v3")) return Isa::V3;
  if (__builtin_cpu_supports("x86-64-v2")) return Isa::V2;
#endif
  return Isa::Baseline;
}

Isa capped(Isa best) {
  const char* env = std::getenv("LEVYFAST_MAX_ISA");
  if (env == nullptr || *env == '\0') return best;
  const std::string cap(env);
  for (Isa level : {Isa::V4, Isa::V3, Isa::V2, Isa::Baseline}) {
    const std::string name = isa_name(level);
    if (cap == name || (level != Isa::Baseline && cap == name.substr(7)))  // "v3" too
      return static_cast<Isa>(std::min(static_cast<int>(best), static_cast<int>(level)));
  }
  throw std::invalid_argument("LEVYFAST_MAX_ISA must be v4, v3, v2 or baseline; got '" + cap +
                              "'");
}

}  // namespace

Isa cpu_isa() {
  static const Isa level = detect_cpu();
  return level;
}

Isa dispatched_isa() {
  static const Isa level = capped(cpu_isa());
  return level;
}

const char* isa_name(Isa level) {
  switch (level) {
    case Isa::V4:
      return "x86-64-v4";
    case Isa::V3:
      return "x86-64-v3";
    case Isa::V2:
      return "x86-64-v2";
    default:
      return "baseline";
  }
}

}  // namespace levyfast
