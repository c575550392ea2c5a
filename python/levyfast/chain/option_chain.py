"""An option chain: quotes of many expiries and strikes, cleaned, with forwards and implied vols.

Example (the shared S&P 500 chain of 24 January 2011, CBOE delayed quotes; see
``examples/data/README.md``)::

    chain = levyfast.OptionChain.from_csv("spx_20110124.csv", spot=1290.59)
    chain.expiries          # forward, discount factor, rates and ATM vol per expiry
    chain.cleaning_summary  # how many quotes each screen removed
    chain.otm_quotes()      # the out-of-the-money quotes a calibration uses

Forwards and discount factors come from put–call parity per expiry
(:func:`levyfast.chain.parity.fit_parity`) unless a ``market`` or a ``rate`` is given. A
discount factor whose implied zero rate is uncertain by more than ``max_rate_se`` (short
expiries, few pairs) is replaced by the zero rate interpolated (linearly in T, flat beyond the
ends) between the well-determined expiries, and that expiry's forward is re-estimated with it;
an expiry without call/put pairs gets its rate and log-forward interpolated the same way. The
``expiries`` table says which source each value has.
"""

from __future__ import annotations

import logging
import math
import os
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._validation import Interval, check_choice, check_scalar
from ..implied_vol import black_implied_vol
from ..market import Market
from ..models.base import LevyModel
from ..pricers.european import price
from ..term_structure import TermStructure
from .cleaning import screen_arbitrage, screen_quotes
from .columns import normalise
from .parity import ParityFit, fit_parity, forward_given_discount

__all__ = ["OptionChain"]

log = logging.getLogger(__name__)
_OWNER = "OptionChain"
PRICE_UNITS = ("auto", "currency", "underlying")
OK = "ok"


class OptionChain:
    """Quotes of one underlying at one time: validated, cleaned, with forwards and IVs.

    Parameters
    ----------
    data
        One row per quote; columns as in :mod:`levyfast.chain.columns` (e.g. ``quote_date,
        expiry, strike, option_type, bid, ask``, or ``T`` in years, or settlement prices).
    spot
        Spot price. Default: the median of an ``underlying`` column, else the forward of the
        shortest expiry (the spot only splits each expiry's carry into rate and dividend
        yield; no price depends on it).
    quote_date, day_count
        Turn ``expiry`` into years when there is no ``T`` column: actual time over 365
        (``"ACT/365"``, default) or 360 days; times of day count.
    market
        Known forwards and discounts (a ``Market`` or a ``TermStructure``): no inference.
    rate
        A known flat zero rate: discount factors ``exp(-rate T)``, forwards from parity.
    price_unit
        ``"currency"``, ``"underlying"`` (prices quoted in units of the ``underlying``
        column, as crypto venues do; converted to currency) or ``"auto"`` (underlying when an
        underlying is given and the median price is below 1e-3 of its median: no chain quoted
        in currency is that cheap).
    max_rate_se
        Largest standard error (in rate units) of a parity-implied zero rate that is kept.
    """

    def __init__(self, data: pd.DataFrame, *, spot: float | None = None,
                 quote_date: Any = None, day_count: str = "ACT/365",
                 market: Market | TermStructure | None = None, rate: float | None = None,
                 price_unit: str = "auto", max_rate_se: float = 0.005) -> None:
        check_choice(_OWNER, "price_unit", price_unit, PRICE_UNITS)
        check_scalar(_OWNER, "max_rate_se", max_rate_se, Interval(0.0))
        if market is not None and not isinstance(market, (Market, TermStructure)):
            raise TypeError(f"`market` of {_OWNER} must be a levyfast.Market or TermStructure; "
                            f"got {type(market).__name__}")
        if market is not None and rate is not None:
            raise ValueError(f"`market` and `rate` of {_OWNER} cannot both be given")
        if rate is not None:
            rate = check_scalar(_OWNER, "rate", rate, Interval(-1.0, 1.0))
        if spot is not None:
            spot = check_scalar(_OWNER, "spot", spot, Interval(0.0))
        frame = normalise(data, quote_date=quote_date, day_count=day_count)
        self.notes: list[str] = []
        self._convert_units(frame, price_unit)
        frame["status"] = screen_quotes(frame).replace("", OK)
        _mark_duplicates(frame)
        usable = frame["status"] == OK
        if not usable.any():
            counts = frame["status"].value_counts().to_dict()
            raise ValueError(f"{_OWNER} has no usable quote: every row was screened out "
                             f"({counts})")
        if spot is None and np.isfinite(frame["underlying"]).any():
            spot = float(np.nanmedian(frame["underlying"]))
        expiries = _expiry_table(frame)
        if market is not None:
            if spot is None:
                spot = market.spot
            for label, row in expiries.iterrows():
                m = market if isinstance(market, Market) else market.market_at(row["T"])
                expiries.loc[label, "forward"] = m.spot * math.exp((m.rate - m.dividend) * row["T"])
                expiries.loc[label, "discount"] = math.exp(-m.rate * row["T"])
            expiries["forward_source"] = expiries["discount_source"] = "given"
        else:
            _infer_forwards(frame, expiries, rate, max_rate_se)
            if spot is None:
                spot = float(expiries["forward"].iloc[0])
                self.notes.append(f"spot not given: set to the forward of the shortest expiry "
                                  f"({spot:.6g})")
            _fill_missing(expiries, spot)
        self.spot = float(spot)
        for col in ("forward", "discount"):
            frame[col] = frame["expiry"].map(expiries[col]).astype(float)
        _screen_arbitrage(frame)
        _implied_vols(frame)
        frame["otm"] = np.where(frame["kind"] == "call", frame["strike"] >= frame["forward"],
                                frame["strike"] < frame["forward"])
        expiries["rate"] = -np.log(expiries["discount"]) / expiries["T"]
        expiries["carry"] = np.log(expiries["forward"] / self.spot) / expiries["T"]
        expiries["n_quotes"] = frame[frame["status"] == OK].groupby("expiry").size().reindex(
            expiries.index, fill_value=0)
        expiries["atm_vol"] = [_atm_vol(frame, label) for label in expiries.index]
        self.quotes: pd.DataFrame = frame
        self.expiries: pd.DataFrame = expiries
        self.term_structure = TermStructure(self.spot, expiries["T"].to_numpy(),
                                            expiries["forward"].to_numpy(),
                                            expiries["discount"].to_numpy())
        if not (self._otm_mask()).any():
            raise ValueError(f"{_OWNER} has no usable out-of-the-money quote with an implied "
                             f"volatility ({self.cleaning_summary.to_dict()})")

    # -- constructors ------------------------------------------------------------------------
    @classmethod
    def from_csv(cls, path: str | os.PathLike[str], **kwargs: Any) -> OptionChain:
        """Read a CSV file (see the class docstring for the columns and keyword arguments)."""
        try:
            data = pd.read_csv(path)
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError,
                UnicodeDecodeError) as exc:
            raise ValueError(f"{_OWNER}.from_csv cannot read {str(path)!r}: {exc}") from exc
        return cls(data, **kwargs)

    @classmethod
    def from_frame(cls, data: pd.DataFrame, **kwargs: Any) -> OptionChain:
        return cls(data, **kwargs)

    # -- views -------------------------------------------------------------------------------
    @property
    def removed(self) -> pd.DataFrame:
        """The quotes the screens removed, with the reason in ``status``."""
        return self.quotes[self.quotes["status"] != OK]

    @property
    def cleaning_summary(self) -> pd.Series:
        """Number of quotes per status ("ok" and each removal reason)."""
        return self.quotes["status"].value_counts()

    def _otm_mask(self) -> NDArray[np.bool_]:
        q = self.quotes
        return ((q["status"] == OK) & q["otm"] & np.isfinite(q["iv"])).to_numpy()

    def otm_quotes(self) -> pd.DataFrame:
        """The usable out-of-the-money quotes (calls at K >= F, puts at K < F) with an implied
        volatility, sorted by maturity and strike: what a calibration fits (a copy; the
        selection is computed once per ``quotes`` table)."""
        source, selected = getattr(self, "_otm_cache", (None, None))
        if source is not self.quotes or selected is None:
            selected = self.quotes[self._otm_mask()].sort_values(["T", "strike"])
            self._otm_cache = (self.quotes, selected)
        return selected.copy()

    def model_iv(self, model: LevyModel) -> NDArray[np.float64]:
        """Black implied vols of ``model``'s prices at the quotes of :meth:`otm_quotes` (same
        order; NaN where the model price has none)."""
        q = self.otm_quotes()
        out = np.full(len(q), math.nan)
        for (t, kind), group in q.groupby(["T", "kind"]):
            pos = q.index.get_indexer(group.index)
            strikes = group["strike"].to_numpy()
            p = np.asarray(price(model, self.term_structure, strikes, float(t), str(kind)))
            out[pos] = black_implied_vol(p, group["forward"].to_numpy(), strikes, float(t),
                                         group["discount"].to_numpy(), str(kind))
        return out

    @property
    def has_spreads(self) -> bool:
        q = self.otm_quotes()
        return bool(np.isfinite(q["bid"]).all() and np.isfinite(q["ask"]).all())

    def __repr__(self) -> str:
        n_ok = int((self.quotes["status"] == OK).sum())
        return (f"OptionChain({len(self.quotes)} quotes, {n_ok} usable, "
                f"{len(self.expiries)} expiries, T {self.expiries['T'].min():.4g}.."
                f"{self.expiries['T'].max():.4g}, spot {self.spot:.6g})")

    # -- construction steps -------------------------------------------------------------------
    def _convert_units(self, frame: pd.DataFrame, price_unit: str) -> None:
        under = frame["underlying"].to_numpy()
        if price_unit == "auto":
            prices = frame["price"].to_numpy()
            fractional = (np.isfinite(under).any() and np.isfinite(prices).any()
                          and np.nanmedian(prices) < 1e-3 * np.nanmedian(under))
            price_unit = "underlying" if fractional else "currency"
        if price_unit == "currency":
            return
        bad = ~(np.isfinite(under) & (under > 0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"price_unit='underlying' of {_OWNER} needs a positive "
                             f"`underlying` price in every row; got {under[i]!r} in row {i}")
        for col in ("bid", "ask", "price", "mid", "settlement", "last"):
            frame[col] = frame[col] * under
        self.notes.append("prices were quoted in units of the underlying: multiplied by the "
                          "`underlying` column")


def _mark_duplicates(frame: pd.DataFrame) -> None:
    ok = frame["status"] == OK
    dup = frame[ok].duplicated(subset=["expiry", "strike", "kind"], keep="first")
    frame.loc[dup[dup].index, "status"] = "duplicate (same expiry, strike and type)"


def _expiry_table(frame: pd.DataFrame) -> pd.DataFrame:
    groups = frame.groupby("expiry", sort=False)["T"]
    t = groups.first()
    spread = groups.max() - groups.min()
    if (spread > 1e-9 * np.maximum(t, 1.0)).any():
        label = str(spread.idxmax())
        raise ValueError(f"`T` of {_OWNER} must be the same for every quote of an expiry; "
                         f"expiry {label} has T from {groups.min()[label]!r} to "
                         f"{groups.max()[label]!r}")
    table = pd.DataFrame({"T": t}).sort_values("T")
    dup_t = table["T"].duplicated()
    if dup_t.any():
        raise ValueError(f"`expiry` of {_OWNER}: two expiries share T = "
                         f"{float(table['T'][dup_t].iloc[0])!r}")
    for col in ("forward", "discount", "parity_rms", "discount_se"):
        table[col] = math.nan
    table["n_pairs"] = 0
    table["forward_source"] = table["discount_source"] = ""
    return table


def _pairs(frame: pd.DataFrame, label: str) -> tuple[NDArray[np.float64], ...]:
    ok = frame[(frame["expiry"] == label) & (frame["status"] == OK)]
    calls = ok[ok["kind"] == "call"].set_index("strike")
    puts = ok[ok["kind"] == "put"].set_index("strike")
    common = np.array(sorted(set(calls.index) & set(puts.index)), dtype=np.float64)
    c, p = calls.loc[common], puts.loc[common]
    spread = (c["ask"] - c["bid"]).to_numpy() + (p["ask"] - p["bid"]).to_numpy()
    return common, (c["price"] - p["price"]).to_numpy(), spread


def _infer_forwards(frame: pd.DataFrame, table: pd.DataFrame, rate: float | None,
                    max_rate_se: float) -> None:
    """Forward and discount per expiry from parity (or with a known flat rate)."""
    fits: dict[str, ParityFit] = {}
    pairs = {label: _pairs(frame, str(label)) for label in table.index}
    for label, (k, diff, spread) in pairs.items():
        if k.size == 0:
            continue
        t = float(table.loc[label, "T"])
        if rate is not None:
            table.loc[label, "discount"] = math.exp(-rate * t)
            table.loc[label, "forward"] = forward_given_discount(k, diff, math.exp(-rate * t))
            table.loc[label, ["forward_source", "discount_source"]] = ("parity", "given rate")
            table.loc[label, "n_pairs"] = k.size
            continue
        fit = fit_parity(k, diff, spread if np.isfinite(spread).all() else None, t)
        if fit is None:
            continue
        fits[str(label)] = fit
        table.loc[label, ["forward", "discount", "parity_rms", "discount_se"]] = (
            fit.forward, fit.discount, fit.rms, fit.discount_se)
        table.loc[label, "n_pairs"] = fit.n_pairs
        table.loc[label, ["forward_source", "discount_source"]] = ("parity", "parity")
    if rate is None and not fits:
        raise ValueError(
            f"{_OWNER} cannot infer forwards and discount factors: no expiry has call and put "
            "quotes at two or more common strikes near the money; pass `market` (forwards and "
            "discounts) or `rate` with a spot")
    if rate is not None and not np.isfinite(table["forward"]).any():
        raise ValueError(f"{_OWNER} cannot infer forwards: no expiry has a call and a put at a "
                         "common strike; pass `market` with the forwards")
    if rate is None:
        rate_se = {lab: f.discount_se / (f.discount * table.loc[lab, "T"])
                   for lab, f in fits.items()}
        good = [lab for lab, se in rate_se.items() if math.isfinite(se) and se <= max_rate_se]
        if not good:  # nothing well determined: keep the best one as the level
            good = [min(rate_se, key=lambda lab: rate_se[lab]
                        if math.isfinite(rate_se[lab]) else math.inf)]
        t_good = table.loc[good, "T"].to_numpy()
        r_good = -np.log(table.loc[good, "discount"].to_numpy()) / t_good
        if np.any(np.abs(r_good) > 1.0):
            j = int(np.argmax(np.abs(r_good)))
            raise ValueError(
                f"{_OWNER}: put-call parity at expiry {good[j]} gives a discount factor "
                f"{float(table.loc[good[j], 'discount']):.6g}, a zero rate of {r_good[j]:.0%}: "
                "the call and put prices are not in the same units as the strikes (quoted in "
                "units of the underlying? pass price_unit='underlying' with an underlying "
                "column) or are not European")
        order = np.argsort(t_good)
        for label in table.index:
            if label in good or label not in fits:
                continue
            t = float(table.loc[label, "T"])
            r = float(np.interp(t, t_good[order], r_good[order]))
            k, diff, _ = pairs[label]
            discount = math.exp(-r * t)
            table.loc[label, "discount"] = discount
            table.loc[label, "forward"] = forward_given_discount(k, diff, discount)
            table.loc[label, "discount_source"] = "interpolated rate"


def _log_forward_at(t: float, t_known: NDArray[np.float64], lnf: NDArray[np.float64],
                    spot: float) -> float:
    """``ln F`` linear in T through the known expiries, continued along the nearest segment
    beyond the ends (a flat carry is exact); with one known expiry, its carry from the spot."""
    if t_known.size == 1:
        return float(lnf[0] + (lnf[0] - math.log(spot)) / t_known[0] * (t - t_known[0]))
    j = int(np.clip(np.searchsorted(t_known, t), 1, t_known.size - 1))
    slope = (lnf[j] - lnf[j - 1]) / (t_known[j] - t_known[j - 1])
    return float(lnf[j - 1] + slope * (t - t_known[j - 1]))


def _fill_missing(table: pd.DataFrame, spot: float) -> None:
    """Expiries without a parity fit: zero rate (constant beyond the ends) and ``ln F``
    interpolated linearly in T from the others (neither depends on the spot when two or more
    expiries have forwards)."""
    known = np.isfinite(table["forward"].to_numpy()) & np.isfinite(table["discount"].to_numpy())
    if known.all():
        return
    t_known = table["T"].to_numpy()[known]
    r_known = -np.log(table["discount"].to_numpy()[known]) / t_known
    lnf_known = np.log(table["forward"].to_numpy()[known])
    for label in table.index[~known]:
        t = float(table.loc[label, "T"])
        table.loc[label, "discount"] = math.exp(-float(np.interp(t, t_known, r_known)) * t)
        table.loc[label, "forward"] = math.exp(_log_forward_at(t, t_known, lnf_known, spot))
        table.loc[label, ["forward_source", "discount_source"]] = ("interpolated",
                                                                   "interpolated rate")


def _screen_arbitrage(frame: pd.DataFrame) -> None:
    for (_, kind), group in frame[frame["status"] == OK].groupby(["expiry", "kind"]):
        group = group.sort_values("strike")
        reasons = screen_arbitrage(
            group["strike"].to_numpy(), group["bid"].to_numpy(), group["ask"].to_numpy(),
            group["price"].to_numpy(), kind == "call", float(group["forward"].iloc[0]),
            float(group["discount"].iloc[0]))
        hit = reasons != ""
        frame.loc[group.index[hit], "status"] = reasons[hit]


def _implied_vols(frame: pd.DataFrame) -> None:
    for col, source in (("iv", "price"), ("iv_bid", "bid"), ("iv_ask", "ask")):
        frame[col] = math.nan
        for kind in ("call", "put"):
            rows = (frame["kind"] == kind) & np.isfinite(frame[source]) & (frame[source] > 0)
            if not rows.any():
                continue
            sub = frame[rows]
            frame.loc[rows, col] = black_implied_vol(
                sub[source].to_numpy(), sub["forward"].to_numpy(), sub["strike"].to_numpy(),
                sub["T"].to_numpy(), sub["discount"].to_numpy(), kind)


def _atm_vol(frame: pd.DataFrame, label: str) -> float:
    rows = frame[(frame["expiry"] == label) & (frame["status"] == OK) & np.isfinite(frame["iv"])]
    if rows.empty:
        return math.nan
    k = np.log(rows["strike"].to_numpy() / rows["forward"].to_numpy())
    return float(rows["iv"].to_numpy()[int(np.argmin(np.abs(k)))])

