"""The CLI is thin: it prices the default surface through the library and prints it; every
bad argument is one line on stderr naming it, with exit status 2 and no traceback."""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys

import numpy as np
import pytest

import levyfast as lf
from levyfast.cli import main


def test_default_main_job_prints_surface(capsys) -> None:
    assert main(["price"]) == 0
    out = capsys.readouterr().out
    expected = lf.price(lf.VarianceGamma(0.2, 0.3, -0.15), lf.Market(100.0, 0.03),
                        np.linspace(80, 120, 20), np.linspace(0.1, 2.0, 10))
    assert f"{expected[0, 0]:9.4f}" in out and f"{expected[-1, -1]:9.4f}" in out
    assert "options in" not in out  # timed only with --bench


def test_price_bench_and_json(capsys) -> None:
    assert main(["price", "--bench", "3"]) == 0
    assert "200 options in" in capsys.readouterr().out
    assert main(["price", "--model", "nig", "--strikes", "90", "110", "--maturities", "0.5",
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    expected = lf.price(lf.NIG(15.0, -5.0, 0.5), lf.Market(100.0, 0.03), [90.0, 110.0], [0.5])
    np.testing.assert_array_equal(np.array(data["prices"]), expected)
    assert data["params"] == {"alpha": 15.0, "beta": -5.0, "delta": 0.5}
    assert data["median_seconds"] is None


def test_console_script_entry_point() -> None:
    res = subprocess.run([sys.executable, "-m", "levyfast.cli", "price", "--model", "nig",
                          "--strikes", "100", "--maturities", "1"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    value = lf.price(lf.NIG(15.0, -5.0, 0.5), lf.Market(100.0, 0.03), 100.0, 1.0)
    assert f"{value:9.4f}" in res.stdout


#: (command line, text the one-line error must contain)
BAD_ARGUMENTS = [
    ("price --spot -100", "argument --spot"),
    ("price --params 0.2 0.3", "argument --params"),
    ("price --params 0.2 3 0.5", "parameters of VarianceGamma"),
    ("price --tolerance nan", "argument --tolerance"),
    ("price --kind straddle", "argument --kind"),
    ("price --bench 0", "argument --bench"),
    ("calibrate /no/such/chain.csv", "cannot read '/no/such/chain.csv'"),
    ("calibrate chain.csv --starts 0", "argument --starts"),
    ("calibrate chain.csv --global-samples -1", "argument --global-samples"),
    ("generate --n -5 --out OUT", "argument --n"),
    ("generate --n 10 --out OUT --workers 0", "argument --workers"),
    ("generate --n 10 --out OUT --shard-size 0", "argument --shard-size"),
    ("generate --n 10 --out OUT --strikes 0.9 -1", "argument --strikes"),
    ("generate --n 10 --out OUT --noise banana:1", "noise"),
    ("generate --n 1000000000000 --out OUT", "needs about"),
    ("inspect /no/such/dataset", "/no/such/dataset"),
    ("inspect DATA --plot-points -3", "argument --plot-points"),
    ("verify /no/such/dataset", "/no/such/dataset"),
    ("serve --port -1", "argument --port"),
    ("serve --max-body-bytes 0", "argument --max-body-bytes"),
    ("report --out OUT --n-test 0", "argument --n-test"),
    ("report --out OUT --n-sobol 1", "`n_sobol`"),
    ("nonsense", "invalid choice"),
]


@pytest.mark.parametrize(("line", "needle"), BAD_ARGUMENTS, ids=[b[0] for b in BAD_ARGUMENTS])
def test_every_subcommand_rejects_a_bad_argument_in_one_line(tmp_path, line, needle) -> None:
    args = line.replace("OUT", str(tmp_path / "out")).replace("DATA", str(tmp_path)).split()
    res = subprocess.run([sys.executable, "-m", "levyfast.cli", *args], capture_output=True,
                         text=True, cwd=tmp_path, timeout=120)
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    err = res.stderr.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert err.startswith("levyfast") and needle in err, err


#: The same for the subcommands of the ``[train]`` extra (``levyfast.commands`` entry points):
#: rejected before TensorFlow is imported, so before any training.
BAD_TRAINING_ARGUMENTS = [
    ("train --out /proc/no/such/x.onnx", "argument --out: cannot write in '/proc/no/such'"),
    ("train --out OUT --n-train -1", "argument --n-train"),
    ("train --out OUT --missing 2", "argument --missing"),
    ("evaluate heston", "argument calibrator"),
    ("evaluate vg --n -1", "argument --n"),
    ("pipeline --epochs 0", "argument --epochs"),
    ("posterior --synthetic --out OUT --chains 0", "argument --chains"),
    ("posterior-study --out OUT --n 0", "argument --n"),
]


@pytest.mark.parametrize(("line", "needle"), BAD_TRAINING_ARGUMENTS,
                         ids=[b[0] for b in BAD_TRAINING_ARGUMENTS])
def test_training_subcommands_reject_a_bad_argument_before_importing_tensorflow(
        tmp_path, line, needle) -> None:
    pytest.importorskip("tensorflow")
    args = line.replace("OUT", str(tmp_path / "out")).split()
    code = ("import sys; from levyfast.cli import main; status = main(sys.argv[1:]); "
            "assert 'tensorflow' not in sys.modules, 'imported TensorFlow'; sys.exit(status)")
    res = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120)
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    err = res.stderr.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert err.startswith("levyfast") and needle in err, err


def test_training_subcommands_are_entry_points_that_name_a_missing_extra(monkeypatch,
                                                                         capsys) -> None:
    """``levyfast --help`` lists the ``levyfast.commands`` entry points; without TensorFlow a
    training command is one line naming the extra."""
    from levyfast import cli

    plugins = cli._plugin_commands()
    assert {"train", "evaluate", "pipeline", "posterior", "posterior-study"} <= set(plugins)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "tensorflow" else real_find_spec(name, *a))
    assert main(["train", "--out", "x.onnx"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'levyfast[train]'" in err and "tensorflow" in err
    assert len(err.strip().splitlines()) == 1


def test_debug_shows_the_traceback() -> None:
    res = subprocess.run([sys.executable, "-m", "levyfast.cli", "--debug", "price", "--params",
                          "0.2", "3", "0.5"], capture_output=True, text=True, timeout=120)
    assert res.returncode != 0 and "Traceback" in res.stderr


def test_serve_without_the_extra_names_it(monkeypatch, capsys) -> None:
    """Without FastAPI, ``levyfast serve`` is one line naming the extra to install."""
    for name in [m for m in sys.modules if m.split(".")[:2] == ["levyfast", "serve"]]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "fastapi", None)  # import fastapi -> ImportError
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'levyfast[serve]'" in err and len(err.strip().splitlines()) == 1


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_generate_progress_bar_shows_rate_and_eta_on_a_terminal_only(monkeypatch) -> None:
    from levyfast.cli import _Progress

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    bar = _Progress(quiet=False)
    for done in (0, 500, 1000, 1500, 2000):
        bar(done, 2000)
    text = terminal.getvalue()
    assert "2.00k/2.00k" in text and "surface/s" in text and "nan" not in text.lower()
    quiet = _Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    bar = _Progress(quiet=True)
    bar(0, 10)
    bar(10, 10)
    assert quiet.getvalue() == ""
    piped = io.StringIO()  # not a terminal: no bar
    monkeypatch.setattr(sys, "stderr", piped)
    bar = _Progress(quiet=False)
    bar(0, 10)
    bar(10, 10)
    assert piped.getvalue() == ""
