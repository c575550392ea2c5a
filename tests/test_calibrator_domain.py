"""Calibrator outside its domain: no NaN out of predict, and assess / fit flag surfaces the
network was not trained for (arbitrage, prices outside the training range, answers at the box
edge, answers that do not re-price the quotes)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import levyfast as lf
from levyfast import _onnx_props
from levyfast.calibrator import DomainReport, stamp_digest

pytest.importorskip("onnxruntime")

MARKET = lf.Market(100.0, 0.03, 0.01)


@pytest.fixture(scope="module", params=["vg", "nig", "cgmy"])
def cal(request) -> lf.Calibrator:
    return lf.Calibrator.load(request.param)


def _grid(cal: lf.Calibrator, model: lf.LevyModel, market: lf.Market = MARKET) -> np.ndarray:
    return np.asarray(lf.price(model, market, cal.strikes * market.spot, cal.maturities))


def _inside(cal: lf.Calibrator, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lo = np.array([cal.bounds[p][0] if p in cal.bounds else 0.0 for p in cal.param_names])
    hi = np.array([cal.bounds[p][1] if p in cal.bounds else 0.0 for p in cal.param_names])
    return lo + (hi - lo) * rng.uniform(0.05, 0.95, (n, len(lo)))


# -- predict: a clear error instead of NaN ----------------------------------------------------
@pytest.mark.parametrize("scale", [20.0, 1e6, 1e36, 1e300])
def test_huge_prices_raise_instead_of_nan(cal: lf.Calibrator, scale: float) -> None:
    """Quotes ~1e35 x spot overflowed the float32 features into NaN parameters; anything
    above 2 x spot (a call is worth at most the spot) is now refused in both paths."""
    surface = _grid(cal, cal.family.from_array(_inside(cal, 1, 0)[0])) * scale
    for prices in (surface, surface[None], np.stack([surface, surface / scale])):
        with pytest.raises(ValueError, match=r"must be at most 2 x market.spot .* units"):
            cal.predict(prices, MARKET)


def test_tiny_spot_raises_instead_of_nan(cal: lf.Calibrator) -> None:
    surface = _grid(cal, cal.family.from_array(_inside(cal, 1, 1)[0]))
    for spot in (1e-300, 1e-100, 1e-3):
        with pytest.raises(ValueError, match="must be at most 2 x market.spot"):
            cal.predict(surface, lf.Market(spot, 0.03, 0.01))
    # zero quotes at a subnormal spot stay zeros (a product with 1 / spot = inf gave NaN)
    out = cal.predict(np.zeros(surface.shape), lf.Market(5e-324, 0.03, 0.01))
    assert np.all(np.isfinite(out))


def test_quotes_up_to_the_cap_give_finite_parameters(cal: lf.Calibrator) -> None:
    shape = (len(cal.maturities), len(cal.strikes))
    for value in (0.0, 1e-300, 0.5, 1.0, 2.0):
        out = cal.predict(np.full(shape, value * MARKET.spot), MARKET)
        assert np.all(np.isfinite(out)), value


# -- assess -------------------------------------------------------------------------------------
def test_model_surfaces_inside_the_box_are_trusted(cal: lf.Calibrator) -> None:
    params = _inside(cal, 12, seed=3)
    for row in params:
        surface = _grid(cal, cal.family.from_array(row))
        report = cal.assess(surface, MARKET)
        assert isinstance(report, DomainReport)
        assert report.trustworthy and report.in_domain and report.consistent, str(report)
        assert report.arbitrage == () and report.at_box_edge == ()
        assert report.outside_price_range == 0
        assert report.relative_rmse < 0.012 and report.rmse < 5e-3
        np.testing.assert_array_equal(report.params, cal.predict(surface, MARKET))
        assert str(report).startswith("trustworthy")


def test_missing_quotes_are_not_flags() -> None:
    cal = lf.Calibrator.load("vg")
    surface = _grid(cal, lf.VarianceGamma(0.2, 0.3, -0.15))
    surface[np.random.default_rng(4).random(surface.shape) < 0.15] = np.nan
    report = cal.assess(surface, MARKET)
    assert report.trustworthy, str(report)


def test_garbage_surfaces_are_flagged(cal: lf.Calibrator) -> None:
    rng = np.random.default_rng(5)
    shape = (len(cal.maturities), len(cal.strikes))
    for garbage in (rng.uniform(0.0, 30.0, shape), np.full(shape, 10.0), np.zeros(shape),
                    np.sort(rng.uniform(0.0, 30.0, shape), axis=1)[:, ::-1]):
        report = cal.assess(garbage, MARKET)
        assert not report.trustworthy and not report.in_domain, garbage
        assert report.arbitrage, garbage
        assert not report.consistent and report.relative_rmse > 0.1
        assert str(report).startswith("not trustworthy: ")


def test_single_arbitrage_is_flagged() -> None:
    cal = lf.Calibrator.load("nig")
    surface = _grid(cal, lf.NIG(12.0, -2.0, 0.4))
    surface[3, 5] += 0.5  # a butterfly of negative cost
    report = cal.assess(surface, MARKET)
    assert "convex" in report.arbitrage and not report.trustworthy
    above = _grid(cal, lf.NIG(12.0, -2.0, 0.4))
    above[0, 0] = MARKET.spot * 1.001  # above S e^{-qT}: no call is worth that
    assert "upper_bound" in cal.assess(above, MARKET).arbitrage


@pytest.mark.parametrize(
    "name, model, edge",
    [("vg", lf.VarianceGamma(0.6, 0.3, -0.15), "sigma"),
     ("vg", lf.VarianceGamma(0.2, 0.3, -0.6), "theta"),
     ("nig", lf.NIG(12.0, -3.0, 1.2), "delta"),
     ("cgmy", lf.CGMY(0.8, 6.0, 9.0, 1.8), "Y")],
)
def test_answers_at_the_box_edge_are_flagged(name: str, model: lf.LevyModel, edge: str) -> None:
    cal = lf.Calibrator.load(name)
    report = cal.assess(_grid(cal, model), MARKET)
    assert edge in report.at_box_edge and not report.in_domain and not report.trustworthy
    low, high = cal.bounds[edge]
    j = cal.param_names.index(edge)
    assert min(report.params[j] - low, high - report.params[j]) <= 0.01 * (high - low)
    assert any(f"{edge} = " in r and "edge of the training box" in r for r in report.reasons)


def test_file_without_price_range_skips_that_check(tmp_path) -> None:
    blob = lf.calibrator._resolve("vg").read_bytes()
    keep = [r for r in _onnx_props.records(blob)
            if _onnx_props._key(blob, r) != "price_range"]
    path = tmp_path / "old.onnx"
    path.write_bytes(stamp_digest(b"".join(blob[r.start:r.end] for r in keep)))
    cal = lf.Calibrator.load(path)
    assert cal.price_range is None
    report = cal.assess(_grid(cal, lf.VarianceGamma(0.2, 0.3, -0.15)), MARKET)
    assert report.outside_price_range is None and report.trustworthy


def test_assess_validates_its_arguments() -> None:
    cal = lf.Calibrator.load("vg")
    surface = _grid(cal, lf.VarianceGamma(0.2, 0.3, -0.15))
    with pytest.raises(ValueError, match=r"`prices` of Calibrator.assess must be one surface"):
        cal.assess(surface[None], MARKET)
    with pytest.raises(ValueError, match=r"must be one surface of shape \[7, 11\]"):
        cal.assess(surface[:, :-1], MARKET)
    with pytest.raises(TypeError, match="`prices` of Calibrator must be an array of real"):
        cal.assess(surface.astype(complex), MARKET)
    with pytest.raises(ValueError, match=r"`max_relative_rmse` of Calibrator.assess must be "
                                         r"in \(0.0, inf\); got -1.0"):
        cal.assess(surface, MARKET, max_relative_rmse=-1.0)
    with pytest.raises(ValueError, match="`edge_tolerance` of Calibrator.assess"):
        cal.assess(surface, MARKET, edge_tolerance=0.7)
    with pytest.raises(ValueError, match="`market.rate` must be in"):
        cal.assess(surface, lf.Market(100.0, 0.5))
    # tighter thresholds turn a trusted answer into a flagged one
    assert not cal.assess(surface, MARKET, max_relative_rmse=1e-9).consistent


# -- fit carries the report -------------------------------------------------------------------
def test_fit_result_carries_the_report_and_warns(caplog) -> None:
    cal = lf.Calibrator.load("vg")
    clean = _grid(cal, lf.VarianceGamma(0.2, 0.3, -0.15))
    with caplog.at_level(logging.WARNING, logger="levyfast.calibrator"):
        cal.fit(clean, MARKET)
    assert cal.result_.domain is not None and cal.result_.trustworthy
    assert not [r for r in caplog.records if "not trustworthy" in r.getMessage()]
    garbage = np.random.default_rng(6).uniform(0.0, 30.0, clean.shape)
    with caplog.at_level(logging.WARNING, logger="levyfast.calibrator"):
        cal.fit(garbage, MARKET)
    assert not cal.result_.trustworthy and cal.result_.domain.arbitrage
    warned = [r.getMessage() for r in caplog.records if "not trustworthy" in r.getMessage()]
    assert len(warned) == 1 and "VarianceGamma network" in warned[0]


def test_fit_flags_an_out_of_box_surface_on_another_grid() -> None:
    cal = lf.Calibrator.load("vg")
    strikes = np.linspace(70.0, 130.0, 31)
    maturities = np.array([0.05, 0.3, 0.7, 1.2, 2.5])
    quotes = lf.price(lf.VarianceGamma(0.7, 0.3, -0.15), MARKET, strikes, maturities)
    cal.fit(quotes, MARKET, strikes, maturities)
    assert "sigma" in cal.result_.domain.at_box_edge


def test_fit_rejects_complex_surfaces() -> None:
    cal = lf.Calibrator.load("vg")
    surface = _grid(cal, lf.VarianceGamma(0.2, 0.3, -0.15)).astype(complex)
    with pytest.raises(TypeError, match="`surface` of Calibrator.fit must be an array of real"):
        cal.fit(surface, MARKET)
