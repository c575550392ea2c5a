"""Forward and discount factor of one expiry from put–call parity.

European parity ``C(K) - P(K) = D (F - K)`` makes the call-minus-put mid a straight line in
the strike with slope ``-D`` and root ``F``. It is fitted by weighted least squares over
the call/put pairs nearest the money (weights ``1 / (spread_C + spread_P)^2`` where bid/ask
exist), iteratively reweighted with Huber weights (Huber 1964, Ann. Math. Statist. 35) so that
a stale or mis-keyed pair cannot move the line; the pairs are the ``max_pairs`` strikes
nearest the first estimate of the forward (where ``C - P`` changes sign), within
``|ln(K / F)| <= window``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["ParityFit", "fit_parity", "forward_given_discount"]

_HUBER_K = 1.345  # 95% efficiency at the normal


@dataclass(frozen=True)
class ParityFit:
    """Result of :func:`fit_parity` for one expiry."""

    forward: float
    discount: float
    n_pairs: int
    rms: float            # weighted-fit residual RMS of C - P (price units)
    discount_se: float    # standard error of the discount factor (NaN with < 3 pairs)


def _first_forward(strikes: NDArray[np.float64], diff: NDArray[np.float64]) -> float:
    """Where ``C - P`` changes sign (linear interpolation), else the strike of the smallest
    ``|C - P|``."""
    sign = np.sign(diff)
    change = np.flatnonzero(sign[:-1] * sign[1:] < 0)
    if change.size:
        # the crossing closest to the smallest |C - P|
        j = int(change[np.argmin(np.abs(diff[change]))])
        k0, k1, d0, d1 = strikes[j], strikes[j + 1], diff[j], diff[j + 1]
        return float(k0 + (k1 - k0) * d0 / (d0 - d1))
    return float(strikes[np.argmin(np.abs(diff))])


def _weighted_line(k: NDArray[np.float64], y: NDArray[np.float64],
                   w: NDArray[np.float64]) -> tuple[float, float, NDArray[np.float64]]:
    """Weighted least squares ``y = a + b k`` (weights ``w`` on squared residuals)."""
    sw = np.sqrt(w)
    design = np.column_stack([sw, sw * k])
    coef, *_ = np.linalg.lstsq(design, sw * y, rcond=None)
    a, b = float(coef[0]), float(coef[1])
    return a, b, y - (a + b * k)


def fit_parity(strikes: NDArray[np.float64], call_minus_put: NDArray[np.float64],
               pair_spread: NDArray[np.float64] | None, maturity: float, *,
               max_pairs: int = 40, window: float = 0.3) -> ParityFit | None:
    """Fit ``C - P = D (F - K)`` on pairs at ``strikes`` (increasing); None with < 2 pairs
    near the money. ``pair_spread`` is ``spread_C + spread_P`` per pair (None: equal weights);
    ``window`` is scaled by ``sqrt(T)`` for maturities beyond one year."""
    if strikes.size < 2:
        return None
    f0 = _first_forward(strikes, call_minus_put)
    width = window * max(1.0, math.sqrt(maturity))
    near = np.abs(np.log(strikes / f0)) <= width
    order = np.argsort(np.abs(np.log(strikes / f0)))
    chosen = np.zeros(strikes.size, dtype=bool)
    chosen[order[:max_pairs]] = True
    chosen &= near
    if chosen.sum() < 2:
        return None
    k, y = strikes[chosen], call_minus_put[chosen]
    if pair_spread is None:
        base = np.ones(k.size)
    else:
        s = pair_spread[chosen]
        floor = max(float(np.median(s)) * 0.1, 1e-12)
        base = 1.0 / np.maximum(s, floor) ** 2
    w = base.copy()
    a = b = 0.0
    resid = np.zeros_like(y)
    for _ in range(20):
        a, b, resid = _weighted_line(k, y, w)
        scale = 1.4826 * float(np.median(np.abs(resid * np.sqrt(base))))
        if k.size < 4 or scale <= 0.0:
            break
        u = np.abs(resid * np.sqrt(base)) / (_HUBER_K * scale)
        w_new = base * np.where(u <= 1.0, 1.0, 1.0 / np.maximum(u, 1e-300))
        if np.allclose(w_new, w, rtol=1e-10, atol=0.0):
            break
        w = w_new
    discount = -b
    if not (discount > 0.0 and math.isfinite(discount)):
        return None
    forward = a / discount
    if not (forward > 0.0 and math.isfinite(forward)):
        return None
    rms = float(np.sqrt(np.sum(w * resid**2) / np.sum(w)))
    se = math.nan
    if k.size >= 3:
        kw = np.sqrt(w) * (k - np.sum(w * k) / np.sum(w))
        denom = float(kw @ kw)
        dof_var = float(np.sum(w * resid**2)) / (k.size - 2)
        se = math.sqrt(dof_var / denom) if denom > 0 else math.nan
    return ParityFit(forward, discount, int(k.size), rms, se)


def forward_given_discount(strikes: NDArray[np.float64], call_minus_put: NDArray[np.float64],
                           discount: float) -> float:
    """``F = median(K + (C - P) / D)`` over the pairs nearest the money (up to 10)."""
    f0 = _first_forward(strikes, call_minus_put) if strikes.size > 1 else float(strikes[0])
    order = np.argsort(np.abs(np.log(strikes / f0)))[:10]
    return float(np.median(strikes[order] + call_minus_put[order] / discount))
