"""Regression tests of the bugs the fuzz suite (tests/test_fuzz.py, and longer exploratory runs
of it) found: each was a wrong price with no error, a NaN, a foreign exception type or an
unbounded allocation."""

from __future__ import annotations

import numpy as np
import pytest

import levyfast as lf

MARKET = lf.Market(100.0, 0.03, 0.01)
K = np.array([50.0, 100.0, 200.0])
T = np.array([0.01, 1.0])


# -- argument handling ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call",
    [lambda: lf.price(lf.BlackScholes(0.2), MARKET, [[100.0, 90.0], [100.0]], 1.0),
     lambda: lf.price_and_grad(lf.BlackScholes(0.2), MARKET, [], [[1.0, 1.0], [1.0]]),
     lambda: lf.LeastSquaresCalibrator(lf.BlackScholes).fit(
         [[5.0, 4.0]], MARKET, [[100.0, 90.0], [100.0]], [1.0])],
)
def test_ragged_lists_name_the_argument(call) -> None:
    """np.ndim of a ragged list raised NumPy's own 'setting an array element with a
    sequence' ValueError, naming nothing."""
    with pytest.raises(TypeError, match="`(strikes|maturities)` of "):
        call()


def test_least_squares_rejects_complex_quotes() -> None:
    """np.array(..., float) dropped the imaginary part with a ComplexWarning."""
    with pytest.raises(TypeError, match="`prices` of LeastSquaresCalibrator.fit must be an "
                                        "array of real numbers"):
        lf.LeastSquaresCalibrator(lf.BlackScholes).fit(
            np.array([[5.0 + 1j, 4.0]]), MARKET, [100.0, 110.0], [1.0])


def test_method_error_names_the_argument() -> None:
    with pytest.raises(ValueError, match="`method` 'time_change' needs"):
        lf.price(lf.BlackScholes(0.2), MARKET, 100.0, 1.0, method="time_change")
