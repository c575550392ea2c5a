"""Property-based fuzzing of the public API (Hypothesis, derandomized for reproducible CI).

Every call gets a mix of valid values and NaN, inf, 0, negatives, huge and tiny numbers,
booleans, complex numbers, strings, None, empty and wrongly shaped arrays. The property: a
ValueError or TypeError whose message names the offending argument (in backticks, e.g.
"`strikes` of price ..."), or a finite result inside the static no-arbitrage bounds (within
the promised tolerance). Never NaN, another exception type, a crash or a hang. The last tests
call ``price`` and ``Calibrator.predict`` from 8 threads at once and compare with serial calls.
Every fuzzed call runs on a worker thread with a time limit, so a hang fails its test.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import levyfast as lf

FUZZ = settings(deadline=None, derandomize=True, database=None, max_examples=500,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
#: Wall time one call may take before it counts as a hang (the whole file takes ~20 s).
MAX_SECONDS = 10.0

NAN, INF = math.nan, math.inf
#: Values that are not real numbers or that sit on an edge of every domain.
ODD_SCALARS = st.sampled_from([NAN, INF, -INF, 0.0, -0.0, -1.0, 1e-300, 5e-324, 1e300, -1e300,
                               True, False, 1 + 1j, 1j, "1.0", "abc", "", None, [], (), {},
                               np.float32(NAN), np.int64(3), np.complex128(2.0)])
ODD_NUMBERS = st.sampled_from([NAN, INF, -INF, 0.0, -1.0, 1e-300, 5e-324, 1e300])
ODD_CHOICES = st.one_of(st.sampled_from(["", "CALL", "straddle", "magic", "pide"]), ODD_SCALARS)


def log_uniform(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(math.log(lo), math.log(hi)).map(math.exp)


def valid_array(valid: st.SearchStrategy[Any], max_size: int = 5) -> st.SearchStrategy[Any]:
    """A valid scalar, list or float array."""
    return st.one_of(valid, st.lists(valid, min_size=1, max_size=max_size),
                     st.lists(valid, min_size=1, max_size=max_size).map(np.array))


def odd_array(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """An odd scalar, an empty, 2-d or ragged list, a string, or a list with an odd entry."""
    with_odd_entry = st.tuples(st.lists(valid, max_size=4), ODD_SCALARS, st.integers(0, 4)).map(
        lambda t: [*t[0][:t[2]], t[1], *t[0][t[2]:]])
    return st.one_of(
        ODD_SCALARS,
        with_odd_entry,
        st.just([]),
        st.lists(valid, min_size=2, max_size=4).map(lambda v: [v, v]),  # 2-d
        st.lists(valid, min_size=2, max_size=4).map(lambda v: [v, v[:1]]),  # ragged
        st.lists(valid, min_size=1, max_size=4).map(lambda v: np.array(v, dtype=complex)),
        st.just("100.0"),
    )


def draw_arguments(draw: st.DrawFn, spec: dict[str, tuple[st.SearchStrategy[Any],
                                                              st.SearchStrategy[Any]]]
                   ) -> dict[str, Any]:
    """One value per argument of ``spec`` (name -> (valid, odd)): all valid half of the time,
    else one or two arguments odd, so that both outcomes of every call are exercised."""
    names = sorted(spec)
    n_odd = draw(st.sampled_from([0, 0, 0, 1, 1, 2]), label="n_odd")
    odd = set(draw(st.permutations(names), label="order")[:n_odd])
    return {n: draw(spec[n][1] if n in odd else spec[n][0], label=n) for n in names}


#: Pricing refusals that name what is wrong in words instead of an argument in backticks:
#: a model outside the certified domain ("the model's variance of ln(S_T) ..."), a tolerance
#: the methods cannot reach ("COS cannot reach tolerance ...") or PIDE grid limits.
DOMAIN = ("the model's", "cannot reach tolerance", "parameters of", "the PIDE ")


def expect_clear(call: Callable[[], Any], names: Sequence[str]) -> Any:
    """``call()``'s result, or None when it raised a clear ValueError/TypeError naming one of
    ``names`` (an argument as "`name", or a phrase such as "parameters of NIG"); any other
    outcome fails."""
    try:
        result = within_time_limit(call)
    except (ValueError, TypeError) as exc:
        msg = str(exc)
        assert any((n in msg) if " " in n else (f"`{n}" in msg) for n in names), (
            f"{type(exc).__name__} does not name one of {list(names)}: {msg}")
        event(f"{type(exc).__name__}")
        return None
    event("result")
    return result


def within_time_limit(call: Callable[[], Any]) -> Any:
    """``call()`` run on a daemon thread; a call still running after ``MAX_SECONDS`` fails
    the test as a hang (the thread is abandoned, the test run goes on)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = call()
        except BaseException as exc:  # re-raised on the test's thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(MAX_SECONDS)
    assert not worker.is_alive(), f"the call has not returned after {MAX_SECONDS} s: a hang"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


@pytest.fixture(scope="module", autouse=True)
def _compiled() -> None:
    """Numba kernels compile on first use (seconds, not a hang): compile them before timing."""
    market = lf.Market(100.0, 0.03, 0.01)
    surface = lf.price(lf.BlackScholes(0.2), market, [90.0, 110.0], [0.5, 1.0])
    for kind in ("call", "put"):
        lf.implied_vol(surface, market, [90.0, 110.0], [0.5, 1.0], kind, backend="numba")


# -- models and markets -------------------------------------------------------------------------
#: Valid-but-wide parameter ranges per model; the constructors check cross constraints.
PARAM_RANGES: dict[type[lf.LevyModel], dict[str, st.SearchStrategy[float]]] = {
    lf.BlackScholes: {"sigma": log_uniform(1e-4, 3.0)},
    lf.VarianceGamma: {"sigma": log_uniform(1e-3, 1.5), "nu": log_uniform(1e-3, 3.0),
                       "theta": st.floats(-1.0, 0.3)},
    lf.NIG: {"alpha": log_uniform(0.5, 100.0), "beta": st.floats(-0.45, 0.45),
             "delta": log_uniform(1e-3, 3.0)},
    lf.CGMY: {"C": log_uniform(1e-3, 10.0), "G": log_uniform(0.1, 50.0),
              "M": log_uniform(1.2, 50.0), "Y": st.floats(0.0, 1.95),
              "sigma": st.one_of(st.just(0.0), log_uniform(1e-3, 1.0))},
    lf.Merton: {"sigma": log_uniform(1e-3, 1.5), "lam": log_uniform(1e-3, 20.0),
                "mu_j": st.floats(-1.0, 0.5), "sigma_j": log_uniform(1e-3, 1.0)},
    lf.Kou: {"sigma": log_uniform(1e-3, 1.5), "lam": log_uniform(1e-3, 20.0),
             "p": st.floats(0.0, 1.0), "eta1": log_uniform(1.5, 100.0),
             "eta2": log_uniform(0.5, 100.0)},
}
MODEL_CLASSES = sorted(PARAM_RANGES, key=lambda c: c.__name__)
#: Valid-looking extremes of a parameter (the constructor refuses those outside its domain).
EXTREME = st.sampled_from([1e-300, 1e-12, 1e-6, 0.0, 1e6, 1e12, 1e300, -1e6])


@st.composite
def models(draw: st.DrawFn, cls: type[lf.LevyModel] | None = None) -> lf.LevyModel:
    """A valid model with parameters from wide ranges (NIG's beta as a fraction of alpha),
    one of them at an extreme a quarter of the time."""
    cls = cls or draw(st.sampled_from(MODEL_CLASSES))
    params = {name: draw(s) for name, s in PARAM_RANGES[cls].items()}
    if cls is lf.NIG:
        params["beta"] = params["beta"] * params["alpha"] - 0.5
    if draw(st.integers(0, 3)) == 0:
        params[draw(st.sampled_from(sorted(params)))] = draw(EXTREME)
    try:
        return cls(**params)
    except ValueError:
        assume(False)  # a cross constraint (VG's moment condition, NIG's |beta| < alpha)
    raise AssertionError("unreachable")


#: Markets: usual ones, and a quarter far out (spot 1e-100 .. 1e100, rates and dividends up to
#: 400%: forwards and discount factors beyond double precision at long maturities).
markets = st.one_of(
    *[st.builds(lf.Market, log_uniform(1e-6, 1e6), st.floats(-0.1, 0.3), st.floats(-0.1, 0.3))] * 3,
    st.builds(lf.Market, log_uniform(1e-100, 1e100), st.floats(-2.0, 4.0), st.floats(-2.0, 4.0)))


@given(data=st.data(), cls=st.sampled_from(MODEL_CLASSES))
@FUZZ
def test_model_constructors(data: st.DataObject, cls: type[lf.LevyModel]) -> None:
    params = data.draw(st.composite(lambda draw: draw_arguments(
        draw, {n: (st.one_of(s, s, EXTREME), ODD_SCALARS)
               for n, s in PARAM_RANGES[cls].items()}))(), label="params")
    model = expect_clear(lambda: cls(**params),
                         [*cls.PARAM_NAMES, f"parameters of {cls.__name__}"])
    if model is not None:
        values = model.to_array()
        assert np.all(np.isfinite(values)) and values.dtype == np.float64
        for name, value in zip(cls.PARAM_NAMES, values, strict=True):
            assert cls.BOUNDS[name].contains(float(value)), (name, value)


@given(data=st.data())
@FUZZ
def test_market(data: st.DataObject) -> None:
    args = data.draw(st.composite(lambda draw: draw_arguments(draw, {
        "spot": (log_uniform(1e-8, 1e8), ODD_SCALARS),
        "rate": (st.floats(-1.0, 1.0), ODD_SCALARS),
        "dividend": (st.floats(-1.0, 1.0), ODD_SCALARS)}))(), label="args")
    market = expect_clear(lambda: lf.Market(**args), ["spot", "rate", "dividend"])
    if market is not None:
        assert market.spot > 0.0 and math.isfinite(market.spot)
        assert math.isfinite(market.rate) and math.isfinite(market.dividend)


# -- pricing ------------------------------------------------------------------------------------
def assert_within_bounds(prices: Any, market: lf.Market, strikes: Any, maturities: Any,
                         kind: str, tolerance: float) -> None:
    """Finite prices of the right shape inside the static bounds (a call between
    max(S e^{-qT} - K e^{-rT}, 0) and S e^{-qT}, a put between max(K e^{-rT} - S e^{-qT}, 0)
    and K e^{-rT}), up to the accuracy promise and rounding."""
    k, t = np.asarray(strikes, dtype=float), np.asarray(maturities, dtype=float)
    want_shape = t.shape + k.shape
    p = np.asarray(prices)
    assert p.shape == want_shape, (p.shape, want_shape)
    if not want_shape:
        assert isinstance(prices, float)
    assert np.all(np.isfinite(p)), f"non-finite prices {p}"
    tt = t.reshape(t.shape + (1,) * k.ndim)
    fwd = market.spot * np.exp(-market.dividend * tt)
    disc_k = k * np.exp(-market.rate * tt)
    lower = np.maximum(fwd - disc_k, 0.0) if kind == "call" else np.maximum(disc_k - fwd, 0.0)
    upper = fwd if kind == "call" else disc_k
    slack = 10.0 * tolerance * market.spot + 1e-9 * (fwd + disc_k)
    assert np.all(p >= lower - slack), f"below the lower bound: {p} < {lower}"
    assert np.all(p <= upper + slack), f"above the upper bound: {p} > {upper}"


def grid_arguments(draw: st.DrawFn, spot: float, **more: tuple[st.SearchStrategy[Any],
                                                                st.SearchStrategy[Any]]
                   ) -> dict[str, Any]:
    """Strikes (0.3 to 3 times the spot, sometimes 1e-4 to 1e4 times) and maturities (0.01 to
    10 years, sometimes a microsecond to 1000 years) plus ``more``."""
    strike = st.one_of(*[log_uniform(0.3, 3.0)] * 3, log_uniform(1e-4, 1e4)).map(
        lambda x: x * spot)
    maturity = st.one_of(*[log_uniform(0.01, 10.0)] * 3, log_uniform(1e-6, 1e3))
    return draw_arguments(draw, {"strikes": (valid_array(strike), odd_array(strike)),
                                 "maturities": (valid_array(maturity), odd_array(maturity)),
                                 **more})


KIND = (st.sampled_from(["call", "put"]), ODD_CHOICES)
METHOD = (st.sampled_from(["auto", "auto", "cos", "fft", "time_change"]), ODD_CHOICES)
TOLERANCE = (st.sampled_from([1e-7, 1e-7, 1e-4, 1e-10]), ODD_SCALARS)
PRICE_NAMES = ["strikes", "maturities", "kind", "method", "tolerance", "model", "market",
               *DOMAIN]


@given(model=models(), market=markets, data=st.data())
@FUZZ
def test_price(model: lf.LevyModel, market: lf.Market, data: st.DataObject) -> None:
    args = data.draw(st.composite(lambda draw: grid_arguments(
        draw, market.spot, kind=KIND, method=METHOD, tolerance=TOLERANCE))(), label="args")
    result = expect_clear(lambda: lf.price(model, market, **args), PRICE_NAMES)
    if result is not None:
        assert_within_bounds(result, market, args["strikes"], args["maturities"], args["kind"],
                             args["tolerance"])


@given(model=models(), market=markets, data=st.data(),
       bad_market=st.one_of(st.none(), st.none(), st.none(), ODD_SCALARS))
@FUZZ
def test_price_and_grad(model: lf.LevyModel, market: lf.Market, data: st.DataObject,
                        bad_market: Any) -> None:
    args = data.draw(st.composite(lambda draw: grid_arguments(draw, market.spot))(),
                     label="args")
    result = expect_clear(lambda: lf.price_and_grad(
        model, market if bad_market is None else bad_market, **args), PRICE_NAMES)
    if result is not None:
        prices, grads = result
        assert_within_bounds(prices, market, args["strikes"], args["maturities"], "call", 1e-7)
        assert np.all(np.isfinite(grads)), "non-finite gradient"
        assert np.shape(grads) == (len(model.PARAM_NAMES), *np.shape(prices))


@st.composite
def param_rows(draw: st.DrawFn, cls: type[lf.LevyModel]) -> Any:
    """Rows ``[n, k]`` of valid parameters for ``cls``."""
    return [draw(models(cls)).to_array().tolist() for _ in range(draw(st.integers(1, 3)))]


@st.composite
def odd_param_rows(draw: st.DrawFn, cls: type[lf.LevyModel]) -> Any:
    rows = draw(param_rows(cls))
    how = draw(st.integers(0, 3))
    if how == 0:
        rows[0][draw(st.integers(0, len(rows[0]) - 1))] = draw(st.one_of(ODD_SCALARS, EXTREME))
        return rows
    return [[r[:-1] for r in rows], rows[0], draw(ODD_SCALARS)][how - 1]  # k-1 columns, 1-d


@given(cls=st.sampled_from(MODEL_CLASSES), market=markets, data=st.data())
@FUZZ
def test_price_batch(cls: type[lf.LevyModel], market: lf.Market, data: st.DataObject) -> None:
    args = data.draw(st.composite(lambda draw: grid_arguments(
        draw, market.spot, params=(param_rows(cls), odd_param_rows(cls))))(), label="args")
    result = expect_clear(lambda: lf.price_batch(cls, market=market, **args),
                          ["params", "model_cls", *PRICE_NAMES])
    if result is not None:
        rows = np.asarray(args["params"], dtype=float)
        k, t = np.asarray(args["strikes"], float), np.asarray(args["maturities"], float)
        assert result.shape == (rows.shape[0], t.size, k.size)  # always 3-d
        for i, row in enumerate(rows):
            single = lf.price(cls.from_array(row), market, args["strikes"], args["maturities"])
            got = result[i].reshape(np.shape(single))
            assert_within_bounds(float(got) if got.ndim == 0 else got, market, args["strikes"],
                                 args["maturities"], "call", 1e-7)
            np.testing.assert_allclose(got, single, rtol=0, atol=1e-9 * market.spot)


# -- Black prices and implied vols ----------------------------------------------------------
@st.composite
def black_arguments(draw: st.DrawFn) -> dict[str, Any]:
    """Broadcastable scalars / 1-d arrays of one length (or odd values)."""
    n = draw(st.integers(1, 4))

    def arr(valid: st.SearchStrategy[float]) -> tuple[st.SearchStrategy[Any],
                                                      st.SearchStrategy[Any]]:
        return st.one_of(valid, st.lists(valid, min_size=n, max_size=n)), odd_array(valid)

    return draw_arguments(draw, {"forwards": arr(log_uniform(1e-3, 1e3)),
                                 "strikes": arr(log_uniform(1e-3, 1e3)),
                                 "maturities": arr(log_uniform(1e-3, 30.0)),
                                 "vols": arr(log_uniform(1e-4, 5.0)),
                                 "discounts": arr(st.floats(0.01, 1.0)), "kind": KIND})


@given(args=black_arguments())
@FUZZ
def test_black_price(args: dict[str, Any]) -> None:
    result = expect_clear(lambda: lf.black_price(**args), sorted(args))
    if result is not None:
        f, k, t, v, d = np.broadcast_arrays(*(np.asarray(args[n], float) for n in (
            "forwards", "strikes", "maturities", "vols", "discounts")))
        assert np.shape(result) == f.shape and np.all(np.isfinite(result))
        call = args["kind"] == "call"
        intrinsic = np.maximum(f - k, 0.0) if call else np.maximum(k - f, 0.0)
        upper = f if call else k
        slack = 1e-12 * (f + k)
        assert np.all(result >= d * intrinsic - slack) and np.all(result <= d * upper + slack)


@given(model=models(), market=markets, data=st.data(),
       scale=st.one_of(st.just(1.0), st.just(1.0), st.floats(0.0, 3.0), ODD_SCALARS))
@FUZZ
def test_implied_vol(model: lf.LevyModel, market: lf.Market, data: st.DataObject,
                     scale: Any) -> None:
    """Model prices (scaled: out of bounds where scaled far), odd grids and options;
    errors="raise" never gives NaN, and errors="nan" gives NaN only where "raise" refuses."""
    args = data.draw(st.composite(lambda draw: grid_arguments(
        draw, market.spot, kind=KIND,
        backend=(st.sampled_from(["cpp", "cpp", "numba"]), ODD_CHOICES)))(), label="args")
    prices = expect_clear(lambda: lf.price(model, market, args["strikes"], args["maturities"],
                                           args["kind"]), PRICE_NAMES)
    if prices is None:  # an odd grid or kind: passed on as is
        prices = np.ones((3, 2))
    try:
        with np.errstate(invalid="ignore", over="ignore"):  # 0 x inf: NaN quotes, on purpose
            prices = prices * scale
    except (TypeError, ValueError):  # not a number: passed on as the prices
        prices = scale
    names = ["prices", "strikes", "maturities", "kind", "market", "backend", "errors"]
    strict = expect_clear(lambda: lf.implied_vol(prices, market, errors="raise", **args), names)
    lenient = expect_clear(lambda: lf.implied_vol(prices, market, errors="nan", **args), names)
    if strict is not None:
        assert np.all(np.isfinite(strict)) and np.all(np.asarray(strict) >= 0.0)
        np.testing.assert_array_equal(lenient, strict)
    elif lenient is not None:  # refused by "raise" only for a quote outside its bounds
        assert np.isnan(lenient).any()
        assert np.all(np.isnan(lenient) | (np.asarray(lenient) >= 0.0))


# -- calibration --------------------------------------------------------------------------------
@st.composite
def lsq_cases(draw: st.DrawFn) -> tuple[Any, ...]:
    cls = draw(st.sampled_from([lf.BlackScholes, lf.VarianceGamma, lf.NIG, lf.Merton]))
    truth = draw(models(cls))
    market = draw(markets)
    strikes = market.spot * np.sort(draw(st.lists(log_uniform(0.5, 2.0), min_size=2,
                                                   max_size=5, unique=True)))
    maturities = np.sort(draw(st.lists(log_uniform(0.05, 5.0), min_size=1, max_size=2,
                                       unique=True)))
    assume(np.all(np.diff(strikes) > 1e-6 * market.spot) and np.all(np.diff(maturities) > 1e-6))
    try:
        quotes: Any = lf.price(truth, market, strikes, maturities)
    except ValueError:  # outside the certified domain (tested in test_price)
        assume(False)
    how = draw(st.integers(0, 7))
    if how == 1:
        quotes = quotes * draw(st.floats(0.0, 3.0))  # scaled, likely arbitrage
    elif how == 2:
        quotes = quotes.copy()
        quotes.flat[draw(st.integers(0, quotes.size - 1))] = draw(ODD_NUMBERS)
    elif how == 3:
        quotes = quotes[..., :-1]  # wrong shape
    elif how == 4:
        quotes = draw(ODD_SCALARS)
    elif how == 5:
        strikes = draw(odd_array(st.just(market.spot)))
    elif how == 6:
        market = draw(ODD_SCALARS)
    elif how == 7:
        quotes = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).uniform(
            0.0, market.spot, quotes.shape)
    return cls, quotes, market, strikes, maturities


@given(case=lsq_cases())
@settings(FUZZ, max_examples=120)
def test_least_squares_fit(case: tuple[Any, ...]) -> None:
    cls, quotes, market, strikes, maturities = case
    cal = lf.LeastSquaresCalibrator(cls, max_nfev=30, on_arbitrage="drop")
    fitted = expect_clear(lambda: cal.fit(quotes, market, strikes, maturities),
                          ["prices", "strikes", "maturities", "market", "weights",
                           "LeastSquaresCalibrator.fit", *DOMAIN])
    if fitted is not None:
        params = fitted.params_
        assert np.all(np.isfinite(params)), params
        for name, value in zip(cls.PARAM_NAMES, params, strict=True):
            assert cls.BOUNDS[name].contains(float(value)), (name, value)
        result = fitted.result_
        assert isinstance(result.success, bool) and result.message
        if result.success:  # a failed fit says why in `message` (e.g. an unpriceable start)
            assert math.isfinite(result.rmse_price) and result.rmse_price >= 0.0


@pytest.fixture(scope="module")
def vg_calibrator() -> lf.Calibrator:
    pytest.importorskip("onnxruntime")
    return lf.Calibrator.load("vg")


_SURFACE = np.asarray(lf.price(lf.VarianceGamma(0.2, 0.3, -0.15), lf.Market(100.0, 0.03, 0.01),
                               100.0 * np.round(np.linspace(0.8, 1.2, 11), 10),
                               np.array([0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0])))


@st.composite
def calibrator_inputs(draw: st.DrawFn) -> tuple[Any, Any]:
    spot = draw(log_uniform(1e-3, 1e4))
    market: Any = lf.Market(spot, draw(st.floats(0.0, 0.06)), draw(st.floats(0.0, 0.03)))
    prices: Any = _SURFACE / 100.0 * spot * draw(st.floats(0.0, 1.5))
    how = draw(st.integers(0, 8))
    if how == 1:
        prices = prices.copy()
        prices.flat[draw(st.integers(0, prices.size - 1))] = draw(
            st.sampled_from([NAN, INF, -INF, -1.0, 1e300, 0.0, 1e-300]))
    elif how == 2:
        prices = np.stack([prices, prices * draw(st.floats(0.0, 1e6))])
    elif how == 3:
        prices = draw(st.sampled_from([prices[:, :-1], prices[0], prices[None, None], []]))
    elif how == 4:
        prices = draw(st.one_of(ODD_SCALARS, odd_array(st.just(1.0))))
    elif how == 5:
        prices = prices.astype(draw(st.sampled_from([complex, bool, object, str])))
    elif how == 6:
        market = draw(st.one_of(ODD_SCALARS, st.just([market]), st.just((spot, 0.01)),
                                st.builds(lf.Market, st.just(spot), st.floats(-0.5, 0.5))))
    elif how == 7:
        prices = prices * draw(log_uniform(1.0, 1e300))
    elif how == 8:
        prices = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).uniform(
            0.0, 2.0 * spot, prices.shape)
    return prices, market


@given(case=calibrator_inputs())
@settings(FUZZ, max_examples=1000)
def test_calibrator_predict(vg_calibrator: lf.Calibrator, case: tuple[Any, Any]) -> None:
    prices, market = case
    params = expect_clear(lambda: vg_calibrator.predict(prices, market), ["prices", "market"])
    if params is not None:
        assert params.dtype == np.float64 and np.all(np.isfinite(params)), params
        lo = np.array([vg_calibrator.bounds[p][0] for p in vg_calibrator.param_names])
        hi = np.array([vg_calibrator.bounds[p][1] for p in vg_calibrator.param_names])
        assert np.all((params >= lo - 1e-6) & (params <= hi + 1e-6)), params


# -- option chains and term structures --------------------------------------------------------
def _chain_frame() -> Any:
    """Calls and puts of three expiries priced by VG, bid/ask 0.1 wide about the price."""
    import pandas as pd

    market, model = lf.Market(100.0, 0.03, 0.01), lf.VarianceGamma(0.2, 0.3, -0.15)
    rows = []
    for days in (30, 91, 365):
        for kind in ("call", "put"):
            strikes = np.linspace(80.0, 120.0, 9)
            p = np.asarray(lf.price(model, market, strikes, days / 365.0, kind))
            rows += [{"quote_date": "2024-01-02", "strike": k, "option_type": kind,
                      "expiry": (pd.Timestamp("2024-01-02") + pd.Timedelta(days=days)).date()
                      .isoformat(), "bid": pk - min(0.05, pk / 4), "ask": pk + min(0.05, pk / 4)}
                     for k, pk in zip(strikes, p, strict=True)]
    return pd.DataFrame(rows)


_CHAIN = _chain_frame()
_CHAIN_COLUMNS = ["quote_date", "expiry", "strike", "option_type", "bid", "ask"]
ODD_CELLS = st.sampled_from([NAN, INF, -INF, 0.0, -1.0, 1e300, -1e300, 1e-300, "", "abc", None,
                             True, 1j, "2023-12-31", "1900-01-01", "2999-01-01", "put", "C",
                             "straddle", 5e-324])


@st.composite
def chain_frames(draw: st.DrawFn) -> tuple[Any, dict[str, Any]]:
    frame = _CHAIN.copy()
    how = draw(st.integers(0, 6))
    if how == 1:
        frame = frame.drop(columns=draw(st.sampled_from(_CHAIN_COLUMNS)))
    elif how == 2:
        frame = frame.iloc[: draw(st.integers(0, 6))]
    elif how == 3:
        frame = frame.assign(bid=frame["ask"], ask=frame["bid"])  # every quote crossed
    elif how == 4:
        frame = frame.assign(bid=frame["bid"] * draw(st.floats(-2.0, 3.0)))
    elif how == 5:
        frame = frame[frame["option_type"] == draw(st.sampled_from(["call", "put"]))]
    elif how == 6:
        frame = frame.sample(frac=1.0, random_state=draw(st.integers(0, 100)))
    for _ in range(draw(st.integers(0, 4)) if len(frame) else 0):
        row = draw(st.integers(0, len(frame) - 1))
        column = draw(st.sampled_from([c for c in _CHAIN_COLUMNS if c in frame.columns]))
        frame[column] = frame[column].astype(object)
        frame.iloc[row, frame.columns.get_loc(column)] = draw(ODD_CELLS)
    kwargs: dict[str, Any] = draw(st.sampled_from([
        {}, {"spot": 100.0}, {"rate": 0.03}, {"spot": draw(ODD_SCALARS)},
        {"rate": draw(ODD_SCALARS)}, {"market": lf.Market(100.0, 0.03, 0.01)},
        {"market": draw(ODD_SCALARS)}, {"price_unit": draw(ODD_CHOICES)}]))
    return frame, kwargs


CHAIN_NAMES = ["OptionChain ", "OptionChain:"]  # each names the class and what is wrong


@given(case=chain_frames())
@settings(FUZZ, max_examples=150)
def test_option_chain_and_its_fit(case: tuple[Any, dict[str, Any]]) -> None:
    """A corrupted chain is a clear error or a chain whose forwards, discounts and quote
    implied vols are finite and positive; fitting it is a clear error or finite parameters."""
    frame, kwargs = case
    chain = expect_clear(lambda: lf.OptionChain(frame, **kwargs), CHAIN_NAMES)
    if chain is None:
        return
    e = chain.expiries
    assert np.all(np.isfinite(e["forward"])) and np.all(e["forward"] > 0.0), e
    assert np.all((e["discount"] > 0.0) & (e["discount"] < 2.0)), e
    otm = chain.otm_quotes()
    assert len(otm) and np.all(np.isfinite(otm["iv"])) and np.all(otm["iv"] > 0.0)
    cal = lf.LeastSquaresCalibrator(lf.VarianceGamma, target="iv", max_nfev=20)
    fitted = expect_clear(lambda: cal.fit(chain), ["LeastSquaresCalibrator", "prices"])
    if fitted is not None:
        assert np.all(np.isfinite(fitted.params_)) and fitted.result_.message
        assert math.isfinite(fitted.result_.rmse_iv_bp)


@given(spot=st.one_of(log_uniform(1e-3, 1e6), ODD_SCALARS),
       maturities=st.one_of(valid_array(log_uniform(1e-3, 30.0)),
                            odd_array(log_uniform(1e-3, 30.0))),
       forwards=st.one_of(valid_array(log_uniform(1e-3, 1e6)), odd_array(log_uniform(1e-3, 1e6))),
       discounts=st.one_of(valid_array(st.floats(0.2, 1.2)), odd_array(st.floats(0.2, 1.2))),
       at=st.one_of(log_uniform(1e-4, 100.0), ODD_SCALARS))
@settings(FUZZ, max_examples=300)
def test_term_structure(spot: Any, maturities: Any, forwards: Any, discounts: Any,
                        at: Any) -> None:
    curve = expect_clear(lambda: lf.TermStructure(spot, maturities, forwards, discounts),
                         ["spot", "maturities", "forwards", "discounts", "TermStructure"])
    if curve is None:
        return
    market = expect_clear(lambda: curve.market_at(at), ["T", "maturity", "TermStructure"])
    if market is not None:
        assert isinstance(market, lf.Market)
        assert all(math.isfinite(v) for v in (market.spot, market.rate, market.dividend))
        prices = expect_clear(lambda: lf.price(lf.VarianceGamma(0.2, 0.3, -0.15), curve,
                                               [0.9 * market.spot, market.spot], [float(at)]),
                              ["strikes", "maturities", "market", *DOMAIN])
        if prices is not None:
            assert np.all(np.isfinite(prices)) and np.all(np.asarray(prices) >= 0.0)


# -- threads ------------------------------------------------------------------------------------
def test_price_from_threads_equals_serial() -> None:
    """8 threads pricing every model (each call releases the GIL) give the serial answers
    bit for bit, for one surface and for batches."""
    market = lf.Market(100.0, 0.03, 0.01)
    strikes = np.linspace(60.0, 160.0, 21)
    maturities = np.array([0.02, 0.25, 1.0, 5.0])
    models_ = (lf.VarianceGamma(0.2, 0.3, -0.15), lf.NIG(15.0, -5.0, 0.5),
               lf.CGMY(1.0, 5.0, 5.0, 1.5), lf.Merton(0.15, 0.1, -0.9, 0.45),
               lf.Kou(0.2, 1.0, 0.3, 10.0, 5.0), lf.BlackScholes(0.25))
    serial = [lf.price(m, market, strikes, maturities) for m in models_]
    batch = lf.price_batch(lf.VarianceGamma, [[0.2, 0.3, -0.15], [0.3, 0.5, -0.2]], market,
                           strikes, maturities, n_threads=1)

    def work(i: int) -> list[tuple[int, np.ndarray]]:
        order = [(i + j) % len(models_) for j in range(3 * len(models_))]
        out = [(k, lf.price(models_[k], market, strikes, maturities)) for k in order]
        return [*out, (-1, lf.price_batch(lf.VarianceGamma, [[0.2, 0.3, -0.15],
                                                             [0.3, 0.5, -0.2]],
                                          market, strikes, maturities, n_threads=2))]

    with ThreadPoolExecutor(8) as pool:
        for results in pool.map(work, range(8)):
            for k, got in results:
                np.testing.assert_array_equal(got, batch if k < 0 else serial[k])


def test_calibrator_from_threads_equals_serial(vg_calibrator: lf.Calibrator) -> None:
    market = lf.Market(100.0, 0.03, 0.01)
    rng = np.random.default_rng(8)
    lo = np.array([vg_calibrator.bounds[p][0] for p in vg_calibrator.param_names])
    hi = np.array([vg_calibrator.bounds[p][1] for p in vg_calibrator.param_names])
    params = lo + (hi - lo) * rng.uniform(0.05, 0.95, (32, 3))
    surfaces = lf.price_batch(lf.VarianceGamma, params, market, vg_calibrator.strikes * 100.0,
                              vg_calibrator.maturities)
    serial_one = np.array([vg_calibrator.predict(s, market) for s in surfaces])
    serial_batch = vg_calibrator.predict(surfaces, market)

    def work(i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        order = (i + np.arange(64)) % 32
        one = np.array([vg_calibrator.predict(surfaces[k], market) for k in order])
        return order, one, vg_calibrator.predict(surfaces[order[:8]], market)

    with ThreadPoolExecutor(8) as pool:
        for order, one, batch in pool.map(work, range(8)):
            np.testing.assert_array_equal(one, serial_one[order])
            np.testing.assert_allclose(batch, serial_batch[order[:8]], rtol=1e-6, atol=1e-7)
