"""OptionChain: forwards and discount factors from put–call parity, cleaning, implied vols and
clear errors, on the shared real S&P 500 chain and on synthetic chains of known markets.

The real chain (``shared/market/spx_20110124.csv``, beside the repository) holds CBOE delayed
quotes of SPX options of 24 January 2011, rebuilt from ``examples/data/SPX-Options-24jan2011.csv``
of the public repository enthought/pyql (commit 6d0910e9); its sidecar ``spx_20110124.json``
holds independent per-expiry parity estimates (``parity_implied.by_expiry``) to check against.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import levyfast as lf
from levyfast.chain.cleaning import screen_arbitrage
from levyfast.chain.columns import normalise

SHARED_MARKET = Path(__file__).resolve().parents[1].parent / "shared" / "market"
SPX_CSV = SHARED_MARKET / "spx_20110124.csv"
SPX_SPOT = 1290.59

MARKET = lf.Market(100.0, 0.03, 0.01)
VG = lf.VarianceGamma(0.2, 0.3, -0.15)
QUOTE_DATE = pd.Timestamp("2024-01-02")
DAYS = (30, 91, 182, 365)
STRIKES = np.arange(70.0, 130.1, 2.5)


def _forward(market: lf.Market, t: np.ndarray) -> np.ndarray:
    return market.spot * np.exp((market.rate - market.dividend) * t)


def synthetic_frame(model: lf.LevyModel = VG, market: lf.Market = MARKET, days=DAYS,
                    strikes: np.ndarray = STRIKES, half_spread: float = 0.05,
                    settlement: bool = False) -> pd.DataFrame:
    """Calls and puts priced by ``model`` in ``market``; bid/ask symmetric about the price
    (so every mid is the model price), or a ``settlement`` column alone."""
    rows = []
    for d in days:
        t = d / 365.0
        expiry = (QUOTE_DATE + pd.Timedelta(days=d)).date().isoformat()
        for kind in ("call", "put"):
            p = np.asarray(lf.price(model, market, strikes, t, kind, tolerance=lf.HIGH_ACCURACY))
            h = np.minimum(half_spread, 0.25 * p)
            for k, pk, hk in zip(strikes, p, h, strict=True):
                row = {"quote_date": QUOTE_DATE.date().isoformat(), "expiry": expiry,
                       "strike": k, "option_type": kind}
                row.update({"settlement": pk} if settlement else {"bid": pk - hk, "ask": pk + hk})
                rows.append(row)
    return pd.DataFrame(rows)


def _assert_market_recovered(chain: lf.OptionChain, market: lf.Market, forward_rtol: float = 1e-6,
                             discount_atol: float = 1e-6) -> None:
    e = chain.expiries
    t = e["T"].to_numpy()
    np.testing.assert_allclose(e["forward"].to_numpy(), _forward(market, t), rtol=forward_rtol)
    np.testing.assert_allclose(e["discount"].to_numpy(), np.exp(-market.rate * t), rtol=0,
                               atol=discount_atol)
    ts = chain.term_structure
    np.testing.assert_array_equal(ts.maturities, t)
    np.testing.assert_array_equal(ts.forwards, e["forward"].to_numpy())


# -- the real SPX chain -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def spx() -> lf.OptionChain:
    if not SHARED_MARKET.is_dir():
        pytest.skip(f"the shared market data folder {SHARED_MARKET} is absent (CI has it)")
    return lf.OptionChain.from_csv(SPX_CSV, spot=SPX_SPOT)


def test_spx_forwards_match_the_sidecar_parity_estimates(spx: lf.OptionChain) -> None:
    sidecar = json.loads((SHARED_MARKET / "spx_20110124.json").read_text())
    by_expiry = sidecar["parity_implied"]["by_expiry"]
    checked = 0
    for label, ref in by_expiry.items():
        if ref["n_pairs"] < 10:
            continue
        row = spx.expiries.loc[label]
        assert row["T"] == pytest.approx(ref["T"], abs=1e-6)
        assert abs(row["forward"] / ref["forward"] - 1.0) < 5e-4, label
        checked += 1
    assert checked == len(spx.expiries) == 10
    assert spx.spot == SPX_SPOT


def test_spx_quotes_implied_vols_and_discounts(spx: lf.OptionChain) -> None:
    q = spx.quotes
    assert len(q) == 1473  # nothing dropped: one row per input row
    assert int(spx.cleaning_summary.sum()) == len(q)
    otm = spx.otm_quotes()
    assert len(otm) > 500
    iv = otm["iv"].to_numpy()
    assert np.isfinite(iv).all() and (iv > 0).all() and (iv < 3).all()
    assert (otm["status"] == "ok").all()
    calls, puts = otm[otm["kind"] == "call"], otm[otm["kind"] == "put"]
    assert len(calls) and len(puts)
    assert (calls["strike"] >= calls["forward"]).all()
    assert (puts["strike"] < puts["forward"]).all()
    # the selection is complete: every usable quote on its OTM side with an IV is in it
    usable = q[(q["status"] == "ok") & np.isfinite(q["iv"])]
    side = np.where(usable["kind"] == "call", usable["strike"] >= usable["forward"],
                    usable["strike"] < usable["forward"])
    assert int(side.sum()) == len(otm)
    assert list(otm["T"]) == sorted(otm["T"])
    d = spx.expiries["discount"].to_numpy()
    assert ((d > 0.9) & (d <= 1.0)).all()
    assert spx.has_spreads
    # the term structure prices each expiry with its own forward and discount
    for label, row in spx.expiries.iterrows():
        assert spx.term_structure.forward(row["T"]) == pytest.approx(row["forward"], rel=1e-13)
        assert spx.term_structure.discount(row["T"]) == pytest.approx(row["discount"], rel=1e-13)
        assert 0.05 < row["atm_vol"] < 0.5, label


# -- synthetic chains of known markets ------------------------------------------------------

def test_recovers_forward_and_discount_of_a_known_market() -> None:
    chain = lf.OptionChain(synthetic_frame(), spot=100.0)
    _assert_market_recovered(chain, MARKET, 1e-9, 1e-9)
    e = chain.expiries
    assert (e["forward_source"] == "parity").all() and (e["discount_source"] == "parity").all()
    np.testing.assert_allclose(e["rate"], 0.03, atol=1e-8)
    np.testing.assert_allclose(e["carry"], 0.02, atol=1e-8)
    assert (chain.quotes["status"] == "ok").all() and chain.has_spreads
    # IVs of the quotes are the model's: finite everywhere out of the money
    otm = chain.otm_quotes()
    assert np.isfinite(otm["iv"]).all() and np.isfinite(otm["iv_bid"]).all()
    assert (otm["iv_bid"] < otm["iv"]).all() and (otm["iv"] < otm["iv_ask"]).all()


def test_spot_defaults_to_the_shortest_forward_with_a_note() -> None:
    chain = lf.OptionChain(synthetic_frame())
    f0 = float(_forward(MARKET, np.array([DAYS[0] / 365.0]))[0])
    assert chain.spot == pytest.approx(f0, rel=1e-9)
    assert any("spot not given" in note for note in chain.notes)
    # the forwards and discounts do not depend on the spot
    _assert_market_recovered(chain, MARKET, 1e-9, 1e-9)


def test_parity_is_robust_to_corrupted_pairs() -> None:
    frame = synthetic_frame()
    rng = np.random.default_rng(7)
    for d in DAYS:
        expiry = (QUOTE_DATE + pd.Timedelta(days=d)).date().isoformat()
        near = np.flatnonzero((frame["expiry"] == expiry) & (frame["option_type"] == "call")
                              & (frame["strike"].between(90.0, 110.0)))
        for i in rng.choice(near, size=2, replace=False):  # stale or mis-keyed calls
            frame.loc[i, ["bid", "ask"]] += rng.choice([-1.0, 1.0]) * rng.uniform(0.3, 1.0)
    chain = lf.OptionChain(frame, spot=100.0)
    _assert_market_recovered(chain, MARKET)
    assert len(chain.quotes) == len(frame)


def test_settlement_only_chain_and_quote_date_argument() -> None:
    frame = synthetic_frame(settlement=True).drop(columns="quote_date")
    frame["option_type"] = frame["option_type"].str[0].str.upper()  # C / P
    assert "bid" not in frame and "settlement" in frame
    chain = lf.OptionChain(frame, spot=100.0, quote_date=QUOTE_DATE.date())
    _assert_market_recovered(chain, MARKET, 1e-9, 1e-9)
    assert (chain.quotes["price_source"] == "settlement").all()
    assert not chain.has_spreads
    np.testing.assert_allclose(chain.expiries["T"], np.array(DAYS) / 365.0, rtol=1e-15)
    assert np.isfinite(chain.otm_quotes()["iv"]).all()


def _crypto_frame(hours=(8, 32, 176, 680)) -> tuple[pd.DataFrame, lf.Market]:
    """An exchange-style chain: expiries hours away, timestamps with times, prices in units of
    the underlying (with an ``underlying_price`` column)."""
    spot = 60000.0
    market = lf.Market(spot, 0.05, 0.0)
    model = lf.NIG(8.0, -1.0, 0.6)
    start = pd.Timestamp("2024-03-01 08:00:00")
    rows = []
    for h in hours:
        t = h / 24.0 / 365.0
        sd = 0.6 * math.sqrt(t)
        strikes = np.unique(np.round(spot * np.exp(np.linspace(-3.0, 3.0, 25) * sd), -2))
        expiry = start + pd.Timedelta(hours=h)
        for kind in ("call", "put"):
            p = np.asarray(lf.price(model, market, strikes, t, kind, tolerance=lf.HIGH_ACCURACY))
            for k, pk in zip(strikes, p, strict=True):
                half = min(5.0, 0.2 * pk)
                rows.append({"timestamp": str(start), "expiration": str(expiry), "strike": k,
                             "type": kind, "bid": (pk - half) / spot, "ask": (pk + half) / spot,
                             "underlying_price": spot})
    return pd.DataFrame(rows), market


def test_expiries_of_hours_and_prices_in_units_of_the_underlying(tmp_path: Path) -> None:
    frame, market = _crypto_frame()
    assert frame["ask"].max() < 1.0
    path = tmp_path / "crypto.csv"
    frame.to_csv(path, index=False)
    chain = lf.OptionChain.from_csv(path)
    hours = np.array([8.0, 32.0, 176.0, 680.0])
    np.testing.assert_allclose(chain.expiries["T"], hours / 24.0 / 365.0, rtol=1e-12)
    assert chain.expiries.index[0] == "2024-03-01 16:00:00"
    assert chain.spot == 60000.0  # the median of the underlying column
    assert any("units of the underlying" in note for note in chain.notes)
    # converted to currency: the mid is the model price again
    assert chain.quotes["price"].max() > 100.0
    _assert_market_recovered(chain, market, 1e-9, 1e-9)
    assert np.isfinite(chain.otm_quotes()["iv"]).all()
    # explicit currency keeps the fractional prices: no conversion, no note
    as_currency = lf.OptionChain(frame, price_unit="currency", spot=60000.0, rate=0.05)
    assert not any("units of the underlying" in note for note in as_currency.notes)
    assert as_currency.quotes["price"].max() < 1.0


def test_underlying_units_need_an_underlying_column() -> None:
    frame, _ = _crypto_frame(hours=(32, 176))
    with pytest.raises(ValueError, match="price_unit='underlying'.*`underlying`"):
        lf.OptionChain(frame.drop(columns="underlying_price"), price_unit="underlying")


def test_known_rate_market_and_term_structure() -> None:
    frame = synthetic_frame()
    by_rate = lf.OptionChain(frame, spot=100.0, rate=0.03)
    t = by_rate.expiries["T"].to_numpy()
    np.testing.assert_array_equal(by_rate.expiries["discount"], np.exp(-0.03 * t))
    np.testing.assert_allclose(by_rate.expiries["forward"], _forward(MARKET, t), rtol=1e-9)
    assert (by_rate.expiries["discount_source"] == "given rate").all()
    given = lf.OptionChain(frame, market=MARKET)
    np.testing.assert_allclose(given.expiries["forward"], _forward(MARKET, t), rtol=1e-14)
    np.testing.assert_allclose(given.expiries["discount"], np.exp(-0.03 * t), rtol=1e-14)
    assert given.spot == MARKET.spot and (given.expiries["forward_source"] == "given").all()
    ts = lf.TermStructure(100.0, [0.1, 1.0], [100.1, 101.0], [0.999, 0.97])
    on_curve = lf.OptionChain(frame, market=ts)
    for label, row in on_curve.expiries.iterrows():
        assert row["forward"] == pytest.approx(ts.forward(row["T"]), rel=1e-13), label
        assert row["discount"] == pytest.approx(ts.discount(row["T"]), rel=1e-13), label


def _without_puts_of(expiry: str) -> pd.DataFrame:
    frame = synthetic_frame(days=(30, 182, 365))
    return frame[~((frame["expiry"] == expiry) & (frame["option_type"] == "put"))]


@pytest.mark.parametrize("expiry", ["2024-07-02", "2025-01-01"], ids=["inner", "last"])
def test_expiry_without_pairs_gets_interpolated_rate_and_carry(expiry: str) -> None:
    chain = lf.OptionChain(_without_puts_of(expiry), spot=100.0)
    row = chain.expiries.loc[expiry]
    assert row["n_pairs"] == 0
    assert (row["forward_source"], row["discount_source"]) == ("interpolated",
                                                                "interpolated rate")
    _assert_market_recovered(chain, MARKET, 1e-9, 1e-9)  # a flat market: exact


@pytest.mark.parametrize("expiry", ["2024-07-02", "2025-01-01"], ids=["inner", "last"])
def test_interpolated_forwards_do_not_depend_on_the_spot(expiry: str) -> None:
    frame = _without_puts_of(expiry)
    reference = lf.OptionChain(frame, spot=100.0).expiries["forward"]
    for spot in (None, 90.0):
        forwards = lf.OptionChain(frame, spot=spot).expiries["forward"]
        np.testing.assert_allclose(forwards, reference, rtol=1e-9, err_msg=f"spot={spot}")


def test_mixed_timezones_name_the_chain() -> None:
    frame, _ = _crypto_frame(hours=(32, 176))
    frame["expiration"] = frame["expiration"] + "+00:00"
    with pytest.raises((TypeError, ValueError), match="OptionChain"):
        lf.OptionChain(frame)


# -- cleaning ---------------------------------------------------------------------------------

def _row(frame: pd.DataFrame, expiry: str, kind: str, strike: float) -> int:
    hit = np.flatnonzero((frame["expiry"] == expiry) & (frame["option_type"] == kind)
                         & (frame["strike"] == strike))
    assert hit.size == 1
    return int(frame.index[hit[0]])


def test_cleaning_removes_bad_quotes_with_their_reasons() -> None:
    frame = synthetic_frame(days=(91, 365))
    expiry = "2024-04-02"
    t = 91 / 365.0
    fwd, disc = float(_forward(MARKET, np.array([t]))[0]), math.exp(-0.03 * t)
    zero = _row(frame, expiry, "put", 70.0)
    frame.loc[zero, "bid"] = 0.0
    crossed = _row(frame, expiry, "call", 125.0)
    bid, ask = float(frame.loc[crossed, "bid"]), float(frame.loc[crossed, "ask"])
    frame.loc[crossed, "bid"], frame.loc[crossed, "ask"] = ask, bid
    locked = _row(frame, expiry, "put", 75.0)
    frame.loc[locked, "ask"] = frame.loc[locked, "bid"]
    no_price = _row(frame, "2025-01-01", "call", 130.0)
    frame.loc[no_price, ["bid", "ask"]] = np.nan
    extra = pd.DataFrame([  # strikes without a put/call partner: parity is unaffected
        {"quote_date": "2024-01-02", "expiry": expiry, "strike": 60.0, "option_type": "call",
         "bid": disc * fwd + 1.0, "ask": disc * fwd + 2.0},      # above D F
        {"quote_date": "2024-01-02", "expiry": expiry, "strike": 140.0, "option_type": "put",
         "bid": disc * (140.0 - fwd) - 2.0, "ask": disc * (140.0 - fwd) - 1.5},  # below intrinsic
    ])
    frame = pd.concat([frame, extra, frame.iloc[[3]]], ignore_index=True)  # and a duplicate
    above, below, duplicate = len(frame) - 3, len(frame) - 2, len(frame) - 1
    chain = lf.OptionChain(frame, spot=100.0)
    q = chain.quotes
    assert len(q) == len(frame)  # nothing silently dropped
    expected = {
        zero: "zero bid",
        crossed: "crossed (bid > ask)",
        locked: "locked (bid = ask)",
        no_price: "no price",
        above: "arbitrage: above the upper bound D F",
        below: "arbitrage: below the intrinsic value D max(K - F, 0)",
        duplicate: "duplicate (same expiry, strike and type)",
    }
    for i, reason in expected.items():
        assert q.loc[i, "status"] == reason, (i, q.loc[i, "status"])
    assert set(chain.removed.index) == set(expected)
    summary = chain.cleaning_summary
    assert summary["ok"] == len(frame) - len(expected)
    for reason in expected.values():
        assert summary[reason] == 1, reason
    assert int(summary.sum()) == len(frame)
    assert not chain.otm_quotes().index.isin(list(expected)).any()
    # the removed quotes did not move the forwards
    _assert_market_recovered(chain, MARKET, 1e-9, 1e-9)


def _bumped_calls(width_factor: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Calls of a convex price curve with one middle quote raised above the chord of its
    neighbours (its spread ``width_factor`` times the others)."""
    strikes = np.arange(80.0, 120.1, 5.0)
    p = np.asarray(lf.price(lf.BlackScholes(0.2), lf.Market(100.0, 0.0, 0.0), strikes, 0.5))
    mid = 4  # K = 100
    p[mid] += 0.8
    half = np.full(strikes.size, 0.05)
    half[mid] *= width_factor
    return strikes, p - half, p + half, mid


def test_non_convex_wide_middle_quote_is_the_one_removed() -> None:
    strikes, bid, ask, mid = _bumped_calls(width_factor=3.0)
    reasons = screen_arbitrage(strikes, bid, ask, 0.5 * (bid + ask), True, 100.0, 1.0)
    assert reasons[mid] == "arbitrage: not monotone or convex in strike"
    assert (np.delete(reasons, mid) == "").all()


def test_non_convex_middle_quote_of_equal_spread_is_the_one_removed() -> None:
    strikes, bid, ask, mid = _bumped_calls(width_factor=1.0)
    reasons = screen_arbitrage(strikes, bid, ask, 0.5 * (bid + ask), True, 100.0, 1.0)
    assert reasons[mid] == "arbitrage: not monotone or convex in strike"
    assert (np.delete(reasons, mid) == "").all()


def test_chain_removes_only_the_non_convex_quote() -> None:
    frame = synthetic_frame(days=(182,))
    bad = _row(frame, "2024-07-02", "call", 100.0)
    frame.loc[bad, ["bid", "ask"]] += 0.8
    chain = lf.OptionChain(frame, spot=100.0)
    assert chain.quotes.loc[bad, "status"] == "arbitrage: not monotone or convex in strike"
    assert list(chain.removed.index) == [bad]


# -- errors -------------------------------------------------------------------------------------

def _base() -> pd.DataFrame:
    return synthetic_frame(days=(91,))


def _with(frame: pd.DataFrame, index: int, column: str, value: object) -> pd.DataFrame:
    out = frame.copy()
    if not isinstance(value, float):
        out[column] = out[column].astype(object)
    out.loc[index, column] = value
    return out


def _crossed(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["bid"], out["ask"] = frame["ask"] + 0.01, frame["bid"].to_numpy()
    return out


def _one_quote_per_expiry(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.iloc[:6].copy()
    out["expiry"] = [f"2024-0{m}-15" for m in range(3, 9)]
    return out


BAD_CHAINS = {
    "no strike column": (lambda f: f.drop(columns="strike"), ValueError,
                         r"needs a `strike` column"),
    "no price columns": (lambda f: f.drop(columns=["bid", "ask"]), ValueError,
                         r"needs prices: `bid` and `ask`, or one of `mid`, `settlement`"),
    "negative bid": (lambda f: _with(f, 3, "bid", -0.1), ValueError,
                     r"`bid` of OptionChain must be >= 0.*row 3"),
    "expiry before quote date": (lambda f: _with(f, 5, "expiry", "2023-12-01"), ValueError,
                                 r"`T` of OptionChain must be positive \(the expiry must lie "
                                 r"after the quote date\).*row 5"),
    "non-numeric strike": (lambda f: _with(f, 4, "strike", "abc"), ValueError,
                           r"column `strike` of OptionChain must hold numbers; got 'abc' in "
                           r"row 4"),
    "unknown option type": (lambda f: _with(f, 7, "option_type", "X"), ValueError,
                            r"`option_type` of OptionChain must be call or put.*'X' in row 7"),
    "every quote crossed": (_crossed, ValueError,
                            r"no usable quote: every row was screened out.*crossed"),
    "calls only": (lambda f: f[f["option_type"] == "call"], ValueError,
                   r"cannot infer forwards and discount factors"),
    "one quote per expiry": (_one_quote_per_expiry, ValueError,
                             r"cannot infer forwards and discount factors"),
    "empty frame": (lambda f: f.iloc[:0], ValueError, r"`data` of OptionChain has no rows"),
    "unparseable expiry": (lambda f: _with(f, 2, "expiry", "soon"), ValueError,
                           r"column `expiry` of OptionChain must hold dates"),
    "no quote date": (lambda f: f.drop(columns="quote_date"), ValueError,
                      r"needs a quote date"),
    "not a frame": (lambda f: f.to_dict("records"), TypeError,
                    r"`data` of OptionChain must be a pandas DataFrame"),
}


@pytest.mark.parametrize("case", sorted(BAD_CHAINS))
def test_bad_chains_raise_one_clear_error(case: str) -> None:
    make, error, match = BAD_CHAINS[case]
    with pytest.raises(error, match=match) as info:
        lf.OptionChain(make(_base()))
    assert type(info.value) is error


@pytest.mark.parametrize("case", ["no strike column", "negative bid", "empty frame"])
def test_bad_csv_files_raise_the_same_errors(case: str, tmp_path: Path) -> None:
    make, error, match = BAD_CHAINS[case]
    path = tmp_path / "chain.csv"
    make(_base()).to_csv(path, index=False)
    with pytest.raises(error, match=match):
        lf.OptionChain.from_csv(path)


def test_unreadable_csv_raises_value_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "chain.csv"
    with pytest.raises(ValueError, match=r"OptionChain.from_csv cannot read .*nowhere"):
        lf.OptionChain.from_csv(missing)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match=r"OptionChain.from_csv cannot read"):
        lf.OptionChain.from_csv(empty)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(market=MARKET, rate=0.01), ValueError, r"`market` and `rate`.*cannot both"),
        (dict(market=3), TypeError, r"`market` of OptionChain must be a levyfast.Market"),
        (dict(price_unit="btc"), ValueError, r"`price_unit` of OptionChain"),
        (dict(rate=2.0), ValueError, r"`rate` of OptionChain"),
        (dict(spot=-1.0), ValueError, r"`spot` of OptionChain"),
        (dict(day_count="30/360"), ValueError, r"`day_count` of OptionChain"),
    ],
)
def test_bad_arguments_name_themselves(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        lf.OptionChain(_base(), **kwargs)


def _deribit_style(frame: pd.DataFrame, unit: str) -> pd.DataFrame:
    """The same quotes as Deribit writes them: instrument names, an epoch timestamp."""
    expiry = pd.to_datetime(frame["expiration"])
    names = [f"BTC-{e.day}{e.strftime('%b').upper()}{e.strftime('%y')}-{int(k)}-"
             f"{'C' if kind == 'call' else 'P'}"
             for e, k, kind in zip(expiry, frame["strike"], frame["type"], strict=True)]
    per_second = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[unit]
    epoch = (pd.to_datetime(frame["timestamp"]) - pd.Timestamp("1970-01-01")).dt.total_seconds()
    return frame.drop(columns=["expiration", "strike", "type", "timestamp"]).assign(
        instrument_name=names, timestamp=(epoch * per_second).astype(np.int64))


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_instrument_names_and_epoch_timestamps_read_like_columns(unit: str) -> None:
    # Deribit expiries are at 08:00 UTC: daily and weekly expiries from an 08:00 quote
    frame, _ = _crypto_frame(hours=(24, 48, 168, 672))
    named = lf.OptionChain(_deribit_style(frame, unit))
    plain = lf.OptionChain(frame)
    for col in ("T", "forward", "discount"):
        np.testing.assert_allclose(named.expiries[col].to_numpy(),
                                   plain.expiries[col].to_numpy(), rtol=1e-12)
    assert len(named.otm_quotes()) == len(plain.otm_quotes())


def test_occ_symbols_and_unknown_instrument_names() -> None:
    occ = pd.DataFrame({"symbol": ["SPXW  240119C04500000", "SPXW  240119P04500000",
                                   "SPX240119C04612500"],
                        "bid": [1.0, 2.0, 3.0], "ask": [1.1, 2.2, 3.3],
                        "quote_date": "2024-01-02"})
    rows = normalise(occ)
    assert list(rows["strike"]) == [4500.0, 4500.0, 4612.5]
    assert list(rows["kind"]) == ["call", "put", "call"]
    np.testing.assert_allclose(rows["T"], 17 / 365.0)
    with pytest.raises(ValueError, match=r"column `symbol` of OptionChain must hold option "
                                         r"names like .* got 'AAPL' in row 1"):
        normalise(occ.assign(symbol=["SPXW  240119C04500000", "AAPL", "X"]))
