"""The Numba COS kernel vs the C++ core: one surface per model, and 10,000 NIG surfaces.

Both backends run in the same session on the same grid; every timed result is asserted
against the Lewis quadrature oracle (surfaces: all 200 options; batch: 20 sampled surfaces).
VG is timed through ``lf.price`` (C++ "auto": the exact time change) only for reference: the
Numba kernel is COS only, and COS cannot reach the tolerance for this VG at T = 0.1
(|phi(u)| ~ |u|^(-2T/nu), T/nu = 1/3), so its VG row uses the maturities T >= 0.5 (also priced
by C++ COS for the comparison).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import numba
import numpy as np
import pytest

import levyfast as lf

from .conftest import ACCURACY, MARKET, MATURITIES, SPOT, STRIKES, SURFACE_MODELS, max_abs_error

pytestmark = pytest.mark.bench

N_SURFACES = 10_000
N_CHECKED = 20
SEED = 20240612


def _meixner_module():
    path = Path(__file__).resolve().parents[1] / "examples" / "meixner.py"
    spec = importlib.util.spec_from_file_location("levyfast_example_meixner", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # lets Numba reload the example's cached kernels
    spec.loader.exec_module(module)
    return module


def _maturities(name: str) -> np.ndarray:
    return MATURITIES[MATURITIES >= 0.5] if name == "vg" else MATURITIES


def _check(benchmark, prices, expected) -> None:
    error = max_abs_error(prices, expected)
    benchmark.extra_info["max_abs_error_over_spot"] = error / SPOT
    assert error <= ACCURACY, f"max abs error {error:.3e} > {ACCURACY:.3e}"


@pytest.mark.parametrize("backend", ["cpp_cos", "numba_cos"])
@pytest.mark.parametrize("name", list(SURFACE_MODELS))
def test_surface(benchmark, oracle, name: str, backend: str) -> None:
    model = SURFACE_MODELS[name]
    ts = _maturities(name)
    expected = oracle(model)[MATURITIES >= ts.min()]
    func = lf.price_numba if backend == "numba_cos" else lf.COSPricer().price
    func(model, lf.Market(SPOT, 0.03), STRIKES, ts, "call")  # compile / warm up
    benchmark.group = f"surface {name} ({ts.size} maturities)"
    prices = benchmark(func, model, MARKET, STRIKES, ts, "call")
    _check(benchmark, prices, expected)


def test_surface_user_meixner(benchmark, oracle) -> None:
    """A model the C++ core does not know (examples/meixner.py), through lf.price."""
    meixner = _meixner_module()
    model = meixner.Meixner(0.3, -0.5, 1.5)
    lf.price(model, MARKET, STRIKES, MATURITIES)  # compile
    benchmark.group = "surface user Meixner"
    prices = benchmark(lf.price, model, MARKET, STRIKES, MATURITIES, "call")
    _check(benchmark, prices, oracle(model))


def nig_parameters(n: int, seed: int = SEED) -> np.ndarray:
    """NIG rows: alpha in [5, 25], beta / alpha in [-0.5, 0.2], delta in [0.2, 1.5]
    (then alpha > |beta + 1|, i.e. E[S_T] exists, for every row)."""
    rng = np.random.default_rng(seed)
    alpha = rng.uniform(5.0, 25.0, n)
    return np.column_stack([alpha, alpha * rng.uniform(-0.5, 0.2, n), rng.uniform(0.2, 1.5, n)])


@pytest.fixture(scope="module")
def nig_rows() -> np.ndarray:
    return nig_parameters(N_SURFACES)


@pytest.mark.parametrize("n_threads", [1, None], ids=["1_thread", "all_threads"])
@pytest.mark.parametrize("backend", ["cpp", "numba"])
def test_batch(benchmark, oracle, nig_rows, backend: str, n_threads) -> None:
    func = lf.price_batch_numba if backend == "numba" else lf.price_batch
    kwargs = {"n_threads": n_threads}
    if backend == "cpp":
        kwargs["method"] = "cos"
    func(lf.NIG, nig_rows[:4], MARKET, STRIKES, MATURITIES, "call", **kwargs)  # compile
    benchmark.group = f"batch {N_SURFACES} NIG surfaces"
    benchmark.extra_info["n_threads"] = n_threads or min(os.cpu_count() or 1,
                                                         numba.config.NUMBA_NUM_THREADS)
    prices = benchmark.pedantic(func, args=(lf.NIG, nig_rows, MARKET, STRIKES, MATURITIES, "call"),
                                kwargs=kwargs, rounds=3, iterations=1, warmup_rounds=0)
    stats = getattr(benchmark, "stats", None)
    if stats is not None:
        benchmark.extra_info["us_per_surface"] = stats.stats.median / N_SURFACES * 1e6
    sample = np.random.default_rng(SEED + 1).choice(N_SURFACES, size=N_CHECKED, replace=False)
    worst = max(max_abs_error(prices[i], oracle(lf.NIG.from_array(nig_rows[i]))) for i in sample)
    benchmark.extra_info["max_abs_error_over_spot_sampled"] = worst / SPOT
    assert worst <= ACCURACY
