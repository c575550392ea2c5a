"""The one JIT policy of levyfast's Numba kernels (DESIGN.md §6).

``kernel`` compiles scalar and serial array kernels, ``parallel_kernel`` array kernels that split
their outer loop over threads with ``numba.prange``. Both cache the machine code on disk
(``cache=True``), release the GIL (``nogil=True``), follow NumPy's floating-point error model
(a division by zero gives inf/nan, it does not raise) and keep IEEE semantics
(``fastmath=False``: the special-function kernels rely on exact rounding behaviour).
Compilation is lazy, on the first call with a given type signature.

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

__all__ = ["kernel", "parallel_kernel"]

F = TypeVar("F", bound=Callable[..., Any])

_FLAGS: dict[str, Any] = {
    "cache": True,
    "nogil": True,
    "error_model": "numpy",
    "fastmath": False,
}


def kernel(func: F) -> F:
    """Compile ``func`` in nopython mode with the package's JIT flags."""
    return numba.njit(**_FLAGS)(func)  # type: ignore[no-any-return]


def parallel_kernel(func: F) -> F:
    """Like :func:`kernel`, with ``parallel=True`` so that ``numba.prange`` loops use threads."""
    return numba.njit(parallel=True, **_FLAGS)(func)  # type: ignore[no-any-return]
