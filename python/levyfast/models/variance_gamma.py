"""Variance Gamma model of Madan, Carr & Chang (1998)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import Interval
from .base import LevyModel

__all__ = ["VarianceGamma"]


@dataclass(frozen=True, slots=True)
class VarianceGamma(LevyModel):
    """Brownian motion with drift ``theta`` and volatility ``sigma`` run on a gamma clock of
    variance rate ``nu`` (Madan, Carr & Chang 1998, Eur. Finance Rev. 2, eq. 7):

        psi_raw(u) = -(1/nu) ln(1 - i u theta nu + sigma^2 nu u^2 / 2).

    E[S_T] exists iff 1 - theta nu - sigma^2 nu / 2 > 0.
    """

    sigma: float
    nu: float
    theta: float

    MODEL_ID: ClassVar[int] = 1
    PARAM_NAMES: ClassVar[tuple[str, ...]] = ("sigma", "nu", "theta")
    BOUNDS: ClassVar[dict[str, Interval]] = {
        "sigma": Interval(0.0),
        "nu": Interval(0.0),
        "theta": Interval(),
    }
    NAME: ClassVar[str | None] = "vg"
    EXAMPLE: ClassVar[tuple[float, ...] | None] = (0.2, 0.3, -0.15)
    DEFAULT_START: ClassVar[tuple[float, ...] | None] = (0.2, 0.2, -0.1)
    SEARCH_BOX: ClassVar[tuple[tuple[float, float], ...] | None] = (
        (0.02, 1.0), (0.01, 2.0), (-1.0, 0.5))
    # 1 - theta nu - sigma^2 nu / 2 >= 1 - 0.1 - 0.125 = 0.775 on the whole sampling box.
    SAMPLING_BOX: ClassVar[dict[str, tuple[float, float]] | None] = {
        "sigma": (0.05, 0.5),
        "nu": (0.05, 1.0),
        "theta": (-0.5, 0.1),
    }

    def _check_cross_constraints(self) -> None:
        v = 1.0 - self.theta * self.nu - 0.5 * self.sigma * self.sigma * self.nu  # no OverflowError
        if not v > 0.0:
            self._raise_cross("1 - theta*nu - sigma**2*nu/2 > 0", v)

    def _raw_exponent(self, u: NDArray[np.complex128]) -> NDArray[np.complex128]:
        s2, nu, th = self.sigma**2, self.nu, self.theta
        # ln(1 + z) by log1p of |1 + z|^2 - 1, exact as nu -> 0 (the Black-Scholes limit)
        z = nu * (-1j * u * th + 0.5 * s2 * u * u)
        x, y = z.real, z.imag
        return -(0.5 * np.log1p(x * (2.0 + x) + y * y) + 1j * np.arctan2(y, 1.0 + x)) / nu

    def _raw_cumulants(self) -> tuple[float, float, float]:
        s2, nu, th = self.sigma**2, self.nu, self.theta
        c4 = 3.0 * (s2 * s2 * nu + 2.0 * th**4 * nu**3 + 4.0 * s2 * th * th * nu * nu)
        return (th, s2 + nu * th * th, c4)

    def levy_density(self, x: ArrayLike) -> NDArray[np.float64]:
        """k(x) = exp(theta x / sigma^2 - sqrt(2/nu + theta^2/sigma^2) |x| / sigma) / (nu |x|)."""
        xx = np.asarray(x, dtype=np.float64)
        s2 = self.sigma**2
        rate = np.sqrt(2.0 / self.nu + self.theta**2 / s2) / self.sigma
        ax = np.abs(xx)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.exp(self.theta * xx / s2 - rate * ax) / (self.nu * ax)
        return np.where(ax > 0.0, k, 0.0)
