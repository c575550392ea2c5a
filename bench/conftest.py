"""Benchmark grid, models and the session cache of oracle surfaces (DESIGN.md §7, §13).

Every benchmark asserts its answer against the independent Lewis (2001) quadrature oracle of
``tests/oracle`` (``lewis_price``), computed once per session per parameter set.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

import levyfast as lf

# The oracle lives with the tests (tests/oracle); `pytest bench` does not load tests/conftest.py,
# so put tests/ on the path the way pytest's rootdir insertion does for the test suite.
_TESTS = str(Path(__file__).resolve().parents[1] / "tests")
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

from oracle import lewis_price  # noqa: E402

SPOT = 100.0
RATE = 0.03
DIVIDEND = 0.0
MARKET = lf.Market(SPOT, RATE, DIVIDEND)
#: The benchmark surface: 20 strikes x 10 maturities = 200 options.
STRIKES = np.linspace(80.0, 120.0, 20)
MATURITIES = np.linspace(0.1, 2.0, 10)
#: Accuracy promised by levyfast's default tolerance, and asserted of every fast method.
ACCURACY = 1e-6 * SPOT
#: Oracle certification (fraction of spot): 1000x inside ACCURACY.
ORACLE_TOL = 1e-9

#: One surface per model of the issue.
SURFACE_MODELS: dict[str, lf.LevyModel] = {
    "vg": lf.VarianceGamma(0.2, 0.3, -0.15),
    "cgmy_y05": lf.CGMY(1.0, 5.0, 5.0, 0.5),
    "cgmy_y15": lf.CGMY(1.0, 5.0, 5.0, 1.5),
    "nig": lf.NIG(15.0, -5.0, 0.5),
}


class OracleCache:
    """Lewis-oracle call surfaces on the benchmark grid, computed once per parameter set."""

    def __init__(self) -> None:
        self._surfaces: dict[tuple[str, tuple[float, ...]], NDArray[np.float64]] = {}

    def __call__(self, model: lf.LevyModel) -> NDArray[np.float64]:
        key = (type(model).__name__, tuple(model.to_array().tolist()))
        if key not in self._surfaces:
            self._surfaces[key] = lewis_price(
                model, MARKET, STRIKES, MATURITIES, "call", tol=ORACLE_TOL
            )
        return self._surfaces[key]


@pytest.fixture(scope="session")
def oracle() -> OracleCache:
    """``oracle(model)`` -> [n_T, n_K] call prices, cached for the session."""
    return OracleCache()


def max_abs_error(prices: NDArray[np.float64], expected: NDArray[np.float64]) -> float:
    assert prices.shape == expected.shape
    assert np.all(np.isfinite(prices))
    return float(np.max(np.abs(prices - expected)))
