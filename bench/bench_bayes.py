"""Bayesian calibration bench: NUTS on synthetic surfaces with 1% price noise, and the SPX chain.

Synthetic: 8 strikes ``K/S0`` in [0.8, 1.2] x 5 maturities (0.1 ... 2 years), S0 = 100,
r = 0.02; quotes ``Q = P(theta*) (1 + 0.01 eps)``; 4 chains x 1000 draws after 500 warm-up
(``BayesianCalibrator`` defaults, relative noise). CGMY is pure jump (``sigma = 0`` fixed).
Reports max R-hat, min bulk/tail ESS, divergences, wall time (start + warm-up + sampling) and
bulk ESS per second of the whole fit. ``--spx PATH`` adds VG and NIG on a chain (spot
1290.59, spread noise).

Run: ``python -m bench.bench_bayes [vg nig cgmy] [--spx /path/spx_20110124.csv]`` from the
repository root.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

import levyfast as lf
from levyfast_train.bayes.calibrator import BayesianCalibrator

MARKET = lf.Market(100.0, 0.02, 0.0)
STRIKES = np.linspace(80.0, 120.0, 8)
MATURITIES = np.array([0.1, 0.25, 0.5, 1.0, 2.0])
TRUTHS = {"vg": lf.VarianceGamma(0.2, 0.3, -0.15), "nig": lf.NIG(15.0, -5.0, 0.5),
          "cgmy": lf.CGMY(1.0, 5.0, 8.0, 0.6, 0.0)}
FIXED = {"cgmy": {"sigma": 0.0}}


def _row(label: str, cal: BayesianCalibrator, seconds: float) -> str:
    d = cal.diagnostics_
    ess_b, ess_t = min(d.ess_bulk.values()), min(d.ess_tail.values())
    return (f"{label:24} {max(d.r_hat.values()):6.3f} {ess_b:8.0f} {ess_t:8.0f} "
            f"{d.divergences:5d} {d.mean_tree_depth:5.2f} {seconds:7.1f} "
            f"{cal.timing_['sampling']:7.1f} {ess_b / seconds:7.0f}  "
            + ("ok" if cal.converged_ else "NOT CONVERGED: " + "; ".join(d.reasons)))


def _fit(cal: BayesianCalibrator, *args: object) -> float:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the verdict is in the table
        cal.fit(*args)
    return time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("models", nargs="*", default=["vg", "nig", "cgmy"])
    p.add_argument("--spx", default=None)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    print(f"{'case':24} {'R-hat':>6} {'ESSbulk':>8} {'ESStail':>8} {'div':>5} {'depth':>5} "
          f"{'wall s':>7} {'samp s':>7} {'ESS/s':>7}")
    for name in args.models:
        truth = TRUTHS[name]
        prices = np.asarray(lf.price(truth, MARKET, STRIKES, MATURITIES))
        rng = np.random.default_rng(args.seed)
        quotes = prices * (1.0 + 0.01 * rng.standard_normal(prices.shape))
        cal = BayesianCalibrator(type(truth), fixed=FIXED.get(name), on_arbitrage="drop",
                                 seed=args.seed)
        seconds = _fit(cal, quotes, MARKET, STRIKES, MATURITIES)
        print(_row(f"{name} synthetic", cal, seconds), flush=True)
        post = cal.summary_
        inside = [post.loc[n, "q5"] <= getattr(truth, n) <= post.loc[n, "q95"]
                  for n in post.index if n != "tau"]
        print(f"{'':24} truth inside the 90% interval: {sum(inside)}/{len(inside)}")
    if args.spx:
        chain = lf.OptionChain.from_csv(args.spx, spot=1290.59)
        for model_cls in (lf.VarianceGamma, lf.NIG):
            cal = BayesianCalibrator(model_cls, noise="spread", seed=args.seed)
            seconds = _fit(cal, chain)
            print(_row(f"{model_cls.__name__} SPX", cal, seconds), flush=True)
            print(cal.summary_[["mean", "sd", "q5", "q95"]].to_string(), flush=True)


if __name__ == "__main__":
    main()
