"""``levyfast posterior`` and ``levyfast posterior-study`` (parsing and printing only)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from levyfast.cli_args import COUNT, FINITE, NON_NEGATIVE, POSITIVE, POSITIVE_INT

__all__ = ["add_parsers", "run"]

COMMANDS = ("posterior", "posterior-study")


def _say(msg: str, end: str = "\n") -> None:
    print(msg, end=end, flush=True)  # noqa: T201 (a CLI)


def _fixed(items: list[str]) -> dict[str, float]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--fix expects NAME=VALUE; got {item!r}")
        out[name] = float(value)
    return out


def add_parsers(sub: argparse._SubParsersAction) -> None:
    from levyfast.models import MODEL_REGISTRY

    from .noise_models import NOISE_MODELS

    p = sub.add_parser("posterior", help="posterior of a model's parameters by NUTS (TFP)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--chain", help="option chain CSV (see levyfast.chain.columns)")
    src.add_argument("--synthetic", action="store_true",
                     help="a synthetic 5 x 8 surface of the model's default parameters")
    p.add_argument("--model", choices=sorted(MODEL_REGISTRY), default="vg")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--spot", type=POSITIVE, help="spot of the chain (default: from the chain)")
    p.add_argument("--rate", type=FINITE, help="known flat rate of the chain")
    p.add_argument("--quote-date", help="quote date, if the CSV has none")
    p.add_argument("--min-price", type=NON_NEGATIVE, default=0.0,
                   help="drop chain quotes priced below this fraction of the forward")
    p.add_argument("--noise", choices=sorted(NOISE_MODELS), default=None,
                   help="noise model (default: relative for a surface, spread for a chain "
                        "with bid/ask)")
    p.add_argument("--noise-level", type=POSITIVE, default=0.01,
                   help="relative price noise of the synthetic surface")
    p.add_argument("--fix", action="append", default=[], metavar="NAME=VALUE",
                   help="hold a parameter fixed (repeatable), e.g. --fix sigma=0")
    p.add_argument("--chains", type=POSITIVE_INT, default=4)
    p.add_argument("--draws", type=POSITIVE_INT, default=1000)
    p.add_argument("--warmup", type=COUNT, default=500)
    p.add_argument("--kernel", choices=["nuts", "hmc"], default="nuts")
    p.add_argument("--seed", type=COUNT, default=0)
    p.add_argument("--no-plots", action="store_true")
    s = sub.add_parser("posterior-study",
                       help="coverage and SBC study of the posterior on synthetic surfaces")
    s.add_argument("--model", choices=sorted(MODEL_REGISTRY), default="vg")
    s.add_argument("--n", type=POSITIVE_INT, default=200, help="synthetic surfaces")
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--draws", type=POSITIVE_INT, default=300)
    s.add_argument("--warmup", type=COUNT, default=300)
    s.add_argument("--fix", action="append", default=[], metavar="NAME=VALUE")
    s.add_argument("--seed", type=COUNT, default=0)


def _progress(phase: str, done: int, total: int) -> None:
    _say(f"\r  {phase}: {done}/{total}", end="\n" if done == total else "")


def _posterior(args: argparse.Namespace) -> int:
    import levyfast as lf
    from levyfast.models import MODEL_REGISTRY

    from .calibrator import BayesianCalibrator
    from .predictive import PLOTS, plot, predictive_iv_bands

    model_cls = MODEL_REGISTRY[args.model]
    fixed = _fixed(args.fix)
    if args.chain:
        chain = lf.OptionChain.from_csv(args.chain, spot=args.spot, rate=args.rate,
                                        quote_date=args.quote_date)
        noise = args.noise or ("spread" if chain.has_spreads else "relative")
        fit_args: tuple = (chain,)
        source = args.chain
    else:
        assert model_cls.EXAMPLE is not None  # every built-in model has an example
        truth = model_cls.from_array(model_cls.EXAMPLE)
        market = lf.Market(100.0, 0.02, 0.0)
        k, t = np.linspace(80.0, 120.0, 8), np.array([0.1, 0.25, 0.5, 1.0, 2.0])
        prices = np.asarray(lf.price(truth, market, k, t))
        rng = np.random.default_rng(args.seed)
        quotes = prices * (1.0 + args.noise_level * rng.standard_normal(prices.shape))
        noise = args.noise or "relative"
        fit_args = (quotes, market, k, t)
        source = f"synthetic {truth!r}, {args.noise_level:.1%} price noise"
    _say(f"levyfast posterior: {model_cls.__name__} on {source}; noise {noise}; "
         f"{args.chains} chains x {args.draws} draws after {args.warmup} warm-up")
    cal = BayesianCalibrator(model_cls, noise=noise, fixed=fixed, n_chains=args.chains,
                             n_draws=args.draws, n_warmup=args.warmup, kernel=args.kernel,
                             seed=args.seed, on_arbitrage="drop", min_price=args.min_price,
                             progress=_progress)
    start = time.perf_counter()
    library_log = logging.getLogger("levyfast")
    level = library_log.level
    library_log.setLevel(logging.ERROR)  # the least-squares start's verdict is not the result
    try:
        with warnings.catch_warnings():  # the verdict is printed below
            warnings.simplefilter("ignore", UserWarning)
            cal.fit(*fit_args)
    finally:
        library_log.setLevel(level)
    seconds = time.perf_counter() - start
    d = cal.diagnostics_
    table = cal.summary_[["mean", "sd", "q5", "q50", "q95", "ess_bulk", "ess_tail", "r_hat"]]
    _say(table.to_string(float_format=lambda v: f"{v:.4g}"))
    ess = min(min(d.ess_bulk.values()), min(d.ess_tail.values()))
    _say(f"divergences {d.divergences}, E-BFMI min {np.nanmin(d.e_bfmi):.2f}, mean tree depth "
         f"{d.mean_tree_depth:.1f}, min ESS {ess:.0f}, {seconds:.1f} s "
         f"({min(d.ess_bulk.values()) / seconds:.0f} bulk ESS/s); "
         + ("converged" if cal.converged_ else "NOT CONVERGED: " + "; ".join(d.reasons)))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cal.summary_.to_csv(out / "summary.csv")
    cal.posterior_.to_netcdf(str(out / "posterior.nc"))
    predictive_iv_bands(cal).to_csv(out / "predictive_iv.csv", index=False)
    (out / "diagnostics.json").write_text(json.dumps(
        {**d.as_dict(), "seconds": seconds, "timing": cal.timing_, "noise": noise,
         "start": repr(cal.start_)}, indent=1))
    if not args.no_plots:
        for kind in PLOTS:
            plot(cal, kind).savefig(out / f"{kind}.png", dpi=90)
    _say(f"wrote {out}/ (summary.csv, posterior.nc, diagnostics.json, predictive_iv.csv"
         + ("" if args.no_plots else ", " + ", ".join(f"{k}.png" for k in PLOTS)) + ")")
    return 0


def _study(args: argparse.Namespace) -> int:
    from levyfast.models import MODEL_REGISTRY

    from .study import StudyResult, coverage_study, write_report

    out = Path(args.out)

    def progress(i: int, result: StudyResult) -> None:
        _say(f"  surfaces: {i}/{args.n}, median {np.median(result.seconds):.1f} s each")
        if i % 10 == 0:  # a partial report survives an interrupted study
            write_report(result, out)

    result = coverage_study(MODEL_REGISTRY[args.model], args.n, fixed=_fixed(args.fix),
                            n_draws=args.draws, n_warmup=args.warmup, seed=args.seed,
                            progress=progress)
    report = write_report(result, out)
    _say(report.read_text().split("\n\nCoverage")[0])
    _say(f"wrote {report}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run a parsed ``posterior`` / ``posterior-study`` command; errors are one line on
    stderr and exit code 2."""
    try:
        return _posterior(args) if args.command == "posterior" else _study(args)
    except (ValueError, TypeError, OSError) as exc:
        print(f"levyfast {args.command}: error: {exc}", file=sys.stderr)  # noqa: T201
        return 2
