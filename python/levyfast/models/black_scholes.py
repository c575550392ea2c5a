"""Black–Scholes (geometric Brownian motion) as the Lévy model without jumps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import Interval
from .base import LevyModel

__all__ = ["BlackScholes"]


@dataclass(frozen=True, slots=True)
class BlackScholes(LevyModel):
    """Black & Scholes (1973): psi_raw(u) = -sigma^2 u^2 / 2."""

    sigma: float

    MODEL_ID: ClassVar[int] = 0
    PARAM_NAMES: ClassVar[tuple[str, ...]] = ("sigma",)
    BOUNDS: ClassVar[dict[str, Interval]] = {"sigma": Interval(0.0)}
    NAME: ClassVar[str | None] = "bs"
    EXAMPLE: ClassVar[tuple[float, ...] | None] = (0.2,)
    DEFAULT_START: ClassVar[tuple[float, ...] | None] = (0.2,)
    SEARCH_BOX: ClassVar[tuple[tuple[float, float], ...] | None] = (
        (0.01, 1.5),)
    SAMPLING_BOX: ClassVar[dict[str, tuple[float, float]] | None] = {"sigma": (0.05, 0.8)}

    def _raw_exponent(self, u: NDArray[np.complex128]) -> NDArray[np.complex128]:
        return -0.5 * self.sigma**2 * u * u

    def _raw_cumulants(self) -> tuple[float, float, float]:
        return (0.0, self.sigma**2, 0.0)

    def levy_density(self, x: ArrayLike) -> NDArray[np.float64]:
        return np.zeros_like(np.asarray(x, dtype=np.float64))
