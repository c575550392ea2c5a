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
                                                            "tf2onnx", "levyfast_train"))
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


LIGHT = """
import sys
import levyfast as lf
import levyfast.cli
levyfast.cli._parser()
heavy = sorted({k.split(".")[0] if not k.startswith("scipy.") else ".".join(k.split(".")[:2])
                for k in sys.modules} & {"numba", "pandas", "pyarrow", "onnxruntime",
                                         "scipy.optimize", "scipy.stats", "matplotlib",
                                         "fastapi", "uvicorn"})
print(",".join(heavy) or "-")
names = [lf.LeastSquaresCalibrator, lf.Calibrator, lf.OptionChain, lf.user_model, lf.price_numba,
         lf.calibrate_chains, lf.data.write_surfaces, lf.data.DEFAULT_BOXES, lf.data.noise]
print(all(n is not None for n in names), set(lf.__all__) <= set(dir(lf)))
"""


def test_import_and_the_command_line_parser_stay_light() -> None:
    # `import levyfast` and the CLI's parser load no optimiser, dataframe, JIT or runtime
    # (these made `import levyfast` take 1.2 s and `levyfast --help` 1.1 s warm); every
    # public name still resolves on first use
    out = subprocess.run([sys.executable, "-c", LIGHT], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["-", "True", "True"], out.stdout


MISSING_EXTRA = """
import sys
sys.modules["onnxruntime"] = None  # as if levyfast[calibrate] were not installed
import levyfast as lf
try:
    lf.Calibrator.load("vg")
except ImportError as exc:
    print(exc)
"""


def test_a_missing_extra_names_the_extra_to_install() -> None:
    out = subprocess.run([sys.executable, "-c", MISSING_EXTRA], capture_output=True, text=True,
                         check=True)
    assert "pip install 'levyfast[calibrate]'" in out.stdout, out.stdout
