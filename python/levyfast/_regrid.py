"""Mapping of call quotes on an arbitrary strike x maturity grid onto a calibrator's grid.

Interpolation, never extrapolation (DESIGN.md §5: no silent fallbacks):

1. in strike, per quoted maturity: monotone cubic Hermite (PCHIP, Fritsch & Carlson 1980,
   SIAM J. Numer. Anal. 17) of the call price against the strike, which keeps the
   interpolated prices monotone in strike like the quotes;
2. in maturity, per target strike: linear interpolation of the time value
   ``C - max(S0 e^{-qT} - K e^{-rT}, 0)`` against ``sqrt(T)`` (the time value of an at-the-money
   option grows like ``sqrt(T)`` to first order, so this is exact for that leading term).

Missing quotes (NaN) are skipped; a target point that cannot be reached raises ``ValueError``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.interpolate import PchipInterpolator

from .market import Market

__all__ = ["regrid"]


def _intrinsic(market: Market, strikes: NDArray[np.float64], t: float) -> NDArray[np.float64]:
    return np.maximum(market.spot * np.exp(-market.dividend * t)
                      - strikes * np.exp(-market.rate * t), 0.0)


def regrid(owner: str, prices: NDArray[np.float64], market: Market,
           strikes: NDArray[np.float64], maturities: NDArray[np.float64],
           target_strikes: NDArray[np.float64],
           target_maturities: NDArray[np.float64]) -> NDArray[np.float64]:
    """Call prices ``[n_T', n_K']`` on the target grid (absolute strikes) from quotes
    ``prices [n_T, n_K]`` on ``strikes`` x ``maturities`` (both increasing)."""
    if np.any(np.diff(strikes) <= 0) or np.any(np.diff(maturities) <= 0):
        raise ValueError(f"`strikes` and `maturities` of {owner} must be strictly increasing "
                         "to map quotes onto the network's grid")
    tol = 1e-9
    k_lo, k_hi = target_strikes[0], target_strikes[-1]
    t_lo, t_hi = target_maturities[0], target_maturities[-1]
    if (strikes[0] > k_lo * (1 + tol) or strikes[-1] < k_hi * (1 - tol)
            or maturities[0] > t_lo * (1 + tol) or maturities[-1] < t_hi * (1 - tol)):
        raise ValueError(
            f"quotes passed to {owner} cover K/S0 in [{strikes[0] / market.spot:g}, "
            f"{strikes[-1] / market.spot:g}] and T in [{maturities[0]:g}, {maturities[-1]:g}]; "
            f"the network's grid needs K/S0 in [{k_lo / market.spot:g}, {k_hi / market.spot:g}]"
            f" and T in [{t_lo:g}, {t_hi:g}] (quotes are interpolated, never extrapolated)")
    k_clip = np.clip(target_strikes, strikes[0], strikes[-1])
    in_strike = np.full((len(maturities), len(target_strikes)), np.nan)
    for i, row in enumerate(prices):
        ok = np.isfinite(row)
        ks = strikes[ok]
        if ok.sum() >= 2 and ks[0] <= k_lo * (1 + tol) and ks[-1] >= k_hi * (1 - tol):
            in_strike[i] = PchipInterpolator(ks, row[ok])(k_clip)
    out = np.empty((len(target_maturities), len(target_strikes)))
    root_t = np.sqrt(maturities)
    tv = in_strike - np.stack([_intrinsic(market, k_clip, t) for t in maturities])
    for j in range(len(target_strikes)):
        ok = np.isfinite(tv[:, j])
        if ok.sum() < 2 or maturities[ok][0] > t_lo * (1 + tol) or \
                maturities[ok][-1] < t_hi * (1 - tol):
            raise ValueError(
                f"quotes passed to {owner} leave too many gaps to interpolate strike "
                f"K/S0 = {target_strikes[j] / market.spot:g} over T in [{t_lo:g}, {t_hi:g}]")
        values = np.interp(np.sqrt(target_maturities), root_t[ok], tv[ok, j])
        out[:, j] = values + np.array([_intrinsic(market, k_clip[j:j + 1], t)[0]
                                       for t in target_maturities])
    return out
