"""The numerical settings of the COS method: :class:`COSConfig`, validated on construction.

A leaf module, so both COS pricing paths build on it: :class:`levyfast.COSPricer`
(:mod:`.cos`, the compiled core, which routes user models to the Numba kernel) and
:mod:`.numba_cos` (the Numba kernel), without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _core
from .._validation import Interval, check_scalar

__all__ = ["COSConfig", "DEFAULT_TOLERANCE", "HIGH_ACCURACY"]

#: Default target absolute error as a fraction of spot (10x inside the 1e-6 * S0 promise).
DEFAULT_TOLERANCE = 1e-7
#: The documented high-accuracy setting (1e-10 * S0 promised).
HIGH_ACCURACY = 1e-11


@dataclass(frozen=True, slots=True)
class COSConfig:
    """``tolerance``, ``n_terms``, ``truncation_width`` and ``max_terms`` of the COS method
    (see :class:`levyfast.COSPricer`, which adds pricing to them); invalid values raise,
    naming ``COSPricer``."""

    tolerance: float = DEFAULT_TOLERANCE
    n_terms: int | None = None
    truncation_width: float | None = None
    max_terms: int = 1 << 16

    def __post_init__(self) -> None:
        check_scalar("COSPricer", "tolerance", self.tolerance,
                     Interval(1e-14, 1.0, closed_low=True))
        if self.n_terms is not None:
            _check_int("n_terms", self.n_terms, 2, 1 << 24)
        if self.truncation_width is not None:
            check_scalar("COSPricer", "truncation_width", self.truncation_width, Interval(0.0))
        _check_int("max_terms", self.max_terms, 16, 1 << 24)

    def _settings(self, method: int) -> _core.EuropeanSettings:
        s = _core.EuropeanSettings()
        s.method = method
        s.cos.tolerance = float(self.tolerance)
        s.cos.n_terms = int(self.n_terms or 0)
        s.cos.truncation_width = float(self.truncation_width or 0.0)
        s.cos.max_terms = int(self.max_terms)
        return s


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"`{name}` of COSPricer must be an integer; got {value!r}")
    if not low <= int(value) <= high:
        raise ValueError(f"`{name}` of COSPricer must be in [{low}, {high}]; got {value!r}")


