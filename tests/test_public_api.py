"""The public API's manners (issue 14): what dir() shows, docstrings, estimator reprs and
parameters, the user-model bounds, and the two calibrators' shared result fields."""

from __future__ import annotations

import math

import numpy as np
import pytest

import levyfast as lf


def test_dir_shows_the_api_not_the_helpers_init_imports() -> None:
    names = set(dir(lf))
    assert set(lf.__all__) <= names
    for helper in ("version", "PackageNotFoundError", "annotations", "TYPE_CHECKING",
                   "lazy_attributes", "_core", "_validation"):
        assert helper not in names


def test_price_docstring_documents_every_parameter() -> None:
    doc = lf.price.__doc__ or ""
    assert "Parameters\n    ----------" in doc
    for name in ("model", "market", "strikes, maturities", "kind", "method", "tolerance",
                 "exercise", "barrier"):
        assert f"\n    {name}\n" in doc
    assert "AMERICAN_PIDE" not in doc


def test_least_squares_calibrator_has_the_estimator_contract() -> None:
    cal = lf.LeastSquaresCalibrator(lf.VarianceGamma, target="iv", n_starts=2)
    assert repr(cal) == "LeastSquaresCalibrator(model_cls=VarianceGamma, target='iv', n_starts=2)"
    params = cal.get_params()
    assert params["target"] == "iv" and params["kind"] == "call" and len(params) > 10
    assert cal.set_params(n_starts=1, kind="put") is cal
    assert cal.n_starts == 1 and cal.kind == "put"
    with pytest.raises(ValueError, match="`n_start` is not a parameter of LeastSquaresCalibrator"):
        cal.set_params(n_start=3)


def test_set_params_is_used_by_the_next_fit() -> None:
    model = lf.VarianceGamma(0.2, 0.3, -0.15)
    market = lf.Market(100.0, 0.03)
    strikes, maturities = np.linspace(85, 115, 7), np.array([0.25, 0.5, 1.0])
    quotes = lf.price(model, market, strikes, maturities)
    cal = lf.LeastSquaresCalibrator(lf.VarianceGamma).set_params(fixed={"nu": 0.3})
    fitted = cal.fit(quotes, market, strikes, maturities).params_
    assert fitted[1] == 0.3
    assert np.allclose(fitted, model.to_array(), atol=1e-5)


def test_neural_result_shares_least_squares_field_names() -> None:
    pytest.importorskip("onnxruntime")
    market = lf.Market(100.0, 0.03)
    cal = lf.Calibrator("vg")
    assert repr(cal) == "Calibrator()"
    quotes = lf.price(lf.VarianceGamma(0.2, 0.3, -0.15), market, cal.strikes * market.spot,
                      cal.maturities)  # the grid is in units of spot
    result = cal.fit(quotes, market).result_
    assert result.time_s == result.time > 0
    assert result.success is result.trustworthy is True
    assert result.verdict.startswith("network: trustworthy")


def test_user_model_takes_plain_bounds_pairs_or_public_intervals() -> None:
    numba = pytest.importorskip("numba")

    @numba.njit
    def gaussian(u: complex, p: np.ndarray) -> complex:
        return -0.5 * p[0] ** 2 * u * u

    a = lf.user_model("GaussA", ("sigma",), {"sigma": (0.0, math.inf)}, gaussian)
    b = lf.user_model("GaussB", ("sigma",), {"sigma": lf.Interval(0.0)}, gaussian)
    assert a.BOUNDS == b.BOUNDS == {"sigma": lf.Interval(0.0, math.inf)}
    with pytest.raises(ValueError, match=r"'sigma' a \(low, high\) pair with low < high"):
        lf.user_model("GaussC", ("sigma",), {"sigma": (1.0, 0.5)}, gaussian)
    with pytest.raises(TypeError, match="levyfast.Interval or a \\(low, high\\) pair"):
        lf.user_model("GaussD", ("sigma",), {"sigma": "positive"}, gaussian)
