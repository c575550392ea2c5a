"""The validation suite: Sobol estimators against analytic indices, and ``levyfast report``
run small end to end (Markdown, figures and results.json from the code)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from levyfast.validation.sobol import sobol_indices

A_ISHIGAMI, B_ISHIGAMI = 7.0, 0.1


def _ishigami(x: np.ndarray) -> np.ndarray:
    return (np.sin(x[:, 0]) + A_ISHIGAMI * np.sin(x[:, 1]) ** 2
            + B_ISHIGAMI * x[:, 2] ** 4 * np.sin(x[:, 0]))[:, None]


def test_sobol_ishigami() -> None:
    """Analytic indices of the Ishigami function (Ishigami & Homma 1990; e.g. Saltelli et al.
    2010, §4): V = a²/8 + b π⁴/5 + b² π⁸/18 + 1/2, V1 = (1 + b π⁴/5)²/2, V2 = a²/8,
    V13 = b² π⁸ (1/18 - 1/50)."""
    a, b, pi = A_ISHIGAMI, B_ISHIGAMI, np.pi
    v = a**2 / 8 + b * pi**4 / 5 + b**2 * pi**8 / 18 + 0.5
    v1, v2, v13 = (1 + b * pi**4 / 5) ** 2 / 2, a**2 / 8, b**2 * pi**8 * (1 / 18 - 1 / 50)
    first = np.array([v1, v2, 0.0]) / v
    total = np.array([v1 + v13, v2, v13]) / v
    s = sobol_indices(_ishigami, [(-pi, pi)] * 3, ["x1", "x2", "x3"], 4096)
    np.testing.assert_allclose(s.first_agg, first, atol=0.02)
    np.testing.assert_allclose(s.total_agg, total, atol=0.02)
    assert np.all((s.total_ci[:, 0] <= total + 0.02) & (total - 0.02 <= s.total_ci[:, 1]))


def test_sobol_vector_output_aggregates_by_variance() -> None:
    """Two outputs y1 = x1, y2 = 3 x2 on [0, 1]²: per output the indices are 1 and 0, and
    aggregated by variance (1/12 and 9/12) they are 0.1 and 0.9."""
    s = sobol_indices(lambda x: np.stack([x[:, 0], 3 * x[:, 1]], axis=1), [(0, 1), (0, 1)],
                      ["x1", "x2"], 1024)
    np.testing.assert_allclose(s.total, [[1, 0], [0, 1]], atol=1e-2)
    np.testing.assert_allclose(s.first_agg, [0.1, 0.9], atol=1e-2)
    np.testing.assert_allclose(s.total_agg, [0.1, 0.9], atol=1e-2)


def test_sobol_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="`bounds` and `names`"):
        sobol_indices(_ishigami, [(0, 1)], ["a", "b"], 64)
    with pytest.raises(ValueError, match="`n` of sobol_indices"):
        sobol_indices(_ishigami, [(0, 1)], ["a"], 1)


def test_report_cli(tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    pytest.importorskip("matplotlib")
    from levyfast.cli import main

    out = tmp_path / "vg"
    assert main(["report", "--model", "vg", "--out", str(out), "--n-test", "128",
                 "--n-sobol", "64", "--n-robust", "32", "--n-lsq", "1"]) == 0
    markdown = (out / "report.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown)
    assert len(images) == 7
    for name in images:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    results = json.loads((out / "results.json").read_text())
    assert results["config"]["n_test"] == 128
    assert all(p["r2"] > 0.99 for p in results["out_of_sample"]["params"].values())
    # the report quotes the numbers it computed
    r2 = results["out_of_sample"]["params"]["sigma"]["r2"]
    assert f"| sigma | {r2:.5f} |" in markdown
    noise = results["robustness"]["noise"]
    assert noise[0]["level"] == 0.0 and len(noise) == 5
    assert noise[-1]["params"]["nu"]["mae"] > noise[0]["params"]["nu"]["mae"]
    assert set(results["sobol"]["total"]) == {"sigma", "nu", "theta"}
    assert "k-fold" in markdown and "TensorFlow" in markdown


def test_report_config_rejects_bad_sizes() -> None:
    from levyfast.validation import ReportConfig

    with pytest.raises(ValueError, match="`n_sobol` of ReportConfig"):
        ReportConfig(n_sobol=1)
    with pytest.raises(ValueError, match="`noise_levels`"):
        ReportConfig(noise_levels=(0.0, 1.5))
