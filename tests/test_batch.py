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
