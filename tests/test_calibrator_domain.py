"""Calibrator outside its domain: no NaN out of predict."""

from __future__ import annotations

import numpy as np
import pytest

import levyfast as lf

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
