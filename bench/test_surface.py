"""One 20 x 10 surface per model: levyfast (auto, COS, FFT) vs a NumPy COS baseline vs QuantLib.

Every benchmark asserts its prices against the Lewis quadrature oracle. ``benchmark.group`` is
the model, so pytest-benchmark's table shows each method's time relative to the fastest.
"""

from __future__ import annotations

import numpy as np
import pytest

import levyfast as lf

from .conftest import (
    ACCURACY,
    DIFFUSION_MODELS,
    DIVIDEND,
    MARKET,
    MATURITIES,
    RATE,
    SPOT,
    STRIKES,
    SURFACE_MODELS,
    max_abs_error,
)
from .numpy_cos import numpy_cos_price

pytestmark = pytest.mark.bench

#: Smallest power-of-two N for which the NumPy COS baseline (L = 10) is within ACCURACY of the
#: oracle on the benchmark grid (measured max abs errors at N and N/2, in units of S0:
#: vg 2.9e-7 / 1.5e-6, cgmy_y05 6.1e-8 / 3.0e-6, cgmy_y15 2.3e-14 / 1.2e-6, nig 6.7e-8 / 1.6e-5).
NUMPY_COS_TERMS = {"vg": 2048, "cgmy_y05": 512, "cgmy_y15": 64, "nig": 128}

#: levyfast methods benchmarked per model. method="cos" is not applicable to this VG: its
#: |phi(u)| decays like |u|^(-2T/nu) (T/nu = 1/3 at T = 0.1), so COS cannot reach the default
#: tolerance within max_terms = 65536 and raises ValueError; "auto" uses the exact time change.
LEVYFAST_MODELS = {**SURFACE_MODELS, **DIFFUSION_MODELS}
LEVYFAST_CASES = [
    (name, method)
    for name in LEVYFAST_MODELS
    for method in ("auto", "cos", "fft")
    if not (name == "vg" and method == "cos")
]


def _check(benchmark, prices, expected, tolerance: float) -> None:
    error = max_abs_error(prices, expected)
    benchmark.extra_info["max_abs_error_over_spot"] = error / SPOT
    benchmark.extra_info["asserted_tolerance_over_spot"] = tolerance / SPOT
    assert error <= tolerance, f"max abs error {error:.3e} > {tolerance:.3e}"


@pytest.mark.parametrize(
    ("name", "method"), LEVYFAST_CASES, ids=[f"{n}-levyfast_{m}" for n, m in LEVYFAST_CASES]
)
def test_levyfast(benchmark, oracle, name: str, method: str) -> None:
    model = LEVYFAST_MODELS[name]
    expected = oracle(model)
    benchmark.group = f"surface {name}"
    prices = benchmark(lf.price, model, MARKET, STRIKES, MATURITIES, "call", method)
    _check(benchmark, prices, expected, ACCURACY)


@pytest.mark.parametrize(
    "name", list(SURFACE_MODELS), ids=[f"{n}-numpy_cos" for n in SURFACE_MODELS]
)
def test_numpy_cos(benchmark, oracle, name: str) -> None:
    model = SURFACE_MODELS[name]
    expected = oracle(model)
    n_terms = NUMPY_COS_TERMS[name]
    benchmark.group = f"surface {name}"
    benchmark.extra_info["n_terms"] = n_terms
    prices = benchmark(
        numpy_cos_price, model, SPOT, RATE, DIVIDEND, STRIKES, MATURITIES, "call", n_terms
    )
    _check(benchmark, prices, expected, ACCURACY)
    # N is the smallest power of two that meets ACCURACY: half of it must not.
    coarser = numpy_cos_price(
        model, SPOT, RATE, DIVIDEND, STRIKES, MATURITIES, "call", n_terms // 2
    )
    assert max_abs_error(coarser, expected) > ACCURACY


#: The "equal accuracy" baseline of issue 18: the NumPy COS at the smallest power-of-two N, with
#: the range width L from MATCHED_WIDTHS that reaches it, within MATCH_FACTOR of the error
#: levyfast's default actually delivers on the surface. L matters at this accuracy: at L = 10
#: the range floors the error at ~1.5e-8 * S0 whatever N; measured on the VG surface against
#: levyfast's 9.2e-9 * S0, N = 8192 reaches 1.53e-8 at L = 10, 1.11e-8 at 10.5, 8.8e-9 at 11.
MATCHED_MODELS = ("vg",)
MATCHED_TERMS = (1024, 2048, 4096, 8192, 16384, 32768)
MATCHED_WIDTHS = (10.0, 10.5, 11.0, 11.5, 12.0)
MATCH_FACTOR = 1.25


def _matched_numpy_cos(model, expected, target: float) -> tuple[int, float]:
    """(N, L) of the cheapest NumPy COS within ``target`` (cost grows with N, not L)."""
    for n_terms in MATCHED_TERMS:
        for width in MATCHED_WIDTHS:
            prices = numpy_cos_price(model, SPOT, RATE, DIVIDEND, STRIKES, MATURITIES, "call",
                                     n_terms, width)
            if max_abs_error(prices, expected) <= target:
                return n_terms, width
    raise AssertionError(f"no NumPy COS on the grid reaches {target:.3e}")


@pytest.mark.parametrize("name", MATCHED_MODELS, ids=[f"{n}-numpy_cos_matched" for n in
                                                      MATCHED_MODELS])
def test_numpy_cos_at_levyfast_accuracy(benchmark, oracle, name: str) -> None:
    model = SURFACE_MODELS[name]
    expected = oracle(model)
    ours = max_abs_error(lf.price(model, MARKET, STRIKES, MATURITIES, "call"), expected)
    n_terms, width = _matched_numpy_cos(model, expected, MATCH_FACTOR * ours)
    benchmark.group = f"surface {name}"
    benchmark.extra_info["n_terms"] = n_terms
    benchmark.extra_info["truncation_l"] = width
    benchmark.extra_info["levyfast_error_over_spot"] = ours / SPOT
    prices = benchmark.pedantic(
        numpy_cos_price,
        (model, SPOT, RATE, DIVIDEND, STRIKES, MATURITIES, "call", n_terms, width),
        rounds=15, iterations=1, warmup_rounds=1,
    )
    _check(benchmark, prices, expected, MATCH_FACTOR * ours)


#: QuantLib's VarianceGammaEngine integrates to a fixed absolute error (~1e-5) with a rule that
#: cannot resolve the gamma density's singularity when T/nu < 1 (tests/oracle/quantlib_engines.py).
QUANTLIB_ACCURACY = 1e-5 * SPOT
#: Measured on the T = 0.1 row (T/nu = 1/3): max abs error 0.317 = 3.2e-3 * S0.
QUANTLIB_SHORT_ACCURACY = 1e-2 * SPOT


def test_quantlib_vg(benchmark, oracle) -> None:
    """QuantLib's VarianceGammaEngine on the same 200 options (NPV loop only is timed).

    Maturities map to QuantLib dates exactly: T = 0.1 + i * 1.9/9 is 36 + 76 i days under
    Actual360, so with Actual360 on both flat, continuously compounded curves QuantLib's year
    fraction equals T (checked to 1e-12 below) and discount factors are exp(-r T) — no day
    rounding. QuantLib caches NPV; ``recalculate()`` forces the engine to run each round.
    """
    ql = pytest.importorskip("QuantLib")
    model = SURFACE_MODELS["vg"]
    expected = oracle(model)

    settings = ql.Settings.instance()
    saved = settings.evaluationDate
    today = ql.Date(1, ql.January, 2001)
    settings.evaluationDate = today
    try:
        day_count = ql.Actual360()

        def flat(rate: float):
            return ql.YieldTermStructureHandle(
                ql.FlatForward(today, ql.QuoteHandle(ql.SimpleQuote(rate)), day_count,
                               ql.Continuous, ql.Annual)
            )

        process = ql.VarianceGammaProcess(
            ql.QuoteHandle(ql.SimpleQuote(SPOT)), flat(DIVIDEND), flat(RATE),
            model.sigma, model.nu, model.theta,
        )
        engine = ql.VarianceGammaEngine(process)
        options = []
        for t in MATURITIES:
            date = today + int(round(t * 360.0))
            assert abs(day_count.yearFraction(today, date) - t) < 1e-12
            exercise = ql.EuropeanExercise(date)
            for k in STRIKES:
                option = ql.VanillaOption(ql.PlainVanillaPayoff(ql.Option.Call, float(k)), exercise)
                option.setPricingEngine(engine)
                options.append(option)

        def npv_loop() -> np.ndarray:
            out = np.empty(len(options))
            for i, option in enumerate(options):
                option.recalculate()
                out[i] = option.NPV()
            return out.reshape(MATURITIES.size, STRIKES.size)

        benchmark.group = "surface vg"
        prices = benchmark.pedantic(npv_loop, rounds=20, iterations=1, warmup_rounds=1)
    finally:
        settings.evaluationDate = saved

    short = MATURITIES / model.nu < 1.0
    err_long = max_abs_error(prices[~short], expected[~short])
    err_short = max_abs_error(prices[short], expected[short])
    benchmark.extra_info["max_abs_error_over_spot_T_over_nu_ge_1"] = err_long / SPOT
    benchmark.extra_info["max_abs_error_over_spot_T_over_nu_lt_1"] = err_short / SPOT
    assert err_long <= QUANTLIB_ACCURACY
    assert err_short <= QUANTLIB_SHORT_ACCURACY
