"""Regression tests of the bugs the fuzz suite (tests/test_fuzz.py, and longer exploratory runs
of it) found: each was a wrong price with no error, a NaN, a foreign exception type or an
unbounded allocation."""

from __future__ import annotations

import logging

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


@pytest.mark.parametrize("spot", [1e-8, 1e-4, 1.0, 100.0, 1e30, 1e100])
def test_least_squares_is_scale_free(spot: float, caplog) -> None:
    """Residuals in plain price units: at spot 1e-4 the start already met the absolute gtol
    and the fit 'succeeded' at x0 = (0.2, 0.2, -0.1); at 1e60 scipy overflowed."""
    true = lf.VarianceGamma(0.2, 0.3, -0.15)
    market = lf.Market(spot, 0.02, 0.0)
    strikes = spot * np.array([0.8, 0.9, 1.0, 1.1, 1.2])
    maturities = np.array([0.5, 1.0])
    quotes = lf.price(true, market, strikes, maturities)
    with caplog.at_level(logging.WARNING):
        cal = lf.LeastSquaresCalibrator(lf.VarianceGamma).fit(quotes, market, strikes,
                                                              maturities)
    assert cal.result_.success, cal.result_.message
    np.testing.assert_allclose(cal.params_, true.to_array(), atol=1e-6)


def test_least_squares_stays_inside_open_bounds() -> None:
    """dogbox projects a step onto sigma = 0 (VG's open end) and asks for the Jacobian there:
    'internal error: Jacobian requested outside the model's domain'."""
    market = lf.Market(100.0, 0.03, 0.0)
    strikes, maturities = np.linspace(80.0, 120.0, 20), np.linspace(0.1, 2.0, 10)
    rng = np.random.default_rng(3)
    garbage = np.sort(rng.uniform(0.5, 30.0, (10, 20)), axis=1)[:, ::-1]
    cal = lf.LeastSquaresCalibrator(lf.VarianceGamma, on_arbitrage="drop")
    cal.fit(garbage, market, strikes, maturities)
    assert not cal.result_.success and cal.params_[0] > 0.0


def test_method_error_names_the_argument() -> None:
    with pytest.raises(ValueError, match="`method` 'time_change' needs"):
        lf.price(lf.BlackScholes(0.2), MARKET, 100.0, 1.0, method="time_change")
