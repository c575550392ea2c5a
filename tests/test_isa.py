"""The instruction-set cap (LEVYFAST_MAX_ISA, cpp/include/levyfast/isa.hpp): every dispatched
level prices the same surfaces, and the cap is reported and validated."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from levyfast import _core

LEVELS = ["x86-64-v4", "x86-64-v3", "x86-64-v2", "baseline"]

# Prices every built-in model's benchmark surface (auto, and the methods with dispatched
# kernels: COS and the time change) in a child process and prints them as JSON.
_SCRIPT = """
import json, numpy as np, levyfast as lf
from levyfast import _core
strikes, maturities = np.linspace(80, 120, 20), np.linspace(0.1, 2.0, 10)
market = lf.Market(100.0, 0.03, 0.0)
runs = {}
for cls in (lf.VarianceGamma, lf.NIG, lf.CGMY, lf.Merton, lf.Kou, lf.BlackScholes):
    model = cls(*cls.EXAMPLE)
    for method in ("auto", "cos", "time_change"):
        try:
            runs[f"{cls.__name__}/{method}"] = lf.price(
                model, market, strikes, maturities, method=method).tolist()
        except ValueError:
            pass
print(json.dumps({"isa": _core.instruction_set(), "runs": runs}))
"""


def _run(cap: str | None) -> dict:
    env = dict(os.environ)
    env.pop("LEVYFAST_MAX_ISA", None)
    if cap is not None:
        env["LEVYFAST_MAX_ISA"] = cap
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_cpu_level_is_known() -> None:
    dispatched, cpu = _core.instruction_set()
    assert cpu in LEVELS
    assert LEVELS.index(dispatched) >= LEVELS.index(cpu)


@pytest.mark.parametrize("cap", ["v3", "v2", "baseline"])
def test_capped_levels_price_alike(cap: str) -> None:
    best = _run(None)
    capped = _run(cap)
    cpu = best["isa"][1]
    cap_name = cap if cap == "baseline" else "x86-64-" + cap
    expected = LEVELS[max(LEVELS.index(cpu), LEVELS.index(cap_name))]
    assert capped["isa"] == [expected, cpu]
    assert capped["runs"].keys() == best["runs"].keys()
    for key, prices in best["runs"].items():
        # Same formulas, different vector widths and fused multiply-adds: rounding only.
        np.testing.assert_allclose(
            capped["runs"][key], prices, rtol=0, atol=1e-10 * 100.0, err_msg=f"{key} at {cap}"
        )


def test_invalid_cap_is_a_clear_error() -> None:
    env = dict(os.environ, LEVYFAST_MAX_ISA="avx2")
    script = (
        "import numpy as np, levyfast as lf\n"
        "lf.price(lf.VarianceGamma(0.2, 0.3, -0.15), lf.Market(100, 0.03, 0),"
        " np.array([100.0]), np.array([0.5]))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert out.returncode != 0
    assert "LEVYFAST_MAX_ISA must be v4, v3, v2 or baseline; got 'avx2'" in out.stderr
