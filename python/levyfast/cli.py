"""Command line interface (thin: parsing only): ``levyfast price`` prices a surface and prints
it; ``levyfast calibrate`` fits models to an option chain and writes a fit report; ``levyfast
generate`` writes a dataset, ``levyfast inspect`` describes one, ``levyfast verify`` checks
every shard against its content digest."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

import numpy as np

from . import __version__
from .market import Market
from .models import MODEL_REGISTRY
from .pricers import DEFAULT_TOLERANCE, METHODS, price

#: Embedded defaults of the main job: the benchmark surface of the README.
DEFAULT_PARAMS = {
    "bs": [0.2],
    "vg": [0.2, 0.3, -0.15],
    "cgmy": [1.0, 5.0, 5.0, 0.5],
    "nig": [15.0, -5.0, 0.5],
    "merton": [0.15, 0.1, -0.9, 0.45],
    "kou": [0.2, 1.0, 0.3, 10.0, 5.0],
}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="levyfast", description=__doc__)
    p.add_argument("--version", action="version", version=f"levyfast {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    pr = sub.add_parser("price", help="price a strike x maturity surface and print it")
    pr.add_argument("--model", choices=sorted(MODEL_REGISTRY), default="vg")
    pr.add_argument("--params", type=float, nargs="+", help="model parameters in PARAM_NAMES order")
    pr.add_argument("--spot", type=float, default=100.0)
    pr.add_argument("--rate", type=float, default=0.03)
    pr.add_argument("--dividend", type=float, default=0.0)
    pr.add_argument("--strikes", type=float, nargs="+", default=list(np.linspace(80, 120, 20)))
    pr.add_argument("--maturities", type=float, nargs="+", default=list(np.linspace(0.1, 2, 10)))
    pr.add_argument("--kind", choices=["call", "put"], default="call")
    pr.add_argument("--method", choices=METHODS, default="auto")
    pr.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE)
    _add_calibrate_parser(sub)
    _add_generate_parser(sub)
    _add_inspect_parser(sub)
    _add_verify_parser(sub)
    _add_training_commands(sub)
    return p


#: Subcommands served by the optional ``training`` package (the ``[train]`` extra).
TRAINING_COMMANDS = {
    "train": "train a neural calibrator and export it to ONNX (needs levyfast[train])",
    "evaluate": "evaluation report of a neural calibrator on fresh surfaces (levyfast[train])",
    "pipeline": "end-to-end demo: data, training, ONNX, evaluation, calibration "
                "(levyfast[train])",
    "posterior": "posterior of a model's parameters by NUTS, with diagnostics and plots "
                 "(levyfast[train])",
    "posterior-study": "coverage and simulation-based calibration study of the posterior "
                       "(levyfast[train])",
}


def _add_training_commands(sub: argparse._SubParsersAction) -> None:
    """Listed for --help only: ``main`` forwards these commands' arguments untouched."""
    for name, text in TRAINING_COMMANDS.items():
        sub.add_parser(name, help=text, add_help=False)


def _training_command(command: str, rest: list[str]) -> int:
    """Forward to ``training.cli`` imported only now, so the core never loads TensorFlow."""
    try:
        from training.cli import main as training_main
    except ImportError as exc:
        print(f"levyfast {command} needs the training extra: pip install 'levyfast[train]' "
              f"({exc})")
        return 2
    return training_main([command, *rest])


def _price_command(args: argparse.Namespace) -> int:
    cls = MODEL_REGISTRY[args.model]
    model = cls(*(args.params if args.params is not None else DEFAULT_PARAMS[args.model]))
    market = Market(args.spot, args.rate, args.dividend)
    strikes = np.asarray(args.strikes, dtype=float)
    maturities = np.asarray(args.maturities, dtype=float)
    kwargs = dict(kind=args.kind, method=args.method, tolerance=args.tolerance)
    surface = np.asarray(price(model, market, strikes, maturities, **kwargs))
    repeats = 200
    start = time.perf_counter()
    for _ in range(repeats):
        price(model, market, strikes, maturities, **kwargs)
    elapsed = (time.perf_counter() - start) / repeats
    print(f"{model!r}  spot={market.spot} rate={market.rate} dividend={market.dividend}")
    print(f"{args.kind} prices [{surface.shape[0]} maturities x {surface.shape[1]} strikes], "
          f"method={args.method}, tolerance={args.tolerance:g} * spot")
    print("T \\ K    " + " ".join(f"{k:9.2f}" for k in strikes))
    for t, row in zip(maturities, surface, strict=True):
        print(f"{t:8.4f} " + " ".join(f"{v:9.4f}" for v in row))
    print(f"{surface.size} options in {elapsed * 1e6:.1f} us per surface "
          f"(mean of {repeats} repeats, one core)")
    return 0


# -- levyfast calibrate (levyfast.chain) ------------------------------------------------------

def _add_calibrate_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    c = sub.add_parser("calibrate", help="fit models to an option chain (CSV) and write a report",
                       description="Fit Lévy models to the out-of-the-money quotes of an option "
                       "chain (forwards and discounts from put-call parity), print a comparison "
                       "table and write a report (summary.md and figures) to --out.")
    c.add_argument("chain", help="CSV file: one row per quote (see levyfast.chain.columns)")
    c.add_argument("--model", choices=sorted(MODEL_REGISTRY), default="vg")
    c.add_argument("--models", choices=["all"], help="fit every built-in model instead")
    c.add_argument("--out", help="report folder (default: <chain name>_calibration)")
    c.add_argument("--spot", type=float, help="spot price (default: from the chain)")
    c.add_argument("--rate", type=float, help="known flat zero rate (default: from parity)")
    c.add_argument("--quote-date", help="quote date, if the CSV has expiries but no quote_date")
    c.add_argument("--target", choices=["iv", "price"], default="iv")
    c.add_argument("--starts", type=int, default=4, help="local fits (multi-start)")
    c.add_argument("--global-samples", type=int, default=64,
                   help="Sobol points scored before the local fits")


def _calibrate_command(args: argparse.Namespace) -> int:
    import logging
    from pathlib import Path

    from .calibration import LeastSquaresCalibrator
    from .chain import OptionChain
    from .chain.report import comparison_table, write_report

    library_log = logging.getLogger("levyfast")
    level = library_log.level
    library_log.setLevel(logging.ERROR)  # verdicts go into the table
    try:
        chain = OptionChain.from_csv(args.chain, spot=args.spot, rate=args.rate,
                                     quote_date=args.quote_date)
        names = sorted(MODEL_REGISTRY, key=list(DEFAULT_PARAMS).index) \
            if args.models == "all" else [args.model]
        fits = {name: LeastSquaresCalibrator(
            MODEL_REGISTRY[name], target=args.target, n_starts=args.starts,
            global_samples=args.global_samples).fit(chain) for name in names}
        out = Path(args.out or f"{Path(args.chain).stem}_calibration")
        summary = write_report(chain, fits, out, title=f"Calibration of {args.chain}")
    except (ValueError, TypeError, OSError) as exc:
        print(f"levyfast calibrate: error: {exc}", file=sys.stderr)
        return 2
    finally:
        library_log.setLevel(level)
    print(chain)
    print(f"{'model':8} {'IV RMSE bp':>10} {'in spread':>9} {'time s':>7}  verdict / parameters")
    for row in comparison_table(fits):
        inside = "n/a" if np.isnan(row["inside_spread"]) else f"{row['inside_spread']:.0%}"
        flag = "ok" if row["success"] else "NOT OK"
        print(f"{row['model']:8} {row['iv_rmse_bp']:10.0f} {inside:>9} {row['time_s']:7.2f}  "
              f"{flag}: {row['verdict']}")
        print(f"{'':38}{row['params']}")
    print(f"report: {summary} (figures beside it)")
    return 0


# -- levyfast generate / inspect (levyfast.data) ---------------------------------------------

def _add_generate_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from .data import (
        DEFAULT_DIVIDEND_RANGE,
        DEFAULT_RATE_RANGE,
        DEFAULT_SHARD_SIZE,
        MONEYNESS,
        SAMPLERS,
    )

    g = sub.add_parser("generate", help="generate a sharded Parquet dataset of priced surfaces")
    g.add_argument("--model", choices=sorted(MODEL_REGISTRY), default="vg")
    g.add_argument("--n", type=int, required=True, help="number of surfaces")
    g.add_argument("--out", required=True, help="output directory (local path or URI)")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--sampler", choices=SAMPLERS, default="sobol")
    g.add_argument("--param", nargs=3, action="append", metavar=("NAME", "LOW", "HIGH"),
                   default=[], help="override the default box of one parameter (repeatable)")
    g.add_argument("--rate-range", type=float, nargs=2, default=list(DEFAULT_RATE_RANGE))
    g.add_argument("--dividend-range", type=float, nargs=2, default=list(DEFAULT_DIVIDEND_RANGE))
    g.add_argument("--strikes", type=float, nargs="+", help="grid points (default 0.8..1.2 x20)")
    g.add_argument("--maturities", type=float, nargs="+", help="default 0.1..2.0 x10")
    g.add_argument("--moneyness", choices=MONEYNESS, default="strike")
    g.add_argument("--store", nargs="+", choices=["price", "iv"], default=["price", "iv"])
    g.add_argument("--method", choices=METHODS, default="auto")
    g.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE)
    g.add_argument("--noise", help="stored noisy copy, e.g. gaussian:1e-4,bidask:0.02,"
                                   "outliers:0.01,missing:0.05")
    g.add_argument("--shard-size", type=int, default=DEFAULT_SHARD_SIZE)
    g.add_argument("--workers", type=int, help="local worker threads (default: all cores)")
    g.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786")
    g.add_argument("--compression", default="zstd",
                   choices=["zstd", "snappy", "lz4", "gzip", "none"])


class _Progress:
    """A one-line progress bar on stderr: surfaces done, surfaces/s, ETA."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.first: int | None = None

    def __call__(self, done: int, total: int) -> None:
        import sys

        if self.first is None:
            self.first = done
        elapsed = time.perf_counter() - self.start
        rate = (done - self.first) / elapsed if elapsed > 0 else 0.0
        eta = (total - done) / rate if rate > 0 else float("nan")
        bar = "#" * int(30 * done / total)
        sys.stderr.write(f"\r[{bar:<30}] {done:,}/{total:,} surfaces  {rate:,.0f}/s  "
                         f"ETA {eta:,.0f} s ")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _generate_command(args: argparse.Namespace) -> int:
    from .data import DEFAULT_MATURITIES, DEFAULT_STRIKES, write_surfaces
    from .data.noise import parse_noise

    client = None
    if args.scheduler:
        from .data.distributed import connect

        client = connect(args.scheduler)
    try:
        report = write_surfaces(
            MODEL_REGISTRY[args.model], args.n, args.out, seed=args.seed, sampler=args.sampler,
            param_box={name: (float(lo), float(hi)) for name, lo, hi in args.param},
            rate_range=tuple(args.rate_range), dividend_range=tuple(args.dividend_range),
            strikes=DEFAULT_STRIKES if args.strikes is None else args.strikes,
            maturities=DEFAULT_MATURITIES if args.maturities is None else args.maturities,
            moneyness=args.moneyness, store=tuple(args.store), method=args.method,
            tolerance=args.tolerance, noise=parse_noise(args.noise) if args.noise else None,
            shard_size=args.shard_size, workers=args.workers, client=client,
            compression=args.compression, progress=_Progress(),
        )
    finally:
        if client is not None:
            client.close()
    print(f"wrote {args.out}")
    print(report)
    return 0 if report.n_failed == 0 else 1


def _add_inspect_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    i = sub.add_parser("inspect", help="print a dataset's metadata and statistics")
    i.add_argument("path")
    i.add_argument("--plot", metavar="FILE", help="save a pairwise parameter-coverage plot")
    i.add_argument("--plot-points", type=int, default=4000)


def _add_verify_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    v = sub.add_parser("verify", help="check every shard of a dataset against its content "
                                      "digest (exit status 1 if any is corrupt or missing)")
    v.add_argument("path")


def _verify_command(args: argparse.Namespace) -> int:
    from .data import verify

    try:
        problems = verify(args.path)
    except FileNotFoundError as exc:
        print(f"levyfast verify: {exc}", file=sys.stderr)
        return 2
    for file, problem in problems:
        print(f"levyfast verify: {file}: {problem}" if problem.find(file) < 0
              else f"levyfast verify: {problem}", file=sys.stderr)
    if not problems:
        print(f"{args.path}: every shard intact")
    return 1 if problems else 0


def _inspect_command(args: argparse.Namespace) -> int:
    from .data import DatasetFormatError
    from .data.inspect import coverage_plot, describe

    try:
        summary = describe(args.path)
    except (DatasetFormatError, FileNotFoundError) as exc:  # one line, no traceback
        print(f"levyfast inspect: {exc}", file=sys.stderr)
        return 2
    print(summary)
    if args.plot:
        coverage_plot(args.path, args.plot, max_points=args.plot_points)
        print(f"coverage plot saved to {args.plot}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in TRAINING_COMMANDS:
        return _training_command(argv[0], argv[1:])
    args = _parser().parse_args(argv)
    if args.command == "price":
        return _price_command(args)
    if args.command == "calibrate":
        return _calibrate_command(args)
    if args.command == "generate":
        return _generate_command(args)
    if args.command == "inspect":
        return _inspect_command(args)
    if args.command == "verify":
        return _verify_command(args)
    raise AssertionError(args.command)  # argparse enforces the choices


if __name__ == "__main__":
    raise SystemExit(main())
