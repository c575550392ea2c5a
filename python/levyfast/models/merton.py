"""Merton (1976) jump diffusion: Brownian motion plus compound Poisson normal jumps."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import Interval
from .base import LevyModel, cexpm1

__all__ = ["Merton"]


@dataclass(frozen=True, slots=True)
class Merton(LevyModel):
    """Merton (1976, J. Financ. Econ. 3): log-jumps N(mu_j, sigma_j^2) at rate ``lam``,

        psi_raw(u) = -sigma^2 u^2 / 2 + lam (exp(i u mu_j - sigma_j^2 u^2 / 2) - 1).
    """

    sigma: float
    lam: float
    mu_j: float
    sigma_j: float

    MODEL_ID: ClassVar[int] = 4
    PARAM_NAMES: ClassVar[tuple[str, ...]] = ("sigma", "lam", "mu_j", "sigma_j")
    BOUNDS: ClassVar[dict[str, Interval]] = {
        "sigma": Interval(0.0),
        "lam": Interval(0.0, closed_low=True),
        "mu_j": Interval(),
        "sigma_j": Interval(0.0),
    }
    NAME: ClassVar[str | None] = "merton"
    EXAMPLE: ClassVar[tuple[float, ...] | None] = (0.15, 0.1, -0.9, 0.45)
    DEFAULT_START: ClassVar[tuple[float, ...] | None] = (0.2, 0.5, -0.1, 0.2)
    SEARCH_BOX: ClassVar[tuple[tuple[float, float], ...] | None] = (
        (0.02, 1.0), (0.0, 5.0), (-1.0, 0.5), (0.02, 1.0))
    SAMPLING_BOX: ClassVar[dict[str, tuple[float, float]] | None] = {
        "sigma": (0.05, 0.5),
        "lam": (0.0, 2.0),
        "mu_j": (-0.5, 0.2),
        "sigma_j": (0.01, 0.5),
    }

    def _raw_exponent(self, u: NDArray[np.complex128]) -> NDArray[np.complex128]:
        # e^z - 1 by cexpm1: many tiny jumps (lam huge, sigma_j tiny) carry a variance
        # lam sigma_j^2 that exp(z) - 1 rounds away
        jump = cexpm1(1j * u * self.mu_j - 0.5 * self.sigma_j**2 * u * u)
        return -0.5 * self.sigma**2 * u * u + self.lam * jump

    def _raw_cumulants(self) -> tuple[float, float, float]:
        m, s2, lam = self.mu_j, self.sigma_j**2, self.lam
        return (
            lam * m,
            self.sigma**2 + lam * (m * m + s2),
            lam * (m**4 + 6.0 * m * m * s2 + 3.0 * s2 * s2),
        )

    def levy_density(self, x: ArrayLike) -> NDArray[np.float64]:
        xx = np.asarray(x, dtype=np.float64)
        z = (xx - self.mu_j) / self.sigma_j
        return self.lam * np.exp(-0.5 * z * z) / (self.sigma_j * math.sqrt(2.0 * math.pi))
