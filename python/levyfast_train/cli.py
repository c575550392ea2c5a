"""``levyfast train | evaluate | pipeline | posterior | posterior-study``: thin wrappers over
:mod:`levyfast_train` (parsing and printing only), reached through the ``levyfast`` CLI by
:mod:`levyfast_train.commands`. Arguments are checked before TensorFlow is imported."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from levyfast.cli_args import (
    COUNT,
    FRACTION,
    NON_NEGATIVE,
    POSITIVE,
    POSITIVE_INT,
    OneLineErrorParser,
)

from .bayes.cli import COMMANDS as BAYES_COMMANDS
from .bayes.cli import add_parsers as bayes_parsers
from .families import FAMILIES

__all__ = ["main"]


#: The files :func:`levyfast_train.evaluate.evaluate` writes in its ``out_dir``.
EVALUATION_FILES = ("report.json", "report.md", "predicted_vs_true.png")


def _say(msg: str) -> None:
    print(msg, flush=True)  # noqa: T201 (a CLI)


def _add_train_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", choices=sorted(FAMILIES), default="vg", help="model family")
    p.add_argument("--arch", choices=["mlp", "resnet", "cnn", "transformer"], default="mlp")
    p.add_argument("--out", type=Path, required=True, help="ONNX file to write")
    p.add_argument("--data", default=None,
                   help="dataset written by `levyfast generate`, streamed from its shards: "
                        "train split for training, first --n-val rows of its val split for "
                        "validation (default: generate --n-train + --n-val surfaces with "
                        "--seed)")
    p.add_argument("--seed", type=COUNT, default=0)
    p.add_argument("--n-train", type=POSITIVE_INT, default=65536,
                   help="training surfaces (generated)")
    p.add_argument("--n-val", type=POSITIVE_INT, default=4096)
    p.add_argument("--epochs", type=POSITIVE_INT, default=100)
    p.add_argument("--max-minutes", type=POSITIVE, default=9.0, help="wall-time budget")
    p.add_argument("--batch", type=POSITIVE_INT, default=256)
    p.add_argument("--lr", type=POSITIVE, default=2e-3)
    p.add_argument("--width", type=POSITIVE_INT, default=128)
    p.add_argument("--depth", type=POSITIVE_INT, default=3)
    p.add_argument("--noise", type=NON_NEGATIVE, default=0.02,
                   help="max relative price noise of the training augmentation")
    p.add_argument("--missing", type=FRACTION, default=0.2,
                   help="max fraction of quotes masked as missing during training")
    p.add_argument("--ensemble", type=POSITIVE_INT, default=1, help="members averaged in one graph")
    p.add_argument("--price-weight", type=NON_NEGATIVE, default=0.0,
                   help="weight of the linearised re-pricing error in the loss (0: off)")
    p.add_argument("--patience", type=POSITIVE_INT, default=20)


def _writable(path: Path, option: str) -> Path:
    """``path`` (a folder, created if missing) after checking a file can be written in it:
    a bad output path fails before any work, not after training."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise ValueError(f"argument {option}: cannot write in {str(path)!r} "
                         f"({exc.strerror or exc})") from None
    return path


def _check_calibrator(source: str) -> None:
    """``evaluate``'s calibrator: an existing file or a pretrained name."""
    from levyfast.calibrator import pretrained_names

    if source not in pretrained_names() and not Path(source).is_file():
        raise ValueError(f"argument calibrator: must be an ONNX file or one of the pretrained "
                         f"names {', '.join(pretrained_names())}; got {source!r}")


def _train(args: argparse.Namespace) -> list[Path]:
    """Train, export and write the files of ``train --out``; their paths."""
    import levyfast as lf

    from .dataset import generate, stream
    from .export import export, save_atomic
    from .pipeline import as_arrays
    from .train import TrainConfig, train

    config = TrainConfig(family=args.model, arch=args.arch, n_train=args.n_train,
                         n_val=args.n_val, seed=args.seed, epochs=args.epochs,
                         batch=args.batch, learning_rate=args.lr, width=args.width,
                         depth=args.depth, noise=args.noise, missing=args.missing,
                         ensemble=args.ensemble, price_weight=args.price_weight,
                         max_minutes=args.max_minutes,
                         patience=args.patience)
    if args.data is not None:
        # streamed from its shards; the network's grid and box are the dataset's
        head = next(lf.data.iter_chunks(args.data, 1))
        config.strikes, config.maturities = head.strikes.tolist(), head.maturities.tolist()
        box = head.metadata["param_box"]
        config.box = {n: list(box[n]) for n in config.spec.free_names if n in box}
        _say("training box from the dataset: " + ", ".join(
            f"{n} [{lo:g}, {hi:g}]" for n, (lo, hi) in config.box.items()))
        next(stream(args.data, config.spec, chunk_size=1))  # model, grid kind, fixed values
    result = train(config, args.data, progress=_say)
    stem = Path(args.out).with_suffix("")
    stem.parent.mkdir(parents=True, exist_ok=True)
    # weights first: a failed export must not lose the training (re-export from them)
    result.model.save_weights(f"{stem}.weights.h5")
    _curves(result.history, Path(f"{stem}.curves.png"))
    check = generate(config.spec, 512, seed=args.seed + 7919, strikes=np.array(config.strikes),
                     maturities=np.array(config.maturities), sobol=False)
    prices, market, _ = as_arrays(check)
    path, err = export(result.model, config, result.metrics, args.out, prices, market)
    _say(f"exported {path} ({path.stat().st_size / 1024:.0f} KiB); ONNX Runtime vs "
         f"TensorFlow max relative difference {err:.1e} on 512 surfaces")
    report = {"config": asdict(config), "validation": result.metrics,
              "seconds": result.seconds, "onnx_vs_tf": err, "history": result.history}
    save_atomic(json.dumps(report, indent=1).encode(), f"{stem}.training.json")
    written = [path, Path(f"{stem}.weights.h5"), Path(f"{stem}.curves.png"),
               Path(f"{stem}.training.json")]
    return [p for p in written if p.exists()]


def _curves(history: dict[str, list[float]], path: Path) -> None:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        _say("matplotlib not installed: no training curves plot")
        return
    import io

    from .export import save_atomic

    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    for key, values in history.items():
        if "loss" in key:
            ax.semilogy(values, label=key)
    ax.set(xlabel="epoch", ylabel="box-scaled MSE", title="training curves")
    ax.legend()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    save_atomic(buf.getvalue(), path)


def _evaluate(args: argparse.Namespace) -> dict:
    from .evaluate import evaluate, format_report

    as_json = getattr(args, "json", False)
    report = evaluate(args.calibrator, n=args.n, seed=args.seed, out_dir=args.out_dir,
                      progress=(lambda msg: None) if as_json else _say)
    _say(json.dumps(report) if as_json else format_report(report))
    if args.out_dir is not None and not as_json:
        _say_written([Path(args.out_dir) / name for name in EVALUATION_FILES])
    return report


def _say_written(paths: list[Path]) -> None:
    _say("wrote:\n" + "\n".join(f"  {p}" for p in paths if p.exists()))


def _pipeline(args: argparse.Namespace) -> int:
    """Generate, train, export, evaluate and calibrate an example surface, small and fast."""
    import levyfast as lf

    start = time.perf_counter()
    out = Path(args.out_dir)
    onnx_path = out / "vg.onnx"
    _say(f"[1/4] generate {args.n_train} VG training surfaces (and their validation set), "
         f"train an MLP for {args.epochs} epochs "
         f"(budget {args.max_minutes} min), export ONNX")
    train_args = _parser().parse_args(
        ["train", "--model", "vg", "--out", str(onnx_path), "--seed", "0",
         "--n-train", str(args.n_train), "--max-minutes", str(args.max_minutes),
         "--epochs", str(args.epochs)])
    written = _train(train_args)
    _say("[2/4] evaluate on fresh surfaces")
    report = _evaluate(argparse.Namespace(calibrator=str(onnx_path), n=args.n_test,
                                          seed=20240601, out_dir=out))
    written += [out / name for name in EVALUATION_FILES]
    _say("[3/4] calibrate an example surface")
    cal = lf.Calibrator.load(onnx_path)
    market = lf.Market(100.0, 0.03, 0.01)
    truth = lf.VarianceGamma(0.2, 0.3, -0.15)
    surface = lf.price(truth, market, cal.strikes * market.spot, cal.maturities)
    cal.fit(surface, market)
    _say(f"  true {truth}\n  fit  {cal.model_}\n  re-priced RMSE {cal.result_.cost:.2e} x spot "
         f"in {cal.result_.time * 1e3:.2f} ms")
    clean = report["clean"]
    _say("[4/4] headline: " + ", ".join(f"R2({k})={v['r2']:.4f}"
                                        for k, v in clean["params"].items())
         + f"; IV error median {clean['iv_bp_median']:.1f} bp; batch-1 latency "
         f"{report['latency']['batch1_p50_us']:.0f} us; total "
         f"{time.perf_counter() - start:.0f} s")
    _say_written(written)
    return 0


def _parser() -> argparse.ArgumentParser:
    p = OneLineErrorParser(prog="levyfast", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    _add_train_args(sub.add_parser("train", help="train a neural calibrator, export ONNX"))
    ev = sub.add_parser("evaluate", help="evaluation report on fresh test surfaces")
    ev.add_argument("calibrator", help="ONNX file or pretrained name (vg, nig, cgmy)")
    ev.add_argument("--n", type=POSITIVE_INT, default=2000)
    ev.add_argument("--seed", type=COUNT, default=20240601)
    ev.add_argument("--out-dir", type=Path, default=None,
                    help="write report.json, report.md and predicted_vs_true.png there")
    ev.add_argument("--json", action="store_true", help="print the report as JSON")
    pl = sub.add_parser("pipeline", help="end-to-end demo: data, training, ONNX, evaluation")
    pl.add_argument("--out-dir", type=Path, default=Path("levyfast-demo"))
    pl.add_argument("--n-train", type=POSITIVE_INT, default=32768)
    pl.add_argument("--n-test", type=POSITIVE_INT, default=1000)
    pl.add_argument("--epochs", type=POSITIVE_INT, default=30)
    pl.add_argument("--max-minutes", type=POSITIVE, default=3.0)
    bayes_parsers(sub)
    return p


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow with the process's stderr (file descriptor 2) sent to /dev/null: its
    C++ start-up lines (absl's "All log messages before absl::InitializeLog()", oneDNN and
    CUDA-driver notices) ignore ``TF_CPP_MIN_LOG_LEVEL``. A failed import still raises."""
    # TensorFlow's C++ log lines (CUDA probing on a CPU machine, oneDNN notices) would drown
    # the command's own output; the process is the CLI's, so it sets this.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            import tensorflow
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    # its Python logger's hints (tf.function retracing, one per posterior fit of a study)
    # are for developers of the code, not for the command's user
    tensorflow.get_logger().setLevel(logging.ERROR)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # outputs and inputs are checked before TensorFlow is imported or any work is done
    if args.command == "train":
        _writable(Path(args.out).parent, "--out")
    elif args.command == "evaluate":
        _check_calibrator(args.calibrator)
    if getattr(args, "out_dir", None) is not None:
        _writable(Path(args.out_dir), "--out-dir")
    _import_tensorflow_quietly()
    if args.command == "train":
        _say_written(_train(args))
        return 0
    if args.command == "evaluate":
        _evaluate(args)
        return 0
    if args.command in BAYES_COMMANDS:
        from .bayes.cli import run

        return run(args)
    return _pipeline(args)
