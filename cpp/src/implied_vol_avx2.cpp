// The implied-volatility SIMD kernel compiled for AVX2 + FMA (x86-64-v3), four lanes; the build sets the
// instruction set of this file, implied_vol.cpp picks the kernel the CPU supports.
#define LEVYFAST_SIMD_LANES 4
#define LEVYFAST_IV_SOLVER solve_quotes_avx2
#include "levyfast/implied_vol_simd.hpp"
