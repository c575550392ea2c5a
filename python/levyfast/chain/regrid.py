"""An option chain's quotes on a neural calibrator's fixed K/S0 x T grid, through implied vols.

Exponential Lévy prices depend on the market only through each maturity's forward and
discount factor, so the grid is filled under one flat market ``(S0, r, q)`` (any choice is
exact; ``r`` and ``q`` are the chain's zero rate and rate minus carry at the middle grid
maturity, held inside the network's training ranges): grid point ``(K_j, T_i)`` gets the Black
price at its forward log-moneyness ``k = ln(K_j / F_flat(T_i))`` of the chain's implied vol at
that ``k`` and ``T_i``. That vol is interpolated, never extrapolated: linearly in ``k`` across
each expiry's out-of-the-money quotes, then linearly in total variance ``sigma^2 T`` between the
two expiries that bracket ``T_i`` (an expiry equal to ``T_i`` is used alone). A grid point
outside the quotes' reach is missing (NaN), which the network accepts up to its
``max_missing_fraction``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from ..implied_vol import black_price
from ..market import Market
from .option_chain import OptionChain

__all__ = ["chain_on_grid"]


def _smiles(chain: OptionChain) -> list[tuple[float, NDArray[np.float64], NDArray[np.float64]]]:
    """(T, sorted k, IV) per expiry with at least two out-of-the-money quotes."""
    q = chain.otm_quotes()
    out = []
    for t, group in q.groupby("T"):
        k = np.log(group["strike"].to_numpy() / group["forward"].to_numpy())
        order = np.argsort(k)
        if k.size >= 2:
            out.append((float(t), k[order], group["iv"].to_numpy()[order]))
    return out


def _vol_at(smile: tuple[float, NDArray[np.float64], NDArray[np.float64]], k: float) -> float:
    _, ks, iv = smile
    if not ks[0] <= k <= ks[-1]:
        return math.nan
    return float(np.interp(k, ks, iv))


def chain_on_grid(chain: OptionChain, strikes_over_spot: NDArray[np.float64],
                  maturities: NDArray[np.float64], rate_range: tuple[float, float],
                  dividend_range: tuple[float, float]) -> tuple[NDArray[np.float64], Market]:
    """Call prices ``[n_T, n_K]`` (NaN = out of the quotes' reach) on the grid
    ``strikes_over_spot * S0`` x ``maturities`` and the flat market they are priced under."""
    ts = chain.term_structure
    t_mid = float(np.median(maturities))
    rate = min(max(ts.rate(t_mid), rate_range[0]), rate_range[1])
    dividend = min(max(rate - ts.carry(t_mid), dividend_range[0]), dividend_range[1])
    market = Market(chain.spot, rate, dividend)
    smiles = _smiles(chain)
    times = np.array([s[0] for s in smiles])
    strikes = strikes_over_spot * chain.spot
    out = np.full((maturities.size, strikes.size), math.nan)
    for i, t in enumerate(maturities):
        forward = chain.spot * math.exp((rate - dividend) * t)
        ks = np.log(strikes / forward)
        exact = np.flatnonzero(np.isclose(times, t, rtol=1e-9, atol=0.0))
        if exact.size:
            vols = np.array([_vol_at(smiles[int(exact[0])], k) for k in ks])
        else:
            hi = int(np.searchsorted(times, t))
            if hi == 0 or hi == times.size:
                continue  # beyond the chain's expiries: no extrapolation
            (t0, *_), (t1, *_) = smiles[hi - 1], smiles[hi]
            w = (t - t0) / (t1 - t0)
            v0 = np.array([_vol_at(smiles[hi - 1], k) for k in ks])
            v1 = np.array([_vol_at(smiles[hi], k) for k in ks])
            variance = ((1.0 - w) * v0**2 * t0 + w * v1**2 * t1) / t
            vols = np.sqrt(np.where(variance >= 0.0, variance, math.nan))
        ok = np.isfinite(vols)
        if ok.any():
            out[i, ok] = black_price(forward, strikes[ok], t, vols[ok],
                                     math.exp(-rate * t), "call")
    return out, market
