"""Implied volatility (Jäckel's "Let's Be Rational") and Black prices.

Accuracy is judged against the condition number of the inversion,
``kappa = price / (sigma dprice/dsigma)``: a price known to one ulp fixes the volatility only to
about ``kappa`` ulp, so the promise is ``1e-12`` relative where ``kappa <= 1e3`` and
``32 eps kappa`` elsewhere (where the price carries little volatility information).
The independent references are mpmath at 60 digits, the scipy closed form of ``tests/oracle``,
py_lets_be_rational (Jäckel's reference algorithm in pure Python) and QuantLib.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

import levyfast as lf
from levyfast import _core
from levyfast.implied_vol import BACKENDS, PARALLEL_THRESHOLD

from oracle import black_forward_price

EPS = np.finfo(float).eps
#: Relative accuracy promised where the price carries information (kappa <= 1e3).
RTOL = 1e-12
#: Slack on eps * kappa elsewhere (price rounding in the test, p/D, p - intrinsic, ...).
KAPPA_SLACK = 32.0


def mp_black(
    forward: float, strike: float, maturity: float, vol: float, discount: float, kind: str
) -> tuple[float, float]:
    """(price, kappa) at 60 digits: Black (1976) price and price/(sigma dprice/dsigma)."""
    price, kap, _ = mp_black_conditioned(forward, strike, maturity, vol, discount, kind)
    return price, kap


def mp_black_conditioned(forward, strike, maturity, vol, discount, kind):
    """(price, kappa, cond): cond = 1 + sum of |d ln price / d ln input| over F, K and sigma,
    the relative error that rounding the inputs to doubles alone can cause, in units of eps."""
    with mpmath.workdps(60):
        f, k, d = mpmath.mpf(forward), mpmath.mpf(strike), mpmath.mpf(discount)
        s = mpmath.mpf(vol) * mpmath.sqrt(mpmath.mpf(maturity))
        d1 = mpmath.log(f / k) / s + s / 2
        d2 = d1 - s
        if kind == "call":
            p = d * (f * mpmath.ncdf(d1) - k * mpmath.ncdf(d2))
            f_sens, k_sens = d * f * mpmath.ncdf(d1), d * k * mpmath.ncdf(d2)
        else:
            p = d * (k * mpmath.ncdf(-d2) - f * mpmath.ncdf(-d1))
            f_sens, k_sens = d * f * mpmath.ncdf(-d1), d * k * mpmath.ncdf(-d2)
        sens = d * f * mpmath.npdf(d1) * s  # sigma * dprice/dsigma
        if not p > 0:
            return float(p), math.inf, math.inf
        return (
            float(p),
            float(p / sens) if sens > 0 else math.inf,
            float(1 + (sens + f_sens + k_sens) / p),
        )


def kappa_np(forward, strike, maturity, vol, discount, price):
    """Condition number price/(sigma dprice/dsigma) in double precision (log-space vega)."""
    s = vol * np.sqrt(maturity)
    d1 = np.log(forward / strike) / s + 0.5 * s
    log_sens = np.log(discount * forward * s) - 0.5 * d1 * d1 - 0.5 * math.log(2 * math.pi)
    with np.errstate(over="ignore", divide="ignore"):
        return price / np.exp(log_sens)


def allowed_error(kappa):
    return np.maximum(RTOL, KAPPA_SLACK * EPS * kappa)


# ---------------------------------------------------------------------------------------------
# black_price
# ---------------------------------------------------------------------------------------------


def test_black_price_matches_mpmath_deep_in_and_out_of_the_money():
    rng = np.random.default_rng(7)
    n = 400
    forward = 100.0
    maturity = 10 ** rng.uniform(-4, math.log10(30), n)
    vol = 10 ** rng.uniform(-3, math.log10(5), n)
    s = vol * np.sqrt(maturity)
    x = rng.uniform(-9, 9, n) * s  # log-moneyness ln(F/K) up to 9 total stdevs
    strike = forward * np.exp(-x)
    for kind in ("call", "put"):
        got = lf.black_price(forward, strike, maturity, vol, 0.95, kind)
        for i in range(n):
            ref, _, cond = mp_black_conditioned(forward, strike[i], maturity[i], vol[i], 0.95, kind)
            if ref < 1e-300:
                continue
            assert abs(got[i] / ref - 1.0) <= 4 * EPS * cond, (
                kind,
                strike[i],
                maturity[i],
                vol[i],
                got[i],
                ref,
            )


def test_black_price_agrees_with_scipy_oracle_and_parity():
    forward = np.array([[90.0], [100.0], [130.0]])
    strike = np.linspace(50, 200, 31)
    maturity, vol, discount = 0.7, 0.3, 0.98
    stdev = vol * math.sqrt(maturity)
    call = lf.black_price(forward, strike, maturity, vol, discount, "call")
    put = lf.black_price(forward, strike, maturity, vol, discount, "put")
    np.testing.assert_allclose(
        call, discount * black_forward_price(forward, strike, stdev, "call"), rtol=1e-13, atol=0
    )
    np.testing.assert_allclose(
        put, discount * black_forward_price(forward, strike, stdev, "put"), rtol=1e-13, atol=0
    )
    np.testing.assert_allclose(call - put, discount * (forward - strike), rtol=0, atol=1e-12)


def test_black_price_limits():
    assert lf.black_price(100.0, 90.0, 1.0, 0.0, 0.9, "call") == pytest.approx(9.0, abs=1e-14)
    assert lf.black_price(100.0, 90.0, 1.0, 0.0, 0.9, "put") == 0.0
    # Huge volatility: the call tends to the discounted forward, the put to the discounted strike.
    assert lf.black_price(100.0, 90.0, 1.0, 80.0, 0.9, "call") == pytest.approx(90.0, rel=1e-15)
    assert lf.black_price(100.0, 90.0, 1.0, 80.0, 0.9, "put") == pytest.approx(81.0, rel=1e-15)
    assert isinstance(lf.black_price(100.0, 90.0, 1.0, 0.2), float)


# ---------------------------------------------------------------------------------------------
# implied volatility: accuracy
# ---------------------------------------------------------------------------------------------


def test_implied_vol_of_mpmath_prices():
    """Prices exact to double rounding (mpmath) invert to the volatility within kappa."""
    rng = np.random.default_rng(11)
    forward, discount = 100.0, 0.97
    cases = 0
    for _ in range(700):
        maturity = 10 ** rng.uniform(-4, math.log10(30))
        vol = 10 ** rng.uniform(-3, math.log10(5))
        s = vol * math.sqrt(maturity)
        strike = forward * math.exp(-rng.uniform(-12, 12) * s)
        kind = "call" if rng.random() < 0.5 else "put"
        price, kap = mp_black(forward, strike, maturity, vol, discount, kind)
        if not price > 0 or kap > 1e10:
            continue
        for backend in BACKENDS:
            got = lf.black_implied_vol(
                price, forward, strike, maturity, discount, kind, backend=backend
            )
            assert abs(got / vol - 1.0) <= allowed_error(kap), (
                backend, kind, strike, maturity, vol, got, kap
            )
        cases += 1
    assert cases > 500


@pytest.mark.parametrize("backend", BACKENDS)
def test_round_trip_dense_grid(backend):
    """sigma -> black_price -> implied vol over sigma in [1e-3, 5], T in [1e-4, 30] and
    log-moneyness up to +-12 total standard deviations, calls and puts."""
    vol = np.logspace(-3, math.log10(5), 41)[:, None, None]
    maturity = np.logspace(-4, math.log10(30), 15)[None, :, None]
    z = np.linspace(-12, 12, 97)[None, None, :]
    forward, discount = 100.0, 0.9
    strike = forward * np.exp(-z * vol * np.sqrt(maturity))
    for kind in ("call", "put"):
        price = lf.black_price(forward, strike, maturity, vol, discount, kind)
        got = lf.black_implied_vol(
            price, forward, strike, maturity, discount, kind, backend=backend
        )
        kap = kappa_np(forward, strike, maturity, vol, discount, price)
        err = np.abs(got / vol - 1.0)
        informative = kap <= 1e3
        assert informative.sum() > 0.5 * price.size
        assert np.all(err[informative] <= RTOL), float(err[informative].max())
        # Beyond kappa = 1e12 the time value is within a few ulp of the price: the result may
        # be NaN (rounded outside the bounds), 0.0 (rounded onto intrinsic) or imprecise.
        meaningful = kap <= 1e12
        assert np.all(np.isfinite(got[meaningful]))
        assert np.all(err[meaningful] <= allowed_error(kap[meaningful]))


@pytest.mark.parametrize("backend", BACKENDS)
def test_tiny_out_of_the_money_time_values(backend):
    """Time values from 1e-1 down to 1e-300 of the forward, and below the smallest normal
    double, are inverted to full precision (the lowest branch iterates on ln b)."""
    forward, strike, maturity = 1.0, math.e, 1.0  # x = -1
    for vol in np.geomspace(1.0, 0.0262, 60):
        price, kap = mp_black(forward, strike, maturity, vol, 1.0, "call")
        if price < 1e-300:
            continue
        got = lf.black_implied_vol(price, forward, strike, maturity, 1.0, "call", backend=backend)
        assert abs(got / vol - 1.0) <= RTOL, (vol, price, got)
    # A subnormal time value still gives a positive volatility with the right leading digits.
    vols = [
        lf.black_implied_vol(p, 1.0, math.e, 1.0, backend=backend)
        for p in (1e-300, 1e-305, 1e-310, 1e-320)
    ]
    assert all(np.isfinite(vols)) and np.all(np.diff(vols) < 0)
    with mpmath.workdps(60):
        ref = float(
            mpmath.findroot(
                lambda s: mpmath.log(mp_black_mp(1, math.e, s)) - mpmath.log(mpmath.mpf(1e-310)),
                (0.02, 0.03),
                solver="illinois",
            )
        )
    assert vols[2] == pytest.approx(ref, rel=1e-4)


def mp_black_mp(forward, strike, s):
    f, k = mpmath.mpf(forward), mpmath.mpf(strike)
    d1 = mpmath.log(f / k) / s + s / 2
    return f * mpmath.ncdf(d1) - k * mpmath.ncdf(d1 - s)


@pytest.mark.parametrize("backend", BACKENDS)
def test_extreme_moneyness_and_long_maturity(backend):
    # |ln F/K| up to 50 with prices well above the underflow threshold.
    for x in (-50.0, -20.0, 20.0, 50.0):
        for vol in (0.5, 2.0, 5.0):
            maturity = 30.0
            strike = math.exp(-x)
            for kind in ("call", "put"):
                price, kap = mp_black(1.0, strike, maturity, vol, 1.0, kind)
                if not 1e-300 < price or kap > 1e10:
                    continue
                got = lf.black_implied_vol(price, 1.0, strike, maturity, 1.0, kind, backend=backend)
                assert abs(got / vol - 1.0) <= allowed_error(kap), (x, vol, kind, got)


@pytest.mark.parametrize("backend", BACKENDS)
def test_at_the_money_and_short_maturity(backend):
    vols = np.array([1e-3, 0.01, 0.2, 1.0, 3.0])
    for maturity in (1e-6, 1e-4, 1.0):
        for vol in vols:
            price, kap = mp_black(100.0, 100.0, maturity, vol, 1.0, "call")
            got = lf.black_implied_vol(price, 100.0, 100.0, maturity, backend=backend)
            assert abs(got / vol - 1.0) <= allowed_error(kap)


def test_put_and_call_of_one_parity_pair_give_one_vol():
    forward, discount, maturity, vol = 105.0, 0.96, 2.0, 0.37
    strike = np.linspace(40, 250, 50)
    call = lf.black_price(forward, strike, maturity, vol, discount, "call")
    put = lf.black_price(forward, strike, maturity, vol, discount, "put")
    v_call = lf.black_implied_vol(call, forward, strike, maturity, discount, "call")
    v_put = lf.black_implied_vol(put, forward, strike, maturity, discount, "put")
    np.testing.assert_allclose(v_call, vol, rtol=RTOL)
    np.testing.assert_allclose(v_put, vol, rtol=RTOL)


# ---------------------------------------------------------------------------------------------
# peers
# ---------------------------------------------------------------------------------------------


def _peer_grid():
    rng = np.random.default_rng(3)
    n = 300
    forward = 100.0
    maturity = 10 ** rng.uniform(-2, 1, n)
    vol = 10 ** rng.uniform(-1.5, 0.3, n)
    strike = forward * np.exp(-rng.uniform(-3, 3, n) * vol * np.sqrt(maturity))
    return forward, strike, maturity, vol


def test_agrees_with_py_lets_be_rational():
    lbr = pytest.importorskip("py_lets_be_rational")
    forward, strike, maturity, vol = _peer_grid()
    for kind, flag in (("call", 1.0), ("put", -1.0)):
        price = lf.black_price(forward, strike, maturity, vol, 1.0, kind)
        ours = lf.black_implied_vol(price, forward, strike, maturity, 1.0, kind)
        kap = kappa_np(forward, strike, maturity, vol, 1.0, price)
        for i in np.flatnonzero(kap < 1e3):
            theirs = lbr.implied_volatility_from_a_transformed_rational_guess(
                price[i], forward, strike[i], maturity[i], flag
            )
            assert ours[i] == pytest.approx(theirs, rel=1e-11)


def test_agrees_with_quantlib():
    ql = pytest.importorskip("QuantLib")
    forward, strike, maturity, vol = _peer_grid()
    price = lf.black_price(forward, strike, maturity, vol, 0.9, "call")
    ours = lf.black_implied_vol(price, forward, strike, maturity, 0.9, "call")
    kap = kappa_np(forward, strike, maturity, vol, 0.9, price)
    for i in np.flatnonzero(kap < 1e2):
        stdev = ql.blackFormulaImpliedStdDev(
            ql.Option.Call, strike[i], forward, price[i], 0.9, 0.0, ql.nullDouble(), 1e-14, 200
        )
        assert ours[i] == pytest.approx(stdev / math.sqrt(maturity[i]), rel=1e-9)


# ---------------------------------------------------------------------------------------------
# implied_vol on surfaces and batches
# ---------------------------------------------------------------------------------------------


MARKET = lf.Market(100.0, 0.03, 0.01)
STRIKES = np.linspace(60.0, 150.0, 19)
MATURITIES = np.array([0.05, 0.25, 1.0, 3.0, 10.0])


FORWARDS = MARKET.spot * np.exp((MARKET.rate - MARKET.dividend) * MATURITIES)[:, None]
DISCOUNTS = np.exp(-MARKET.rate * MATURITIES)[:, None]


def _bs_surface(sigma: float, kind: str):
    return lf.black_price(FORWARDS, STRIKES, MATURITIES[:, None], sigma, DISCOUNTS, kind)


def assert_vols(vols, sigma, prices):
    """1e-12 where kappa <= 1e3, eps-kappa-bounded elsewhere, anything where kappa > 1e12."""
    kap = kappa_np(FORWARDS, STRIKES, MATURITIES[:, None], sigma, DISCOUNTS, prices)
    meaningful = kap <= 1e12
    err = np.abs(vols / sigma - 1.0)
    assert np.all(err[meaningful] <= allowed_error(kap[meaningful])), err
    assert np.all(err[kap <= 1e3] <= RTOL)


@pytest.mark.parametrize("kind", ["call", "put"])
def test_surface_of_black_scholes_prices(kind):
    prices = _bs_surface(0.27, kind)
    vols = lf.implied_vol(prices, MARKET, STRIKES, MATURITIES, kind)
    assert vols.shape == (MATURITIES.size, STRIKES.size)
    assert_vols(vols, 0.27, prices)


def test_surface_from_the_levyfast_pricer():
    """Black-Scholes prices from levyfast's own Fourier pricer invert to the model's sigma to
    within the pricer's tolerance (HIGH_ACCURACY: 1e-11 of spot)."""
    model = lf.BlackScholes(0.25)
    prices = lf.price(model, MARKET, STRIKES, MATURITIES, "call", tolerance=lf.HIGH_ACCURACY)
    vols = lf.implied_vol(prices, MARKET, STRIKES, MATURITIES, "call")
    forward = MARKET.spot * np.exp((MARKET.rate - MARKET.dividend) * MATURITIES)[:, None]
    discount = np.exp(-MARKET.rate * MATURITIES)[:, None]
    vega = (
        discount
        * forward
        * np.sqrt(MATURITIES)[:, None]
        * np.exp(
            -0.5
            * (
                np.log(forward / STRIKES) / (0.25 * np.sqrt(MATURITIES))[:, None]
                + 0.125 * np.sqrt(MATURITIES)[:, None]
            )
            ** 2
        )
        / math.sqrt(2 * math.pi)
    )
    ok = vega > 1e-3 * MARKET.spot
    assert np.all(np.abs(vols - 0.25)[ok] <= 3 * lf.HIGH_ACCURACY * MARKET.spot / vega[ok])


def test_batch_equals_surfaces_and_threads_equal_serial():
    sigmas = np.linspace(0.05, 1.5, 7)
    batch = np.stack([_bs_surface(s, "call") for s in sigmas])
    vols = lf.implied_vol(batch, MARKET, STRIKES, MATURITIES)
    assert vols.shape == batch.shape
    for i, s in enumerate(sigmas):
        np.testing.assert_array_equal(
            vols[i], lf.implied_vol(batch[i], MARKET, STRIKES, MATURITIES)
        )
        assert_vols(vols[i], s, batch[i])
    # Large enough for the threaded kernel: bit-identical to the serial results.
    reps = PARALLEL_THRESHOLD // batch[0].size + 1
    big = np.tile(batch, (reps, 1, 1))
    np.testing.assert_array_equal(
        lf.implied_vol(big, MARKET, STRIKES, MATURITIES), np.tile(vols, (reps, 1, 1))
    )


def test_implied_vol_equals_black_implied_vol_with_market_forwards():
    prices = _bs_surface(0.4, "put")
    forward = MARKET.spot * np.exp((MARKET.rate - MARKET.dividend) * MATURITIES)[:, None]
    discount = np.exp(-MARKET.rate * MATURITIES)[:, None]
    np.testing.assert_allclose(
        lf.implied_vol(prices, MARKET, STRIKES, MATURITIES, "put"),
        lf.black_implied_vol(prices, forward, STRIKES, MATURITIES[:, None], discount, "put"),
        rtol=1e-14,
    )


def test_black_implied_vol_broadcasts_per_surface_markets():
    """One rate/dividend per surface, as the dataset generator uses it."""
    n = 4
    rates = np.linspace(-0.01, 0.08, n)[:, None, None]
    forwards = 100.0 * np.exp(rates * MATURITIES[None, :, None])
    discounts = np.exp(-rates * MATURITIES[None, :, None])
    sig = np.linspace(0.1, 0.6, n)[:, None, None]
    prices = lf.black_price(forwards, STRIKES, MATURITIES[:, None], sig, discounts)
    vols = lf.black_implied_vol(prices, forwards, STRIKES, MATURITIES[:, None], discounts)
    assert vols.shape == (n, MATURITIES.size, STRIKES.size)
    kap = kappa_np(forwards, STRIKES, MATURITIES[:, None], sig, discounts, prices)
    err = np.abs(vols / sig - 1.0)
    assert (kap <= 1e3).mean() > 0.9
    assert np.all(err[kap <= 1e3] <= RTOL)


def test_scalar_and_dropped_axes():
    price = float(_bs_surface(0.3, "call")[2, 5])
    v = lf.implied_vol(price, MARKET, STRIKES[5], MATURITIES[2])
    assert isinstance(v, float) and v == pytest.approx(0.3, rel=1e-12)
    row = _bs_surface(0.3, "call")[2]
    assert lf.implied_vol(row, MARKET, STRIKES, MATURITIES[2]).shape == (STRIKES.size,)
    col = _bs_surface(0.3, "call")[:, 5]
    assert lf.implied_vol(col, MARKET, STRIKES[5], MATURITIES).shape == (MATURITIES.size,)
    assert isinstance(lf.black_implied_vol(10.0, 100.0, 100.0, 1.0), float)


# ---------------------------------------------------------------------------------------------
# bounds: NaN by default, ValueError naming the quote with errors="raise"
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_price_at_intrinsic_gives_zero_and_outside_bounds_gives_nan(backend):
    d = 0.9
    # Call F=100, K=80: bounds [d*20, d*100).
    cases = {
        d * 20.0: 0.0,
        d * 20.0 - 1e-9: math.nan,
        d * 100.0: math.nan,
        d * 100.0 + 1: math.nan,
        -1.0: math.nan,
    }
    for price, expected in cases.items():
        got = lf.black_implied_vol(price, 100.0, 80.0, 1.0, d, "call", backend=backend)
        if math.isnan(expected):
            assert math.isnan(got), price
        else:
            assert got == expected
    # Put F=100, K=80 (out of the money): bounds [0, d*80).
    assert lf.black_implied_vol(0.0, 100.0, 80.0, 1.0, d, "put", backend=backend) == 0.0
    assert math.isnan(lf.black_implied_vol(d * 80.0, 100.0, 80.0, 1.0, d, "put", backend=backend))
    near_bound = d * 80.0 * (1 - 1e-9)
    assert 0 < lf.black_implied_vol(near_bound, 100.0, 80.0, 1.0, d, "put", backend=backend) < 1e3


def test_errors_raise_names_the_offending_quote():
    prices = _bs_surface(0.3, "call")
    prices[3, 7] = 0.5 * prices[3, 7] - 10.0  # below intrinsic (and negative)
    prices[4, 2] = 1e6  # above the forward
    vols = lf.implied_vol(prices, MARKET, STRIKES, MATURITIES)
    assert np.isnan(vols[3, 7]) and np.isnan(vols[4, 2])
    assert np.isfinite(np.delete(vols.ravel(), [3 * STRIKES.size + 7, 4 * STRIKES.size + 2])).all()
    with pytest.raises(ValueError, match=r"index \(3, 7\).*below the lower bound"):
        lf.implied_vol(prices, MARKET, STRIKES, MATURITIES, errors="raise")
    prices[3, 7] = 1.0 + MARKET.spot
    with pytest.raises(ValueError, match=r"index \(3, 7\).*at or above the upper bound"):
        lf.implied_vol(prices, MARKET, STRIKES, MATURITIES, errors="raise")
    with pytest.raises(ValueError, match=r"`prices` of black_implied_vol at index \(1,\).*put"):
        lf.black_implied_vol([15.0, 200.0], 100.0, 110.0, 1.0, 1.0, "put", errors="raise")
    with pytest.raises(ValueError, match=r"at index \(\)"):
        lf.black_implied_vol(-1.0, 100.0, 110.0, 1.0, errors="raise")


# ---------------------------------------------------------------------------------------------
# invalid inputs
# ---------------------------------------------------------------------------------------------


def test_invalid_inputs_raise_naming_the_parameter():
    p = _bs_surface(0.3, "call")
    with pytest.raises(ValueError, match=r"`kind` of implied_vol must be one of"):
        lf.implied_vol(p, MARKET, STRIKES, MATURITIES, "straddle")
    with pytest.raises(
        ValueError, match=r"`errors` of implied_vol must be one of \('nan', 'raise'\)"
    ):
        lf.implied_vol(p, MARKET, STRIKES, MATURITIES, errors="ignore")
    with pytest.raises(TypeError, match=r"`market` of implied_vol must be a levyfast.Market"):
        lf.implied_vol(p, (100.0, 0.03), STRIKES, MATURITIES)
    bad = p.copy()
    bad[1, 1] = np.nan
    with pytest.raises(
        ValueError, match=r"`prices` of implied_vol must be finite; got nan at index \(1, 1\)"
    ):
        lf.implied_vol(bad, MARKET, STRIKES, MATURITIES)
    with pytest.raises(ValueError, match=r"`strikes` of implied_vol must be in \(0.0, inf\)"):
        lf.implied_vol(p, MARKET, -STRIKES, MATURITIES)
    with pytest.raises(
        ValueError, match=r"`maturities` of implied_vol must be in \(0.0, inf\); got 0.0"
    ):
        lf.implied_vol(p, MARKET, STRIKES, np.r_[0.0, MATURITIES[1:]])
    with pytest.raises(
        ValueError, match=r"`prices` of implied_vol must have shape \[\.\.\., n_T, n_K\]"
    ):
        lf.implied_vol(p.T, MARKET, STRIKES, MATURITIES)
    with pytest.raises(
        ValueError, match=r"`strikes` of implied_vol must be a scalar or a non-empty 1-d array"
    ):
        lf.implied_vol(p, MARKET, STRIKES[None, :], MATURITIES)
    with pytest.raises(
        TypeError, match=r"`prices` of implied_vol must be an array of real numbers"
    ):
        lf.implied_vol("cheap", MARKET, STRIKES, MATURITIES)
    with pytest.raises(
        ValueError, match=r"`backend` of implied_vol must be one of \('cpp', 'numba'\); got 'gpu'"
    ):
        lf.implied_vol(p, MARKET, STRIKES, MATURITIES, backend="gpu")
    with pytest.raises(ValueError, match=r"`backend` of black_implied_vol must be one of"):
        lf.black_implied_vol(1.0, 100.0, 100.0, 1.0, backend=None)
    for backend in BACKENDS:
        with pytest.raises(ValueError, match=r"`strikes` of black_implied_vol must not be empty"):
            lf.black_implied_vol(1.0, 100.0, [], 1.0, backend=backend)
    with pytest.raises(ValueError, match=r"must broadcast together"):
        lf.black_implied_vol(np.ones(3), 100.0, np.ones(4), 1.0)
    with pytest.raises(
        ValueError, match=r"`discounts` of black_implied_vol must be in \(0.0, inf\)"
    ):
        lf.black_implied_vol(1.0, 100.0, 100.0, 1.0, 0.0)
    with pytest.raises(ValueError, match=r"`forwards` of black_implied_vol must be finite"):
        lf.black_implied_vol(1.0, np.inf, 100.0, 1.0)
    with pytest.raises(
        ValueError, match=r"`vols` of black_price must be in \[0.0, inf\); got -0.1"
    ):
        lf.black_price(100.0, 100.0, 1.0, -0.1)
    with pytest.raises(ValueError, match=r"`kind` of black_price must be one of"):
        lf.black_price(100.0, 100.0, 1.0, 0.2, 1.0, "digital")
    with pytest.raises(ValueError, match=r"`strikes` of black_price must not be empty"):
        lf.black_price(100.0, [], 1.0, 0.2)


@pytest.mark.parametrize("backend", BACKENDS)
def test_extreme_scales_where_the_normalised_price_is_subnormal(backend):
    """F, K ~ 1e97: the price 7e-226 is normal but price/sqrt(F K) ~ 1e-322 is not; both
    black_price and the inversion keep full precision (no subnormal intermediate)."""
    forward, strike, maturity, vol, discount = (
        7.1244825313858975e96,
        9.200696931585357e96,
        19.46,
        0.0015194643683862337,
        0.5835,
    )
    price, _ = mp_black(forward, strike, maturity, vol, discount, "call")
    assert 1e-300 < price < 1e-200
    assert lf.black_price(forward, strike, maturity, vol, discount) == pytest.approx(
        price, rel=1e-13
    )
    got = lf.black_implied_vol(price, forward, strike, maturity, discount, backend=backend)
    assert got == pytest.approx(vol, rel=RTOL)


# ---------------------------------------------------------------------------------------------
# the two implementations: C++ SIMD kernels (per instruction set) and the scalar Numba kernel
# ---------------------------------------------------------------------------------------------

#: levyfast::IvKernel codes of the C++ kernels (0 = the best available).
SIMD_KERNELS = {"baseline": 1, "avx2": 2, "avx512": 3}


def _wide_quotes(n: int, seed: int):
    """Quotes over |ln F/K| <= 6, T in [1e-4, 30], sigma in [1e-3, 5], calls and puts, with
    every 37th price perturbed by up to +-50% (many then lie outside the bounds), every 41st at
    intrinsic value and every 43rd a tiny out-of-the-money time value."""
    rng = np.random.default_rng(seed)
    forward = 100.0 * np.exp(rng.uniform(-3, 3, n))
    strike = 100.0 * np.exp(rng.uniform(-3, 3, n))
    maturity = np.exp(rng.uniform(math.log(1e-4), math.log(30.0), n))
    vol = np.exp(rng.uniform(math.log(1e-3), math.log(5.0), n))
    discount = np.exp(-0.03 * maturity)
    theta = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    call = lf.black_price(forward, strike, maturity, vol, discount, "call")
    put = lf.black_price(forward, strike, maturity, vol, discount, "put")
    price = np.where(theta > 0, call, put)
    price[::37] *= 1.0 + rng.uniform(-0.5, 0.5, price[::37].size)
    intrinsic = discount * np.maximum(theta * (forward - strike), 0.0)
    price[::41] = intrinsic[::41]
    price[::43] = intrinsic[::43] + discount[::43] * np.minimum(forward, strike)[::43] * 1e-200
    return price, forward, strike, maturity, discount, theta


@pytest.mark.parametrize("name", list(SIMD_KERNELS))
def test_each_simd_kernel_agrees_with_the_numba_kernel(name):
    """Every C++ kernel this CPU runs gives the Numba kernel's NaNs and zeros on the same quotes
    and the same volatilities to 1e-14 * max(1, kappa) (measured: <= 2e-15)."""
    kernel = SIMD_KERNELS[name]
    if not _core.iv_kernel_available(kernel):
        pytest.skip(f"the {name} kernel does not run on this CPU")
    price, forward, strike, maturity, discount, theta = _wide_quotes(40_000, 5)
    for sign, kind in ((1.0, "call"), (-1.0, "put")):
        m = theta == sign
        args = [a[m] for a in (price, forward, strike, maturity, discount)]
        numba = lf.black_implied_vol(*args, kind, backend="numba")
        status, cpp = _core.black_implied_vol(*args, sign, 1, kernel)
        assert status == 0
        np.testing.assert_array_equal(np.isnan(cpp), np.isnan(numba))
        np.testing.assert_array_equal(cpp == 0.0, numba == 0.0)
        ok = np.isfinite(numba) & (numba > 0)
        assert ok.sum() > 0.25 * m.sum()  # the others: NaN, or 0.0 at intrinsic
        p, f, k, t, d = (a[ok] for a in args)
        kap = kappa_np(f, k, t, numba[ok], d, p)
        err = np.abs(cpp[ok] / numba[ok] - 1.0)
        assert np.all(err <= 1e-14 * np.maximum(1.0, kap)), float(err.max())


def test_cpp_result_of_a_quote_does_not_depend_on_its_neighbours():
    """A quote's volatility is the same whichever quotes share its SIMD vector or thread."""
    price, forward, strike, maturity, discount, theta = _wide_quotes(3_000, 6)
    call = theta > 0
    args = [a[call] for a in (price, forward, strike, maturity, discount)]
    vols = lf.black_implied_vol(*args)
    order = np.random.default_rng(7).permutation(vols.size)
    permuted = lf.black_implied_vol(*(a[order] for a in args))
    np.testing.assert_array_equal(permuted, vols[order])
    singles = [lf.black_implied_vol(*(float(a[i]) for a in args)) for i in range(0, vols.size, 97)]
    np.testing.assert_array_equal(singles, vols[::97])


@pytest.mark.parametrize("kind", ["call", "put"])
def test_backends_agree_on_surfaces_and_batches(kind):
    model = lf.VarianceGamma(0.2, 0.3, -0.15)
    prices = lf.price(model, MARKET, STRIKES, MATURITIES, kind)
    batch = np.stack([prices * (1.0 + 0.01 * i) for i in range(5)])
    for surface in (prices, batch):
        cpp = lf.implied_vol(surface, MARKET, STRIKES, MATURITIES, kind)
        numba = lf.implied_vol(surface, MARKET, STRIKES, MATURITIES, kind, backend="numba")
        np.testing.assert_array_equal(np.isnan(cpp), np.isnan(numba))
        np.testing.assert_allclose(cpp, numba, rtol=1e-13)
