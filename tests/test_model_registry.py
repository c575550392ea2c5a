"""The built-in registry: every per-model table of the package derives from ``BUILTIN`` and
the data on each class, and a model that declares the same data is picked up everywhere."""

from __future__ import annotations

import json

import numba
import numpy as np
import pytest

import levyfast as lf
from levyfast._validation import Interval
from levyfast.cli import main
from levyfast.data.sampling import DEFAULT_BOXES, resolve_box
from levyfast.models import BUILTIN, MODEL_REGISTRY, builtin_by_id


@pytest.mark.parametrize("cls", BUILTIN, ids=lambda c: c.__name__)
def test_each_builtin_carries_consistent_data(cls) -> None:
    assert builtin_by_id(cls.MODEL_ID) is cls and MODEL_REGISTRY[cls.NAME] is cls
    n = len(cls.PARAM_NAMES)
    for values in (cls.EXAMPLE, cls.DEFAULT_START):
        assert len(values) == n
        cls.from_array(values)  # a valid model
    assert len(cls.SEARCH_BOX) == n
    for name, (lo, hi) in zip(cls.PARAM_NAMES, cls.SEARCH_BOX, strict=True):
        bounds = cls.BOUNDS[name]
        assert lo < hi and (bounds.contains(lo) or lo == bounds.low) and bounds.contains(hi)
    assert set(cls.SAMPLING_BOX) == set(cls.PARAM_NAMES)
    assert DEFAULT_BOXES[cls] == cls.SAMPLING_BOX
    lo, hi = resolve_box(cls, None)
    assert np.all(lo <= hi)


@pytest.mark.parametrize("cls", BUILTIN, ids=lambda c: c.__name__)
def test_command_line_prices_each_builtin_at_its_example(cls, capsys) -> None:
    assert main(["price", "--model", cls.NAME, "--strikes", "100", "--maturities", "1",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model"] == cls.__name__ and tuple(out["params"].values()) == cls.EXAMPLE
    assert out["prices"][0][0] == lf.price(cls.from_array(cls.EXAMPLE), lf.Market(100.0, 0.03),
                                           100.0, 1.0)


def test_unknown_model_id_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown built-in model id 99"):
        builtin_by_id(99)


@numba.njit
def _vg_exponent(u, p):
    return -np.log(1.0 - 1j * u * p[2] * p[1] + 0.5 * p[0] * p[0] * p[1] * u * u) / p[1]


def test_a_model_declaring_its_data_is_picked_up_by_calibrator_and_sampler() -> None:
    bounds = {"sigma": Interval(0.0), "nu": Interval(0.0), "theta": Interval()}
    toy = lf.user_model("ToyVG", ("sigma", "nu", "theta"), bounds, _vg_exponent)
    toy.DEFAULT_START = (0.25, 0.25, -0.05)
    toy.SEARCH_BOX = ((0.05, 0.5), (0.05, 1.0), (-0.5, 0.1))
    toy.SAMPLING_BOX = {"sigma": (0.1, 0.3), "nu": (0.1, 0.5), "theta": (-0.3, 0.0)}
    market, K, T = lf.Market(100.0, 0.02), np.linspace(85.0, 115.0, 7), np.array([0.25, 1.0])
    truth = toy(0.2, 0.3, -0.15)
    quotes = lf.price(truth, market, K, T)
    cal = lf.LeastSquaresCalibrator(toy, n_starts=2).fit(quotes, market, K, T)  # no x0
    np.testing.assert_allclose(cal.params_, truth.to_array(), rtol=1e-4)
    lo, hi = resolve_box(toy, None)
    np.testing.assert_array_equal(lo, [0.1, 0.1, -0.3])
    np.testing.assert_array_equal(hi, [0.3, 0.5, 0.0])
    data = lf.data.generate_surfaces(toy, 4, strikes=[0.9, 1.1], maturities=[0.5], seed=1)
    params = data.params
    assert np.all((params >= lo) & (params <= hi))
