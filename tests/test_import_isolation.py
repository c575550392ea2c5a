"""The core package never imports TensorFlow, even when calibrating (DESIGN.md §1)."""

from __future__ import annotations

import subprocess
import sys

import pytest

CODE = """
import sys
import numpy as np
import levyfast as lf
cal = lf.Calibrator.load("vg")
m = lf.Market(100.0, 0.02)
cal.fit(lf.price(lf.VarianceGamma(0.2, 0.3, -0.1), m, cal.strikes * 100, cal.maturities), m)
heavy = sorted(k for k in sys.modules if k.split(".")[0] in ("tensorflow", "tf_keras", "keras",
                                                            "tf2onnx", "training"))
print(",".join(heavy))
"""


def test_levyfast_does_not_import_tensorflow() -> None:
    pytest.importorskip("onnxruntime")
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


LAZY = """
import sys
import levyfast as lf
before = "levyfast.data" in sys.modules
generate = lf.data.generate_surfaces
print(before, "levyfast.data" in sys.modules, callable(generate))
try:
    lf.no_such_thing
except AttributeError as exc:
    print("no_such_thing" in str(exc))
"""


def test_data_subpackage_is_imported_on_first_use() -> None:
    out = subprocess.run([sys.executable, "-c", LAZY], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "True", "True", "True"]
