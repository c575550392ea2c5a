"""TermStructure: node values, interpolation and extrapolation of forwards and discount factors,
validation, year fractions, and every pricing entry point given a TermStructure instead of a
flat Market (maturity by maturity the flat market of that maturity's forward and discount)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

import levyfast as lf

SPOT = 100.0
NODES = np.array([0.25, 1.0, 2.0])
FORWARDS = np.array([99.5, 98.8, 101.0])
DISCOUNTS = np.array([0.995, 0.98, 0.955])
TS = lf.TermStructure(SPOT, NODES, FORWARDS, DISCOUNTS)
K = np.array([80.0, 95.0, 100.0, 105.0, 130.0])
#: before the first node, between nodes, on a node, beyond the last node
T = np.array([0.1, 0.5, 1.0, 3.0])
VG = lf.VarianceGamma(0.2, 0.3, -0.15)
PARAMS = np.array([[0.2, 0.3, -0.15], [0.15, 0.2, -0.1]])


# -- the curve ---------------------------------------------------------------------------------

def test_node_values_are_exact() -> None:
    for t, f, d in zip(NODES, FORWARDS, DISCOUNTS, strict=True):
        assert TS.forward(t) == pytest.approx(f, rel=1e-14)
        assert TS.discount(t) == pytest.approx(d, rel=1e-14)
        assert TS.rate(t) == pytest.approx(-math.log(d) / t, rel=1e-14)
        assert TS.carry(t) == pytest.approx(math.log(f / SPOT) / t, rel=1e-13)
    assert TS.spot == SPOT
    assert not TS.maturities.flags.writeable and not TS.forwards.flags.writeable


def test_log_linear_interpolation_between_nodes() -> None:
    for w in (0.1, 0.5, 0.9):
        t = (1.0 - w) * NODES[1] + w * NODES[2]
        log_d = (1.0 - w) * math.log(DISCOUNTS[1]) + w * math.log(DISCOUNTS[2])
        log_f = (1.0 - w) * math.log(FORWARDS[1]) + w * math.log(FORWARDS[2])
        assert TS.discount(t) == pytest.approx(math.exp(log_d), rel=1e-14)
        assert TS.forward(t) == pytest.approx(math.exp(log_f), rel=1e-14)
    # log-linear, not linear: the midpoint is the geometric mean
    mid = 0.5 * (NODES[0] + NODES[1])
    assert TS.forward(mid) == pytest.approx(math.sqrt(FORWARDS[0] * FORWARDS[1]), rel=1e-14)
    assert TS.forward(mid) != pytest.approx(0.5 * (FORWARDS[0] + FORWARDS[1]), rel=1e-9)


def test_extrapolation_keeps_the_end_node_rate_and_carry() -> None:
    r0, b0 = TS.rate(NODES[0]), TS.carry(NODES[0])
    r1, b1 = TS.rate(NODES[-1]), TS.carry(NODES[-1])
    for t in (1e-4, 0.01, 0.2):  # before the first node: from (0, ln S0) and (0, 0)
        assert TS.rate(t) == pytest.approx(r0, rel=1e-13)
        assert TS.carry(t) == pytest.approx(b0, rel=1e-12)
        assert TS.forward(t) == pytest.approx(SPOT * math.exp(b0 * t), rel=1e-14)
    # T -> 0: the forward tends to the spot and the discount factor to 1
    assert abs(TS.forward(1e-9) - SPOT) < 1e-8 and abs(TS.discount(1e-9) - 1.0) < 1e-10
    for t in (2.5, 10.0):
        assert TS.rate(t) == pytest.approx(r1, rel=1e-13)
        assert TS.carry(t) == pytest.approx(b1, rel=1e-12)
        assert TS.discount(t) == pytest.approx(math.exp(-r1 * t), rel=1e-13)


def test_market_at_reproduces_forward_and_discount() -> None:
    for t in (*T, *NODES):
        m = TS.market_at(t)
        assert isinstance(m, lf.Market) and m.spot == SPOT
        assert m.spot * math.exp((m.rate - m.dividend) * t) == pytest.approx(TS.forward(t),
                                                                              rel=1e-14)
        assert math.exp(-m.rate * t) == pytest.approx(TS.discount(t), rel=1e-14)


def test_flat_and_from_rates_constructors() -> None:
    m = lf.Market(100.0, 0.03, 0.01)
    flat = lf.TermStructure.flat(m, [0.5, 1.0, 2.0])
    for t in (0.1, 0.7, 1.0, 5.0):
        assert flat.rate(t) == pytest.approx(0.03, rel=1e-13)
        assert flat.carry(t) == pytest.approx(0.02, rel=1e-12)
    assert lf.TermStructure.flat(m).maturities.tolist() == [1.0]
    ts = lf.TermStructure.from_rates(100.0, [0.5, 1.0], [0.01, 0.02], dividends=[0.0, 0.005])
    np.testing.assert_allclose(ts.forwards, 100.0 * np.exp([0.005, 0.015]), rtol=1e-15)
    np.testing.assert_allclose(ts.discounts, np.exp([-0.005, -0.02]), rtol=1e-15)
    scalar_q = lf.TermStructure.from_rates(100.0, [0.5, 1.0], [0.01, 0.02], 0.01)
    np.testing.assert_allclose(scalar_q.forwards, 100.0 * np.exp([0.0, 0.01]), rtol=1e-15)
    # negative rates are allowed (discounts above 1)
    assert lf.TermStructure.from_rates(100.0, [1.0], [-0.005]).discount(1.0) > 1.0


@pytest.mark.parametrize(
    "args, match",
    [
        ((SPOT, [1.0, 0.5], [100.0, 100.0], [1.0, 1.0]), r"`maturities`.*strictly increasing"),
        ((SPOT, [0.5, 0.5], [100.0, 100.0], [1.0, 1.0]), r"`maturities`.*strictly increasing"),
        ((SPOT, [0.5, 1.0], [100.0], [1.0, 1.0]), r"same length; got 2, 1 and 2"),
        ((SPOT, [0.5, 1.0], [100.0, 100.0], [1.0]), r"same length; got 2, 2 and 1"),
        ((SPOT, [0.5, 1.0], [100.0, -1.0], [1.0, 1.0]), r"`forwards` of TermStructure"),
        ((SPOT, [0.5, 1.0], [100.0, 100.0], [1.0, 0.0]), r"`discounts` of TermStructure"),
        ((SPOT, [0.0, 1.0], [100.0, 100.0], [1.0, 1.0]), r"`maturities` of TermStructure"),
        ((-1.0, [1.0], [100.0], [1.0]), r"`spot` of TermStructure"),
        ((SPOT, [1.0], [np.nan], [1.0]), r"`forwards` of TermStructure"),
    ],
)
def test_invalid_term_structures_name_the_argument(args, match) -> None:
    with pytest.raises(ValueError, match=match):
        lf.TermStructure(*args)


@pytest.mark.parametrize("maturity", [0.0, -1.0, np.nan, np.inf])
def test_curve_rejects_bad_maturities(maturity) -> None:
    for query in (TS.rate, TS.carry, TS.forward, TS.discount, TS.market_at):
        with pytest.raises(ValueError, match="`maturity` of TermStructure"):
            query(maturity)


def test_from_rates_validates_its_curves() -> None:
    with pytest.raises(ValueError, match="`rates` of TermStructure.from_rates"):
        lf.TermStructure.from_rates(SPOT, [0.5, 1.0], [0.01, np.nan])
    with pytest.raises(ValueError, match="`dividends` of TermStructure.from_rates"):
        lf.TermStructure.from_rates(SPOT, [0.5, 1.0], 0.01, [np.inf, 0.0])
    with pytest.raises(ValueError, match="`spot` of TermStructure.from_rates"):
        lf.TermStructure.from_rates(0.0, [0.5, 1.0], 0.01)


def test_from_rates_length_mismatch_names_the_argument() -> None:
    with pytest.raises(ValueError, match="`rates`"):
        lf.TermStructure.from_rates(SPOT, [0.5, 1.0], [0.01, 0.02, 0.03])


# -- year fractions ----------------------------------------------------------------------------

def test_year_fraction_counts_actual_time() -> None:
    assert lf.year_fraction("2011-01-24", "2011-02-18") == pytest.approx(25 / 365, rel=1e-15)
    assert lf.year_fraction(dt.date(2011, 1, 24), dt.date(2012, 1, 24), "ACT/360") == \
        pytest.approx(365 / 360, rel=1e-15)
    # times of day count: 8 hours, from every accepted type
    hours = 8.0 / 24.0 / 365.0
    for start, end in [
        ("2024-03-01T08:00:00", "2024-03-01T16:00:00"),
        (dt.datetime(2024, 3, 1, 8), dt.datetime(2024, 3, 1, 16)),
        (pd.Timestamp("2024-03-01 08:00"), pd.Timestamp("2024-03-01 16:00")),
        (np.datetime64("2024-03-01T08:00"), np.datetime64("2024-03-01T16:00")),
        (dt.datetime(2024, 2, 29, 16), dt.date(2024, 3, 1)),
    ]:
        assert lf.year_fraction(start, end) == pytest.approx(hours, rel=1e-12)
    assert lf.year_fraction("2024-03-02", "2024-03-01") == pytest.approx(-1 / 365, rel=1e-15)


def test_year_fraction_errors_name_the_argument() -> None:
    with pytest.raises(ValueError, match="`day_count` of year_fraction"):
        lf.year_fraction("2024-01-01", "2024-02-01", "30/360")
    with pytest.raises(TypeError, match="`start` of year_fraction"):
        lf.year_fraction(20240101, "2024-02-01")
    with pytest.raises(TypeError, match="`end` of year_fraction"):
        lf.year_fraction("2024-01-01", "next tuesday")
    with pytest.raises(TypeError, match="`start` of year_fraction"):
        lf.year_fraction(None, "2024-02-01")


def test_year_fraction_mixed_timezones_names_the_function() -> None:
    with pytest.raises((TypeError, ValueError), match="year_fraction"):
        lf.year_fraction("2024-01-01T00:00+00:00", "2024-01-02T00:00")


# -- entry points with a TermStructure ---------------------------------------------------------

@pytest.mark.parametrize("kind", ["call", "put"])
def test_price_equals_the_flat_market_of_each_maturity(kind: str) -> None:
    surface = lf.price(VG, TS, K, T, kind)
    assert surface.shape == (T.size, K.size)
    for i, t in enumerate(T):
        ref = lf.price(VG, TS.market_at(t), K, [t], kind)[0]
        np.testing.assert_array_equal(surface[i], ref)  # the same code path: bitwise
    # different maturities really get different markets (not the first one's)
    flat = lf.price(VG, TS.market_at(T[0]), K, T, kind)
    assert np.max(np.abs(flat[1:] - surface[1:])) > 1e-3


def test_price_batch_equals_the_flat_market_of_each_maturity() -> None:
    batch = lf.price_batch(lf.VarianceGamma, PARAMS, TS, K, T)
    assert batch.shape == (2, T.size, K.size)
    for i, t in enumerate(T):
        ref = lf.price_batch(lf.VarianceGamma, PARAMS, TS.market_at(t), K, [t])
        np.testing.assert_array_equal(batch[:, i], ref[:, 0])
    np.testing.assert_allclose(batch[0], lf.price(VG, TS, K, T), rtol=1e-12, atol=1e-12)


def test_price_and_grad_equal_the_flat_market_of_each_maturity() -> None:
    prices, grads = lf.price_and_grad(VG, TS, K, T)
    assert prices.shape == (T.size, K.size) and grads.shape == (3, T.size, K.size)
    bprices, bgrads = lf.price_and_grad_batch(lf.VarianceGamma, PARAMS, TS, K, T)
    assert bprices.shape == (2, T.size, K.size) and bgrads.shape == (2, 3, T.size, K.size)
    for i, t in enumerate(T):
        m = TS.market_at(t)
        p, g = lf.price_and_grad(VG, m, K, [t])
        np.testing.assert_array_equal(prices[i], p[0])
        np.testing.assert_array_equal(grads[:, i], g[:, 0])
        bp, bg = lf.price_and_grad_batch(lf.VarianceGamma, PARAMS, m, K, [t])
        np.testing.assert_array_equal(bprices[:, i], bp[:, 0])
        np.testing.assert_array_equal(bgrads[:, :, i], bg[:, :, 0])
    np.testing.assert_allclose(bprices[0], prices, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(bgrads[0], grads, rtol=1e-10, atol=1e-10)


GREEK_FIELDS = ("price", "delta", "gamma", "theta", "rho", "dividend_rho")


@pytest.mark.parametrize("kind", ["call", "put"])
def test_greeks_equal_the_flat_market_of_each_maturity(kind: str) -> None:
    g = lf.greeks(VG, TS, K, T, kind)
    assert isinstance(g, lf.Greeks)
    for i, t in enumerate(T):
        ref = lf.greeks(VG, TS.market_at(t), K, [t], kind)
        for name in GREEK_FIELDS:
            np.testing.assert_array_equal(getattr(g, name)[i], getattr(ref, name)[0], err_msg=name)
    # the Greeks' prices agree with price() to the pricing tolerance (1e-7 x spot)
    np.testing.assert_allclose(g.price, lf.price(VG, TS, K, T, kind), rtol=0, atol=2e-5)


@pytest.mark.parametrize("backend", ["cpp", "numba"])
@pytest.mark.parametrize("kind", ["call", "put"])
def test_implied_vol_round_trip(kind: str, backend: str) -> None:
    bs = lf.BlackScholes(0.2)
    prices = lf.price(bs, TS, K, T, kind, tolerance=lf.HIGH_ACCURACY)
    iv = lf.implied_vol(prices, TS, K, T, kind, backend=backend)
    assert iv.shape == (T.size, K.size)
    np.testing.assert_allclose(iv, 0.2, atol=1e-9)
    for i, t in enumerate(T):
        ref = lf.implied_vol(prices[i : i + 1], TS.market_at(t), K, [t], kind, backend=backend)
        np.testing.assert_array_equal(iv[i], ref[0])
    batch = lf.implied_vol(np.stack([prices, prices]), TS, K, T, kind, backend=backend)
    assert batch.shape == (2, T.size, K.size)
    np.testing.assert_array_equal(batch[1], iv)
    # a scalar strike drops the strike axis
    atm = lf.implied_vol(prices[:, 2], TS, 100.0, T, kind, backend=backend)
    np.testing.assert_array_equal(atm, iv[:, 2])


def test_implied_vol_needs_prices_matching_the_maturities() -> None:
    prices = lf.price(VG, TS, K, T)
    with pytest.raises(ValueError, match="`prices` of implied_vol.*TermStructure"):
        lf.implied_vol(prices[:2], TS, K, T)
    with pytest.raises(ValueError, match="`prices` of implied_vol"):
        lf.implied_vol(prices, TS, K, 0.5)


def test_flat_term_structure_prices_equal_the_flat_market() -> None:
    m = lf.Market(100.0, 0.03, 0.01)
    ts = lf.TermStructure.flat(m, [0.5, 2.0])
    # A term structure prices maturity by maturity (a COS grid each), the flat market on one
    # grid shared by its COS maturities: both within the default tolerance 1e-7 * S0 of the
    # exact price (they differ by up to 1.4e-9 * S0), so they agree to its tenth, not to
    # rounding.
    tol = dict(rtol=0.0, atol=1e-8 * m.spot)
    np.testing.assert_allclose(lf.price(VG, ts, K, T), lf.price(VG, m, K, T), **tol)
    np.testing.assert_allclose(lf.price(VG, ts, K, T, "put"), lf.price(VG, m, K, T, "put"), **tol)
    np.testing.assert_allclose(lf.price_batch(lf.VarianceGamma, PARAMS, ts, K, T),
                               lf.price_batch(lf.VarianceGamma, PARAMS, m, K, T), **tol)
    for a, b in zip(lf.price_and_grad(VG, ts, K, T), lf.price_and_grad(VG, m, K, T),
                    strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)
    ga, gb = lf.greeks(VG, ts, K, T), lf.greeks(VG, m, K, T)
    for name in GREEK_FIELDS:
        np.testing.assert_allclose(getattr(ga, name), getattr(gb, name), rtol=1e-9, atol=1e-9,
                                   err_msg=name)
    p = lf.price(VG, m, K, T)
    np.testing.assert_allclose(lf.implied_vol(p, ts, K, T), lf.implied_vol(p, m, K, T),
                               rtol=1e-10)


def _shape(value) -> tuple[int, ...]:
    return tuple(np.shape(value))


@pytest.mark.parametrize("strikes", [K, 100.0], ids=["K-vector", "K-scalar"])
@pytest.mark.parametrize("maturities", [T, 0.5], ids=["T-vector", "T-scalar"])
def test_squeezed_shapes_match_a_flat_market(strikes, maturities) -> None:
    m = lf.Market(100.0, 0.03, 0.01)
    ts = lf.TermStructure.flat(m, [0.5, 2.0])
    a, b = lf.price(VG, ts, strikes, maturities), lf.price(VG, m, strikes, maturities)
    assert _shape(a) == _shape(b) and type(a) is type(b)
    # A COS grid per maturity against one shared grid (see the test above).
    np.testing.assert_allclose(a, b, rtol=0.0, atol=1e-8 * m.spot)
    a2, b2 = lf.price_and_grad(VG, ts, strikes, maturities), lf.price_and_grad(
        VG, m, strikes, maturities)
    assert [_shape(x) for x in a2] == [_shape(x) for x in b2]
    for x, y in zip(a2, b2, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-10)
    ga, gb = lf.greeks(VG, ts, strikes, maturities), lf.greeks(VG, m, strikes, maturities)
    for name in GREEK_FIELDS:
        assert _shape(getattr(ga, name)) == _shape(getattr(gb, name)), name
        assert type(getattr(ga, name)) is type(getattr(gb, name)), name
    if np.ndim(strikes) == 0 and np.ndim(maturities) == 0:
        assert isinstance(a, float)


@pytest.mark.parametrize("strikes, maturities", [(100.0, T), (K, 0.5)],
                         ids=["K-scalar", "T-scalar"])
def test_batch_shapes_match_a_flat_market(strikes, maturities) -> None:
    m = lf.Market(100.0, 0.03, 0.01)
    ts = lf.TermStructure.flat(m, [0.5, 2.0])
    a = lf.price_batch(lf.VarianceGamma, PARAMS, ts, strikes, maturities)
    b = lf.price_batch(lf.VarianceGamma, PARAMS, m, strikes, maturities)
    assert a.shape == b.shape
    pa, ga = lf.price_and_grad_batch(lf.VarianceGamma, PARAMS, ts, strikes, maturities)
    pb, gb = lf.price_and_grad_batch(lf.VarianceGamma, PARAMS, m, strikes, maturities)
    assert pa.shape == pb.shape and ga.shape == gb.shape


@pytest.mark.parametrize(
    "kwargs",
    [dict(method="pide"), dict(exercise="american"), dict(method="pide", exercise="american"),
     dict(method="pide", barrier=lf.Barrier(80.0))],
    ids=["pide", "american", "pide-american", "barrier"],
)
def test_price_rejects_term_structure_for_pide_american_and_barriers(kwargs) -> None:
    with pytest.raises(ValueError, match="flat levyfast.Market.*TermStructure"):
        lf.price(VG, TS, K, T, "put", **kwargs)


@pytest.mark.parametrize("kwargs", [dict(rates=[0.01, 0.02]), dict(dividends=[0.0, 0.01])])
def test_price_batch_rejects_row_rates_with_a_term_structure(kwargs) -> None:
    with pytest.raises(ValueError, match="cannot be combined with a TermStructure"):
        lf.price_batch(lf.VarianceGamma, PARAMS, TS, K, T, **kwargs)


def test_entry_points_reject_bad_maturities_with_a_term_structure() -> None:
    with pytest.raises(ValueError, match="`maturities` of price"):
        lf.price(VG, TS, K, [0.5, -1.0])
    with pytest.raises(ValueError, match="`maturities` of price_batch"):
        lf.price_batch(lf.VarianceGamma, PARAMS, TS, K, [[0.5, 1.0]])
