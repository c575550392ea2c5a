"""price_batch: identical to per-surface pricing, independent of the thread count."""

from __future__ import annotations

import numpy as np
import pytest

import levyfast as lf

MKT = lf.Market(100.0, 0.03, 0.0)
K = np.linspace(80, 120, 20)
T = np.linspace(0.1, 2.0, 10)


def _vg_params(n: int, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    p = np.column_stack([rng.uniform(0.05, 0.5, n), rng.uniform(0.05, 1.0, n),
                         rng.uniform(-0.5, 0.1, n)])
    ok = 1 - p[:, 2] * p[:, 1] - 0.5 * p[:, 0] ** 2 * p[:, 1] > 0
    return p[ok]


@pytest.mark.parametrize("kind", ["call", "put"])
def test_batch_matches_single_surfaces_and_threads(kind: str) -> None:
    params = _vg_params(64)
    one = lf.price_batch(lf.VarianceGamma, params, MKT, K, T, kind, n_threads=1)
    two = lf.price_batch(lf.VarianceGamma, params, MKT, K, T, kind, n_threads=2)
    assert one.shape == (len(params), T.size, K.size)
    np.testing.assert_array_equal(one, two)
    for i in (0, len(params) // 2, len(params) - 1):
        single = lf.price(lf.VarianceGamma.from_array(params[i]), MKT, K, T, kind)
        np.testing.assert_array_equal(one[i], single)


@pytest.mark.parametrize(
    "cls,params",
    [
        (lf.CGMY, [[1.0, 5.0, 5.0, 0.5, 0.0], [0.5, 4.0, 8.0, 1.5, 0.1]]),
        (lf.NIG, [[15.0, -5.0, 0.5], [8.0, 2.0, 1.0]]),
        (lf.Merton, [[0.15, 0.1, -0.9, 0.45], [0.2, 2.0, -0.05, 0.1]]),
        (lf.Kou, [[0.2, 1.0, 0.3, 10.0, 5.0], [0.1, 3.0, 0.6, 20.0, 15.0]]),
        (lf.BlackScholes, [[0.1], [0.4]]),
    ],
)
def test_batch_every_model(cls, params) -> None:
    out = lf.price_batch(cls, params, MKT, K, T)
    for i, row in enumerate(params):
        np.testing.assert_array_equal(out[i], lf.price(cls(*row), MKT, K, T))


def test_batch_per_row_rates_and_dividends() -> None:
    params = _vg_params(12)
    rng = np.random.default_rng(3)
    rates = rng.uniform(-0.01, 0.08, len(params))
    dividends = rng.uniform(0.0, 0.04, len(params))
    out = lf.price_batch(lf.VarianceGamma, params, MKT, K, T, "put", n_threads=2,
                         rates=rates, dividends=dividends)
    for i in range(len(params)):
        row_market = lf.Market(MKT.spot, rates[i], dividends[i])
        single = lf.price(lf.VarianceGamma.from_array(params[i]), row_market, K, T, "put")
        np.testing.assert_array_equal(out[i], single)
    only_rates = lf.price_batch(lf.VarianceGamma, params, MKT, K, T, rates=rates)
    single = lf.price(lf.VarianceGamma.from_array(params[1]), lf.Market(100.0, rates[1]), K, T)
    np.testing.assert_array_equal(only_rates[1], single)


@pytest.mark.parametrize(
    "name,value,match",
    [
        ("rates", np.zeros(3), r"`rates` of price_batch must have shape \[2\]"),
        ("dividends", [0.0, np.nan], r"`dividends` of price_batch must be finite"),
        ("rates", [[0.0, 0.0]], r"`rates` of price_batch must have ndim"),
    ],
)
def test_batch_per_row_market_validation(name: str, value, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        lf.price_batch(lf.VarianceGamma, _vg_params(2)[:2], MKT, K, T, **{name: value})
