"""The CLI is thin: it prices the default surface through the library and prints it."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

import levyfast as lf
from levyfast.cli import main


def test_default_main_job_prints_surface(capsys) -> None:
    assert main(["price"]) == 0
    out = capsys.readouterr().out
    expected = lf.price(lf.VarianceGamma(0.2, 0.3, -0.15), lf.Market(100.0, 0.03),
                        np.linspace(80, 120, 20), np.linspace(0.1, 2.0, 10))
    assert f"{expected[0, 0]:9.4f}" in out and f"{expected[-1, -1]:9.4f}" in out
    assert "200 options" in out


def test_console_script_entry_point() -> None:
    res = subprocess.run([sys.executable, "-m", "levyfast.cli", "price", "--model", "nig",
                          "--strikes", "100", "--maturities", "1"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    value = lf.price(lf.NIG(15.0, -5.0, 0.5), lf.Market(100.0, 0.03), 100.0, 1.0)
    assert f"{value:9.4f}" in res.stdout
