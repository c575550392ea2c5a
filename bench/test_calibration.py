"""Calibration benchmarks: LeastSquaresCalibrator (analytic Jacobian) vs SciPy least_squares
with finite differences over lf.price (what a user writes), same surface, start and bounds.

Quotes: the noise-free benchmark surface (``conftest.STRIKES`` x ``conftest.MATURITIES``)
priced by ``lf.price`` at ``lf.HIGH_ACCURACY``; every benchmark asserts the recovered
parameters to 1e-5 (relative, or absolute for |theta| < 1): the analytic Jacobian's prices are
planned to the derivative-grade tolerance 1e-9 x S0, and along CGMY's C-Y valley that bounds
the recovery at a few 1e-6 (measured 2.1e-6 for CGMY Y = 0.5).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import least_squares

import levyfast as lf

from .conftest import MARKET, MATURITIES, STRIKES

pytestmark = pytest.mark.bench

CASES = {
    "vg": (lf.VarianceGamma(0.2, 0.3, -0.15), None),
    "nig": (lf.NIG(15.0, -5.0, 0.5), None),
    "cgmy_y05": (lf.CGMY(1.0, 5.0, 5.0, 0.5), {"sigma": 0.0}),
}
RECOVERY = 1e-5


def _quotes(model: lf.LevyModel) -> np.ndarray:
    return lf.price(model, MARKET, STRIKES, MATURITIES, tolerance=lf.HIGH_ACCURACY)


def _assert_recovered(params: np.ndarray, true: lf.LevyModel) -> float:
    x = true.to_array()
    err = float(np.max(np.abs(params - x) / np.maximum(np.abs(x), 1.0)))
    assert err < RECOVERY, (params, x)
    return err


@pytest.mark.parametrize("name", sorted(CASES))
def test_levyfast_least_squares(benchmark, name: str) -> None:
    true, fixed = CASES[name]
    q = _quotes(true)
    cal = lf.LeastSquaresCalibrator(type(true), fixed=fixed)
    benchmark.group = f"calibrate {name}"
    fitted = benchmark(cal.fit, q, MARKET, STRIKES, MATURITIES)
    assert fitted.result_.success, fitted.result_.message
    benchmark.extra_info["max_rel_param_error"] = _assert_recovered(fitted.params_, true)
    benchmark.extra_info["n_evaluations"] = fitted.result_.n_evaluations
    benchmark.extra_info["rmse_price"] = fitted.result_.rmse_price


@pytest.mark.parametrize("name", sorted(CASES))
def test_scipy_finite_differences(benchmark, name: str) -> None:
    """The baseline: scipy.optimize.least_squares(trf, 2-point differences) over lf.price."""
    true, fixed = CASES[name]
    q = _quotes(true)
    cls = type(true)
    x0 = np.array(cls.DEFAULT_START, dtype=float)
    free = [j for j, n in enumerate(cls.PARAM_NAMES) if not fixed or n not in fixed]
    if fixed:
        for n, v in fixed.items():
            x0[cls.PARAM_NAMES.index(n)] = v
    lo = np.array([cls.BOUNDS[n].low for n in cls.PARAM_NAMES])[free]
    hi = np.array([cls.BOUNDS[n].high for n in cls.PARAM_NAMES])[free]

    def residuals(xf: np.ndarray) -> np.ndarray:
        x = x0.copy()
        x[free] = xf
        try:
            model = cls.from_array(x)
        except ValueError:
            return np.full(q.size, 1e6)
        return (lf.price(model, MARKET, STRIKES, MATURITIES) - q).ravel()

    def fit() -> np.ndarray:
        res = least_squares(residuals, x0[free], bounds=(lo, hi), method="trf", x_scale="jac",
                            xtol=1e-10, ftol=1e-10, gtol=1e-10, max_nfev=2000)
        x = x0.copy()
        x[free] = res.x
        return x

    benchmark.group = f"calibrate {name}"
    params = benchmark.pedantic(fit, rounds=3, iterations=1)
    err = float(np.max(np.abs(params - true.to_array()) / np.maximum(np.abs(true.to_array()), 1.0)))
    benchmark.extra_info["max_rel_param_error"] = err
