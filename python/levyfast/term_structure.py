"""Forwards and discount factors per expiry: the market of a real option chain.

A European option of expiry ``T`` depends on the market only through the forward ``F(T)``
and the discount factor ``D(T)``: ``C = D(T) E[(F(T) e^{X_T} - K)^+]`` with ``E[e^{X_T}] = 1``.
:class:`TermStructure` holds them at node maturities and is accepted wherever a flat
:class:`~levyfast.Market` is (``price``, ``price_batch``, ``price_and_grad``, ``greeks``,
``implied_vol``, the calibrators): each maturity is priced with the flat market of the same
forward and discount, ``r(T) = -ln D(T) / T`` and ``q(T) = r(T) - ln(F(T) / S0) / T``.

Between nodes ``ln D`` and ``ln F`` are linear in ``T`` (piecewise-flat forward rates and
carry), from ``(0, ln S0)`` and ``(0, 0)`` before the first node; beyond the last node the
zero rate and carry of the last node continue.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import Interval, check_array, check_choice, check_scalar
from .market import Market

__all__ = ["TermStructure", "year_fraction", "DAY_COUNTS", "over_maturities"]

#: Day counts of :func:`year_fraction`: actual time (to the second) over 365 or 360 days.
DAY_COUNTS = {"ACT/365": 365.0, "ACT/360": 360.0}
_POSITIVE = Interval(0.0)
_OWNER = "TermStructure"


def year_fraction(start: Any, end: Any, day_count: str = "ACT/365") -> float:
    """Years from ``start`` to ``end`` (dates, datetimes or ISO strings; times of day count,
    so expiries of hours work): actual seconds / 86400 / 365 (``"ACT/365"``, fixed, the
    default) or / 360 (``"ACT/360"``)."""
    days = check_choice("year_fraction", "day_count", day_count, tuple(DAY_COUNTS))
    a, b = _as_datetime("start", start), _as_datetime("end", end)
    if (a.tzinfo is None) != (b.tzinfo is None):
        raise ValueError("`start` and `end` of year_fraction must both carry a time zone or "
                         f"both be naive; got {start!r} and {end!r}")
    return (b - a).total_seconds() / 86400.0 / DAY_COUNTS[days]


def _as_datetime(name: str, value: Any) -> _dt.datetime:
    if isinstance(value, _dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value
    if isinstance(value, _dt.date):
        return _dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return _dt.datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    if hasattr(value, "to_pydatetime"):  # pandas.Timestamp
        return _as_datetime(name, value.to_pydatetime())
    if isinstance(value, np.datetime64):
        return _as_datetime(name, value.astype("datetime64[us]").item())
    raise TypeError(f"`{name}` of year_fraction must be a date, a datetime or an ISO date string; "
                    f"got {value!r}")


@dataclass(frozen=True)
class TermStructure:
    """Spot and, per node maturity (years, increasing), the forward and discount factor.

    Build it from forwards and discounts (e.g. put–call parity estimates of an option
    chain, see :class:`levyfast.OptionChain`), with :meth:`from_rates` from zero-rate and
    dividend-yield curves, or with :meth:`flat` from a :class:`~levyfast.Market`.
    """

    spot: float
    maturities: NDArray[np.float64]
    forwards: NDArray[np.float64]
    discounts: NDArray[np.float64]

    def __post_init__(self) -> None:
        spot = check_scalar(_OWNER, "spot", self.spot, _POSITIVE)
        t = check_array(_OWNER, "maturities", self.maturities, _POSITIVE)
        f = check_array(_OWNER, "forwards", self.forwards, _POSITIVE)
        d = check_array(_OWNER, "discounts", self.discounts, _POSITIVE)
        if not f.shape == d.shape == t.shape:
            raise ValueError(f"`maturities`, `forwards` and `discounts` of {_OWNER} must have the "
                             f"same length; got {t.size}, {f.size} and {d.size}")
        if t.size > 1 and np.any(np.diff(t) <= 0.0):
            i = int(np.argmax(np.diff(t) <= 0.0))
            raise ValueError(f"`maturities` of {_OWNER} must be strictly increasing; got "
                             f"{float(t[i])!r} then {float(t[i + 1])!r} at index {i + 1}")
        object.__setattr__(self, "spot", spot)
        for name, arr in (("maturities", t), ("forwards", f), ("discounts", d)):
            arr = arr.copy()
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)

    # -- constructors ------------------------------------------------------------------------
    @classmethod
    def flat(cls, market: Market, maturities: ArrayLike = (1.0,)) -> TermStructure:
        """The term structure of a flat market (its rate and dividend yield at every T)."""
        t = check_array(f"{_OWNER}.flat", "maturities", maturities, _POSITIVE)
        return cls(market.spot, t, market.spot * np.exp((market.rate - market.dividend) * t),
                   np.exp(-market.rate * t))

    @classmethod
    def from_rates(cls, spot: float, maturities: ArrayLike, rates: ArrayLike,
                   dividends: ArrayLike | float = 0.0) -> TermStructure:
        """From continuously compounded zero rates and dividend yields per maturity."""
        owner = f"{_OWNER}.from_rates"
        t = check_array(owner, "maturities", maturities, _POSITIVE)
        r = check_array(owner, "rates", _per_maturity(owner, "rates", rates, t), Interval())
        q = check_array(owner, "dividends", _per_maturity(owner, "dividends", dividends, t),
                        Interval())
        spot = check_scalar(owner, "spot", spot, _POSITIVE)
        return cls(spot, t, spot * np.exp((r - q) * t), np.exp(-r * t))

    # -- curve -------------------------------------------------------------------------------
    def rate(self, maturity: float) -> float:
        """Zero rate ``-ln D(T) / T``."""
        return -self._log_interp(maturity, np.log(self.discounts)) / maturity

    def carry(self, maturity: float) -> float:
        """``ln(F(T) / S0) / T`` (rate minus dividend yield)."""
        return self._log_interp(maturity, np.log(self.forwards / self.spot)) / maturity

    def forward(self, maturity: float) -> float:
        return self.spot * math.exp(self.carry(maturity) * maturity)

    def discount(self, maturity: float) -> float:
        return math.exp(-self.rate(maturity) * maturity)

    def market_at(self, maturity: float) -> Market:
        """The flat market with this maturity's forward and discount factor."""
        r = self.rate(maturity)
        return Market(self.spot, r, r - self.carry(maturity))

    def _log_interp(self, maturity: float, values: NDArray[np.float64]) -> float:
        """``values`` (a log quantity at the nodes, 0 at T = 0) at ``maturity``."""
        t = check_scalar(_OWNER, "maturity", maturity, _POSITIVE)
        nodes = self.maturities
        if t <= nodes[0]:
            return float(values[0] * t / nodes[0])
        if t >= nodes[-1]:
            return float(values[-1] * t / nodes[-1])
        return float(np.interp(t, nodes, values))


def _per_maturity(owner: str, name: str, values: ArrayLike,
                  maturities: NDArray[np.float64]) -> NDArray[np.float64]:
    if np.ndim(values) == 0:
        return np.full(maturities.shape, values, dtype=np.float64)
    if np.shape(values) != maturities.shape:
        raise ValueError(f"`{name}` of {owner} must be a scalar or one value per maturity "
                         f"(shape {maturities.shape}); got shape {np.shape(values)}")
    return np.asarray(values, dtype=np.float64)


T = TypeVar("T")


def over_maturities(owner: str, market: TermStructure, strikes: ArrayLike,
                    maturities: ArrayLike,
                    price_one: Callable[[int, Market, NDArray[np.float64]], T],
                    batch: bool = False) -> T:
    """Results of ``price_one(i, flat market of maturity i, [T_i])`` joined along the
    maturity axis (at -2, or -1 for a scalar strike); a scalar maturity drops that axis.
    ``batch``: results are always ``[..., n_T, n_K]`` (the batch entry points squeeze nothing).

    ``price_one`` returns an array or a tuple of arrays whose maturity axis has length 1."""
    t = check_array(owner, "maturities", np.atleast_1d(maturities), _POSITIVE)
    if np.ndim(maturities) > 1:
        raise ValueError(f"`maturities` of {owner} must be a scalar or 1-d; got shape "
                         f"{np.shape(maturities)}")
    axis = -2 if batch or np.ndim(strikes) else -1
    parts = [price_one(i, market.market_at(float(ti)), t[i:i + 1]) for i, ti in enumerate(t)]
    scalar = np.ndim(maturities) == 0 and not batch

    def join(pieces: Sequence[Any]) -> Any:
        out = np.concatenate([np.asarray(p) for p in pieces], axis=axis)
        if scalar:
            out = np.squeeze(out, axis=axis)
            return float(out) if out.ndim == 0 else out
        return out

    if isinstance(parts[0], tuple):
        return tuple(join([p[j] for p in parts]) for j in range(len(parts[0])))  # type: ignore
    return join(parts)
