"""CGMY model of Carr, Geman, Madan & Yor (2002), with an optional diffusion part."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import Interval
from .base import LevyModel, cexpm1

__all__ = ["CGMY"]

# Below this distance from Y = 0 or Y = 1 the removable singularity of Gamma(-Y) * B(Y)
# is evaluated by its first-order Taylor expansion (error O(dY^2) < 1e-12 relative).
_LIMIT_EPS = 1e-6
_EULER_GAMMA = 0.5772156649015329


@dataclass(frozen=True, slots=True)
class CGMY(LevyModel):
    """Tempered stable jumps with Lévy density C exp(-G|x|)/|x|^(1+Y) (x<0),
    C exp(-M x)/x^(1+Y) (x>0), plus Brownian volatility ``sigma`` (Carr et al. 2002, J. Bus.
    75, Thm. 1):

        psi_raw(u) = C Gamma(-Y) [(M - iu)^Y - M^Y + (G + iu)^Y - G^Y] - sigma^2 u^2 / 2.

    The removable singularities are handled by their limits: Y -> 0 gives the VG-type
    exponent -C [ln(1 - iu/M) + ln(1 + iu/G)], Y -> 1 gives
    C [(M-iu) ln(M-iu) - M ln M + (G+iu) ln(G+iu) - G ln G]. E[S_T] exists iff M > 1.
    """

    C: float
    G: float
    M: float
    Y: float
    sigma: float = 0.0

    MODEL_ID: ClassVar[int] = 2
    PARAM_NAMES: ClassVar[tuple[str, ...]] = ("C", "G", "M", "Y", "sigma")
    BOUNDS: ClassVar[dict[str, Interval]] = {
        "C": Interval(0.0),
        "G": Interval(0.0),
        "M": Interval(1.0),
        "Y": Interval(0.0, 2.0, closed_low=True),
        "sigma": Interval(0.0, closed_low=True),
    }
    NAME: ClassVar[str | None] = "cgmy"
    EXAMPLE: ClassVar[tuple[float, ...] | None] = (1.0, 5.0, 5.0, 0.5, 0.0)
    DEFAULT_START: ClassVar[tuple[float, ...] | None] = (1.0, 5.0, 5.0, 0.7, 0.05)
    SEARCH_BOX: ClassVar[tuple[tuple[float, float], ...] | None] = (
        (0.05, 10.0), (0.5, 30.0), (1.5, 30.0), (0.0, 1.9), (0.0, 0.5))
    # Sampling Y >= 0.5 and C >= 0.2: below, |phi(u)| decays so slowly at T = 0.1 that COS
    # needs more than 2^16 terms for the default tolerance.
    SAMPLING_BOX: ClassVar[dict[str, tuple[float, float]] | None] = {
        "C": (0.2, 1.5),
        "G": (3.0, 15.0),
        "M": (5.0, 25.0),
        "Y": (0.5, 1.5),
        "sigma": (0.0, 0.0),
    }

    def _raw_exponent(self, u: NDArray[np.complex128]) -> NDArray[np.complex128]:
        C, G, M, Y = self.C, self.G, self.M, self.Y
        zm, zg = M - 1j * u, G + 1j * u
        if abs(Y) < _LIMIT_EPS:
            # Gamma(-Y) = -1/Y - gamma_E + O(Y);  B(Y) = Y B1 + Y^2 B2 / 2 + O(Y^3)
            lm, lg = np.log(zm / M), np.log(zg / G)
            b1 = lm + lg
            b2 = np.log(zm) ** 2 - math.log(M) ** 2 + np.log(zg) ** 2 - math.log(G) ** 2
            jumps = C * (-b1 - Y * (0.5 * b2 + _EULER_GAMMA * b1))
        elif abs(Y - 1.0) < _LIMIT_EPS:
            # Gamma(-Y) = 1/(Y-1) + (gamma_E - 1) + O(Y-1);  B(Y) = d B1 + d^2 B2 / 2 + O(d^3)
            d = Y - 1.0
            lzm, lzg = np.log(zm), np.log(zg)
            b1 = zm * lzm - M * math.log(M) + zg * lzg - G * math.log(G)
            b2 = zm * lzm**2 - M * math.log(M) ** 2 + zg * lzg**2 - G * math.log(G) ** 2
            jumps = C * (b1 + d * (0.5 * b2 + (_EULER_GAMMA - 1.0) * b1))
        elif abs(Y - 1.0) < 0.25:
            # zm + zg = M + G, so B = zm^Y - M^Y + zg^Y - G^Y is O(Y - 1) once written as
            # sum z expm1((Y-1) ln z); Gamma(-Y) = Gamma(2 - Y) / (Y (Y - 1)).
            d = Y - 1.0
            log_zm, log_zg = _clog(zm), _clog(zg)
            b = (zm * cexpm1(d * log_zm) - M * math.expm1(d * math.log(M))
                 + zg * cexpm1(d * log_zg) - G * math.expm1(d * math.log(G)))
            jumps = C * math.gamma(2.0 - Y) / (Y * d) * b
        else:
            # z^Y - Z^Y = Z^Y expm1(Y ln(z/Z)): no cancellation as Y -> 0.
            b = M**Y * cexpm1(Y * _clog(zm / M)) + G**Y * cexpm1(Y * _clog(zg / G))
            jumps = C * math.gamma(-Y) * b
        return jumps - 0.5 * self.sigma**2 * u * u

    def _raw_cumulants(self) -> tuple[float, float, float]:
        C, G, M, Y = self.C, self.G, self.M, self.Y
        if abs(Y - 1.0) < _LIMIT_EPS:
            c1 = C * math.log(G / M)
        else:
            c1 = C * math.gamma(1.0 - Y) * (M ** (Y - 1.0) - G ** (Y - 1.0))
        c2 = C * math.gamma(2.0 - Y) * (M ** (Y - 2.0) + G ** (Y - 2.0)) + self.sigma**2
        c4 = C * math.gamma(4.0 - Y) * (M ** (Y - 4.0) + G ** (Y - 4.0))
        return (c1, c2, c4)

    def levy_density(self, x: ArrayLike) -> NDArray[np.float64]:
        xx = np.asarray(x, dtype=np.float64)
        ax = np.abs(xx)
        rate = np.where(xx > 0.0, self.M, self.G)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = self.C * np.exp(-rate * ax) / ax ** (1.0 + self.Y)
        return np.where(ax > 0.0, k, 0.0)


def _clog(z: NDArray[np.complex128]) -> NDArray[np.complex128]:
    """Principal complex log (typed: NumPy's stubs give ``np.log`` a float result)."""
    return cast("NDArray[np.complex128]", np.log(z))
