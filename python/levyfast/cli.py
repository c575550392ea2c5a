"""Command line interface: ``levyfast price`` prices a surface and prints it (thin: parsing only)."""

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
    _add_training_commands(sub)
    return p


#: Subcommands served by the optional ``training`` package (the ``[train]`` extra).
TRAINING_COMMANDS = {
    "train": "train a neural calibrator and export it to ONNX (needs levyfast[train])",
    "evaluate": "evaluation report of a neural calibrator on fresh surfaces (levyfast[train])",
    "pipeline": "end-to-end demo: data, training, ONNX, evaluation, calibration "
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
    for t, row in zip(maturities, surface):
        print(f"{t:8.4f} " + " ".join(f"{v:9.4f}" for v in row))
    print(f"{surface.size} options in {elapsed * 1e6:.1f} us per surface "
          f"(mean of {repeats} repeats, one core)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in TRAINING_COMMANDS:
        return _training_command(argv[0], argv[1:])
    args = _parser().parse_args(argv)
    if args.command == "price":
        return _price_command(args)
    raise AssertionError(args.command)  # argparse enforces the choices


if __name__ == "__main__":
    raise SystemExit(main())
