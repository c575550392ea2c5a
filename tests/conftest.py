"""Shared fixtures: the model zoo (incl. hard regimes) and the pricing backends (DESIGN.md §7)."""

from __future__ import annotations

import numpy as np
import pytest
from oracle_record import write_records_if_asked

import levyfast as lf

#: Parameter sets of every model, incl. the hard regimes named in the issue.
MODEL_CASES: dict[str, lf.LevyModel] = {
    "bs": lf.BlackScholes(0.25),
    "vg_fo": lf.VarianceGamma(0.12, 0.2, -0.14),
    "vg_bench": lf.VarianceGamma(0.2, 0.3, -0.15),
    "vg_heavy": lf.VarianceGamma(0.3, 1.0, -0.3),
    "cgmy_05": lf.CGMY(1.0, 5.0, 5.0, 0.5),
    "cgmy_15": lf.CGMY(1.0, 5.0, 5.0, 1.5),
    "cgmy_198": lf.CGMY(1.0, 5.0, 5.0, 1.98),
    "cgmy_y1_diff": lf.CGMY(0.5, 8.0, 10.0, 1.0, sigma=0.1),
    "cgmy_y0": lf.CGMY(2.0, 6.0, 9.0, 0.0),
    "nig": lf.NIG(15.0, -5.0, 0.5),
    "nig_skew": lf.NIG(6.0, -3.0, 0.3),
    "merton": lf.Merton(0.15, 0.1, -0.9, 0.45),
    "merton_freq": lf.Merton(0.1, 3.0, -0.05, 0.1),
    "kou": lf.Kou(0.2, 1.0, 0.3, 10.0, 5.0),
    "meixner": lf.Meixner(0.12, -0.59, 3.36),
    "meixner_heavy": lf.Meixner(1.0, 0.5, 0.4),
}

MARKET = lf.Market(100.0, 0.03, 0.01)
#: The accuracy domain of the issue: T from 0.02 to 10, K/S0 from 0.5 to 2.
MATURITIES = np.array([0.02, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0])
STRIKES = MARKET.spot * np.array([0.5, 0.7, 0.85, 0.95, 1.0, 1.05, 1.2, 1.5, 2.0])

#: Backends every pricing test runs over; "time_change" only where the model has one.
BACKENDS = ("auto", "cos", "fft", "time_change")


def has_time_change(model: lf.LevyModel) -> bool:
    return isinstance(model, (lf.VarianceGamma, lf.NIG)) or (
        isinstance(model, lf.CGMY) and model.Y == 0.0 and model.sigma == 0.0
    )


def cos_converges_fast(model: lf.LevyModel, t_min: float) -> bool:
    """False where |phi(u)| decays only algebraically (VG-type laws at short maturity)."""
    if isinstance(model, lf.VarianceGamma):
        return t_min / model.nu > 1.0
    if isinstance(model, lf.CGMY):
        return model.Y > 0.3 or model.sigma > 0.0
    return True


def supported_pairs(t_min: float) -> list[tuple[str, str]]:
    """(model case, backend) pairs promised to converge to 1e-6 for maturities >= t_min:
    the time change only where the model has one, COS/FFT only where |phi| decays fast."""
    pairs = []
    for name in sorted(MODEL_CASES):
        model = MODEL_CASES[name]
        for backend in BACKENDS:
            if backend == "time_change" and not has_time_change(model):
                continue
            if backend in ("cos", "fft") and not cos_converges_fast(model, t_min):
                continue
            pairs.append((name, backend))
    return pairs


@pytest.fixture(params=sorted(MODEL_CASES))
def model_case(request: pytest.FixtureRequest) -> tuple[str, lf.LevyModel]:
    return request.param, MODEL_CASES[request.param]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


def run_and_interrupt(script: str, after_s: float = 1.0, timeout_s: float = 60.0) -> tuple:
    """Run ``script`` in a fresh interpreter; once it prints ``start``, wait ``after_s`` and send
    SIGINT. Returns ``(returncode, stdout after "start", seconds from SIGINT to exit)``."""
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "start"
        time.sleep(after_s)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=timeout_s)
        latency = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, out, latency


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With LEVYFAST_RECORD_ORACLE set, rewrite the oracle records this run used."""
    write_records_if_asked()
