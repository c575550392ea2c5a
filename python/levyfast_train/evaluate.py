"""Evaluation report of a neural calibrator on a fresh test set never used in training.

Everything runs through :class:`levyfast.Calibrator` (the ONNX artefact as shipped). Test
parameters are independent uniform draws on the calibrator's box (training uses a scrambled
Sobol design with its own seed). Reported: per-parameter R^2 and MAE; the re-priced
implied-volatility error in basis points (median, p95) over quotes whose time value exceeds
1e-5 x spot; robustness to multiplicative price noise (``C (1 + s eps)``, ``eps ~ N(0,1)``
per quote) and to randomly missing quotes; single-surface and batch latency; plots; and the
identifiability of the parameters (:func:`identifiability`).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import levyfast as lf

from .dataset import SurfaceDataset, generate, price_jacobian
from .export import save_atomic
from .families import FAMILIES, Family
from .train import parameter_metrics

__all__ = ["evaluate", "format_report"]

log = logging.getLogger(__name__)
_MIN_TIME_VALUE = 1e-5


def _markets(data: SurfaceDataset) -> list[lf.Market]:
    return [lf.Market(1.0, r, q) for r, q in zip(data.rates, data.dividends, strict=True)]


def _iv_error_bp(family: Family, data: SurfaceDataset, pred: np.ndarray) -> dict[str, float]:
    repriced = lf.price_batch(family.model_cls, pred, lf.Market(1.0, 0.0), data.strikes,
                              data.maturities, method=family.method, tolerance=family.tolerance,
                              rates=data.rates, dividends=data.dividends)
    k = data.strikes[None, None, :]
    t = data.maturities[None, :, None]
    r, q = data.rates[:, None, None], data.dividends[:, None, None]
    intrinsic = np.maximum(np.exp(-q * t) - k * np.exp(-r * t), 0.0)
    ok = (data.prices - intrinsic > _MIN_TIME_VALUE) & (repriced - intrinsic > _MIN_TIME_VALUE)
    forwards, discounts = np.exp((r - q) * t), np.exp(-r * t)
    iv_true = lf.black_implied_vol(data.prices, forwards, k, t, discounts, "call")
    iv_pred = lf.black_implied_vol(repriced, forwards, k, t, discounts, "call")
    ok &= np.isfinite(iv_true) & np.isfinite(iv_pred)
    err = np.abs(iv_pred - iv_true)[ok] * 1e4
    price_rmse = np.sqrt(np.mean((repriced - data.prices) ** 2, axis=(1, 2)))
    return {"iv_bp_median": float(np.median(err)), "iv_bp_p95": float(np.quantile(err, 0.95)),
            "quotes_used": float(ok.mean()), "price_rmse_median": float(np.median(price_rmse)),
            "price_rmse_p95": float(np.quantile(price_rmse, 0.95))}


def identifiability(family: Family, data: SurfaceDataset,
                    noise_levels: Sequence[float] = (1e-5, 1e-4)) -> dict[str, Any]:
    """How well the grid's prices determine each parameter, from the price Jacobian ``J``
    (``[n_quotes, k]`` per surface, parameters in box widths) of the test surfaces.

    Reported: quantiles of the singular values of ``J`` (price change, fraction of spot, for
    a move of one box width along the singular direction); the weakest direction (mean of
    ``|v_min|`` per parameter, signs relative to the first parameter); and the R^2 an
    unbiased estimator could reach if every quote carried Gaussian noise of ``s`` x spot,
    ``1 - 12 E[diag((J'J)^-1)] s^2`` (linearised Cramer-Rao bound; negative = unidentified).
    """
    names = family.free_names
    cols = [family.model_cls.PARAM_NAMES.index(p) for p in names]
    width = family.high_array - family.low_array
    jac = price_jacobian(family, data)[:, :, cols] * width
    u, sv, vt = np.linalg.svd(jac, full_matrices=False)
    weak = vt[:, -1, :] * np.sign(vt[:, -1, :1])
    inv = np.linalg.inv(np.einsum("nqi,nqj->nij", jac, jac))
    var = np.diagonal(inv, axis1=1, axis2=2)
    return {
        "singular_values": {f"q{q:g}": np.quantile(sv, q / 100, axis=0).tolist()
                            for q in (10, 50, 90)},
        "weakest_direction": dict(zip(names, np.mean(weak, axis=0).tolist(), strict=True)),
        "r2_bound": {f"{s:g}": dict(zip(names, (1.0 - 12.0 * s * s * var.mean(0)).tolist(),
                                        strict=True)) for s in noise_levels},
    }


def _latency(cal: lf.Calibrator, prices: np.ndarray) -> dict[str, float]:
    market = lf.Market(1.0, 0.02, 0.0)
    one, batch = prices[0], prices[:1024]
    times = []
    for _ in range(2000):
        t0 = time.perf_counter()
        cal.predict(one, market)
        times.append(time.perf_counter() - t0)
    reps = []
    for _ in range(20):
        t0 = time.perf_counter()
        cal.predict(batch, market)
        reps.append(time.perf_counter() - t0)
    us = np.array(times) * 1e6
    return {"batch1_p50_us": float(np.median(us)), "batch1_p99_us": float(np.quantile(us, 0.99)),
            "batch1024_surfaces_per_s": float(len(batch) / np.median(reps))}


def _plots(family: Family, true: np.ndarray, pred: np.ndarray, path: Path) -> Path | None:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        log.warning("matplotlib not installed: no plots")
        return None
    names = family.free_names
    cols = [family.model_cls.PARAM_NAMES.index(n) for n in names]
    fig = Figure(figsize=(4 * len(names), 7))
    axes = fig.subplots(2, len(names), squeeze=False)
    for j, (name, c) in enumerate(zip(names, cols, strict=True)):
        axes[0, j].scatter(true[:, c], pred[:, c], s=2, alpha=0.4)
        axes[0, j].plot([family.low[name], family.high[name]],
                        [family.low[name], family.high[name]], "k--", lw=0.8)
        axes[0, j].set(title=f"{name}: predicted vs true", xlabel="true", ylabel="predicted")
        axes[1, j].scatter(true[:, c], pred[:, c] - true[:, c], s=2, alpha=0.4)
        axes[1, j].axhline(0.0, color="k", lw=0.8)
        axes[1, j].set(title=f"{name}: error vs true", xlabel="true", ylabel="error")
    fig.tight_layout()
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return save_atomic(buf.getvalue(), path)


def evaluate(source: str, *, n: int = 2000, seed: int = 20240601,
             noise_levels: Sequence[float] = (0.005, 0.01, 0.02, 0.05),
             missing_levels: Sequence[float] = (0.1, 0.2), out_dir: str | Path | None = None,
             progress: Callable[[str], None] = log.info) -> dict[str, Any]:
    """Evaluate the calibrator ``source`` (file or pretrained name); returns the report and,
    with ``out_dir``, writes ``report.json``, ``report.md`` and ``predicted_vs_true.png``."""
    cal = lf.Calibrator.load(source)
    family = next(f for f in FAMILIES.values() if f.model_cls is cal.family)
    # the calibrator's own box and grid; pricing method and tolerance of its family
    box = dataclasses.replace(family, low={k: v[0] for k, v in cal.bounds.items()},
                              high={k: v[1] for k, v in cal.bounds.items()},
                              strikes=cal.strikes, maturities=cal.maturities)
    progress(f"pricing {n} fresh {cal.family.__name__} test surfaces (seed {seed})")
    data = generate(box, n, seed=seed, strikes=cal.strikes, maturities=cal.maturities,
                    sobol=False)
    markets = _markets(data)
    names = box.free_names
    cols = [cal.param_names.index(p) for p in names]
    rng = np.random.default_rng(seed + 1)

    def score(prices: np.ndarray) -> dict[str, Any]:
        pred = cal.predict(prices, markets)
        out: dict[str, Any] = {"params": parameter_metrics(names, data.params[:, cols],
                                                           pred[:, cols])}
        out.update(_iv_error_bp(box, data, pred))
        return out

    report: dict[str, Any] = {"calibrator": str(source), "family": cal.family.__name__,
                              "n_test": n, "seed": seed}
    progress("clean surfaces")
    pred = cal.predict(data.prices, markets)
    report["clean"] = score(data.prices)
    report["noise"] = {}
    for s in noise_levels:
        progress(f"price noise {s:.1%}")
        noisy = data.prices * (1.0 + s * rng.standard_normal(data.prices.shape))
        report["noise"][f"{s:g}"] = score(np.maximum(noisy, 0.0))
    report["missing"] = {}
    for f in missing_levels:
        progress(f"missing quotes {f:.0%}")
        holes = np.where(rng.random(data.prices.shape) < f, np.nan, data.prices)
        report["missing"][f"{f:g}"] = score(holes)
    progress("latency")
    report["latency"] = _latency(cal, data.prices)
    progress("identifiability (price Jacobians)")
    report["identifiability"] = identifiability(box, data)
    if out_dir is not None:
        out = Path(out_dir)
        save_atomic(json.dumps(report, indent=2).encode(), out / "report.json")
        save_atomic(format_report(report).encode(), out / "report.md")
        _plots(box, data.params, pred, out / "predicted_vs_true.png")
    return report


def format_report(report: dict[str, Any]) -> str:
    """Markdown tables of a report from :func:`evaluate`."""
    names = list(report["clean"]["params"])
    head = "| case | " + " | ".join(f"R² {n}" for n in names) + \
        " | IV err median (bp) | IV err p95 (bp) | price RMSE median (×S0) |"
    lines = [f"### {report['family']} calibrator `{report['calibrator']}` on "
             f"{report['n_test']} fresh surfaces (seed {report['seed']})", "", head,
             "|" + "---|" * (len(names) + 4)]
    cases = [("clean", report["clean"])]
    cases += [(f"{float(k):.1%} noise", v) for k, v in report["noise"].items()]
    cases += [(f"{float(k):.0%} missing", v) for k, v in report["missing"].items()]
    for label, res in cases:
        lines.append(f"| {label} | " + " | ".join(f"{res['params'][n]['r2']:.5f}" for n in names)
                     + f" | {res['iv_bp_median']:.2f} | {res['iv_bp_p95']:.2f} | "
                     f"{res['price_rmse_median']:.2e} |")
    mae = ", ".join(f"{n} {report['clean']['params'][n]['mae']:.2e}" for n in names)
    lat = report["latency"]
    ident = report["identifiability"]
    weak = ", ".join(f"{n} {v:+.2f}" for n, v in ident["weakest_direction"].items())
    sv = ", ".join(f"{v:.1e}" for v in ident["singular_values"]["q50"])
    bounds = "; ".join(f"{float(s):g} x S0: " + ", ".join(f"{n} {v:.3f}" for n, v in b.items())
                       for s, b in ident["r2_bound"].items())
    lines += ["", f"Identifiability: median singular values of the box-scaled price Jacobian "
              f"{sv}; weakest direction (box units) {weak}; R² bound at quote noise {bounds}."]
    lines += ["", f"Clean MAE: {mae}.", "",
              f"Latency (`Calibrator.predict`, 1 thread): batch 1 p50 "
              f"{lat['batch1_p50_us']:.1f} µs, p99 {lat['batch1_p99_us']:.1f} µs; batch 1024 "
              f"{lat['batch1024_surfaces_per_s']:,.0f} surfaces/s."]
    return "\n".join(lines) + "\n"
