"""Static-arbitrage and quality checks of call-price surfaces (one Numba kernel per surface, run
serially for a few surfaces and threaded over many, with the package's JIT policy of
:mod:`levyfast._numba.jit`).

For a call price ``C(K, T)`` with spot ``S0``, discount factors ``D_r = exp(-r T)``,
``D_q = exp(-q T)`` and forward ``F = S0 exp((r - q) T)``, a surface free of static arbitrage
satisfies (Carr & Madan 2005, "A note on sufficient conditions for no arbitrage", Finance
Research Letters 2; Roper 2010):

* ``finite``        every quote is a finite number (NaN marks a missing quote, see below);
* ``lower_bound``   ``C >= max(S0 D_q - K D_r, 0)``;
* ``upper_bound``   ``C <= S0 D_q``;
* ``monotone``      ``C`` is non-increasing in ``K``;
* ``slope_bound``   ``-dC/dK <= D_r`` (a call spread costs at most its discounted payoff);
* ``convex``        ``C`` is convex in ``K`` (butterflies cost >= 0);
* ``calendar``      ``c(m, T) = C / (S0 D_q)`` is non-decreasing in ``T`` at fixed forward
                    moneyness ``m = K / F`` (convex order of the martingale ``S_T / F_T``).

Every inequality is tested with a tolerance: ``atol`` is the absolute accuracy of a quote as a
fraction of spot, and an inequality combining ``j`` quotes may be violated by ``j * atol``
(2 for differences, 2 for convexity with weights summing to 1). The calendar check compares
``c(., T_i)`` at the moneyness points of ``T_i`` with an *upper bound* of ``c(., T_{i+1})``:
its linear interpolation (a chord of a convex function lies above it), ``c(m_min) + m_min - m``
left of the grid (slope >= -1) and ``c(m_max)`` right of it (non-increasing). So it flags only
genuine arbitrage, never an artefact of interpolation.

Missing quotes (NaN) are counted by ``finite`` and skipped by the other checks, which then use
the neighbouring quotes that exist: the function applies to market data with holes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._numba.jit import kernel, parallel_kernel
from .._validation import Interval, check_array, check_choice, check_scalar

__all__ = ["CHECKS", "CheckResult", "check_surface", "FRAMES"]

CHECKS = ("finite", "lower_bound", "upper_bound", "monotone", "slope_bound", "convex",
          "calendar")
#: ``"strike"``: strikes are K / S0; ``"forward"``: strikes are K / F_T.
FRAMES = ("strike", "forward")
#: Fewest surfaces checked by the threaded kernel: below, waking the thread pool costs more
#: than the checks (~3 us per surface), and on a busy machine a single surface then waited
#: milliseconds for the pool (the calibration service assesses one surface per request).
PARALLEL_MIN_SURFACES = 64


@dataclass(frozen=True)
class CheckResult:
    """Which surface failed which check: ``flags[i, c]`` is True when surface ``i`` fails
    ``CHECKS[c]``."""

    flags: NDArray[np.bool_]

    @property
    def failed(self) -> NDArray[np.bool_]:
        """Surfaces failing at least one check, ``[n]``."""
        return np.asarray(self.flags.any(axis=1))

    @property
    def counts(self) -> dict[str, int]:
        """Number of failing surfaces per check."""
        return {name: int(self.flags[:, c].sum()) for c, name in enumerate(CHECKS)}

    @property
    def ok(self) -> bool:
        return not bool(self.flags.any())

    def __str__(self) -> str:
        failing = {k: v for k, v in self.counts.items() if v}
        n = self.flags.shape[0]
        suffix = f": {failing}" if failing else ""
        return f"{n} surfaces, {int(self.failed.sum())} failing{suffix}"


def check_surface(
    prices: ArrayLike,
    strikes: ArrayLike,
    maturities: ArrayLike,
    *,
    rates: ArrayLike = 0.0,
    dividends: ArrayLike = 0.0,
    spot: float = 1.0,
    frame: str = "strike",
    atol: float = 1e-6,
) -> CheckResult:
    """Check call-price surfaces ``[n, n_T, n_K]`` (or one ``[n_T, n_K]``) for static arbitrage.

    Parameters
    ----------
    prices
        Call prices in the units of ``spot`` (NaN = missing quote).
    strikes
        Strictly increasing strikes ``[n_K]`` (or ``[n_T, n_K]``, one row per maturity), in
        the units of ``spot`` when ``frame="strike"``, as ``K / F_T`` when ``frame="forward"``.
    maturities
        Strictly increasing maturities ``[n_T]`` in years.
    rates, dividends
        Continuously compounded rate and dividend yield: scalars or one per surface ``[n]``.
    atol
        Accuracy of a quote as a fraction of spot (default 1e-6, the core's promise).
    """
    owner = "check_surface"
    check_scalar(owner, "spot", spot, Interval(0.0))
    check_scalar(owner, "atol", atol, Interval(0.0, closed_low=True))
    check_choice(owner, "frame", frame, FRAMES)
    try:
        c = np.asarray(prices, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`prices` of {owner} must be an array of real numbers; "
                        f"got {prices!r}") from exc
    single = c.ndim == 2
    c = np.ascontiguousarray(c[None] if single else c) / spot
    if c.ndim != 3:
        raise ValueError(f"`prices` of {owner} must have shape [n_T, n_K] or [n, n_T, n_K]; "
                         f"got {np.shape(prices)}")
    n, n_t, n_k = c.shape
    t = check_array(owner, "maturities", maturities, Interval(0.0))
    k = check_array(owner, "strikes", strikes, Interval(0.0), ndim=(1, 2))
    if frame == "strike":
        k = k / spot
    k = np.array(np.broadcast_to(k, (n_t, k.shape[-1])), dtype=np.float64, order="C")
    if t.shape != (n_t,) or k.shape != (n_t, n_k):
        raise ValueError(f"`prices` of {owner} has shape {c.shape[1:]} per surface but the grid "
                         f"is {t.shape[0]} maturities x {k.shape[-1]} strikes")
    if np.any(np.diff(t) <= 0.0) or np.any(np.diff(k, axis=1) <= 0.0):
        raise ValueError(f"`strikes` and `maturities` of {owner} must be strictly increasing")
    r = _per_surface(owner, "rates", rates, n)
    q = _per_surface(owner, "dividends", dividends, n)
    flags = np.zeros((n, len(CHECKS)), dtype=np.bool_)
    run = _check_parallel if n >= PARALLEL_MIN_SURFACES else _check_serial
    run(c, k, frame == "forward", t, r, q, float(atol), flags)
    return CheckResult(flags[0:1] if single else flags)


def _per_surface(owner: str, name: str, value: ArrayLike, n: int) -> NDArray[np.float64]:
    arr = check_array(owner, name, np.atleast_1d(value), Interval())
    if arr.shape == (1,):
        return np.full(n, arr[0])
    if arr.shape != (n,):
        raise ValueError(f"`{name}` of {owner} must be a scalar or have shape [{n}]; "
                         f"got {arr.shape}")
    return arr


@kernel
def _check_one(c, i, base, forward_frame, mats, rates, divs, atol, flags):
    """The checks of surface ``i``: sets row ``i`` of ``flags``."""
    _, n_t, n_k = c.shape
    strikes = np.empty(n_k)
    m_next = np.empty(n_k)
    c_next = np.empty(n_k)
    for it in range(n_t):
        g = np.exp((rates[i] - divs[i]) * mats[it])
        dr = np.exp(-rates[i] * mats[it])
        dq = np.exp(-divs[i] * mats[it])
        for j in range(n_k):
            strikes[j] = base[it, j] * g if forward_frame else base[it, j]
        prev = -1
        prev2 = -1
        for j in range(n_k):
            x = c[i, it, j]
            if not np.isfinite(x):
                flags[i, 0] = True
                continue
            if x < max(dq - strikes[j] * dr, 0.0) - atol:
                flags[i, 1] = True
            if x > dq + atol:
                flags[i, 2] = True
            if prev >= 0:
                dk = strikes[j] - strikes[prev]
                if x > c[i, it, prev] + 2.0 * atol:
                    flags[i, 3] = True
                if c[i, it, prev] - x > dr * dk + 2.0 * atol:
                    flags[i, 4] = True
                if prev2 >= 0:
                    lam = dk / (strikes[j] - strikes[prev2])
                    chord = lam * c[i, it, prev2] + (1.0 - lam) * x
                    if c[i, it, prev] > chord + 2.0 * atol:
                        flags[i, 5] = True
            prev2 = prev
            prev = j
        if it + 1 == n_t:
            continue
        # calendar: c(m, T_it) <= upper bound of c(m, T_it+1), both normalised by S0 D_q
        g2 = np.exp((rates[i] - divs[i]) * mats[it + 1])
        dq2 = np.exp(-divs[i] * mats[it + 1])
        cnt = 0
        for j in range(n_k):
            y = c[i, it + 1, j]
            if np.isfinite(y):
                m_next[cnt] = base[it + 1, j] if forward_frame else base[it + 1, j] / g2
                c_next[cnt] = y / dq2
                cnt += 1
        if cnt == 0:
            continue
        tol = atol / dq + atol / dq2
        for j in range(n_k):
            x = c[i, it, j]
            if not np.isfinite(x):
                continue
            m = strikes[j] / g
            if m <= m_next[0]:
                bound = c_next[0] + (m_next[0] - m)
            elif m >= m_next[cnt - 1]:
                bound = c_next[cnt - 1]
            else:
                h = 1
                while m_next[h] < m:
                    h += 1
                w = (m - m_next[h - 1]) / (m_next[h] - m_next[h - 1])
                bound = (1.0 - w) * c_next[h - 1] + w * c_next[h]
            if x / dq > bound + tol:
                flags[i, 6] = True


@kernel
def _check_serial(c, base, forward_frame, mats, rates, divs, atol, flags):
    for i in range(c.shape[0]):
        _check_one(c, i, base, forward_frame, mats, rates, divs, atol, flags)


@parallel_kernel
def _check_parallel(c, base, forward_frame, mats, rates, divs, atol, flags):
    for i in numba.prange(c.shape[0]):  # surfaces are independent: each writes its own row
        _check_one(c, i, base, forward_frame, mats, rates, divs, atol, flags)
