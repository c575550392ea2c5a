"""10,000 Variance Gamma surfaces (20 x 10 each) through ``lf.price_batch``: all cores vs one."""

from __future__ import annotations

import os

import numpy as np
import pytest

import levyfast as lf

from .conftest import ACCURACY, MARKET, MATURITIES, SPOT, STRIKES, max_abs_error

pytestmark = pytest.mark.bench

N_SURFACES = 10_000
N_CHECKED = 20
SEED = 20240611
#: Uniform box of (sigma, nu, theta).
LOW = np.array([0.05, 0.05, -0.5])
HIGH = np.array([0.5, 1.0, 0.1])


def vg_parameters(n: int, seed: int = SEED) -> np.ndarray:
    """``n`` VG rows drawn uniformly in [LOW, HIGH], rejecting those without E[S_T]
    (``1 - theta nu - sigma^2 nu / 2 <= 0``; none in this box, where it is >= 0.775)."""
    rng = np.random.default_rng(seed)
    rows: list[np.ndarray] = []
    count = 0
    while count < n:
        draw = rng.uniform(LOW, HIGH, size=(n, 3))
        sigma, nu, theta = draw.T
        ok = draw[1.0 - theta * nu - 0.5 * sigma**2 * nu > 0.0]
        rows.append(ok)
        count += len(ok)
    return np.concatenate(rows)[:n]


@pytest.fixture(scope="module")
def params() -> np.ndarray:
    return vg_parameters(N_SURFACES)


@pytest.fixture(scope="module")
def one_thread_result() -> dict[str, np.ndarray]:
    return {}


def _record_throughput(benchmark) -> None:
    stats = getattr(benchmark, "stats", None)
    if stats is not None:  # None under --benchmark-disable
        median = stats.stats.median
        benchmark.extra_info["surfaces_per_s"] = N_SURFACES / median
        benchmark.extra_info["us_per_surface"] = median / N_SURFACES * 1e6


@pytest.mark.parametrize("n_threads", [1, None], ids=["1_thread", "all_threads"])
def test_price_batch(benchmark, oracle, params, one_thread_result, n_threads) -> None:
    benchmark.group = f"batch {N_SURFACES} VG surfaces"
    benchmark.extra_info["n_threads"] = n_threads or os.cpu_count()
    prices = benchmark.pedantic(
        lf.price_batch,
        args=(lf.VarianceGamma, params, MARKET, STRIKES, MATURITIES),
        kwargs={"kind": "call", "n_threads": n_threads},
        rounds=3,
        iterations=1,
        warmup_rounds=1,
    )
    _record_throughput(benchmark)
    assert prices.shape == (N_SURFACES, MATURITIES.size, STRIKES.size)

    # Threading must not change a single price.
    if n_threads == 1:
        one_thread_result["prices"] = prices
    elif "prices" in one_thread_result:
        np.testing.assert_array_equal(prices, one_thread_result["prices"])

    # A fixed random sample of surfaces against the oracle (all checked, then reported).
    sample = np.random.default_rng(SEED + 1).choice(N_SURFACES, size=N_CHECKED, replace=False)
    errors = {
        int(i): max_abs_error(prices[i], oracle(lf.VarianceGamma.from_array(params[i])))
        for i in sample
    }
    benchmark.extra_info["sample_max_abs_error_over_spot"] = max(errors.values()) / SPOT
    failures = [
        f"#{i} {lf.VarianceGamma.from_array(params[i])!r}: max abs error {e:.3e}"
        for i, e in errors.items()
        if not e <= ACCURACY
    ]
    assert not failures, (
        f"{len(failures)}/{N_CHECKED} sampled surfaces off the oracle by more than "
        f"{ACCURACY:.0e}: " + "; ".join(failures)
    )
