"""Declarative validation at the public boundary (DESIGN.md §5).

Every message names the owner, the parameter, the constraint and the value, e.g.
"`nu` of VarianceGamma must be in (0, inf); got -0.1".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "Interval",
    "check_scalar",
    "check_array",
    "as_float64",
    "as_real_array",
    "check_choice",
]


@dataclass(frozen=True, slots=True)
class Interval:
    """A real interval; ``closed_low``/``closed_high`` say whether the ends belong to it."""

    low: float = -math.inf
    high: float = math.inf
    closed_low: bool = False
    closed_high: bool = False

    def contains(self, x: float) -> bool:
        lo_ok = x >= self.low if self.closed_low else x > self.low
        hi_ok = x <= self.high if self.closed_high else x < self.high
        return bool(lo_ok and hi_ok)

    def __str__(self) -> str:
        lo = "[" if self.closed_low else "("
        hi = "]" if self.closed_high else ")"
        return f"{lo}{_fmt(self.low)}, {_fmt(self.high)}{hi}"


def _fmt(x: float) -> str:
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return repr(float(x))


def check_scalar(owner: str, name: str, value: Any, interval: Interval) -> float:
    """Return ``value`` as a float, or raise naming owner, parameter, constraint and value."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"`{name}` of {owner} must be a real number; got {value!r}")
    x = float(value)
    if not math.isfinite(x) and not interval.contains(x):
        raise ValueError(f"`{name}` of {owner} must be a finite number in {interval}; got {x!r}")
    if not interval.contains(x):
        raise ValueError(f"`{name}` of {owner} must be in {interval}; got {x!r}")
    return x


_FLOAT64 = np.dtype(np.float64)
#: NumPy dtype kinds accepted as real numbers: floating, signed and unsigned integers.
_REAL_KINDS = frozenset("fiu")
_DTYPE_KINDS = {"b": "boolean", "c": "complex", "U": "string", "S": "bytes", "O": "object",
                "M": "datetime", "m": "timedelta", "V": "structured"}


def as_float64(owner: str, name: str, value: ArrayLike) -> NDArray[np.float64]:
    """``value`` as a float64 array of any shape: the one conversion of array arguments.

    Only real numbers are accepted (floating or integer dtypes): complex values, booleans,
    strings and other objects raise ``TypeError`` naming the argument instead of being
    coerced (a complex strike would lose its imaginary part, ``True`` would become 1)."""
    if type(value) is np.ndarray and value.dtype is _FLOAT64:  # fast path, no conversion
        return value
    try:
        kind = np.asarray(value).dtype.kind
        if kind in _REAL_KINDS:
            return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`{name}` of {owner} must be an array of real numbers; "
                        f"got {_short_repr(value)}") from exc
    raise TypeError(
        f"`{name}` of {owner} must be an array of real numbers (float or int); got "
        f"{_DTYPE_KINDS.get(kind, 'dtype kind ' + repr(kind))} values: {_short_repr(value)}"
    )


def _short_repr(value: Any) -> str:
    """A repr of at most ~120 characters (a whole surface would flood the message)."""
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def as_real_array(
    owner: str, name: str, value: ArrayLike, ndim: int | tuple[int, ...] = 1
) -> NDArray[np.float64]:
    """``value`` as a non-empty C-contiguous float64 array of an allowed ``ndim`` (see
    :func:`as_float64`); no value checks (for callers whose compiled core checks the values
    and who re-check on failure)."""
    arr = np.ascontiguousarray(as_float64(owner, name, value))
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if arr.ndim not in allowed:
        raise ValueError(
            f"`{name}` of {owner} must have ndim in {allowed}; got shape {arr.shape}"
        )
    if arr.size == 0:
        raise ValueError(f"`{name}` of {owner} must not be empty; got shape {arr.shape}")
    return arr


def check_array(
    owner: str,
    name: str,
    value: ArrayLike,
    interval: Interval,
    ndim: int | tuple[int, ...] = 1,
) -> NDArray[np.float64]:
    """Return ``value`` as a C-contiguous float64 array after shape, finiteness and range checks."""
    arr = as_real_array(owner, name, value, ndim)
    # Fast path (two reductions; NaN propagates through both); the slow path finds the culprit.
    lo, hi = float(arr.min()), float(arr.max())
    if math.isfinite(lo) and math.isfinite(hi) and interval.contains(lo) and interval.contains(hi):
        return arr
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"`{name}` of {owner} must be finite; got {float(arr[idx])!r} at index {idx}"
        )
    lo_ok = arr >= interval.low if interval.closed_low else arr > interval.low
    hi_ok = arr <= interval.high if interval.closed_high else arr < interval.high
    bad = ~(lo_ok & hi_ok)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"`{name}` of {owner} must be in {interval}; got {float(arr[idx])!r} at index {idx}"
        )
    return arr


def check_choice(owner: str, name: str, value: Any, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise naming the allowed values."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"`{name}` of {owner} must be one of {choices}; got {value!r}")
    return value
