"""levyfast.plot draws on its own figures (the process's matplotlib state is left alone) and
the figures show what they claim: axes in the model's parameter order, every expiry asked for,
the model's smile where one is given."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import levyfast as lf  # noqa: E402
from levyfast import plot  # noqa: E402

SHARED_MARKET = Path(__file__).resolve().parents[1].parent / "shared" / "market"


def _chain() -> lf.OptionChain:
    if not SHARED_MARKET.is_dir():
        pytest.skip(f"the shared market data folder {SHARED_MARKET} is absent (CI has it)")
    return lf.OptionChain.from_csv(SHARED_MARKET / "spx_20110124.csv", spot=1290.59)


def test_smile_and_residuals_of_a_fit(tmp_path: Path) -> None:
    chain = _chain()
    cal = lf.LeastSquaresCalibrator(lf.NIG, target="iv").fit(chain)
    t = np.unique(chain.otm_quotes()["T"])[:3]
    fig = plot.smile(chain, cal.model_, t)
    axes = fig.axes
    assert len(axes) == 3 and [ax.get_title() for ax in axes] == [f"T = {x:.3f}" for x in t]
    assert all(len(ax.lines) >= 1 for ax in axes)  # the model's smile
    assert axes[0].get_legend() is not None
    path = plot.save(fig, tmp_path / "smile.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(plot.smile(chain).axes) == len(np.unique(chain.otm_quotes()["T"]))
    res = plot.residuals(cal)
    assert res.axes[0].get_xlabel() == "ln(K/F)"
    with pytest.raises(ValueError, match="`maturities` of smile must be expiries"):
        plot.smile(chain, maturities=[0.5])
    with pytest.raises(ValueError, match="`calibrator` of residuals"):
        plot.residuals(lf.LeastSquaresCalibrator(lf.NIG))


def test_coverage_axes_follow_the_parameter_order(tmp_path: Path) -> None:
    # the dataset stores its box with sorted keys (nu, sigma, theta): the axes must still be
    # sigma, nu, theta with each one's own range (they were swapped and clipped)
    box = {"sigma": (0.1, 0.2), "nu": (0.5, 0.9), "theta": (-0.3, -0.1)}
    lf.data.write_surfaces(lf.VarianceGamma, 64, str(tmp_path / "d"), param_box=box,
                           strikes=[0.9, 1.1], maturities=[0.5], seed=3)
    fig = plot.coverage(tmp_path / "d", max_points=64)
    d = 5  # three parameters, rate, dividend
    axes = fig.axes[: d * d]
    assert [axes[i * d].get_ylabel() for i in range(d)] == ["sigma", "nu", "theta", "rate",
                                                            "dividend"]
    for i, name in enumerate(["sigma", "nu", "theta"]):
        assert axes[(d - 1) * d + i].get_xlabel() == name
    # row nu (1), off the diagonal: x is the column's parameter, y is nu
    for column, name in ((0, "sigma"), (2, "theta")):
        assert axes[d + column].get_xlim() == box[name]
        assert axes[d + column].get_ylim() == box["nu"]


def test_helpers_leave_the_matplotlib_backend_and_pyplot_alone() -> None:
    code = """
import matplotlib
before = matplotlib.get_backend()
import sys
import numpy as np
import levyfast as lf
from levyfast import plot
fig, axes = plot.figure(2)
axes[0].plot([0, 1], [0, 1])
fig.canvas.draw()
print(before == matplotlib.get_backend(), "matplotlib.pyplot" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"MPLBACKEND": "svg", "PATH": ""})
    assert out.stdout.split() == ["True", "False"], out.stdout + out.stderr
