"""Implied volatility of the 200-option benchmark surface and of a 10,000 x 200 batch.

levyfast runs its default C++ SIMD kernel (``backend="cpp"``) and, for reference, its scalar
Numba kernel (``backend="numba"``). Peers in the same run: py_lets_be_rational (Jäckel's
algorithm in pure Python), py_vollib (the same behind its Black API) and QuantLib's
``blackFormulaImpliedStdDev`` (at its default accuracy 1e-6 and at 1e-12), each called once per
option. Every benchmark asserts its answer:
against volatilities solved by mpmath at 40 digits for the surface, against the known
volatilities for the batch. ``benchmark.group`` puts the peers of one task in one table.
"""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest

import levyfast as lf

from .conftest import MARKET, MATURITIES, RATE, SPOT, STRIKES

pytestmark = pytest.mark.bench

VG = lf.VarianceGamma(0.2, 0.3, -0.15)
FORWARDS = SPOT * np.exp(RATE * MATURITIES)
DISCOUNTS = np.exp(-RATE * MATURITIES)
#: Relative accuracy asserted of each method on the surface.
SURFACE_RTOL = {
    "levyfast": 1e-12,
    "levyfast_numba": 1e-12,
    "py_lets_be_rational": 1e-12,
    "py_vollib": 1e-12,
    "quantlib_acc1e-12": 1e-10,
    "quantlib_default": 1e-4,
}
N_BATCH = 10_000


def _mp_implied_vol(
    price: float, forward: float, strike: float, maturity: float, discount: float
) -> float:
    with mpmath.workdps(40):
        f, k, t = mpmath.mpf(forward), mpmath.mpf(strike), mpmath.mpf(maturity)
        target = mpmath.mpf(price) / mpmath.mpf(discount)

        def excess(sigma):
            s = sigma * mpmath.sqrt(t)
            d1 = mpmath.log(f / k) / s + s / 2
            return f * mpmath.ncdf(d1) - k * mpmath.ncdf(d1 - s) - target

        return float(
            mpmath.findroot(excess, (mpmath.mpf("0.01"), mpmath.mpf(3)), solver="illinois")
        )


@pytest.fixture(scope="module")
def surface():
    """VG call prices on the bench grid and their mpmath implied volatilities."""
    prices = lf.price(VG, MARKET, STRIKES, MATURITIES, "call")
    ref = np.array(
        [
            [
                _mp_implied_vol(prices[i, j], FORWARDS[i], STRIKES[j], MATURITIES[i], DISCOUNTS[i])
                for j in range(STRIKES.size)
            ]
            for i in range(MATURITIES.size)
        ]
    )
    return prices, ref


def _quotes(prices):
    return [
        (
            float(prices[i, j]),
            float(FORWARDS[i]),
            float(STRIKES[j]),
            float(MATURITIES[i]),
            float(DISCOUNTS[i]),
        )
        for i in range(MATURITIES.size)
        for j in range(STRIKES.size)
    ]


def _check(benchmark, name, vols, ref):
    err = float(np.max(np.abs(np.asarray(vols).reshape(ref.shape) / ref - 1.0)))
    benchmark.extra_info["max_rel_vol_error"] = err
    assert err <= SURFACE_RTOL[name], f"{name}: max relative error {err:.2e}"


def test_surface_levyfast(benchmark, surface):
    prices, ref = surface
    lf.implied_vol(prices, MARKET, STRIKES, MATURITIES, "call")  # load the JIT cache first
    benchmark.group = "implied vol: 200-option surface"
    vols = benchmark(lf.implied_vol, prices, MARKET, STRIKES, MATURITIES, "call")
    _check(benchmark, "levyfast", vols, ref)


def test_surface_levyfast_numba(benchmark, surface):
    prices, ref = surface
    lf.implied_vol(prices, MARKET, STRIKES, MATURITIES, "call", backend="numba")  # JIT cache
    benchmark.group = "implied vol: 200-option surface"
    vols = benchmark(
        lf.implied_vol, prices, MARKET, STRIKES, MATURITIES, "call", backend="numba"
    )
    _check(benchmark, "levyfast_numba", vols, ref)


def test_surface_py_lets_be_rational(benchmark, surface):
    lbr = pytest.importorskip("py_lets_be_rational")
    prices, ref = surface
    quotes = _quotes(prices)
    solve = lbr.implied_volatility_from_a_transformed_rational_guess

    def run():
        return [solve(p / d, f, k, t, 1.0) for p, f, k, t, d in quotes]

    benchmark.group = "implied vol: 200-option surface"
    _check(benchmark, "py_lets_be_rational", benchmark(run), ref)


def test_surface_py_vollib(benchmark, surface):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # py_vollib forwards to vollib
        black_iv = pytest.importorskip("py_vollib.black.implied_volatility")
    prices, ref = surface
    quotes = _quotes(prices)
    solve = black_iv.implied_volatility_of_undiscounted_option_price

    def run():
        return [solve(p / d, f, k, t, "c") for p, f, k, t, d in quotes]

    benchmark.group = "implied vol: 200-option surface"
    _check(benchmark, "py_vollib", benchmark(run), ref)


@pytest.mark.parametrize("accuracy", [None, 1e-12], ids=["quantlib_default", "quantlib_acc1e-12"])
def test_surface_quantlib(benchmark, surface, accuracy):
    ql = pytest.importorskip("QuantLib")
    prices, ref = surface
    quotes = _quotes(prices)
    call = ql.Option.Call
    solve = ql.blackFormulaImpliedStdDev
    if accuracy is None:

        def run():
            return [solve(call, k, f, p, d) / math.sqrt(t) for p, f, k, t, d in quotes]

        name = "quantlib_default"
    else:
        guess = ql.nullDouble()

        def run():
            return [
                solve(call, k, f, p, d, 0.0, guess, accuracy, 100) / math.sqrt(t)
                for p, f, k, t, d in quotes
            ]

        name = "quantlib_acc1e-12"
    benchmark.group = "implied vol: 200-option surface"
    _check(benchmark, name, benchmark(run), ref)


@pytest.fixture(scope="module")
def batch():
    """N_BATCH Black-Scholes surfaces on the bench grid, one volatility each, and the mask of
    the quotes that determine their volatility (condition number price/(sigma vega) <= 1e3;
    the others are deep in-the-money calls whose time value is lost in rounding)."""
    sigmas = np.random.default_rng(42).uniform(0.1, 0.6, N_BATCH)[:, None, None]
    f, d, t = FORWARDS[:, None], DISCOUNTS[:, None], MATURITIES[:, None]
    prices = lf.black_price(f, STRIKES, t, sigmas, d)
    s = sigmas * np.sqrt(t)
    d1 = np.log(f / STRIKES) / s + 0.5 * s
    kappa = prices / (d * f * s * np.exp(-0.5 * d1 * d1) / math.sqrt(2.0 * math.pi))
    return prices, sigmas, kappa <= 1e3


def _check_batch(benchmark, vols, batch, tolerance):
    prices, sigmas, informative = batch
    err = np.abs(np.asarray(vols).reshape(prices.shape) / sigmas - 1.0)[informative]
    benchmark.extra_info["max_rel_vol_error"] = float(err.max())
    benchmark.extra_info["informative_fraction"] = float(informative.mean())
    assert float(err.max()) <= tolerance, f"max relative error {err.max():.2e}"


def test_batch_levyfast(benchmark, batch):
    prices = batch[0]
    benchmark.group = "implied vol: 10,000 x 200 batch"
    vols = benchmark.pedantic(
        lf.implied_vol,
        (prices, MARKET, STRIKES, MATURITIES),
        rounds=3,
        iterations=1,
        warmup_rounds=1,
    )
    _check_batch(benchmark, vols, batch, 1e-12)


def test_batch_levyfast_numba(benchmark, batch):
    prices = batch[0]
    lf.implied_vol(prices[:1], MARKET, STRIKES, MATURITIES, backend="numba")  # JIT cache
    benchmark.group = "implied vol: 10,000 x 200 batch"
    vols = benchmark.pedantic(
        lf.implied_vol,
        (prices, MARKET, STRIKES, MATURITIES),
        {"backend": "numba"},
        rounds=1,
        iterations=1,
    )
    _check_batch(benchmark, vols, batch, 1e-12)


def test_batch_quantlib(benchmark, batch):
    ql = pytest.importorskip("QuantLib")
    prices = batch[0]
    call, solve, guess = ql.Option.Call, ql.blackFormulaImpliedStdDev, ql.nullDouble()
    sqrt_t = np.sqrt(MATURITIES)

    def run():
        return [
            solve(call, k, f, p, d, 0.0, guess, 1e-12, 100) / st
            for surface_prices in prices.tolist()
            for row, f, d, st in zip(surface_prices, FORWARDS, DISCOUNTS, sqrt_t, strict=True)
            for p, k in zip(row, STRIKES, strict=True)
        ]

    benchmark.group = "implied vol: 10,000 x 200 batch"
    vols = benchmark.pedantic(run, rounds=1, iterations=1)
    # QuantLib's accuracy argument bounds its solver's step, not the result: measured max
    # relative error 7e-7 on the informative quotes of this batch.
    _check_batch(benchmark, vols, batch, 1e-6)
