"""Quote screens of an option chain: each removed quote gets a reason, none is dropped silently.

Before the forwards are known (:func:`screen_quotes`): no price, zero bid (no buyer: the value
is only bounded above), crossed (bid > ask) or locked (bid = ask) markets, and stale prices
(a last-trade price with no volume that day). After (:func:`screen_arbitrage`), per expiry
and option type, the static no-arbitrage conditions of European options that even the bid/ask
interval cannot satisfy (Carr & Madan 2005, "A note on sufficient conditions for no arbitrage",
Finance Research Letters 2): ``D max(F - K, 0) <= C <= D F`` (puts: ``D max(K - F, 0) <= P
<= D K``), prices monotone in strike with slope at most ``D`` in magnitude, and convex in
strike. Conflicting quotes are removed one at a time, the quote in most violations first (the
middle quote of a violated butterfly counting twice).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["screen_quotes", "screen_arbitrage"]


def screen_quotes(frame: pd.DataFrame) -> pd.Series:
    """A reason per row ("" = kept) from the quote itself."""
    reason = pd.Series("", index=frame.index, dtype=object)
    bid, ask = frame["bid"].to_numpy(), frame["ask"].to_numpy()
    both = np.isfinite(bid) & np.isfinite(ask)
    rules = (
        (~np.isfinite(frame["price"].to_numpy()), "no price"),
        (both & (bid > ask), "crossed (bid > ask)"),
        (both & (bid == ask) & (bid > 0), "locked (bid = ask)"),
        (both & (bid <= 0), "zero bid"),
        ((frame["price_source"] == "last").to_numpy()
         & ((frame["volume"].to_numpy() == 0) | (frame["price"].to_numpy() <= 0)),
         "stale (last trade with no volume)"),
        ((frame["price_source"] != "bid/ask").to_numpy() & (frame["price"].to_numpy() <= 0),
         "zero price"),
    )
    for bad, why in rules:
        reason[(reason == "") & bad] = why
    return reason


def _violations(strikes: NDArray[np.float64], lo: NDArray[np.float64],
                hi: NDArray[np.float64], discount: float, is_call: bool,
                eps: float) -> NDArray[np.int64]:
    """Per quote, the number of monotonicity, slope and convexity conditions it is in that
    no price inside the bid/ask intervals satisfies (adjacent strikes and triples)."""
    n = strikes.size
    count = np.zeros(n, dtype=np.int64)
    if n < 2:
        return count
    dk = np.diff(strikes)
    # calls decrease in K, puts increase; |slope| <= D
    if is_call:
        mono = lo[1:] > hi[:-1] + eps
        slope = lo[:-1] - hi[1:] > discount * dk + eps
    else:
        mono = lo[:-1] > hi[1:] + eps
        slope = lo[1:] - hi[:-1] > discount * dk + eps
    for bad in (mono, slope):
        count[:-1] += bad
        count[1:] += bad
    if n >= 3:
        lam = dk[1:] / (dk[:-1] + dk[1:])  # weight of the left strike in the middle one
        convex = lo[1:-1] > lam * hi[:-2] + (1.0 - lam) * hi[2:] + eps
        count[:-2] += convex
        count[1:-1] += 2 * convex  # the middle quote is the usual culprit of a butterfly
        count[2:] += convex
    return count


def screen_arbitrage(strikes: NDArray[np.float64], bid: NDArray[np.float64],
                     ask: NDArray[np.float64], price: NDArray[np.float64], is_call: bool,
                     forward: float, discount: float) -> NDArray[np.object_]:
    """A reason per quote ("" = kept) for one expiry and option type (strikes increasing)."""
    has_spread = np.isfinite(bid) & np.isfinite(ask)
    lo = np.where(has_spread, bid, price)
    hi = np.where(has_spread, ask, price)
    eps = 1e-9 * forward
    intrinsic = discount * np.maximum(forward - strikes if is_call else strikes - forward, 0.0)
    upper = discount * (forward if is_call else strikes)
    reason = np.full(strikes.size, "", dtype=object)
    reason[hi < intrinsic - eps] = "arbitrage: below the intrinsic value D max(F - K, 0)" \
        if is_call else "arbitrage: below the intrinsic value D max(K - F, 0)"
    reason[lo > upper + eps] = "arbitrage: above the upper bound D F" if is_call \
        else "arbitrage: above the upper bound D K"
    alive = np.flatnonzero(reason == "")
    while alive.size >= 2:
        count = _violations(strikes[alive], lo[alive], hi[alive], discount, is_call, eps)
        if not count.any():
            break
        # most violations first; among equals the widest quote (the least informative)
        width = (hi - lo)[alive]
        worst = int(np.lexsort((-width, -count))[0])
        reason[alive[worst]] = "arbitrage: not monotone or convex in strike"
        alive = np.delete(alive, worst)
    return reason
