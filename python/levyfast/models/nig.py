"""Normal Inverse Gaussian model of Barndorff-Nielsen (1997), without location parameter."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import kve

from .._validation import Interval
from .base import LevyModel

__all__ = ["NIG"]


@dataclass(frozen=True, slots=True)
class NIG(LevyModel):
    """Brownian motion with drift ``beta`` on an inverse-Gaussian clock
    (Barndorff-Nielsen 1997, Scand. J. Stat. 24, eq. 2.3):

        psi_raw(u) = delta [sqrt(alpha^2 - beta^2) - sqrt(alpha^2 - (beta + iu)^2)].

    Needs |beta| < alpha; E[S_T] exists iff alpha > |beta + 1|.
    """

    alpha: float
    beta: float
    delta: float

    MODEL_ID: ClassVar[int] = 3
    PARAM_NAMES: ClassVar[tuple[str, ...]] = ("alpha", "beta", "delta")
    BOUNDS: ClassVar[dict[str, Interval]] = {
        "alpha": Interval(0.0),
        "beta": Interval(),
        "delta": Interval(0.0),
    }
    NAME: ClassVar[str | None] = "nig"
    EXAMPLE: ClassVar[tuple[float, ...] | None] = (15.0, -5.0, 0.5)
    DEFAULT_START: ClassVar[tuple[float, ...] | None] = (10.0, -3.0, 0.3)
    SEARCH_BOX: ClassVar[tuple[tuple[float, float], ...] | None] = (
        (1.0, 40.0), (-20.0, 5.0), (0.02, 3.0))
    # alpha - |beta| >= 1 and alpha - |beta + 1| >= 2 on the whole sampling box.
    SAMPLING_BOX: ClassVar[dict[str, tuple[float, float]] | None] = {
        "alpha": (6.0, 30.0),
        "beta": (-5.0, 2.0),
        "delta": (0.1, 1.0),
    }

    def _check_cross_constraints(self) -> None:
        if not abs(self.beta) < self.alpha:
            self._raise_cross("|beta| < alpha", self.alpha - abs(self.beta))
        if not self.alpha > abs(self.beta + 1.0):
            self._raise_cross("alpha > |beta + 1|", self.alpha - abs(self.beta + 1.0))

    def _raw_exponent(self, u: NDArray[np.complex128]) -> NDArray[np.complex128]:
        a2 = self.alpha**2
        root = cast("NDArray[np.complex128]", np.sqrt(a2 - (self.beta + 1j * u) ** 2))
        return self.delta * (math.sqrt(a2 - self.beta**2) - root)

    def _raw_cumulants(self) -> tuple[float, float, float]:
        a, b, d = self.alpha, self.beta, self.delta
        g = math.sqrt(a * a - b * b)
        return (d * b / g, d * a * a / g**3, 3.0 * d * a * a * (a * a + 4.0 * b * b) / g**7)

    def levy_density(self, x: ArrayLike) -> NDArray[np.float64]:
        """k(x) = delta alpha exp(beta x) K_1(alpha |x|) / (pi |x|), evaluated with the
        exponentially scaled Bessel function so that exp(beta x) cannot overflow."""
        xx = np.asarray(x, dtype=np.float64)
        ax = np.abs(xx)
        z = self.alpha * ax
        with np.errstate(divide="ignore", invalid="ignore"):
            k = self.delta * self.alpha * np.exp(self.beta * xx - z) * kve(1, z) / (np.pi * ax)
        return np.where(ax > 0.0, k, 0.0)
