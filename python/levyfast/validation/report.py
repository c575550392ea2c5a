"""Validation report of a neural calibrator (``levyfast report``): every number and figure is
computed here from surfaces generated for the run.

* **Out-of-sample accuracy**: parameters drawn by a scrambled Sobol sequence from the
  calibrator's training box, rates and dividends from its market range, call surfaces on its
  grid from :func:`levyfast.price_batch`; the network's parameters against the true ones
  (R², MAE, RMSE, largest error) and the surfaces they re-price (price RMSE, Black
  implied-vol RMSE in basis points).
* **Robustness**: the same statistics with multiplicative Gaussian noise on the prices, and
  with a share of the quotes missing (NaN, as ``Calibrator.predict`` accepts up to
  ``max_missing_fraction``).
* **Sensitivity**: Sobol first-order and total indices of the price surface to each free
  parameter (:mod:`levyfast.validation.sobol`): what the surface can and cannot identify.
* **Residuals**: implied-vol residuals of the re-priced surfaces over the grid (bias and
  RMS per grid point, distribution).
* **Speed**: the network for one surface and per surface in a batch, its hybrid polish and a
  least-squares fit, timed in this run (pytest-benchmark figures with peers: ``bench/``).

Not covered (they need TensorFlow, the ``train`` extra): k-fold stability of training and the
coverage of Bayesian credible intervals; the report says so.

Figures use Matplotlib's object-oriented API (``Figure`` + ``FigureCanvasAgg``), no pyplot
state.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import qmc

from .. import __version__
from ..calibration import LeastSquaresCalibrator
from ..calibrator import Calibrator
from ..implied_vol import implied_vol
from ..market import Market
from ..pricers import price_batch
from .sobol import SobolIndices, sobol_indices

__all__ = ["ReportConfig", "write_report", "Sample"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportConfig:
    """Sizes of the report's experiments (defaults run in about a minute on 2 cores).

    ``n_test`` fresh surfaces; ``n_sobol`` base samples of the Sobol estimators
    (``n_sobol (k + 2)`` surfaces); ``n_robust`` surfaces per noise or missing-quote level;
    ``noise_levels``: standard deviations of the relative price noise; ``missing_fractions``:
    shares of missing quotes (those above the calibrator's ``max_missing_fraction`` are
    skipped); ``n_lsq``: least-squares and hybrid fits timed; ``seed``.
    """

    n_test: int = 2048
    n_sobol: int = 1024
    n_robust: int = 256
    noise_levels: tuple[float, ...] = (0.0, 1e-3, 3e-3, 1e-2, 3e-2)
    missing_fractions: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.5)
    n_lsq: int = 8
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("n_test", "n_sobol", "n_robust"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 2:
                raise ValueError(f"`{name}` of ReportConfig must be an integer >= 2; got "
                                 f"{value!r}")
        if isinstance(self.n_lsq, bool) or not isinstance(self.n_lsq, int) or self.n_lsq < 0:
            raise ValueError(f"`n_lsq` of ReportConfig must be an integer >= 0; got "
                             f"{self.n_lsq!r}")
        if any(not 0.0 <= x < 1.0 for x in (*self.noise_levels, *self.missing_fractions)):
            raise ValueError("`noise_levels` and `missing_fractions` of ReportConfig must lie "
                             f"in [0, 1); got {self.noise_levels}, {self.missing_fractions}")


@dataclass(frozen=True)
class Sample:
    """Surfaces (call price / spot ``[n, n_T, n_K]``) at ``params [n, k]`` (all
    ``param_names``) with rates and dividends ``[n]``."""

    params: NDArray[np.float64]
    rates: NDArray[np.float64]
    dividends: NDArray[np.float64]
    prices: NDArray[np.float64]

    def markets(self) -> list[Market]:
        return [Market(1.0, r, q) for r, q in zip(self.rates, self.dividends, strict=True)]


def _free(cal: Calibrator) -> list[str]:
    return [n for n in cal.param_names if n in cal.bounds]


def _full(cal: Calibrator, free: NDArray[np.float64]) -> NDArray[np.float64]:
    """Rows of all parameters (``param_names`` order) from rows of the free ones."""
    names = _free(cal)
    out = np.empty((free.shape[0], len(cal.param_names)))
    for j, name in enumerate(cal.param_names):
        out[:, j] = free[:, names.index(name)] if name in names else cal.fixed_params[name]
    return out


def _market_range(cal: Calibrator) -> dict[str, tuple[float, float]]:
    return {k: (v[0], v[1]) for k, v in json.loads(cal.metadata["market_range"]).items()}


def draw(cal: Calibrator, n: int, seed: int) -> Sample:
    """``n`` surfaces on the calibrator's grid at parameters and markets drawn by a scrambled
    Sobol sequence from its training box and market range."""
    names = _free(cal)
    box = np.array([cal.bounds[name] for name in names])
    mr = _market_range(cal)
    u = qmc.Sobol(len(names) + 2, scramble=True, rng=np.random.default_rng(seed)).random(n)
    params = _full(cal, box[:, 0] + (box[:, 1] - box[:, 0]) * u[:, :len(names)])
    rates = mr["rate"][0] + (mr["rate"][1] - mr["rate"][0]) * u[:, -2]
    dividends = mr["dividend"][0] + (mr["dividend"][1] - mr["dividend"][0]) * u[:, -1]
    prices = price_batch(cal.family, params, Market(1.0, 0.0, 0.0), cal.strikes,
                         cal.maturities, rates=rates, dividends=dividends)
    return Sample(params, rates, dividends, prices)


def _iv(prices: NDArray[np.float64], sample: Sample, cal: Calibrator) -> NDArray[np.float64]:
    """Black implied vols ``[n, n_T, n_K]`` of surfaces in ``sample``'s markets (NaN where a
    quote is missing or has none)."""
    out = np.full(prices.shape, np.nan)
    for i, market in enumerate(sample.markets()):
        ok = np.isfinite(prices[i])
        out[i] = np.where(ok, implied_vol(np.where(ok, prices[i], 0.5), market, cal.strikes,
                                          cal.maturities), np.nan)
    return out


def _accuracy(cal: Calibrator, sample: Sample, predicted: NDArray[np.float64]
              ) -> dict[str, Any]:
    """Parameter errors per free parameter and re-pricing errors of predicted ``[n, k]``."""
    names = _free(cal)
    per: dict[str, dict[str, float]] = {}
    for name in names:
        j = cal.param_names.index(name)
        err = predicted[:, j] - sample.params[:, j]
        width = cal.bounds[name][1] - cal.bounds[name][0]
        total = np.sum((sample.params[:, j] - sample.params[:, j].mean()) ** 2)
        per[name] = {"r2": float(1.0 - np.sum(err**2) / total),
                     "mae": float(np.mean(np.abs(err))),
                     "rmse": float(np.sqrt(np.mean(err**2))),
                     "max_abs": float(np.max(np.abs(err))),
                     "mae_over_width": float(np.mean(np.abs(err)) / width)}
    return per


def _reprice(cal: Calibrator, sample: Sample, predicted: NDArray[np.float64]
             ) -> NDArray[np.float64]:
    return price_batch(cal.family, predicted, Market(1.0, 0.0, 0.0), cal.strikes,
                       cal.maturities, rates=sample.rates, dividends=sample.dividends)


def _timed(fn: Callable[[], Any], repeats: int) -> float:
    """Median wall time (seconds) of ``repeats`` calls after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _speed(cal: Calibrator, sample: Sample, n_lsq: int) -> dict[str, float]:
    """Median seconds per surface of the network (one surface, and in the batch), its
    domain assessment, the hybrid polish and a least-squares fit from the default start."""
    markets = sample.markets()
    one, m0 = sample.prices[0], markets[0]
    out = {"neural_one": _timed(lambda: cal.predict(one, m0), 200),
           "neural_batch_per_surface": _timed(lambda: cal.predict(sample.prices, markets), 5)
           / len(markets),
           "neural_assess_one": _timed(lambda: cal.assess(one, m0), 50)}
    if n_lsq:
        hybrid = Calibrator(cal.source, hybrid=True)
        lsq = LeastSquaresCalibrator(cal.family, fixed=cal.fixed_params)
        for name, fit in (("hybrid", hybrid.fit), ("least_squares", lsq.fit)):
            times = []
            for i in range(n_lsq):
                start = time.perf_counter()
                fit(sample.prices[i], markets[i], cal.strikes, cal.maturities)
                times.append(time.perf_counter() - start)
            out[name] = float(np.median(times))
    return out


# -- figures ----------------------------------------------------------------------------------

def _figure(path: Path, draw_on: Callable[[Any], None], size: tuple[float, float]) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    draw_on(fig)
    fig.savefig(path, dpi=110)
    return path


def _plot_pred_vs_true(cal: Calibrator, sample: Sample, predicted: NDArray[np.float64],
                       acc: dict[str, Any]) -> Callable[[Any], None]:
    def draw_on(fig: Any) -> None:
        names = _free(cal)
        axes = fig.subplots(1, len(names), squeeze=False)[0]
        for ax, name in zip(axes, names, strict=True):
            j = cal.param_names.index(name)
            lo, hi = cal.bounds[name]
            ax.plot([lo, hi], [lo, hi], color="0.5", lw=1)
            ax.scatter(sample.params[:, j], predicted[:, j], s=3, alpha=0.4)
            ax.set(title=f"{name}: R² = {acc[name]['r2']:.5f}", xlabel="true",
                   ylabel="predicted")
    return draw_on


def _plot_iv_fit(cal: Calibrator, iv_true: NDArray[np.float64], iv_fit: NDArray[np.float64],
                 i: int, label: str) -> Callable[[Any], None]:
    def draw_on(fig: Any) -> None:
        ax = fig.subplots()
        colours = [f"C{t % 10}" for t in range(len(cal.maturities))]
        for t, colour in zip(range(len(cal.maturities)), colours, strict=True):
            ax.plot(cal.strikes, iv_true[i, t], "o", color=colour, ms=4)
            ax.plot(cal.strikes, iv_fit[i, t], "-", color=colour,
                    label=f"T = {cal.maturities[t]:g}")
        ax.set(xlabel="K / S0", ylabel="Black implied vol",
               title=f"Implied-vol fit of the {label} test surface (dots: true, lines: network)")
        ax.legend(fontsize=7, ncol=2)
    return draw_on


def _plot_heatmaps(cal: Calibrator, rms_bp: NDArray[np.float64],
                   bias_bp: NDArray[np.float64]) -> Callable[[Any], None]:
    def draw_on(fig: Any) -> None:
        axes = fig.subplots(1, 2)
        limit = float(np.nanmax(np.abs(bias_bp)))
        panels = ((rms_bp, "RMS implied-vol error (bp)", "viridis", None, None),
                  (bias_bp, "mean implied-vol error (bp)", "RdBu_r", -limit, limit))
        for ax, (data, title, cmap, vmin, vmax) in zip(axes, panels, strict=True):
            image = ax.imshow(data, origin="lower", aspect="auto", cmap=cmap, vmin=vmin,
                              vmax=vmax)
            ax.set_xticks(range(len(cal.strikes)), [f"{k:g}" for k in cal.strikes],
                          rotation=90, fontsize=7)
            ax.set_yticks(range(len(cal.maturities)), [f"{t:g}" for t in cal.maturities],
                          fontsize=7)
            ax.set(xlabel="K / S0", ylabel="T (years)", title=title)
            fig.colorbar(image, ax=ax)
    return draw_on


def _plot_sensitivity(cal: Calibrator, s: SobolIndices) -> Callable[[Any], None]:
    def draw_on(fig: Any) -> None:
        axes = fig.subplots(1, 1 + len(s.names), width_ratios=[1.6] + [1] * len(s.names))
        x = np.arange(len(s.names))
        for off, values, ci, label in ((-0.2, s.first_agg, s.first_ci, "first order"),
                                       (0.2, s.total_agg, s.total_ci, "total")):
            err = np.abs(ci.T - values)
            axes[0].bar(x + off, values, 0.4, yerr=err, capsize=3, label=label)
        axes[0].set_xticks(x, s.names)
        axes[0].set(ylabel="Sobol index of the price surface",
                    title="Aggregated over the grid")
        axes[0].legend(fontsize=8)
        shape = (len(cal.maturities), len(cal.strikes))
        for ax, name, total in zip(axes[1:], s.names, s.total, strict=True):
            image = ax.imshow(total.reshape(shape), origin="lower", aspect="auto", vmin=0,
                              vmax=1, cmap="magma")
            ax.set(title=f"total index of {name}", xlabel="strike index",
                   ylabel="maturity index")
        fig.colorbar(image, ax=axes[1:].tolist(), shrink=0.8)
    return draw_on


def _plot_robustness(robust: dict[str, list[dict[str, Any]]], names: list[str]
                     ) -> Callable[[Any], None]:
    def draw_on(fig: Any) -> None:
        axes = fig.subplots(1, 2)
        for ax, key, xlabel in ((axes[0], "noise", "relative price noise (std)"),
                                (axes[1], "missing", "share of quotes missing")):
            rows = robust[key]
            levels = [r["level"] for r in rows]
            for name in names:
                ax.plot(levels, [r["params"][name]["mae_over_width"] for r in rows], "o-",
                        label=name)
            ax.set(xlabel=xlabel, ylabel="MAE / width of the training box",
                   title=f"Parameter error vs {key}")
            ax.legend(fontsize=8)
    return draw_on


#: Names of the timed methods in the report.
SPEED_LABELS = {"neural_one": "network, one surface",
                "neural_batch_per_surface": "network, per surface in a batch",
                "neural_assess_one": "network + domain checks (Calibrator.assess)",
                "hybrid": "hybrid (network + least-squares polish)",
                "least_squares": "least squares from the default start"}


def _plot_speed(speed: dict[str, float]) -> Callable[[Any], None]:
    def draw_on(fig: Any) -> None:
        ax = fig.subplots()
        keys = [k for k in SPEED_LABELS if k in speed]
        ax.barh([SPEED_LABELS[k] for k in keys], [speed[k] * 1e6 for k in keys])
        ax.set_xscale("log")
        ax.set(xlabel="median time per surface (µs, log scale)", title="Calibration speed")
    return draw_on


# -- the report ---------------------------------------------------------------------------------

def _robustness(cal: Calibrator, sample: Sample, config: ReportConfig) -> dict[str, Any]:
    """Parameter errors under price noise and missing quotes on the first ``n_robust``
    surfaces (fresh random draws per level, seeded)."""
    n = min(config.n_robust, sample.prices.shape[0])
    sub = Sample(sample.params[:n], sample.rates[:n], sample.dividends[:n],
                 sample.prices[:n])
    markets = sub.markets()
    rng = np.random.default_rng(config.seed + 7)
    out: dict[str, list[dict[str, Any]]] = {"noise": [], "missing": []}
    for level in config.noise_levels:
        noisy = np.clip(sub.prices * (1.0 + level * rng.standard_normal(sub.prices.shape)),
                        0.0, None)
        pred = cal.predict(noisy, markets)
        out["noise"].append({"level": level, "params": _accuracy(cal, sub, pred)})
    for level in config.missing_fractions:
        if level > cal.max_missing_fraction:
            continue
        holes = sub.prices.copy()
        per_surface = int(round(level * holes[0].size))
        for surface in holes:
            surface.reshape(-1)[rng.choice(surface.size, per_surface, replace=False)] = np.nan
        pred = cal.predict(holes, markets)
        out["missing"].append({"level": per_surface / holes[0].size,
                               "params": _accuracy(cal, sub, pred)})
    return out


def write_report(source: str | os.PathLike[str], out: str | os.PathLike[str],
                 config: ReportConfig | None = None) -> list[Path]:
    """Run the validation of the calibrator ``source`` (a pretrained name or an ONNX file) and
    write ``report.md``, its PNG figures and ``results.json`` to ``out``; returns the paths."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ImportError("the validation report draws its figures with matplotlib: "
                          "pip install 'levyfast[plot]'") from exc
    config = config or ReportConfig()
    start = time.perf_counter()
    cal = Calibrator.load(source)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    names = _free(cal)

    test = draw(cal, config.n_test, config.seed)
    predicted = cal.predict(test.prices, test.markets())
    acc = _accuracy(cal, test, predicted)
    refit = _reprice(cal, test, predicted)
    price_rmse = np.sqrt(np.mean((refit - test.prices) ** 2, axis=(1, 2)))
    iv_true, iv_fit = _iv(test.prices, test, cal), _iv(refit, test, cal)
    resid_bp = (iv_fit - iv_true) * 1e4
    with np.errstate(invalid="ignore"):
        iv_rmse_bp = np.sqrt(np.nanmean(resid_bp**2, axis=(1, 2)))
    rms_bp = np.sqrt(np.nanmean(resid_bp**2, axis=0))
    bias_bp = np.nanmean(resid_bp, axis=0)
    flat = resid_bp[np.isfinite(resid_bp)]
    median_i = int(np.nanargmin(np.abs(iv_rmse_bp - np.nanmedian(iv_rmse_bp))))
    worst_i = int(np.nanargmax(iv_rmse_bp))

    robust = _robustness(cal, test, config)

    mr = _market_range(cal)
    mid = Market(1.0, float(np.mean(mr["rate"])), float(np.mean(mr["dividend"])))
    sobol = sobol_indices(
        lambda x: price_batch(cal.family, _full(cal, x), mid, cal.strikes, cal.maturities),
        [cal.bounds[n] for n in names], names, config.n_sobol, seed=config.seed)
    speed = _speed(cal, test, config.n_lsq)

    figures = {
        "pred_vs_true.png": (_plot_pred_vs_true(cal, test, predicted, acc),
                             (4.0 * len(names), 3.8)),
        "iv_fit_median.png": (_plot_iv_fit(cal, iv_true, iv_fit, median_i, "median"),
                              (7.5, 4.5)),
        "iv_fit_worst.png": (_plot_iv_fit(cal, iv_true, iv_fit, worst_i, "worst"), (7.5, 4.5)),
        "error_heatmap.png": (_plot_heatmaps(cal, rms_bp, bias_bp), (11.0, 4.2)),
        "sensitivity.png": (_plot_sensitivity(cal, sobol), (4.5 + 3.2 * len(names), 3.8)),
        "robustness.png": (_plot_robustness(robust, names), (10.0, 4.0)),
        "speed.png": (_plot_speed(speed), (7.5, 3.2)),
    }
    written = [_figure(folder / name, fn, size) for name, (fn, size) in figures.items()]

    results = {
        "calibrator": str(source), "family": cal.family.__name__,
        "levyfast_version": __version__, "config": asdict(config),
        "grid": {"strikes_over_spot": cal.strikes.tolist(),
                 "maturities": cal.maturities.tolist()},
        "bounds": {k: list(v) for k, v in cal.bounds.items()}, "market_range": mr,
        "out_of_sample": {"params": acc,
                          "price_rmse_over_spot": _quantiles(price_rmse),
                          "iv_rmse_bp": _quantiles(iv_rmse_bp),
                          "residual_bp": {"mean": float(flat.mean()), "std": float(flat.std()),
                                          **_quantiles(np.abs(flat), prefix="abs_")},
                          "rms_bp_by_maturity": dict(zip(
                              map(str, cal.maturities.tolist()),
                              np.sqrt(np.nanmean(resid_bp**2, axis=(0, 2))).tolist(),
                              strict=True))},
        "robustness": robust,
        "sobol": {"n": sobol.n, "first": dict(zip(names, sobol.first_agg.tolist(),
                                                      strict=True)),
                  "total": dict(zip(names, sobol.total_agg.tolist(), strict=True)),
                  "first_ci95": dict(zip(names, sobol.first_ci.tolist(), strict=True)),
                  "total_ci95": dict(zip(names, sobol.total_ci.tolist(), strict=True))},
        "speed_seconds": speed,
        "training_metrics": json.loads(cal.metadata.get("training_metrics", "{}")),
    }
    results["runtime_seconds"] = time.perf_counter() - start
    json_path = folder / "results.json"
    json_path.write_text(json.dumps(results, indent=2))
    md_path = folder / "report.md"
    md_path.write_text(_markdown(cal, source, config, results, sobol))
    log.info("validation report of %s written to %s", source, folder)
    return [md_path, json_path, *written]


def _quantiles(x: NDArray[np.float64], prefix: str = "") -> dict[str, float]:
    x = x[np.isfinite(x)]
    return {f"{prefix}median": float(np.median(x)), f"{prefix}p90": float(np.quantile(x, 0.9)),
            f"{prefix}p99": float(np.quantile(x, 0.99)), f"{prefix}max": float(np.max(x))}


def _markdown(cal: Calibrator, source: str | os.PathLike[str], config: ReportConfig,
              r: dict[str, Any], sobol: SobolIndices) -> str:
    names = list(sobol.names)
    oos = r["out_of_sample"]
    lines = [
        f"# Validation report: {cal.family.__name__} neural calibrator `{source}`", "",
        f"levyfast {r['levyfast_version']}; every number and figure below was computed by "
        f"`levyfast report` in this run ({r['runtime_seconds']:.0f} s) from surfaces it "
        f"generated (seed {config.seed}); all numbers are also in `results.json`.", "",
        f"Grid: {len(cal.strikes)} strikes K/S0 in [{cal.strikes[0]:g}, {cal.strikes[-1]:g}] x "
        f"{len(cal.maturities)} maturities in [{cal.maturities[0]:g}, {cal.maturities[-1]:g}] "
        "years. Training box: " + ", ".join(f"{n} in [{lo:g}, {hi:g}]" for n, (lo, hi) in
                                            cal.bounds.items()) + ".", "",
        "## Out-of-sample accuracy", "",
        f"{config.n_test} fresh surfaces: parameters from a scrambled Sobol sequence over the "
        "training box (seeded apart from the training data), rate and dividend over the "
        "training market range, priced with `levyfast.price_batch` (accuracy 1e-6 x spot).", "",
        "| parameter | R² | MAE | RMSE | largest error | MAE / box width |",
        "|---|---:|---:|---:|---:|---:|",
        *(f"| {n} | {p['r2']:.5f} | {p['mae']:.4g} | {p['rmse']:.4g} | {p['max_abs']:.4g} | "
          f"{p['mae_over_width']:.2%} |" for n, p in oos["params"].items()), "",
        "Re-pricing the predicted parameters on the grid:", "",
        "| per surface | median | p90 | p99 | max |", "|---|---:|---:|---:|---:|",
        "| price RMSE (x spot) | " + " | ".join(f"{v:.2e}" for v in
                                              oos["price_rmse_over_spot"].values()) + " |",
        "| implied-vol RMSE (bp) | " + " | ".join(f"{v:.1f}" for v in
                                                oos["iv_rmse_bp"].values()) + " |", "",
        "![predicted vs true](pred_vs_true.png)", "",
        "![implied-vol fit, median surface](iv_fit_median.png)", "",
        "![implied-vol fit, worst surface](iv_fit_worst.png)", "",
        "## Residual analysis", "",
        f"Implied-vol residuals (network minus truth) over all quotes: mean "
        f"{oos['residual_bp']['mean']:.2f} bp, standard deviation "
        f"{oos['residual_bp']['std']:.2f} bp, |residual| median "
        f"{oos['residual_bp']['abs_median']:.2f} bp, p99 {oos['residual_bp']['abs_p99']:.1f} "
        "bp. RMS by maturity (bp): " + ", ".join(
            f"T = {t}: {v:.1f}" for t, v in oos["rms_bp_by_maturity"].items()) + ".", "",
        "![error heatmap](error_heatmap.png)", "",
        "## Robustness to noise and missing quotes", "",
        f"The first {min(config.n_robust, config.n_test)} test surfaces with multiplicative "
        "Gaussian noise on every price (standard deviation = level), and with a share of the "
        f"quotes set missing (NaN; the network accepts up to {cal.max_missing_fraction:.0%}). "
        "MAE as a share of the training box width:", "",
        "| perturbation | level | " + " | ".join(names) + " |",
        "|---|---:|" + "---:|" * len(names),
        *(f"| {key} | {row['level']:.1%} | " + " | ".join(
            f"{row['params'][n]['mae_over_width']:.2%}" for n in names) + " |"
          for key in ("noise", "missing") for row in r["robustness"][key]), "",
        "(Levels: noise as a relative standard deviation, missing as the share of the grid's "
        "quotes.)", "",
        "![robustness](robustness.png)", "",
        "## Sensitivity: what the surface identifies", "",
        f"Sobol indices of the call-price surface (rate and dividend at the middle of the "
        f"training range) with the parameters uniform on the training box; N = {sobol.n} base "
        f"samples, N (k + 2) = {sobol.n * (len(names) + 2)} surfaces; first order by Saltelli "
        "et al. (2010), total by Jansen (1999), aggregated over the grid with variance weights "
        "(Gamboa et al. 2013); 95% bootstrap intervals.", "",
        "| parameter | first order | total |", "|---|---|---|",
        *(f"| {n} | {sobol.first_agg[j]:.3f} [{sobol.first_ci[j, 0]:.3f}, "
          f"{sobol.first_ci[j, 1]:.3f}] | {sobol.total_agg[j]:.3f} [{sobol.total_ci[j, 0]:.3f}"
          f", {sobol.total_ci[j, 1]:.3f}] |" for j, n in enumerate(names)), "",
        _identification_text(sobol), "",
        "![sensitivity](sensitivity.png)", "",
        "## Speed", "",
        "Median time per surface measured in this run (one thread for the network; "
        f"{config.n_lsq} fits for hybrid and least squares). pytest-benchmark figures with "
        "peers (SciPy Levenberg-Marquardt, Keras) are in `bench/` (`bench/README.md`).", "",
        "| method | time per surface |", "|---|---:|",
        *(f"| {SPEED_LABELS[k]} | {v * 1e6:,.1f} µs |" for k, v in r["speed_seconds"].items()),
        "",
        "![speed](speed.png)", "",
        "## Not covered", "",
        "* k-fold stability of training and the coverage of Bayesian credible intervals need "
        "TensorFlow (the `train` extra) and retraining; this report uses only the shipped "
        "ONNX file, ONNX Runtime and the compiled pricer.",
        "* Real market surfaces: see `levyfast calibrate` on option chains.", "",
    ]
    return "\n".join(lines)


def _identification_text(s: SobolIndices) -> str:
    order = np.argsort(-s.total_agg)
    weak = [s.names[j] for j in order if s.total_agg[j] < 0.05]
    interact = [s.names[j] for j in order if s.total_agg[j] - s.first_agg[j] > 0.05]
    text = ("The surface's variance is driven mostly by "
            + ", ".join(f"{s.names[j]} ({s.total_agg[j]:.0%})" for j in order) + " (total).")
    if weak:
        text += (" Parameters with a total index below 5% move the surface little over the "
                 "box, so the quotes identify them poorly (small price errors map to large "
                 "parameter errors): " + ", ".join(weak) + ".")
    if interact:
        text += (" Parameters acting through interactions (total index more than 5 points "
                 "above first order; their effect depends on the others): "
                 + ", ".join(interact) + ".")
    return text
