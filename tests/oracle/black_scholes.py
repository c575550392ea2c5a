"""Closed-form Black–Scholes–Merton prices, accurate from deep in to deep out of the money.

The undiscounted Black (1976) call on a forward ``F`` with total standard deviation
``s = sigma sqrt(T)`` is

    c(F, K, s) = F N(d1) - K N(d2),   d1 = ln(F/K)/s + s/2,   d2 = d1 - s,

and the Black–Scholes–Merton price (Black & Scholes 1973; Merton 1973) of a European call with
spot ``S0``, rate ``r`` and dividend yield ``q`` is ``exp(-r T) c(S0 exp((r-q)T), K, s)``.

Numerical care
--------------
* Only the out-of-the-money side is evaluated by the formula; the in-the-money side follows from
  put–call parity ``c - p = F - K``, so its time value is never lost in a difference of large
  numbers. The out-of-the-money put is the call with ``F`` and ``K`` swapped,
  ``p(F, K, s) = c(K, F, s)``.
* When both ``d1`` and ``d2`` are negative (far out of the money) the call is written with
  Mills' ratio ``R(z) = N(-z)/phi(z) = sqrt(pi/2) erfcx(z/sqrt 2)`` and the identity
  ``F phi(d1) = K phi(d2)``:

      c = K phi(d2) [R(-d1) - R(-d2)],

  which neither underflows before the price itself does nor divides tiny tail probabilities.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import erfcx, ndtr

__all__ = ["bs_price", "black_forward_price", "check_kind"]

_SQRT_HALF_PI = math.sqrt(0.5 * math.pi)
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def check_kind(kind: str) -> str:
    """Return ``kind`` if it is ``"call"`` or ``"put"``, else raise ``ValueError``."""
    if kind not in ("call", "put"):
        raise ValueError(f"`kind` must be 'call' or 'put'; got {kind!r}")
    return kind


def _mills(z: NDArray[np.float64]) -> NDArray[np.float64]:
    """Mills' ratio R(z) = N(-z)/phi(z), for z >= 0 (no cancellation, no underflow)."""
    return _SQRT_HALF_PI * erfcx(z / math.sqrt(2.0))


def _otm_call(
    f: NDArray[np.float64], k: NDArray[np.float64], s: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Undiscounted Black call for ``k >= f`` (out of the money) and ``s > 0``."""
    d1 = np.log(f / k) / s + 0.5 * s
    d2 = d1 - s
    direct = f * ndtr(d1) - k * ndtr(d2)
    # Far wing (d1 < 0): c = K phi(d2) [R(-d1) - R(-d2)].
    neg = d1 < 0.0
    d1n = np.where(neg, d1, -1.0)
    d2n = np.where(neg, d2, -1.0)
    log_phi_d2 = -0.5 * d2n * d2n - _LOG_SQRT_2PI
    wing = k * np.exp(log_phi_d2) * (_mills(-d1n) - _mills(-d2n))
    return np.where(neg, wing, direct)


def black_forward_price(
    forward: ArrayLike, strike: ArrayLike, stdev: ArrayLike, kind: str
) -> NDArray[np.float64]:
    """Undiscounted Black (1976) price of a European option on a forward (broadcasting).

    Parameters
    ----------
    forward, strike : array_like
        Forward ``F > 0`` and strike ``K > 0``.
    stdev : array_like
        Total standard deviation ``s = sigma sqrt(T) >= 0`` of ``ln F_T``; ``s == 0`` gives
        the intrinsic value ``max(±(F - K), 0)``.
    kind : {"call", "put"}

    Returns
    -------
    ndarray
        ``E[(F_T - K)^+]`` or ``E[(K - F_T)^+]`` with ``ln F_T ~ N(ln F - s^2/2, s^2)``.

    Notes
    -----
    Out-of-the-money side by formula (Mills' ratio in the far wing), in-the-money side by
    put–call parity ``c - p = F - K``; see the module docstring.
    """
    check_kind(kind)
    f, k, s = np.broadcast_arrays(
        np.asarray(forward, dtype=np.float64),
        np.asarray(strike, dtype=np.float64),
        np.asarray(stdev, dtype=np.float64),
    )
    if np.any(~(f > 0.0)) or np.any(~(k > 0.0)) or np.any(~(s >= 0.0)):
        raise ValueError("black_forward_price needs forward > 0, strike > 0 and stdev >= 0")
    pos = s > 0.0
    s_safe = np.where(pos, s, 1.0)
    call_otm = k >= f
    # Out-of-the-money value: call if K >= F, else put = call with F and K swapped.
    lo = np.where(call_otm, f, k)
    hi = np.where(call_otm, k, f)
    otm = np.where(pos, _otm_call(lo, hi, s_safe), 0.0)
    call = np.where(call_otm, otm, otm + (f - k))
    put = np.where(call_otm, otm + (k - f), otm)
    return call if kind == "call" else put


def bs_price(
    spot: float,
    strikes: ArrayLike,
    maturities: ArrayLike,
    rate: float,
    dividend: float,
    sigma: float,
    kind: str,
) -> NDArray[np.float64]:
    """Black–Scholes–Merton price of European options on a strike × maturity grid.

    .. math::

        C = e^{-rT}\\,[F N(d_1) - K N(d_2)],\\quad F = S_0 e^{(r-q)T},\\quad
        d_{1,2} = \\frac{\\ln(F/K)}{\\sigma\\sqrt T} \\pm \\frac{\\sigma\\sqrt T}{2},

    and ``P = C - e^{-rT}(F - K)`` (Black & Scholes 1973; Merton 1973).

    Parameters
    ----------
    spot : float
        ``S0 > 0``.
    strikes, maturities : array_like
        1-D (or scalar) arrays of strikes ``K > 0`` and maturities ``T >= 0`` in years.
    rate, dividend : float
        Continuously compounded rate ``r`` and dividend yield ``q``.
    sigma : float
        Volatility ``sigma >= 0``.
    kind : {"call", "put"}

    Returns
    -------
    ndarray, shape (n_T, n_K)
    """
    k = np.atleast_1d(np.asarray(strikes, dtype=np.float64))
    t = np.atleast_1d(np.asarray(maturities, dtype=np.float64))
    if k.ndim != 1 or t.ndim != 1:
        raise ValueError("`strikes` and `maturities` must be scalars or 1-D arrays")
    if np.any(~(t >= 0.0)) or not sigma >= 0.0 or not spot > 0.0:
        raise ValueError("bs_price needs spot > 0, maturities >= 0 and sigma >= 0")
    tt = t[:, None]
    forward = spot * np.exp((rate - dividend) * tt)
    undiscounted = black_forward_price(forward, k[None, :], sigma * np.sqrt(tt), kind)
    return np.exp(-rate * tt) * undiscounted
