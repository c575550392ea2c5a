"""levyfast.Calibrator against the shipped pretrained networks (onnxruntime only).

Accuracy is checked on surfaces priced here with ``price_batch`` at parameters drawn with a
seed of this file (never seen in training, whose Sobol design uses its own seed), per
parameter relative to the width of the training box, and by re-pricing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import levyfast as lf

pytest.importorskip("onnxruntime")

MARKET = lf.Market(100.0, 0.03, 0.01)
#: Max |error| / box width allowed for 95% of test points and the median re-priced RMSE
#: (fraction of spot) per pretrained family (measured on these 200 draws: VG 0.0063 /
#: 1.3e-4, NIG 0.012 / 6.8e-5, CGMY 0.010 / 3.7e-4).
TOLERANCES = {"vg": (0.02, 2e-4), "nig": (0.03, 3e-4), "cgmy": (0.03, 6e-4)}


def _draw(cal: lf.Calibrator, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lo = np.array([cal.bounds[p][0] if p in cal.bounds else 0.0 for p in cal.param_names])
    hi = np.array([cal.bounds[p][1] if p in cal.bounds else 0.0 for p in cal.param_names])
    # stay off the box edges, where a sigmoid output layer saturates
    return lo + (hi - lo) * rng.uniform(0.05, 0.95, (n, len(lo)))


@pytest.fixture(scope="module", params=["vg", "nig", "cgmy"])
def calibrator(request) -> lf.Calibrator:
    return lf.Calibrator.load(request.param)


def test_pretrained_metadata(calibrator: lf.Calibrator) -> None:
    assert calibrator.param_names == calibrator.family.PARAM_NAMES
    assert calibrator.metadata["levyfast_version"]
    assert calibrator.strikes.ndim == 1 and np.all(np.diff(calibrator.strikes) > 0)
    assert calibrator.maturities.ndim == 1 and np.all(np.diff(calibrator.maturities) > 0)
    assert set(calibrator.bounds) <= set(calibrator.param_names)


def test_pretrained_accuracy(calibrator: lf.Calibrator) -> None:
    name = {lf.VarianceGamma: "vg", lf.NIG: "nig", lf.CGMY: "cgmy"}[calibrator.family]
    tol_param, tol_price = TOLERANCES[name]
    true = _draw(calibrator, 200, seed=20240601)
    strikes = calibrator.strikes * MARKET.spot
    prices = lf.price_batch(calibrator.family, true, MARKET, strikes, calibrator.maturities)
    pred = calibrator.predict(prices, MARKET)
    assert pred.shape == true.shape
    for j, p in enumerate(calibrator.param_names):
        if p not in calibrator.bounds:
            np.testing.assert_array_equal(pred[:, j], true[:, j])  # fixed parameter
            continue
        lo, hi = calibrator.bounds[p]
        err = np.abs(pred[:, j] - true[:, j]) / (hi - lo)
        assert np.quantile(err, 0.95) < tol_param, (p, np.quantile(err, 0.95))
    repriced = lf.price_batch(calibrator.family, pred, MARKET, strikes, calibrator.maturities)
    rmse = np.sqrt(np.mean((repriced - prices) ** 2, axis=(1, 2))) / MARKET.spot
    assert np.median(rmse) < tol_price, np.median(rmse)


def test_single_surface_matches_batch_and_spot_scaling() -> None:
    cal = lf.Calibrator.load("vg")
    model = lf.VarianceGamma(0.2, 0.3, -0.15)
    one = lf.price(model, MARKET, cal.strikes * MARKET.spot, cal.maturities)
    single = cal.predict(one, MARKET)
    batch = cal.predict(np.stack([one, one]), MARKET)
    assert single.shape == (3,) and batch.shape == (2, 3)
    # one surface runs the native network, a batch ONNX Runtime: the same float32 network,
    # its sums in another order
    np.testing.assert_allclose(batch[0], single, rtol=1e-6, atol=1e-6)
    # the same surface quoted at another spot is the same calibration problem
    other = lf.Market(2.5, MARKET.rate, MARKET.dividend)
    np.testing.assert_allclose(cal.predict(one * 0.025, other), single, rtol=1e-5)
    np.testing.assert_allclose(single, model.to_array(), atol=0.02)


def test_single_surface_fast_path_agrees_with_batch_path() -> None:
    """One surface with one Market runs through this thread's buffers (C++ features, the
    native network); it must give the batch path's answer, with and without missing quotes,
    and keep no input between calls."""
    cal = lf.Calibrator.load("vg")
    true = _draw(cal, 40, seed=11)
    prices = lf.price_batch(lf.VarianceGamma, true, MARKET, cal.strikes * 100, cal.maturities)
    prices[::3, 2, 4] = np.nan
    batch = cal.predict(prices, MARKET)
    for i in range(len(prices)):
        single = cal.predict(prices[i], MARKET)
        assert single.dtype == np.float64 and single.shape == (3,)
        np.testing.assert_allclose(single, batch[i], rtol=2e-6, atol=1e-7)
    np.testing.assert_allclose(cal.predict(list(map(list, prices[5])), MARKET), batch[5],
                               rtol=2e-6, atol=1e-7)  # any array-like
    # a batch of one [1, n_T, n_K] takes the same path and keeps its batch axis
    one = cal.predict(prices[7:8], MARKET)
    assert one.shape == (1, 3)
    np.testing.assert_array_equal(one[0], cal.predict(prices[7], MARKET))


def test_predict_rejects_non_real_quotes() -> None:
    cal = lf.Calibrator.load("vg")
    surface = np.full(cal.maturities.shape + cal.strikes.shape, 5.0)
    with pytest.raises(TypeError, match="`prices` of Calibrator must be an array of real numbers "
                                        r"\(float or int\); got complex"):
        cal.predict(surface + 0j, MARKET)


def test_single_surface_fast_path_is_thread_safe() -> None:
    from concurrent.futures import ThreadPoolExecutor

    cal = lf.Calibrator.load("vg")
    true = _draw(cal, 64, seed=12)
    prices = lf.price_batch(lf.VarianceGamma, true, MARKET, cal.strikes * 100, cal.maturities)
    want = np.array([cal.predict(p, MARKET) for p in prices])

    def run(i: int) -> np.ndarray:
        return np.array([cal.predict(prices[(i + j) % 64], MARKET) for j in range(200)])

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, range(4)))
    for i, got in enumerate(results):
        np.testing.assert_array_equal(got, want[(i + np.arange(200)) % 64])


def test_fit_sklearn_contract() -> None:
    cal = lf.Calibrator.load("nig")
    model = lf.NIG(12.0, -3.0, 0.4)
    surface = lf.price(model, MARKET, cal.strikes * MARKET.spot, cal.maturities)
    before = surface.copy()
    assert cal.fit(surface, MARKET) is cal
    np.testing.assert_array_equal(surface, before)
    assert isinstance(cal.model_, lf.NIG)
    np.testing.assert_array_equal(cal.model_.to_array(), cal.params_)
    assert cal.result_.status == "network" and cal.result_.cost < 1e-3
    assert cal.result_.time > 0.0


def test_fit_maps_other_grids_and_rejects_extrapolation() -> None:
    cal = lf.Calibrator.load("vg")
    model = lf.VarianceGamma(0.25, 0.4, -0.2)
    on_grid = cal.fit(lf.price(model, MARKET, cal.strikes * 100, cal.maturities), MARKET)
    want = on_grid.params_.copy()
    strikes = np.linspace(70.0, 130.0, 41)
    maturities = np.array([0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.25, 1.5, 2.0, 2.5])
    quotes = lf.price(model, MARKET, strikes, maturities)
    got = cal.fit(quotes, MARKET, strikes, maturities).params_
    np.testing.assert_allclose(got, want, atol=0.01)
    with pytest.raises(ValueError, match="interpolated, never extrapolated"):
        cal.fit(quotes[:, 10:], MARKET, strikes[10:], maturities)  # K from 85
    with pytest.raises(ValueError, match="interpolated, never extrapolated"):
        cal.fit(quotes[:-2], MARKET, strikes, maturities[:-2])


def test_missing_quotes_tolerated() -> None:
    cal = lf.Calibrator.load("vg")
    true = _draw(cal, 100, seed=7)
    prices = lf.price_batch(lf.VarianceGamma, true, MARKET, cal.strikes * 100, cal.maturities)
    full = cal.predict(prices, MARKET)
    holes = prices.copy()
    holes[np.random.default_rng(3).random(holes.shape) < 0.1] = np.nan
    part = cal.predict(holes, MARKET)
    width = np.array([cal.bounds[p][1] - cal.bounds[p][0] for p in cal.param_names])
    assert np.median(np.abs(part - full) / width) < 0.02


def _one_bad_surface(cal: lf.Calibrator) -> np.ndarray:
    return lf.price_batch(lf.VarianceGamma, [[0.2, 0.3, -0.1]], MARKET, cal.strikes * 100,
                          cal.maturities)


@pytest.mark.parametrize("mutate", [lambda p: p[:, :-1], lambda p: p[0, 0]])
def test_predict_rejects_bad_shapes(mutate) -> None:
    cal = lf.Calibrator.load("vg")
    with pytest.raises(ValueError, match=r"must have shape \[n, 7, 11\]"):
        cal.predict(mutate(_one_bad_surface(cal)), MARKET)


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda p: np.full_like(p, np.nan), "has no quotes"),
        (lambda p: np.where(np.arange(p[0].size).reshape(p.shape[1:]) % 4 != 0, np.nan, p),
         r"misses 7\d% of its quotes"),
        (lambda p: np.where(p == p.max(), np.inf, p), "got inf"),
        (lambda p: np.where(p == p.min(), -np.inf, p), "got inf"),
        (lambda p: -p, "must be >= 0"),
        (lambda p: np.where(p == p.min(), -1e-300, p), "must be >= 0"),
    ],
)
@pytest.mark.parametrize("one_surface", [False, True])
def test_predict_rejects_bad_quotes(mutate, match, one_surface) -> None:
    cal = lf.Calibrator.load("vg")
    bad = mutate(_one_bad_surface(cal))
    if one_surface:  # a single [n_T, n_K] surface takes the I/O-binding path
        bad = bad[0]
    with pytest.raises(ValueError, match=match):
        cal.predict(bad, MARKET)


def test_one_surface_path_equals_batch_path() -> None:
    cal = lf.Calibrator.load("vg")
    prices = lf.price_batch(lf.VarianceGamma, _draw(cal, 8, seed=11), MARKET,
                            cal.strikes * 100, cal.maturities)
    prices[::2, 3, 5] = np.nan  # missing quotes take the slow check in both paths
    batch = cal.predict(prices, MARKET)
    one = np.array([cal.predict(surface, MARKET) for surface in prices])
    np.testing.assert_allclose(one, batch, rtol=1e-6, atol=1e-7)


def test_predict_rejects_bad_market() -> None:
    cal = lf.Calibrator.load("vg")
    surface = np.full((7, 11), 5.0)
    with pytest.raises(TypeError, match="levyfast.Market"):
        cal.predict(surface, (100.0, 0.03))
    with pytest.raises(ValueError, match=r"`market.rate` must be in \[0, 0.06\]"):
        cal.predict(surface, lf.Market(100.0, 0.2))


def test_load_errors(tmp_path) -> None:
    with pytest.raises(ValueError, match="calibrates NIG, not VarianceGamma"):
        lf.Calibrator.load("nig", model=lf.VarianceGamma)
    with pytest.raises(ValueError, match="pretrained names"):
        lf.Calibrator.load("heston")
    blob = Path(_path("vg")).read_bytes()
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ValueError, match="cannot load .* as an ONNX model"):
        lf.Calibrator.load(corrupt)
    with pytest.raises(ValueError, match="intra_op_num_threads"):
        lf.Calibrator.load("vg", intra_op_num_threads=0)
    with pytest.raises(ValueError, match="providers"):
        lf.Calibrator.load("vg", providers=["NoSuchExecutionProvider"])


def test_foreign_onnx_file_rejected(tmp_path) -> None:
    onnx = pytest.importorskip("onnx")
    proto = onnx.load(_path("vg"))
    del proto.metadata_props[:]
    path = tmp_path / "plain.onnx"
    onnx.save(proto, path)
    with pytest.raises(ValueError, match="not a levyfast neural calibrator"):
        lf.Calibrator.load(path)


def _path(name: str) -> str:
    from importlib import resources

    return str(resources.files("levyfast") / "pretrained" / f"{name}.onnx")


@pytest.mark.parametrize(
    "name, model",
    [("vg", lf.VarianceGamma(0.18, 0.35, -0.2)), ("nig", lf.NIG(14.0, -4.0, 0.45)),
     ("cgmy", lf.CGMY(0.8, 6.0, 9.0, 0.9)),
     ("cgmy", lf.CGMY(0.4, 3.0, 3.0, 0.65))],  # one-week quotes need > 8192 COS terms
)
def test_hybrid_fit_is_exact_on_clean_surfaces(name, model) -> None:
    cal = lf.Calibrator.load(name, hybrid=True)
    surface = lf.price(model, MARKET, cal.strikes * MARKET.spot, cal.maturities,
                       tolerance=lf.HIGH_ACCURACY)
    cal.fit(surface, MARKET)
    assert cal.result_.status == "hybrid"
    # The polish prices at the derivative-grade tolerance 1e-9 * S0: a residual floor of that
    # order bounds the recovery along CGMY's C-Y valley (scaled condition number ~1e3) at a
    # few 1e-6 (measured 2.7e-6 for CGMY(0.8, 6, 9, 0.9)).
    np.testing.assert_allclose(cal.params_, model.to_array(), rtol=0, atol=1e-5)
    assert cal.result_.cost < 1e-8


def test_hybrid_says_when_the_polish_fails() -> None:
    cal = lf.Calibrator.load("cgmy", hybrid=True, refine_max_nfev=1)
    model = lf.CGMY(0.8, 6.0, 9.0, 0.9)
    surface = lf.price(model, MARKET, cal.strikes * MARKET.spot, cal.maturities)
    cal.fit(surface, MARKET)
    assert cal.result_.status.startswith("network (polish failed: ")
    np.testing.assert_array_equal(cal.params_, lf.Calibrator.load("cgmy").predict(surface,
                                                                                   MARKET))


def test_hybrid_fits_quotes_as_given_off_grid() -> None:
    cal = lf.Calibrator.load("vg", hybrid=True)
    model = lf.VarianceGamma(0.22, 0.25, -0.1)
    strikes = np.linspace(75.0, 125.0, 15)
    maturities = np.array([0.08, 0.3, 0.6, 1.0, 2.2])
    quotes = lf.price(model, MARKET, strikes, maturities, tolerance=lf.HIGH_ACCURACY)
    cal.fit(quotes, MARKET, strikes, maturities)
    np.testing.assert_allclose(cal.params_, model.to_array(), rtol=0, atol=1e-6)
