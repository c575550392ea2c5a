// The implied-volatility SIMD kernel compiled for the baseline instruction set (SSE2 on x86-64), two lanes; the build sets the
// instruction set of this file, implied_vol.cpp picks the kernel the CPU supports.
#define LEVYFAST_SIMD_LANES 2
#define LEVYFAST_IV_SOLVER solve_quotes_baseline
#include "levyfast/implied_vol_simd.hpp"
