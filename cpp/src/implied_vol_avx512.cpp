// The implied-volatility SIMD kernel compiled for AVX-512 (x86-64-v4), eight lanes; the build sets the
// instruction set of this file, implied_vol.cpp picks the kernel the CPU supports.
#define LEVYFAST_SIMD_LANES 8
#define LEVYFAST_IV_SOLVER solve_quotes_avx512
#include "levyfast/implied_vol_simd.hpp"
