"""Numba kernels (DESIGN.md §6): plain ``@njit`` functions on scalars and arrays.

* :mod:`.jit` — the one JIT policy and the function types of model callbacks.
* :mod:`.exponents` — raw exponents, cumulants and moment strips of the built-in models,
  in tables indexed by the ``MODEL_ID`` shared with C++.
* :mod:`.cos` — the COS kernel (Fang & Oosterlee 2008): one surface, a parallel batch, and
  prices with parameter gradients.
* :mod:`.black`, :mod:`.lets_be_rational`, :mod:`.special` — Black prices and implied
  volatility (Jäckel 2015).

Nothing here validates input: the typed public wrappers do that once, at the boundary.
"""
