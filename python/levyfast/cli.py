"""Command line interface (thin: parsing only): ``levyfast price`` prices a surface and prints
it; ``levyfast calibrate`` fits models to an option chain and writes a fit report; ``levyfast
generate`` writes a dataset, ``levyfast inspect`` describes one, ``levyfast verify`` checks
every shard against its content digest; ``levyfast serve`` runs the HTTP calibration service
and ``levyfast report`` writes the validation report of a neural calibrator.

A bad argument or input is one line on stderr naming it, exit status 2 (``--debug`` before
the command shows the traceback instead)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import __version__
from .cli_args import COUNT, FINITE, POSITIVE, POSITIVE_INT, OneLineErrorParser
from .market import Market
from .models import BUILTIN, MODEL_REGISTRY
from .pricers import DEFAULT_TOLERANCE, METHODS, price


def _parser() -> argparse.ArgumentParser:
    p = OneLineErrorParser(prog="levyfast", description=__doc__,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"levyfast {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = p.add_subparsers(dest="command", required=True)
    pr = sub.add_parser("price", help="price a strike x maturity surface and print it")
    pr.add_argument("--model", choices=sorted(MODEL_REGISTRY), default="vg")
    pr.add_argument("--params", type=FINITE, nargs="+",
                    help="model parameters in PARAM_NAMES order")
    pr.add_argument("--spot", type=POSITIVE, default=100.0)
    pr.add_argument("--rate", type=FINITE, default=0.03)
    pr.add_argument("--dividend", type=FINITE, default=0.0)
    pr.add_argument("--strikes", type=POSITIVE, nargs="+",
                    default=list(np.linspace(80, 120, 20)))
    pr.add_argument("--maturities", type=POSITIVE, nargs="+",
                    default=list(np.linspace(0.1, 2, 10)))
    pr.add_argument("--kind", choices=["call", "put"], default="call")
    pr.add_argument("--method", choices=METHODS, default="auto")
    pr.add_argument("--tolerance", type=POSITIVE, default=DEFAULT_TOLERANCE)
    pr.add_argument("--bench", type=POSITIVE_INT, metavar="REPEATS",
                    help="also time the surface: median of REPEATS pricings, one core")
    pr.add_argument("--json", action="store_true",
                    help="print the surface as JSON (model, market, strikes, maturities, prices)")
    _add_calibrate_parser(sub)
    _add_generate_parser(sub)
    _add_inspect_parser(sub)
    _add_verify_parser(sub)
    _add_serve_parser(sub)
    _add_report_parser(sub)
    _add_plugin_commands(sub)
    return p


#: Entry-point group of subcommands added by other packages (``levyfast_train`` adds train,
#: evaluate, pipeline, posterior and posterior-study): each entry point names an object with
#: ``help: str`` and ``run(argv) -> int`` that imports its heavy dependencies only when run.
COMMAND_GROUP = "levyfast.commands"


def _plugin_commands() -> dict[str, Any]:
    """The subcommands registered in :data:`COMMAND_GROUP`, by name (loaded: cheap by contract)."""
    from importlib.metadata import entry_points

    return {ep.name: ep.load() for ep in entry_points(group=COMMAND_GROUP)}


def _add_plugin_commands(sub: argparse._SubParsersAction) -> None:
    """Listed for --help only: ``main`` forwards these commands' arguments untouched."""
    for name, command in sorted(_plugin_commands().items()):
        sub.add_parser(name, help=command.help, add_help=False)


def _price_command(args: argparse.Namespace) -> int:
    cls = MODEL_REGISTRY[args.model]
    if args.params is not None and len(args.params) != len(cls.PARAM_NAMES):
        raise ValueError(f"argument --params: {cls.__name__} takes {len(cls.PARAM_NAMES)} "
                         f"values ({', '.join(cls.PARAM_NAMES)}); got {len(args.params)}")
    params = args.params if args.params is not None else cls.EXAMPLE
    assert params is not None  # every built-in model has an example
    model = cls.from_array(params)
    market = Market(args.spot, args.rate, args.dividend)
    strikes = np.asarray(args.strikes, dtype=float)
    maturities = np.asarray(args.maturities, dtype=float)
    kwargs = dict(kind=args.kind, method=args.method, tolerance=args.tolerance)
    surface = np.asarray(price(model, market, strikes, maturities, **kwargs))
    timing = None
    if args.bench:
        times = []
        for _ in range(args.bench):
            start = time.perf_counter()
            price(model, market, strikes, maturities, **kwargs)
            times.append(time.perf_counter() - start)
        timing = float(np.median(times))
    if args.json:
        import json

        print(json.dumps({
            "model": type(model).__name__,
            "params": dict(zip(cls.PARAM_NAMES, model.to_array().tolist(), strict=True)),
            "market": {"spot": market.spot, "rate": market.rate, "dividend": market.dividend},
            "kind": args.kind, "method": args.method, "tolerance": args.tolerance,
            "strikes": strikes.tolist(), "maturities": maturities.tolist(),
            "prices": surface.tolist(), "median_seconds": timing}))
        return 0
    print(f"{model!r}  spot={market.spot} rate={market.rate} dividend={market.dividend}")
    print(f"{args.kind} prices [{surface.shape[0]} maturities x {surface.shape[1]} strikes], "
          f"method={args.method}, tolerance={args.tolerance:g} * spot")
    print("T \\ K    " + " ".join(f"{k:9.2f}" for k in strikes))
    for t, row in zip(maturities, surface, strict=True):
        print(f"{t:8.4f} " + " ".join(f"{v:9.4f}" for v in row))
    if timing is not None:
        print(f"{surface.size} options in {timing * 1e6:.1f} us per surface "
              f"(median of {args.bench} pricings, one core)")
    return 0


# -- levyfast calibrate (levyfast.chain) ------------------------------------------------------

def _add_calibrate_parser(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("calibrate", help="fit models to an option chain (CSV) and write a report",
                       description="Fit Lévy models to the out-of-the-money quotes of an option "
                       "chain (forwards and discounts from put-call parity), print a comparison "
                       "table and write a report (summary.md and figures) to --out.")
    c.add_argument("chain", help="CSV file: one row per quote (see levyfast.chain.columns)")
    c.add_argument("--model", choices=sorted(MODEL_REGISTRY), default="vg")
    c.add_argument("--models", choices=["all"], help="fit every built-in model instead")
    c.add_argument("--out", help="report folder (default: <chain name>_calibration)")
    c.add_argument("--spot", type=POSITIVE, help="spot price (default: from the chain)")
    c.add_argument("--rate", type=FINITE, help="known flat zero rate (default: from parity)")
    c.add_argument("--quote-date", help="quote date, if the CSV has expiries but no quote_date")
    c.add_argument("--target", choices=["iv", "price"], default="iv")
    c.add_argument("--starts", type=POSITIVE_INT, default=4, help="local fits (multi-start)")
    c.add_argument("--global-samples", type=COUNT, default=128,
                   help="Sobol points scored before the local fits")
    c.add_argument("--json", action="store_true",
                   help="print the comparison table as JSON instead of text")


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
        names = [str(cls.NAME) for cls in BUILTIN] if args.models == "all" else [args.model]
        fits = {name: LeastSquaresCalibrator(
            MODEL_REGISTRY[name], target=args.target, n_starts=args.starts,
            global_samples=args.global_samples).fit(chain) for name in names}
        out = Path(args.out or f"{Path(args.chain).stem}_calibration")
        written = write_report(chain, fits, out, title=f"Calibration of {args.chain}")
    finally:
        library_log.setLevel(level)
    rows = comparison_table(fits)
    if args.json:
        import json

        print(json.dumps({"chain": repr(chain), "fits": rows,
                          "files": [str(p) for p in written]}, default=float))
        return 0
    print(chain)
    print(f"{'model':8} {'IV RMSE bp':>10} {'in spread':>9} {'time s':>7}  verdict / parameters")
    for row in rows:
        inside = "n/a" if np.isnan(row["inside_spread"]) else f"{row['inside_spread']:.0%}"
        flag = "ok" if row["success"] else "NOT OK"
        print(f"{row['model']:8} {row['iv_rmse_bp']:10.0f} {inside:>9} {row['time_s']:7.2f}  "
              f"{flag}: {row['verdict']}")
        print(f"{'':38}{row['params']}")
        if row["not_identified"]:
            print(f"{'':38}{row['not_identified']}")
    _list_files(written)
    return 0


def _list_files(paths: Sequence[Any]) -> None:
    print("wrote:")
    for path in paths:
        print(f"  {path}")


# -- levyfast generate / inspect (levyfast.data) ---------------------------------------------

def _add_generate_parser(sub: argparse._SubParsersAction) -> None:
    from .data import (
        DEFAULT_DIVIDEND_RANGE,
        DEFAULT_RATE_RANGE,
        DEFAULT_SHARD_SIZE,
        MONEYNESS,
        SAMPLERS,
    )

    g = sub.add_parser("generate", help="generate a sharded Parquet dataset of priced surfaces")
    g.add_argument("--model", choices=sorted(MODEL_REGISTRY), default="vg")
    g.add_argument("--n", type=POSITIVE_INT, required=True, help="number of surfaces")
    g.add_argument("--out", required=True, help="output directory (local path or URI)")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--sampler", choices=SAMPLERS, default="sobol")
    g.add_argument("--param", nargs=3, action="append", metavar=("NAME", "LOW", "HIGH"),
                   default=[], help="override the default box of one parameter (repeatable)")
    g.add_argument("--rate-range", type=FINITE, nargs=2, default=list(DEFAULT_RATE_RANGE))
    g.add_argument("--dividend-range", type=FINITE, nargs=2, default=list(DEFAULT_DIVIDEND_RANGE))
    g.add_argument("--strikes", type=POSITIVE, nargs="+",
                   help="grid points (default 0.8..1.2 x20)")
    g.add_argument("--maturities", type=POSITIVE, nargs="+", help="default 0.1..2.0 x10")
    g.add_argument("--moneyness", choices=MONEYNESS, default="strike")
    g.add_argument("--store", nargs="+", choices=["price", "iv"], default=["price", "iv"])
    g.add_argument("--method", choices=METHODS, default="auto")
    g.add_argument("--tolerance", type=POSITIVE, default=DEFAULT_TOLERANCE)
    g.add_argument("--noise", help="stored noisy copy, e.g. gaussian:1e-4,bidask:0.02,"
                                   "outliers:0.01,missing:0.05")
    g.add_argument("--shard-size", type=POSITIVE_INT, default=DEFAULT_SHARD_SIZE)
    g.add_argument("--workers", type=POSITIVE_INT,
                   help="local worker threads (default: all cores)")
    g.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786")
    g.add_argument("--compression", default="zstd",
                   choices=["zstd", "snappy", "lz4", "gzip", "none"])
    g.add_argument("--quiet", action="store_true", help="no progress bar")


class _Progress:
    """A tqdm bar on stderr fed by ``progress(done, total)`` callbacks: surfaces done, rate,
    ETA; silent when stderr is not a terminal or with ``quiet``."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=total, initial=done, unit="surface", unit_scale=True,
                            disable=True if self.quiet else None, dynamic_ncols=True)
        self.bar.update(done - self.bar.n)
        if done >= total:
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _generate_command(args: argparse.Namespace) -> int:
    from .data import DEFAULT_MATURITIES, DEFAULT_STRIKES, write_surfaces
    from .data.noise import parse_noise

    client = None
    progress = _Progress(args.quiet)
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
            compression=args.compression, progress=progress,
        )
    finally:
        progress.close()
        if client is not None:
            client.close()
    print(f"wrote {args.out}")
    print(report)
    return 0 if report.n_failed == 0 else 1


def _add_inspect_parser(sub: argparse._SubParsersAction) -> None:
    i = sub.add_parser("inspect", help="print a dataset's metadata and statistics")
    i.add_argument("path")
    i.add_argument("--plot", metavar="FILE", help="save a pairwise parameter-coverage plot")
    i.add_argument("--plot-points", type=POSITIVE_INT, default=4000)


def _add_verify_parser(sub: argparse._SubParsersAction) -> None:
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


# -- levyfast serve (levyfast.serve) and levyfast report (levyfast.validation) ---------------

def _add_serve_parser(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("serve", help="run the HTTP calibration service (needs levyfast[serve])",
                       description="Serve POST /calibrate, POST /price, GET /models, GET "
                       "/health, GET /metrics (Prometheus) and the OpenAPI docs (/docs) with "
                       "uvicorn; JSON logs on stderr; SIGINT/SIGTERM stop it gracefully.")
    s.add_argument("--host", default="127.0.0.1", help="interface to bind (default loopback)")
    s.add_argument("--port", type=COUNT, default=8000)
    s.add_argument("--models", help="comma-separated pretrained calibrators to load and warm "
                                    "(default: all shipped ones)")
    s.add_argument("--api-key", help="require this key in the X-API-Key header (default: "
                                     "the LEVYFAST_API_KEY environment variable; unset: no "
                                     "authentication)")
    s.add_argument("--max-body-bytes", type=POSITIVE_INT,
                   help="largest request body accepted, larger ones get 413 (default 2000000)")
    s.add_argument("--threads", type=POSITIVE_INT, default=1,
                   help="ONNX Runtime threads per network call")
    s.add_argument("--log-level", choices=["debug", "info", "warning", "error"],
                   default="info")


def _serve_command(args: argparse.Namespace) -> int:
    try:
        from .serve import Settings, serve
    except ImportError as exc:
        raise ImportError(f"levyfast serve needs the serve extra: pip install "
                          f"'levyfast[serve]' ({exc})") from exc
    options: dict[str, Any] = {"intra_op_num_threads": args.threads,
                               "api_key": args.api_key or os.environ.get("LEVYFAST_API_KEY")
                               or None}
    if args.models:
        options["models"] = tuple(m.strip() for m in args.models.split(",") if m.strip())
    if args.max_body_bytes is not None:
        options["max_body_bytes"] = args.max_body_bytes
    serve(Settings(**options), args.host, args.port, log_level=args.log_level)
    return 0


def _add_report_parser(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("report", help="validation report of a neural calibrator (Markdown "
                                      "and figures; needs levyfast[calibrate,plot])",
                       description="Out-of-sample accuracy on fresh surfaces, robustness to "
                       "price noise and missing quotes, Sobol sensitivity indices of the "
                       "surface, residuals and speed of a neural calibrator, written to --out "
                       "as report.md with PNG figures and results.json.")
    r.add_argument("--model", default="vg", help="pretrained calibrator name or ONNX file")
    r.add_argument("--out", required=True, help="report folder")
    r.add_argument("--n-test", type=POSITIVE_INT, default=2048,
                   help="fresh test surfaces")
    r.add_argument("--n-sobol", type=POSITIVE_INT, default=1024,
                   help="base samples of the Sobol estimators (N (k + 2) surfaces)")
    r.add_argument("--n-robust", type=POSITIVE_INT, default=256,
                   help="surfaces per noise / missing-quote level")
    r.add_argument("--n-lsq", type=COUNT, default=8,
                   help="least-squares fits timed for the speed comparison")
    r.add_argument("--seed", type=int, default=0)


def _report_command(args: argparse.Namespace) -> int:
    from .validation import ReportConfig, write_report

    config = ReportConfig(n_test=args.n_test, n_sobol=args.n_sobol, n_robust=args.n_robust,
                          n_lsq=args.n_lsq, seed=args.seed)
    written = write_report(args.model, args.out, config)
    _list_files(written)
    return 0


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


#: The subcommands of this module, by name.
CORE_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "price": _price_command, "calibrate": _calibrate_command, "generate": _generate_command,
    "inspect": _inspect_command, "verify": _verify_command, "serve": _serve_command,
    "report": _report_command}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv[:1]
    if debug:
        argv = argv[1:]
    if argv and argv[0] not in CORE_COMMANDS and not argv[0].startswith("-"):
        plugins = _plugin_commands()
        if argv[0] in plugins:
            return _run(f"levyfast {argv[0]}", debug, lambda: plugins[argv[0]].run(argv[1:]))
    args = _parser().parse_args(argv)
    return _run(f"levyfast {args.command}", debug, lambda: CORE_COMMANDS[args.command](args))


def _run(name: str, debug: bool, command: Callable[[], int]) -> int:
    """``command()``'s exit status; a ValueError, TypeError, OSError or ImportError (bad
    input, a missing file or extra) becomes one line on stderr and status 2, an interrupt
    status 130 (``debug``: the traceback instead)."""
    try:
        return command()
    except (ValueError, TypeError, OSError, ImportError) as exc:
        if debug:
            raise
        print(f"{name}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"{name}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
