"""Kou (2002) double-exponential jump diffusion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import Interval
from .base import LevyModel

__all__ = ["Kou"]


@dataclass(frozen=True, slots=True)
class Kou(LevyModel):
    """Kou (2002, Manag. Sci. 48): jumps at rate ``lam``, up with probability ``p`` and
    Exp(eta1) size, down with Exp(eta2) size,

        psi_raw(u) = -sigma^2 u^2 / 2 + lam (p eta1/(eta1 - iu) + (1-p) eta2/(eta2 + iu) - 1).

    E[S_T] exists iff eta1 > 1.
    """

    sigma: float
    lam: float
    p: float
    eta1: float
    eta2: float

    MODEL_ID: ClassVar[int] = 5
    PARAM_NAMES: ClassVar[tuple[str, ...]] = ("sigma", "lam", "p", "eta1", "eta2")
    BOUNDS: ClassVar[dict[str, Interval]] = {
        "sigma": Interval(0.0),
        "lam": Interval(0.0, closed_low=True),
        "p": Interval(0.0, 1.0, closed_low=True, closed_high=True),
        "eta1": Interval(1.0),
        "eta2": Interval(0.0),
    }
    NAME: ClassVar[str | None] = "kou"
    EXAMPLE: ClassVar[tuple[float, ...] | None] = (0.2, 1.0, 0.3, 10.0, 5.0)
    DEFAULT_START: ClassVar[tuple[float, ...] | None] = (0.2, 1.0, 0.4, 10.0, 8.0)
    SEARCH_BOX: ClassVar[tuple[tuple[float, float], ...] | None] = (
        (0.02, 1.0), (0.0, 5.0), (0.0, 1.0), (2.0, 50.0), (1.0, 50.0))
    SAMPLING_BOX: ClassVar[dict[str, tuple[float, float]] | None] = {
        "sigma": (0.05, 0.5),
        "lam": (0.0, 2.0),
        "p": (0.1, 0.9),
        "eta1": (3.0, 30.0),
        "eta2": (2.0, 30.0),
    }

    def _raw_exponent(self, u: NDArray[np.complex128]) -> NDArray[np.complex128]:
        p, e1, e2 = self.p, self.eta1, self.eta2
        # p e1/(e1 - iu) - p = p iu/(e1 - iu): no "... - 1" cancellation for huge eta
        jump = p * 1j * u / (e1 - 1j * u) - (1.0 - p) * 1j * u / (e2 + 1j * u)
        return -0.5 * self.sigma**2 * u * u + self.lam * jump

    def _raw_cumulants(self) -> tuple[float, float, float]:
        p, e1, e2, lam = self.p, self.eta1, self.eta2, self.lam
        return (
            lam * (p / e1 - (1.0 - p) / e2),
            self.sigma**2 + 2.0 * lam * (p / e1**2 + (1.0 - p) / e2**2),
            24.0 * lam * (p / e1**4 + (1.0 - p) / e2**4),
        )

    def levy_density(self, x: ArrayLike) -> NDArray[np.float64]:
        xx = np.asarray(x, dtype=np.float64)
        up = self.p * self.eta1 * np.exp(-self.eta1 * np.maximum(xx, 0.0))
        down = (1.0 - self.p) * self.eta2 * np.exp(self.eta2 * np.minimum(xx, 0.0))
        return self.lam * np.where(xx > 0.0, up, np.where(xx < 0.0, down, 0.0))
