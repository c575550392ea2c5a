"""levyfast generate / inspect on the command line, and shards on a Dask LocalCluster."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import levyfast as lf
from levyfast.cli import main
from levyfast.data import generate_surfaces, load, write_surfaces

SMALL = dict(maturities=[0.1, 0.5, 1.0], strikes=[0.8, 0.9, 1.0, 1.1, 1.2])


def test_generate_and_inspect_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "vg"
    code = main(["generate", "--model", "vg", "--n", "300", "--out", str(out), "--seed", "4",
                 "--shard-size", "128", "--workers", "2", "--noise", "gaussian:1e-4,missing:0.1",
                 "--param", "nu", "0.1", "0.5", "--maturities", "0.1", "0.5", "1.0",
                 "--strikes", "0.8", "0.9", "1.0", "1.1", "1.2"])
    captured = capsys.readouterr()
    assert code == 0
    assert "300 surfaces in 3 shards" in captured.out and "0 surfaces failed" in captured.out
    assert captured.err == ""  # no progress bar when stderr is not a terminal (test_cli.py)
    ds = load(str(out))
    assert ds.params[:, 1].min() >= 0.1 and ds.params[:, 1].max() <= 0.5
    ref = generate_surfaces(lf.VarianceGamma, 300, seed=4, param_box={"nu": (0.1, 0.5)},
                            **SMALL)
    np.testing.assert_array_equal(ds.prices, ref.prices)
    np.testing.assert_array_equal(ds.ivs, ref.ivs)
    plot = tmp_path / "coverage.png"
    assert main(["inspect", str(out), "--plot", str(plot)]) == 0
    text = capsys.readouterr().out
    assert "model VarianceGamma (id 1), 300 surfaces in 3 shards, seed 4" in text
    assert "0 surfaces failed" in text and "price_noisy" in text
    assert plot.stat().st_size > 10_000 and plot.read_bytes()[:4] == b"\x89PNG"


def test_cli_rejects_bad_arguments(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as stop:  # argparse: before any import or work
        main(["generate", "--n", "0", "--out", str(tmp_path / "x")])
    assert stop.value.code == 2 and "argument --n" in capsys.readouterr().err
    assert main(["generate", "--n", "5", "--out", str(tmp_path / "x"), "--param", "kappa", "0",
                 "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("levyfast generate: error:") and "unknown parameter 'kappa'" in err
    assert not (tmp_path / "x").exists()


def test_dask_local_cluster_matches_single_machine(tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    kwargs = dict(seed=6, shard_size=150, noise=None, **SMALL)
    reference = generate_surfaces(lf.Merton, 600, **kwargs)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        report = write_surfaces(lf.Merton, 600, str(tmp_path / "m"), client=client, **kwargs)
        in_memory = generate_surfaces(lf.Merton, 600, client=client, **kwargs)
        assert main(["generate", "--model", "merton", "--n", "600", "--out", str(tmp_path / "c"),
                     "--seed", "6", "--shard-size", "150", "--scheduler",
                     cluster.scheduler_address, "--maturities", "0.1", "0.5", "1.0",
                     "--strikes", "0.8", "0.9", "1.0", "1.1", "1.2"]) == 0
        ran_on = {w for w in client.run(lambda: __import__("os").getpid()).values()}
    assert report.shards_written == 4 and report.n_failed == 0
    assert len(ran_on) == 2
    stored = load(str(tmp_path / "m"))
    for ds in (stored, in_memory, load(str(tmp_path / "c"))):
        np.testing.assert_array_equal(ds.params, reference.params)
        np.testing.assert_array_equal(ds.prices, reference.prices)
        np.testing.assert_array_equal(ds.ivs, reference.ivs)


def test_sigkill_mid_run_then_resume(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "levyfast.cli", "generate", "--model", "nig", "--n", "1200",
           "--out", str(out), "--seed", "2", "--shard-size", "100", "--workers", "1",
           "--maturities", "0.1", "0.5", "1.0", "--strikes", "0.8", "0.9", "1.0", "1.1", "1.2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(list(out.glob("shard-*.parquet"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = len(list(out.glob("shard-*.parquet")))
    assert 3 <= before < 12, "the run must be killed mid-way"
    assert subprocess.run(cmd, capture_output=True).returncode == 0
    resumed = load(str(out))
    np.testing.assert_array_equal(resumed.index, np.arange(1200))  # nothing lost or duplicated
    reference = generate_surfaces(lf.NIG, 1200, seed=2, **SMALL)
    np.testing.assert_array_equal(resumed.prices, reference.prices)
    np.testing.assert_array_equal(resumed.ivs, reference.ivs)
    assert not list(out.glob(".*.tmp"))
