"""Numba kernels: plain ``@njit`` functions on scalars and arrays (DESIGN.md §6).

Every kernel is decorated through :mod:`levyfast._numba.jit`, the one place that fixes the JIT
flags. Nothing here validates input: the typed public wrappers do that once, at the boundary.
"""
