"""The JIT policy of DESIGN.md §6 for the data kernels, fixed in one place.

``cache=True`` (compiled once per machine), ``error_model="numpy"`` (no Python exceptions in
hot loops), ``fastmath=False`` (IEEE semantics: NaN checks must stay NaN checks), ``nogil``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from numba import njit

__all__ = ["kernel"]

F = TypeVar("F", bound=Callable[..., Any])


def kernel(signature: str) -> Callable[[F], F]:
    """``@njit`` with the package's flags and an explicit signature (compiled eagerly)."""
    return njit(signature, cache=True, error_model="numpy", fastmath=False, nogil=True)  # type: ignore[no-any-return]
