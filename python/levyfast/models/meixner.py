"""Meixner process of Schoutens & Teugels (1998)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import Interval
from .base import LevyModel

__all__ = ["Meixner"]


@dataclass(frozen=True, slots=True)
class Meixner(LevyModel):
    """Meixner process (Schoutens & Teugels 1998; Schoutens 2003, "Lévy Processes in Finance",
    §5.3.10), pure jump with Lévy density k(x) = delta exp(beta x / alpha) / (x sinh(pi x / alpha)):

        psi_raw(u) = 2 delta [ln cos(beta/2) - ln cosh((alpha u - i beta)/2)].

    E[exp(s X_1)] = (cos(beta/2) / cos((alpha s + beta)/2))^(2 delta) for |alpha s + beta| < pi,
    so E[S_T] exists iff alpha + beta < pi.
    """

    alpha: float
    beta: float
    delta: float

    MODEL_ID: ClassVar[int] = 6
    PARAM_NAMES: ClassVar[tuple[str, ...]] = ("alpha", "beta", "delta")
    BOUNDS: ClassVar[dict[str, Interval]] = {
        "alpha": Interval(0.0),
        "beta": Interval(-math.pi, math.pi),
        "delta": Interval(0.0),
    }
    NAME: ClassVar[str | None] = "meixner"
    # Close to Schoutens' (2003, Table 6.2) fit to the Eurostoxx 50 (alpha 0.1231,
    # beta -0.5875, delta 3.3588).
    EXAMPLE: ClassVar[tuple[float, ...] | None] = (0.12, -0.59, 3.36)
    DEFAULT_START: ClassVar[tuple[float, ...] | None] = (0.15, -0.5, 2.0)
    # alpha + beta <= 2.5 < pi on the whole search box.
    SEARCH_BOX: ClassVar[tuple[tuple[float, float], ...] | None] = (
        (0.01, 1.0), (-3.0, 1.5), (0.05, 20.0))
    # Annual volatility sqrt(alpha^2 delta / (2 cos^2(beta/2))) from 2.5% to 50%.
    SAMPLING_BOX: ClassVar[dict[str, tuple[float, float]] | None] = {
        "alpha": (0.05, 0.3),
        "beta": (-1.5, 0.5),
        "delta": (0.5, 3.0),
    }

    def _check_cross_constraints(self) -> None:
        if not self.alpha + self.beta < math.pi:
            self._raise_cross("alpha + beta < pi", math.pi - self.alpha - self.beta)

    def _raw_exponent(self, u: NDArray[np.complex128]) -> NDArray[np.complex128]:
        z = 0.5 * (self.alpha * u - 1j * self.beta)
        # cosh is even: ln cosh z = w + ln(1 + e^{-2w}) - ln 2 with w = +-z, Re w >= 0, which
        # neither overflows nor leaves the branch continuous from u = 0.
        w = np.where(z.real < 0.0, -z, z)
        log_cosh = cast("NDArray[np.complex128]",
                        w + np.log(1.0 + np.exp(-2.0 * w)) - math.log(2.0))
        return 2.0 * self.delta * (math.log(math.cos(0.5 * self.beta)) - log_cosh)

    def _raw_cumulants(self) -> tuple[float, float, float]:
        a, b, d = self.alpha, self.beta, self.delta
        c = math.cos(0.5 * b)
        return (a * d * math.tan(0.5 * b), a * a * d / (2.0 * c * c),
                a**4 * d * (2.0 - math.cos(b)) / (4.0 * c**4))

    def levy_density(self, x: ArrayLike) -> NDArray[np.float64]:
        """k(x) = 2 delta exp((beta x - pi |x|) / alpha) / (|x| (1 - exp(-2 pi |x| / alpha))),
        the same as delta exp(beta x / alpha) / (x sinh(pi x / alpha)) without overflow."""
        xx = np.asarray(x, dtype=np.float64)
        ax = np.abs(xx)
        r = math.pi * ax / self.alpha
        with np.errstate(divide="ignore", invalid="ignore"):
            k = (2.0 * self.delta * np.exp(self.beta * xx / self.alpha - r)
                 / (ax * -np.expm1(-2.0 * r)))
        return np.where(ax > 0.0, k, 0.0)
