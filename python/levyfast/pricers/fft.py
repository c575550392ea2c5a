"""Carr–Madan (1999) FFT pricer: one FFT per maturity, interpolated to the strikes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _core
from .._validation import Interval, check_scalar
from ..market import Market
from ..models.base import LevyModel
from ._common import check_model
from .backend import require
from .cos import DEFAULT_TOLERANCE, _price_with

__all__ = ["FFTPricer"]


@dataclass(frozen=True, slots=True)
class FFTPricer:
    """European prices by the damped-call FFT of Carr & Madan (1999, J. Comput. Finance 2).

    Parameters
    ----------
    tolerance
        Target absolute error as a fraction of spot used to choose ``n`` and ``eta``.
    n, eta, alpha
        Fixed FFT size (power of two), Fourier grid spacing and damping exponent instead of
        the automatic choices (``alpha`` is otherwise placed inside the moment strip).
    """

    tolerance: float = DEFAULT_TOLERANCE
    n: int | None = None
    eta: float | None = None
    alpha: float | None = None

    def __post_init__(self) -> None:
        check_scalar("FFTPricer", "tolerance", self.tolerance,
                     Interval(1e-14, 1.0, closed_low=True))
        if self.n is not None:
            if isinstance(self.n, bool) or not isinstance(self.n, (int, np.integer)):
                raise TypeError(f"`n` of FFTPricer must be an integer; got {self.n!r}")
            if self.n < 16 or self.n & (self.n - 1):
                raise ValueError(f"`n` of FFTPricer must be a power of two >= 16; got {self.n!r}")
        if self.eta is not None:
            check_scalar("FFTPricer", "eta", self.eta, Interval(0.0))
        if self.alpha is not None:
            check_scalar("FFTPricer", "alpha", self.alpha, Interval(0.0))

    def _settings(self) -> _core.EuropeanSettings:
        s = _core.EuropeanSettings()
        s.method = 2
        s.fft.tolerance = float(self.tolerance)
        s.fft.n = int(self.n or 0)
        s.fft.eta = float(self.eta or 0.0)
        s.fft.alpha = float(self.alpha or 0.0)
        return s

    def price(
        self,
        model: LevyModel,
        market: Market,
        strikes: ArrayLike,
        maturities: ArrayLike,
        kind: str = "call",
    ) -> NDArray[np.float64] | float:
        """Prices ``[n_T, n_K]`` (a float for scalar strike and maturity)."""
        owner = "FFTPricer.price"
        require(owner, check_model(owner, model), "fft")
        return _price_with(self._settings(), owner, model, market, strikes, maturities, kind)
