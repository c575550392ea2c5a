"""The quotes of one calibration, flattened: a rectangular surface or a scattered chain.

Every quote carries its strike, maturity (an index into the sorted distinct maturities), type,
price, bid/ask spread (if any) and weight; every maturity its flat market (the one of its
forward and discount factor). :meth:`QuoteSet.from_surface` reads a ``[n_T, n_K]`` surface
with one :class:`~levyfast.Market` or :class:`~levyfast.TermStructure`;
:meth:`QuoteSet.from_chain` the out-of-the-money quotes of an :class:`~levyfast.OptionChain`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import as_float64
from ..implied_vol import black_vega
from ..market import Market
from ..pricers._common import prepare_grid
from ..term_structure import TermStructure

if TYPE_CHECKING:
    from ..chain import OptionChain

__all__ = ["QuoteSet", "CHAIN_WEIGHTS"]

#: Weights of chain quotes: "uniform"; "spread": 1 / (ask - bid) (needs bid/ask; in implied
#: volatility 1 / (IV_ask - IV_bid)); "vega": in price, 1 / vega (price residuals become
#: first-order implied-vol residuals). Each is floored so that every weight is finite.
CHAIN_WEIGHTS = ("uniform", "spread", "vega")


@dataclass
class QuoteSet:
    """Flattened quotes ``[m]`` over distinct maturities ``[n_T]`` (see the module docstring)."""

    strikes: NDArray[np.float64]
    t_index: NDArray[np.intp]
    maturities: NDArray[np.float64]
    is_put: NDArray[np.bool_]
    quotes: NDArray[np.float64]
    spread: NDArray[np.float64] | None
    weights: NDArray[np.float64]
    markets: list[Market]
    spot: float
    n_dropped: int
    #: the whole set is one strike x maturity grid under one flat market: one core call
    grid_strikes: NDArray[np.float64] | None = None
    grid_index: NDArray[np.intp] | None = None  # flat position of each quote in that grid

    def __post_init__(self) -> None:
        t = self.maturities[self.t_index]
        fwd = np.array([m.spot * math.exp((m.rate - m.dividend) * ti)
                        for m, ti in zip(self.markets, self.maturities, strict=True)])
        disc = np.array([math.exp(-m.rate * ti)
                         for m, ti in zip(self.markets, self.maturities, strict=True)])
        self.quote_maturities = t
        self.forwards = fwd[self.t_index]
        self.discounts = disc[self.t_index]
        # per maturity: the quotes it prices (one core call each, puts and calls together)
        self.groups: list[tuple[int, NDArray[np.intp]]] = []
        for i in range(self.maturities.size):
            idx = np.flatnonzero(self.t_index == i)
            if idx.size:
                self.groups.append((i, idx))

    @property
    def size(self) -> int:
        return int(self.quotes.size)

    def label(self, j: int) -> str:
        kind = "put" if self.is_put[j] else "call"
        return f"T={float(self.quote_maturities[j])!r}, K={float(self.strikes[j])!r} ({kind})"

    # -- builders ----------------------------------------------------------------------------
    @classmethod
    def from_surface(cls, owner: str, prices: ArrayLike | None, market: Market | TermStructure,
                     strikes: ArrayLike, maturities: ArrayLike, weights: ArrayLike | None,
                     bid: ArrayLike | None, ask: ArrayLike | None, kind: str,
                     drop_arbitrage: bool) -> QuoteSet:
        """Quotes of a ``[n_T, n_K]`` surface (NaN = missing). With ``bid``/``ask`` the default
        weights are ``1 / (ask - bid)``. Quotes outside the static no-arbitrage bounds raise
        ``ValueError`` naming the first, or are dropped (``drop_arbitrage``)."""
        strikes = as_float64(owner, "strikes", strikes)  # ragged lists: a named TypeError
        maturities = as_float64(owner, "maturities", maturities)
        if strikes.ndim != 1 or maturities.ndim != 1:
            raise ValueError(
                f"`strikes` and `maturities` of {owner} must be one-dimensional; "
                f"got shapes {strikes.shape} and {maturities.shape}")
        grid = prepare_grid(owner, strikes, maturities)
        shape = (grid.maturities.size, grid.strikes.size)
        if (bid is None) != (ask is None):
            raise ValueError(f"`bid` and `ask` of {owner} must be given together; got only "
                             f"`{'bid' if ask is None else 'ask'}`")
        spread = None
        if bid is not None and ask is not None:
            b = _as_surface(owner, "bid", bid, shape)
            a = _as_surface(owner, "ask", ask, shape)
            both = np.isfinite(b) & np.isfinite(a)
            bad = both & ~((a >= b) & (b >= 0.0))
            if bad.any():
                i, j = (int(v) for v in np.argwhere(bad)[0])
                raise ValueError(
                    f"quotes of {owner} must satisfy 0 <= bid <= ask; got bid "
                    f"{float(b[i, j])!r}, ask {float(a[i, j])!r} at "
                    f"T={float(grid.maturities[i])!r}, K={float(grid.strikes[j])!r} "
                    f"(index {(i, j)})")
            q = 0.5 * (a + b) if prices is None else _as_surface(owner, "prices", prices, shape)
            q = np.where(both, q, math.nan)
            spread = np.where(both, a - b, math.nan)
            default_w = 1.0 / np.maximum(spread, 1e-8 * _spot(market))
        else:
            if prices is None:
                raise ValueError(f"`prices` of {owner} is required unless `bid` and `ask` are "
                                 "given")
            q = _as_surface(owner, "prices", prices, shape)
            default_w = np.ones(shape)
        if weights is None:
            w = np.where(np.isfinite(default_w), default_w, 0.0)
        else:
            w = _as_surface(owner, "weights", weights, shape)
            if np.isnan(w).any() or (w < 0.0).any():
                idx = tuple(int(i) for i in np.argwhere(np.isnan(w) | (w < 0.0))[0])
                raise ValueError(f"`weights` of {owner} must be finite and >= 0; got "
                                 f"{float(w[idx])!r} at index {idx}")
        mask = np.isfinite(q) & (w > 0.0)
        if not mask.any():
            raise ValueError(f"`prices` of {owner} has no quote to fit: every entry is NaN "
                             "(missing) or has zero weight")
        markets = [market if isinstance(market, Market) else market.market_at(float(t))
                   for t in grid.maturities]
        put = kind == "put"
        violating = mask & _outside_bounds(q, markets, grid.maturities, grid.strikes, put)
        n_dropped = int(violating.sum())
        if n_dropped and not drop_arbitrage:
            i, j = (int(v) for v in np.argwhere(violating)[0])
            low, high = _bounds(markets[i], float(grid.maturities[i]), float(grid.strikes[j]),
                                put)
            raise ValueError(
                f"quote of {owner} at T={float(grid.maturities[i])!r}, "
                f"K={float(grid.strikes[j])!r} (index {(i, j)}) violates the no-arbitrage "
                f"bounds of a European {kind}: {low!r} <= price <= {high!r}; got "
                f"{float(q[i, j])!r} ({n_dropped} such quotes; pass on_arbitrage='drop' to "
                "leave them out)")
        mask &= ~violating
        ti, kj = np.nonzero(mask)
        flat_market = isinstance(market, Market) and np.all(np.diff(grid.maturities) > 0)
        return cls(
            strikes=grid.strikes[kj], t_index=ti.astype(np.intp), maturities=grid.maturities,
            is_put=np.full(ti.size, put), quotes=q[mask],
            spread=None if spread is None else spread[mask], weights=w[mask], markets=markets,
            spot=_spot(market), n_dropped=n_dropped,
            grid_strikes=grid.strikes if flat_market else None,
            grid_index=(ti * shape[1] + kj).astype(np.intp) if flat_market else None)

    @classmethod
    def from_chain(cls, owner: str, chain: OptionChain, weights: str, target: str,
                   min_price: float) -> QuoteSet:
        """The chain's usable out-of-the-money quotes priced above ``min_price`` (a fraction
        of the forward), weighted by ``weights`` (see :data:`CHAIN_WEIGHTS`)."""
        q = chain.otm_quotes()
        q = q[q["price"] > min_price * q["forward"]]
        if q.empty:
            raise ValueError(f"{owner}: the chain has no out-of-the-money quote priced above "
                             f"{min_price:g} x forward")
        labels = list(chain.expiries.index)
        t_of = chain.expiries["T"]
        used = [lab for lab in labels if (q["expiry"] == lab).any()]
        maturities = t_of[used].to_numpy(dtype=np.float64)
        t_index = np.array([used.index(e) for e in q["expiry"]], dtype=np.intp)
        markets = [chain.term_structure.market_at(float(t)) for t in maturities]
        spread = (q["ask"] - q["bid"]).to_numpy(dtype=np.float64)
        has_spread = bool(np.isfinite(spread).all())
        if weights == "spread" and not has_spread:
            raise ValueError(f"weights='spread' of {owner} needs bid and ask for every quote; "
                             "the chain has quotes without them (use 'uniform' or 'vega')")
        w = np.ones(len(q))
        if weights == "spread":
            if target == "iv":
                iv_spread = (q["iv_ask"] - q["iv_bid"]).to_numpy(dtype=np.float64)
                # a bid below the intrinsic value has no IV: half the spread over vega instead
                vega = _black_vega(q)
                iv_spread = np.where(np.isfinite(iv_spread), iv_spread, spread / vega)
                w = 1.0 / np.maximum(iv_spread, 1e-4)
            else:
                w = 1.0 / np.maximum(spread, 1e-6 * q["forward"].to_numpy())
        elif weights == "vega" and target == "price":
            vega = _black_vega(q)
            w = 1.0 / np.maximum(vega, 1e-6 * float(vega.max()))
        return cls(
            strikes=q["strike"].to_numpy(dtype=np.float64), t_index=t_index,
            maturities=maturities, is_put=(q["kind"] == "put").to_numpy(),
            quotes=q["price"].to_numpy(dtype=np.float64),
            spread=spread if has_spread else None, weights=w, markets=markets,
            spot=chain.spot, n_dropped=0)


def _black_vega(q: Any) -> NDArray[np.float64]:
    """Black vega of chain quotes (a DataFrame of :meth:`OptionChain.otm_quotes`) at their
    implied vols."""
    return black_vega(*(q[c].to_numpy(dtype=np.float64)
                        for c in ("forward", "strike", "T", "iv", "discount")))


def _spot(market: Market | TermStructure) -> float:
    return float(market.spot)


def _bounds(m: Market, t: float, k: float, put: bool) -> tuple[float, float]:
    df0, dk = m.spot * math.exp(-m.dividend * t), k * math.exp(-m.rate * t)
    return (max(dk - df0, 0.0), dk) if put else (max(df0 - dk, 0.0), df0)


def _outside_bounds(q: NDArray[np.float64], markets: list[Market], maturities: NDArray[np.float64],
                    strikes: NDArray[np.float64], put: bool) -> NDArray[np.bool_]:
    out = np.zeros(q.shape, dtype=bool)
    for i, (m, t) in enumerate(zip(markets, maturities, strict=True)):
        df0 = m.spot * math.exp(-m.dividend * t)
        dk = strikes * math.exp(-m.rate * t)
        low = np.maximum(dk - df0, 0.0) if put else np.maximum(df0 - dk, 0.0)
        high = dk if put else np.full(strikes.size, df0)
        slack = 1e-12 * m.spot
        with np.errstate(invalid="ignore"):
            out[i] = (q[i] < low - slack) | (q[i] > high + slack)
    return out


def _as_surface(owner: str, name: str, value: ArrayLike,
                shape: tuple[int, int]) -> NDArray[np.float64]:
    arr = np.array(as_float64(owner, name, value), dtype=np.float64)
    if arr.shape != shape:
        raise ValueError(
            f"`{name}` of {owner} must have shape [n_T, n_K] = {list(shape)} matching "
            f"`maturities` and `strikes`; got {list(arr.shape)}")
    if np.isinf(arr).any():
        idx = tuple(int(i) for i in np.argwhere(np.isinf(arr))[0])
        raise ValueError(f"`{name}` of {owner} must be finite or NaN (missing); got inf at {idx}")
    return arr
