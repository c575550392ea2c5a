// Run-time instruction-set dispatch: the one multiversioning mechanism of the core. A hot
// kernel is written once as an always-inline function; dispatch<kernel>(args...) calls the
// copy of it compiled for the instruction-set level chosen at load: the best the CPU has
// (x86-64-v4 = AVX-512, v3 = AVX2 + FMA, v2 = SSE4.2, baseline = SSE2), capped by the
// environment variable LEVYFAST_MAX_ISA (v4, v3, v2 or baseline; read once), so that one build
// exercises and benchmarks every path. Other architectures have the baseline copy only.
#pragma once

namespace levyfast {

enum class Isa : int { Baseline = 1, V2 = 2, V3 = 3, V4 = 4 };

// The level the kernels run at (computed on first use; throws std::invalid_argument when
// LEVYFAST_MAX_ISA holds anything but v4, v3, v2 or baseline).
Isa dispatched_isa();
// The best level the CPU supports, ignoring the cap.
Isa cpu_isa();
// "x86-64-v4", "x86-64-v3", "x86-64-v2" or "baseline".
const char* isa_name(Isa level);

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LEVYFAST_X86_DISPATCH 1
namespace detail {
// Kernel(args...) with Kernel inlined into a function compiled for the level (GCC inlines the
// always-inline kernel and its helpers into the caller's instruction set).
template <auto Kernel, class... Args>
__attribute__((target("arch=x86-64-v4"))) auto run_v4(Args... args) {
  return Kernel(args...);
}
template <auto Kernel, class... Args>
__attribute__((target("arch=x86-64-v3"))) auto run_v3(Args... args) {
  return Kernel(args...);
}
template <auto Kernel, class... Args>
__attribute__((target("arch=x86-64-v2"))) auto run_v2(Args... args) {
  return Kernel(args...);
}
template <auto Kernel, class... Args>
auto run_baseline(Args... args) {
  return Kernel(args...);
}
}  // namespace detail
#endif

// Kernel(args...) compiled for dispatched_isa(). Kernel must be an always-inline function.
template <auto Kernel, class... Args>
inline auto dispatch(Args... args) {
#if defined(LEVYFAST_X86_DISPATCH)
  switch (dispatched_isa()) {
    case Isa::V4:
      return detail::run_v4<Kernel>(args...);
    case Isa::V3:
      return detail::run_v3<Kernel>(args...);
    case Isa::V2:
      return detail::run_v2<Kernel>(args...);
    default:
      return detail::run_baseline<Kernel>(args...);
  }
#else
  return Kernel(args...);
#endif
}

}  // namespace levyfast
