"""The one JIT policy of levyfast's Numba kernels (DESIGN.md §6), and the types of model callbacks.

Every kernel is compiled with ``cache=True`` (compiled code persists across processes),
``nogil=True`` (callers may run kernels on threads), ``fastmath=False`` (IEEE semantics: the
kernels are cross-checked against the C++ core to 1e-10 * S0) and ``error_model="numpy"``
(division by zero gives inf/nan like NumPy instead of raising, so inner loops stay branch-free).

Model callbacks are first-class function types: a kernel whose signature names
:data:`EXPONENT` accepts *any* ``@numba.njit`` function of that signature (built-in or user
defined) and is compiled, and cached, once.

Known limitation: Numba keys a cached kernel on the modification time and size of the source
file of the decorated function only, not of the kernels it calls from other files. pip keeps the
wheel's file times and leaves ``*.nbi``/``*.nbc`` files behind, so after editing (or upgrading)
a callee in another file, stale machine code can survive: delete ``levyfast/**/__pycache__/*.nb?``
(or set ``NUMBA_CACHE_DIR`` per version).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numba
from numba import types

__all__ = [
    "jit",
    "kernel",
    "parallel_kernel",
    "PARAMS",
    "EXPONENT_SIGNATURE",
    "CUMULANTS_SIGNATURE",
    "STRIP_SIGNATURE",
    "EXPONENT",
    "CUMULANTS",
    "STRIP",
]

F = TypeVar("F", bound=Callable[..., Any])

#: Parameters of one model in ``PARAM_NAMES`` order.
PARAMS = types.float64[::1]
#: ``psi_raw(u, params) -> complex``: the Lévy exponent without the martingale correction.
EXPONENT_SIGNATURE = types.complex128(types.complex128, PARAMS)
#: ``cumulants(params) -> (c1, c2, c4)`` of the raw process per unit time.
CUMULANTS_SIGNATURE = types.UniTuple(types.float64, 3)(PARAMS)
#: ``strip(params) -> (s_minus, s_plus)``: E[exp(s X_1)] < inf for s in (-s_minus, s_plus).
STRIP_SIGNATURE = types.UniTuple(types.float64, 2)(PARAMS)

EXPONENT = types.FunctionType(EXPONENT_SIGNATURE)
CUMULANTS = types.FunctionType(CUMULANTS_SIGNATURE)
STRIP = types.FunctionType(STRIP_SIGNATURE)


def jit(signature: Any = None, *, parallel: bool = False) -> Any:
    """``numba.njit`` with levyfast's fixed flags (see the module docstring).

    ``@jit`` compiles lazily per argument types; ``@jit(signature)`` eagerly for one signature.
    """
    options: dict[str, Any] = {
        "cache": True,
        "nogil": True,
        "fastmath": False,
        "error_model": "numpy",
        "parallel": parallel,
    }

    def decorate(func: F) -> F:
        if signature is None:
            return numba.njit(**options)(func)  # type: ignore[no-any-return]
        return numba.njit(signature, **options)(func)  # type: ignore[no-any-return]

    if callable(signature) and not isinstance(signature, types.Type):
        func, signature = signature, None
        return decorate(func)
    return decorate


def kernel(func: F) -> F:
    """Compile ``func`` lazily with the package's flags (``@kernel`` is ``@jit``)."""
    return jit(func)  # type: ignore[no-any-return]


def parallel_kernel(func: F) -> F:
    """Like :func:`kernel`, with ``parallel=True`` so that ``numba.prange`` loops use threads."""
    return jit(parallel=True)(func)  # type: ignore[no-any-return]
