"""Benchmark grid, models and the session cache of oracle surfaces (DESIGN.md §7, §13).

Every benchmark asserts its answer against the independent Lewis (2001) quadrature oracle of
``tests/oracle`` (``lewis_price``), computed once per session per parameter set. Every
benchmark's ``extra_info``, the JSON's ``machine_info`` and the report header name the CPU
model and the instruction-set level the kernels were dispatched at (``LEVYFAST_MAX_ISA`` caps
it, see bench/README.md).
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

import levyfast as lf
from levyfast import _core

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
#: The diffusion models, levyfast's methods only (closed form / series where exact, COS, FFT).
DIFFUSION_MODELS: dict[str, lf.LevyModel] = {
    "merton": lf.Merton(0.15, 0.1, -0.9, 0.45),
    "kou": lf.Kou(0.2, 1.0, 0.3, 10.0, 5.0),
    "bs": lf.BlackScholes(0.2),
}


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``; the platform's processor string elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def platform_info() -> dict[str, Any]:
    """CPU model, dispatched and best instruction-set level, the cap and the core count."""
    dispatched, best = _core.instruction_set()
    return {
        "cpu_model": cpu_model(),
        "isa": dispatched,
        "cpu_isa": best,
        "levyfast_max_isa": os.environ.get("LEVYFAST_MAX_ISA", ""),
        # NumPy's own dispatch cap (its baselines, e.g. the NumPy COS, on an AVX2 code path)
        "numpy_disabled_cpu_features": os.environ.get("NPY_DISABLE_CPU_FEATURES", ""),
        "cpu_count": os.cpu_count(),
    }


PLATFORM = platform_info()


def pytest_report_header() -> str:
    cap = PLATFORM["levyfast_max_isa"] or "unset"
    numpy_cap = PLATFORM["numpy_disabled_cpu_features"] or "unset"
    return (
        f"levyfast kernels: {PLATFORM['isa']} (CPU best {PLATFORM['cpu_isa']}, "
        f"LEVYFAST_MAX_ISA={cap}) on {PLATFORM['cpu_model']}, {PLATFORM['cpu_count']} CPUs; "
        f"NPY_DISABLE_CPU_FEATURES={numpy_cap}"
    )


def pytest_benchmark_update_machine_info(config: pytest.Config, machine_info: dict) -> None:
    machine_info["levyfast"] = PLATFORM


@pytest.fixture(autouse=True)
def _platform_extra_info(request: pytest.FixtureRequest) -> Iterator[None]:
    """Stamps CPU model and dispatched instruction set on every benchmark's ``extra_info``."""
    if "benchmark" in request.fixturenames:
        request.getfixturevalue("benchmark").extra_info.update(PLATFORM)
    yield


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
