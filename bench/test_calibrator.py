"""Neural calibrator latency: ``Calibrator.predict`` (ONNX Runtime, one thread) for one
surface and for 1024, beside the least-squares calibrators (levyfast's and plain SciPy
Levenberg-Marquardt), the hybrid mode and Keras ``predict`` of the same network in one run.

Every benchmark asserts its answer: the network's parameters must re-price the benchmark
surface (VG on the calibrator's grid) to 1e-3 x spot RMSE, and the batch results must equal
the single-surface result. pytest-benchmark's stats give the p50 (median) of one call; the p99
of single-surface latency is computed from the recorded round times and put in extra_info.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import least_squares

import levyfast as lf

pytestmark = pytest.mark.bench

ort = pytest.importorskip("onnxruntime")

MARKET = lf.Market(100.0, 0.03, 0.01)
TRUE = lf.VarianceGamma(0.2, 0.3, -0.15)


@pytest.fixture(scope="module")
def setup():
    cal = lf.Calibrator.load("vg", intra_op_num_threads=1)
    strikes = cal.strikes * MARKET.spot
    surface = lf.price(TRUE, MARKET, strikes, cal.maturities)
    return cal, strikes, surface


def _rmse(params, strikes, maturities, surface) -> float:
    fitted = lf.price(lf.VarianceGamma(*params), MARKET, strikes, maturities)
    return float(np.sqrt(np.mean((fitted - surface) ** 2)) / MARKET.spot)


def _p99(benchmark) -> None:
    data = np.asarray(benchmark.stats.stats.data)
    benchmark.extra_info["p50_us"] = float(np.median(data) * 1e6)
    benchmark.extra_info["p99_us"] = float(np.quantile(data, 0.99) * 1e6)


@pytest.mark.benchmark(group="calibrate-one-surface")
def test_onnx_predict_batch1(benchmark, setup) -> None:
    cal, strikes, surface = setup
    params = benchmark.pedantic(cal.predict, (surface, MARKET), rounds=20000, iterations=1,
                                warmup_rounds=200)
    _p99(benchmark)
    assert _rmse(params, strikes, cal.maturities, surface) < 1e-3


@pytest.mark.benchmark(group="calibrate-one-surface")
def test_least_squares_peer(benchmark, setup) -> None:
    """SciPy Levenberg-Marquardt on levyfast prices from a neutral start (the classic route)."""
    cal, strikes, surface = setup

    def fit():
        res = least_squares(
            lambda p: (lf.price(lf.VarianceGamma(*p), MARKET, strikes, cal.maturities)
                       - surface).ravel(), x0=[0.25, 0.4, -0.1], method="lm", xtol=1e-10)
        return res.x

    params = benchmark.pedantic(fit, rounds=5, iterations=1)
    _p99(benchmark)
    np.testing.assert_allclose(params, TRUE.to_array(), atol=1e-5)


@pytest.mark.benchmark(group="calibrate-one-surface")
def test_levyfast_least_squares(benchmark, setup) -> None:
    """levyfast.LeastSquaresCalibrator from its default start."""
    cal, strikes, surface = setup
    lsq = lf.LeastSquaresCalibrator(lf.VarianceGamma)
    fitted = benchmark.pedantic(lambda: lsq.fit(surface, MARKET, strikes, cal.maturities),
                                rounds=5, iterations=1)
    _p99(benchmark)
    np.testing.assert_allclose(fitted.params_, TRUE.to_array(), atol=1e-5)


@pytest.mark.benchmark(group="calibrate-one-surface")
def test_hybrid_fit(benchmark, setup) -> None:
    """Network + Levenberg-Marquardt polish: exact to 1e-6 on a clean surface."""
    cal, strikes, _ = setup
    hybrid = lf.Calibrator.load("vg", hybrid=True)
    surface = lf.price(TRUE, MARKET, strikes, cal.maturities, tolerance=lf.HIGH_ACCURACY)
    fitted = benchmark.pedantic(hybrid.fit, (surface, MARKET), rounds=50, iterations=1,
                                warmup_rounds=2)
    _p99(benchmark)
    np.testing.assert_allclose(fitted.params_, TRUE.to_array(), rtol=0, atol=1e-6)


def _keras_twin(cal):
    """The shipped network's architecture in Keras (weights untrained: timing only)."""
    import json

    from levyfast_train.architectures import build
    from levyfast_train.families import FAMILIES

    config = json.loads(cal.metadata["training_config"])
    return build(config["arch"], FAMILIES["vg"], cal.strikes, cal.maturities,
                 width=config["width"], depth=config["depth"])


#: CGMY surfaces on the pretrained CGMY calibrator's grid (T from 0.02, K/S0 0.6-1.6): the
#: hybrid's polish prices and differentiates the week-long maturities of slowly decaying |phi|.
CGMY_CASES = {"cgmy_y09": lf.CGMY(0.8, 6.0, 9.0, 0.9), "cgmy_y15": lf.CGMY(1.0, 5.0, 5.0, 1.5)}


@pytest.fixture(scope="module")
def cgmy_setup():
    cal = lf.Calibrator.load("cgmy", intra_op_num_threads=1)
    strikes = cal.strikes * MARKET.spot
    surfaces = {name: lf.price(model, MARKET, strikes, cal.maturities,
                               tolerance=lf.HIGH_ACCURACY)
                for name, model in CGMY_CASES.items()}
    return cal, strikes, surfaces


@pytest.mark.benchmark(group="calibrate-one-surface cgmy")
def test_cgmy_onnx_predict_batch1(benchmark, cgmy_setup) -> None:
    cal, strikes, surfaces = cgmy_setup
    surface = surfaces["cgmy_y09"]
    params = benchmark.pedantic(cal.predict, (surface, MARKET), rounds=20000, iterations=1,
                                warmup_rounds=200)
    _p99(benchmark)
    fitted = lf.price(lf.CGMY(*params), MARKET, strikes, cal.maturities)
    assert float(np.sqrt(np.mean((fitted - surface) ** 2)) / MARKET.spot) < 1e-3


@pytest.mark.parametrize("name", sorted(CGMY_CASES))
@pytest.mark.benchmark(group="calibrate-one-surface cgmy")
def test_cgmy_hybrid_fit(benchmark, cgmy_setup, name: str) -> None:
    """Network + Levenberg-Marquardt polish (the analytic Jacobian's derivative-grade plans)."""
    _, _, surfaces = cgmy_setup
    hybrid = lf.Calibrator.load("cgmy", hybrid=True, intra_op_num_threads=1)
    fitted = benchmark.pedantic(hybrid.fit, (surfaces[name], MARKET), rounds=20,
                                iterations=1, warmup_rounds=1)
    _p99(benchmark)
    assert fitted.result_.status == "hybrid"
    # Recovery along the C-Y valley is bounded by the polish's pricing tolerance (see
    # tests/test_calibrator.py::test_hybrid_fit_is_exact_on_clean_surfaces).
    np.testing.assert_allclose(fitted.params_, CGMY_CASES[name].to_array(), rtol=0, atol=1e-5)


@pytest.mark.benchmark(group="calibrate-one-surface")
def test_keras_predict_batch1(benchmark, setup) -> None:
    """Keras ``predict`` of the same architecture (weights untrained: timing only)."""
    pytest.importorskip("tensorflow")
    cal, _, surface = setup
    model = _keras_twin(cal)
    x = surface[None] / MARKET.spot
    m = np.array([[MARKET.rate, MARKET.dividend]])
    out = benchmark.pedantic(model.predict, ([x, m],), {"verbose": 0}, rounds=50,
                             iterations=1, warmup_rounds=2)
    _p99(benchmark)
    assert out.shape == (1, 3) and np.all(np.isfinite(out))


@pytest.mark.benchmark(group="calibrate-1024-surfaces")
def test_onnx_predict_batch1024(benchmark, setup) -> None:
    cal, strikes, surface = setup
    batch = np.repeat(surface[None], 1024, axis=0)
    params = benchmark.pedantic(cal.predict, (batch, MARKET), rounds=200, iterations=1,
                                warmup_rounds=3)
    benchmark.extra_info["surfaces_per_s"] = 1024 / benchmark.stats.stats.median
    np.testing.assert_allclose(params, np.repeat(cal.predict(surface, MARKET)[None], 1024, 0),
                               rtol=2e-6, atol=1e-7)


@pytest.mark.benchmark(group="calibrate-1024-surfaces")
def test_keras_predict_batch1024(benchmark, setup) -> None:
    pytest.importorskip("tensorflow")
    cal, _, surface = setup
    model = _keras_twin(cal)
    x = np.repeat(surface[None] / MARKET.spot, 1024, axis=0)
    m = np.repeat(np.array([[MARKET.rate, MARKET.dividend]]), 1024, axis=0)
    out = benchmark.pedantic(model.predict, ([x, m],), {"verbose": 0, "batch_size": 1024},
                             rounds=10, iterations=1, warmup_rounds=1)
    benchmark.extra_info["surfaces_per_s"] = 1024 / benchmark.stats.stats.median
    assert out.shape == (1024, 3)
