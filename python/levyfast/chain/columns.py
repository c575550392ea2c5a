"""Reading an option chain: column names, types and row-level validation.

A chain is a table with one row per quote. Recognised columns (case-insensitive, first alias
found wins):

==============  ===========================================================================
canonical       aliases
==============  ===========================================================================
quote_date      quote_date, quote_datetime, date, trade_date, timestamp
expiry          expiry, expiration, expiration_date, expiry_date, maturity_date, exdate
T               T, tau, ttm, time_to_expiry, year_fraction
strike          strike, strike_price, k
option_type     option_type, type, cp, cp_flag, call_put, putcall, right
bid, ask        bid, bid_price, best_bid / ask, ask_price, best_ask, offer
mid             mid, mid_price
settlement      settlement, settle, settlement_price, mark, mark_price, close, price
last            last, last_price
underlying      underlying_price, underlying, spot, index_price
volume          volume
open_interest   open_interest, oi
instrument      instrument_name, instrument, symbol, option_symbol, contract, ticker
==============  ===========================================================================

Without ``strike``, ``option_type`` or ``expiry`` columns, they are read from an instrument
name: Deribit style ``BTC-27DEC24-60000-C`` (expiry at 08:00 UTC, as Deribit settles) or an
OCC option symbol ``SPXW  240119C04500000`` (root, YYMMDD, C/P, strike x 1000). Dates given as
numbers are Unix epochs in seconds, milliseconds, microseconds or nanoseconds (told apart by
magnitude), as exchange APIs write timestamps.

Maturities come from ``T`` when given, else from ``expiry - quote_date`` by the day count
(times of day count: an expiry of hours gets its fraction of a day). The quote's price is the
mid of ``bid``/``ask`` where both exist, else ``mid``, else ``settlement``, else ``last``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..term_structure import DAY_COUNTS

__all__ = ["normalise"]

_ALIASES: dict[str, tuple[str, ...]] = {
    "quote_date": ("quote_date", "quote_datetime", "date", "trade_date", "timestamp"),
    "expiry": ("expiry", "expiration", "expiration_date", "expiry_date", "maturity_date",
               "exdate"),
    "T": ("t", "tau", "ttm", "time_to_expiry", "year_fraction"),
    "strike": ("strike", "strike_price", "k"),
    "option_type": ("option_type", "type", "cp", "cp_flag", "call_put", "putcall", "right"),
    "bid": ("bid", "bid_price", "best_bid"),
    "ask": ("ask", "ask_price", "best_ask", "offer"),
    "mid": ("mid", "mid_price"),
    "settlement": ("settlement", "settle", "settlement_price", "mark", "mark_price", "close",
                   "price"),
    "last": ("last", "last_price"),
    "underlying": ("underlying_price", "underlying", "spot", "index_price"),
    "volume": ("volume",),
    "open_interest": ("open_interest", "oi"),
    "instrument": ("instrument_name", "instrument", "symbol", "option_symbol", "contract",
                   "ticker"),
}
_DERIBIT = re.compile(r"^[A-Z0-9_]+-(\d{1,2}[A-Z]{3}\d{2})-(\d+(?:\.\d+)?|\d+d\d+)-([CP])$")
_OCC = re.compile(r"^[A-Z0-9.]{1,6}\s*(\d{6})([CP])(\d{8})$")
#: Epoch units told apart by magnitude (a date after 1973 in each unit).
_EPOCH_UNITS = ((1e17, "ns"), (1e14, "us"), (1e11, "ms"), (0.0, "s"))
_KIND_WORDS = {"call": "call", "c": "call", "calls": "call", "put": "put", "p": "put",
               "puts": "put"}
_OWNER = "OptionChain"


def _pick(frame: pd.DataFrame) -> dict[str, str]:
    lower = {str(c).strip().lower(): c for c in frame.columns}
    found: dict[str, str] = {}
    for canonical, aliases in _ALIASES.items():
        for alias in aliases:
            if alias in lower:
                found[canonical] = lower[alias]
                break
    return found


def _row_label(frame: pd.DataFrame, i: int) -> str:
    row = frame.iloc[i]
    parts = [f"{k}={row[k]}" for k in ("expiry", "T", "strike", "kind") if k in frame]
    return f"row {i} ({', '.join(parts)})"


def _numeric(frame: pd.DataFrame, source: pd.DataFrame, name: str, column: str) -> None:
    """``frame[name]``: the real numbers of ``source[column]`` (empty or NA cells NaN);
    anything else, booleans and complex numbers included, is an error naming the row."""
    raw = source[column]
    if raw.dtype.kind in "bc":
        odd = pd.Series(True, index=raw.index)
    elif raw.dtype.kind == "O":
        odd = raw.map(lambda v: isinstance(v, (bool, np.bool_, complex, np.complexfloating)))
    else:
        odd = pd.Series(False, index=raw.index)
    if odd.any():
        i = int(np.flatnonzero(odd.to_numpy())[0])
        raise ValueError(f"column `{column}` of {_OWNER} must hold real numbers; got "
                         f"{raw.iloc[i]!r} in row {i}")
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & source[column].notna() & (source[column].astype(str).str.strip() != "")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(f"column `{column}` of {_OWNER} must hold numbers; got "
                         f"{source[column].iloc[i]!r} in row {i}")
    frame[name] = values.astype(np.float64)


def _dates(source: pd.DataFrame, column: str) -> pd.Series:
    values = source[column]
    try:
        if values.dtype.kind in "iuf":  # Unix epochs: the unit from the magnitude
            largest = float(np.nanmax(np.abs(values.to_numpy(dtype=np.float64))))
            unit = next(u for bound, u in _EPOCH_UNITS if largest >= bound)
            return pd.to_datetime(values, unit=unit)
        return pd.to_datetime(values, utc=False, format="mixed")
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(f"column `{column}` of {_OWNER} must hold dates or times; "
                         f"{exc}") from exc


def _from_instruments(source: pd.DataFrame, cols: dict[str, str]) -> pd.DataFrame:
    """``source`` with ``strike``, ``option_type`` and ``expiry`` read from its instrument
    names (Deribit or OCC style); the first name of neither style is an error naming it."""
    names = source[cols["instrument"]].astype(str).str.strip().str.upper()
    strikes, kinds, expiries = [], [], []
    for i, name in enumerate(names):
        if m := _DERIBIT.match(name):
            day = pd.to_datetime(m.group(1), format="%d%b%y")
            expiries.append(day + pd.Timedelta(hours=8))
            strikes.append(float(m.group(2).replace("D", ".")))
        elif m := _OCC.match(name):
            expiries.append(pd.to_datetime(m.group(1), format="%y%m%d"))
            strikes.append(int(m.group(3)) / 1000.0)
        else:
            raw = source[cols["instrument"]].iloc[i]
            raise ValueError(
                f"column `{cols['instrument']}` of {_OWNER} must hold option names like "
                f"BTC-27DEC24-60000-C (Deribit) or SPXW  240119C04500000 (OCC) when the chain "
                f"has no strike, type and expiry columns; got {raw!r} in row {i}")
        kinds.append("call" if (m.group(3) if m.re is _DERIBIT else m.group(2)) == "C" else "put")
    out = source.drop(columns=[cols[c] for c in ("strike", "option_type", "expiry")
                               if c in cols])
    return out.assign(strike=strikes, option_type=kinds, expiry=expiries)


def normalise(source: pd.DataFrame, *, quote_date: object = None,
              day_count: str = "ACT/365") -> pd.DataFrame:
    """The chain as a frame with canonical columns ``expiry, T, strike, kind, bid, ask,
    price, volume, open_interest, underlying`` (NaN where absent), one row per input row in
    input order; raises ``ValueError`` naming the first bad row or the missing column."""
    if not isinstance(source, pd.DataFrame):
        raise TypeError(f"`data` of {_OWNER} must be a pandas DataFrame (or a CSV path for "
                        f"from_csv); got {type(source).__name__}")
    if source.empty:
        raise ValueError(f"`data` of {_OWNER} has no rows")
    cols = _pick(source)
    if "instrument" in cols and not {"strike", "option_type", "expiry"} <= set(cols):
        source = _from_instruments(source, cols)
        cols = _pick(source)
    for needed in ("strike", "option_type"):
        if needed not in cols:
            raise ValueError(f"{_OWNER} needs a `{needed}` column (aliases: "
                             f"{', '.join(_ALIASES[needed])}); got columns {list(source.columns)}")
    if not ({"bid", "ask"} <= set(cols) or {"mid", "settlement", "last"} & set(cols)):
        raise ValueError(f"{_OWNER} needs prices: `bid` and `ask`, or one of `mid`, "
                         f"`settlement`, `last`; got columns {list(source.columns)}")
    if "T" not in cols and "expiry" not in cols:
        raise ValueError(f"{_OWNER} needs a maturity: a `T` column (years) or an `expiry` "
                         f"column with a quote date; got columns {list(source.columns)}")
    if day_count not in DAY_COUNTS:
        raise ValueError(f"`day_count` of {_OWNER} must be one of {tuple(DAY_COUNTS)}; "
                         f"got {day_count!r}")

    out = pd.DataFrame(index=pd.RangeIndex(len(source)))
    for name in ("strike", "bid", "ask", "mid", "settlement", "last", "volume",
                 "open_interest", "underlying", "T"):
        if name in cols:
            _numeric(out, source.reset_index(drop=True), name, cols[name])
        else:
            out[name] = np.nan
    src = source.reset_index(drop=True)
    kinds = src[cols["option_type"]].astype(str).str.strip().str.lower().map(_KIND_WORDS)
    if kinds.isna().any():
        i = int(np.flatnonzero(kinds.isna().to_numpy())[0])
        raise ValueError(f"`{cols['option_type']}` of {_OWNER} must be call or put (C/P); got "
                         f"{src[cols['option_type']].iloc[i]!r} in row {i}")
    out["kind"] = kinds.to_numpy()

    if "expiry" in cols:
        expiry = _dates(src, cols["expiry"])
        out["expiry"] = expiry.dt.strftime("%Y-%m-%d %H:%M:%S").str.replace(" 00:00:00", "")
    else:
        out["expiry"] = out["T"].map(lambda t: f"T={t:.6g}")
    if "T" not in cols:
        if quote_date is not None:
            start = pd.Series(pd.Timestamp(quote_date), index=out.index)
        elif "quote_date" in cols:
            start = _dates(src, cols["quote_date"])
        else:
            raise ValueError(f"{_OWNER} needs a quote date to turn `expiry` into years: a "
                             "`quote_date` column or the quote_date argument")
        try:
            seconds = (expiry - start).dt.total_seconds().to_numpy()
        except TypeError as exc:
            raise ValueError(f"`expiry` and the quote date of {_OWNER} must both carry a time "
                             f"zone or both be naive: {exc}") from exc
        except (ValueError, OverflowError) as exc:  # e.g. a date beyond the year 2262
            raise ValueError(f"`expiry` minus the quote date of {_OWNER} is out of range: "
                             f"{exc}") from exc
        out["T"] = seconds / 86400.0 / DAY_COUNTS[day_count]

    bid, ask = out["bid"].to_numpy(), out["ask"].to_numpy()
    both = np.isfinite(bid) & np.isfinite(ask)
    price = np.where(both, 0.5 * (bid + ask), np.nan)
    for fallback in ("mid", "settlement", "last"):
        price = np.where(np.isfinite(price), price, out[fallback].to_numpy())
    out["price"] = price
    out["price_source"] = np.where(both, "bid/ask", "")
    for fallback in ("mid", "settlement", "last"):
        use = (out["price_source"] == "") & np.isfinite(out[fallback].to_numpy())
        out.loc[use, "price_source"] = fallback
    _check_rows(out)
    return out


def _check_rows(frame: pd.DataFrame) -> None:
    """Errors that no cleaning can repair: a wrong number, not a questionable quote."""
    checks = (
        ("strike", lambda s: np.isfinite(s) & (s > 0), "a positive finite number"),
        ("T", lambda s: np.isfinite(s) & (s > 0),
         "positive (the expiry must lie after the quote date)"),
        ("bid", lambda s: ~np.isfinite(s) | (s >= 0), ">= 0 (prices are not negative)"),
        ("ask", lambda s: ~np.isfinite(s) | (s >= 0), ">= 0 (prices are not negative)"),
        ("price", lambda s: ~np.isfinite(s) | (s >= 0), ">= 0 (prices are not negative)"),
    )
    for name, ok, rule in checks:
        values = frame[name].to_numpy()
        bad = ~ok(values)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"`{name}` of {_OWNER} must be {rule}; got {values[i]!r} in "
                             f"{_row_label(frame, i)} ({int(bad.sum())} such rows)")
    if not np.isfinite(frame["price"].to_numpy()).any():
        raise ValueError(f"{_OWNER} has no price in any row (bid/ask, mid, settlement and last "
                         "are all missing)")
