"""Coverage and simulation-based calibration (SBC) of the Bayesian calibration.

For ``n`` surfaces: draw ``theta`` from the prior (restricted to the model's domain and to
points the core prices), the noise scale ``tau`` from its prior, price the grid, add the
noise of the likelihood (``Q = P + sd(tau, P) eps``), sample the posterior and record, per
parameter, whether the central 50/90/95 % intervals cover the truth and the SBC rank of the
truth among ``L`` thinned draws (Talts et al. 2018, arXiv:1804.06788, Algorithm 1: uniform
ranks on ``0..L`` iff the posterior is calibrated). Coverage carries the binomial standard
error ``sqrt(c (1 - c) / n)``. :func:`write_report` writes ``report.md``, ``coverage.png``
and ``ranks.png``.
"""

from __future__ import annotations

import io
import json
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import tensorflow as tf
from numpy.typing import NDArray

import levyfast as lf
from levyfast import LevyModel

from .calibrator import BayesianCalibrator
from .noise_models import NOISE_MODELS, RELATIVE_FLOOR
from .priors import resolve_priors
from .target import TAU_PRIOR_SD

__all__ = ["StudyResult", "coverage_study", "write_report", "LEVELS"]

LEVELS = (0.5, 0.9, 0.95)


@dataclass
class StudyResult:
    """Per surface and free parameter: truth, coverage flags per level and SBC ranks."""

    model: str
    names: tuple[str, ...]
    levels: tuple[float, ...]
    n_ranks: int
    truths: list[list[float]] = field(default_factory=list)
    covered: list[list[list[bool]]] = field(default_factory=list)  # [surface][level][param]
    ranks: list[list[int]] = field(default_factory=list)
    converged: list[bool] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    failed: int = 0

    def coverage(self) -> dict[str, dict[str, tuple[float, float]]]:
        """``{level: {param: (fraction, binomial standard error)}}``."""
        c = np.array(self.covered, dtype=float)  # [n, levels, params]
        n = c.shape[0]
        out: dict[str, dict[str, tuple[float, float]]] = {}
        for i, level in enumerate(self.levels):
            out[f"{level:g}"] = {}
            for j, name in enumerate(self.names):
                f = float(c[:, i, j].mean())
                out[f"{level:g}"][name] = (f, float(np.sqrt(f * (1 - f) / n)))
        return out


def _draw_truth(model_cls: type[LevyModel], names: tuple[str, ...], fixed: dict[str, float],
                rng: np.random.Generator, market: lf.Market, strikes: NDArray[np.float64],
                maturities: NDArray[np.float64]) -> tuple[NDArray[np.float64],
                                                          NDArray[np.float64]]:
    priors = resolve_priors(model_cls, names, None)
    for _ in range(1000):
        seed = rng.integers(0, 2**31 - 1, size=2)
        row = np.array([fixed[n] if n in fixed else float(
            priors[n].sample(seed=tf.constant(seed + k, tf.int32)).numpy())
            for k, n in enumerate(model_cls.PARAM_NAMES)])
        try:
            model = model_cls.from_array(row)
            prices = np.asarray(lf.price(model, market, strikes, maturities))
        except ValueError:
            continue
        if np.all(np.isfinite(prices)):
            return row, prices
    raise ValueError(f"no priceable {model_cls.__name__} prior draw in 1000 tries")


def coverage_study(model_cls: type[LevyModel], n: int, *, noise: str = "relative",
                   fixed: dict[str, float] | None = None, strikes: NDArray[np.float64] | None
                   = None, maturities: NDArray[np.float64] | None = None, n_draws: int = 300,
                   n_warmup: int = 300, n_ranks: int = 99, seed: int = 0,
                   progress: Callable[[int, StudyResult], None] | None = None) -> StudyResult:
    """Run the study on ``n`` synthetic surfaces (see the module docstring); the default grid
    is 8 strikes ``K/S0`` in ``[0.8, 1.2]`` by 5 maturities 0.1 ... 2 years, spot 100."""
    if noise not in ("relative", "absolute"):
        raise ValueError(f"`noise` of coverage_study must be 'relative' or 'absolute' (the "
                         f"synthetic quotes have no bid/ask or implied-vol units); got {noise!r}")
    fixed = dict(fixed or {})
    market = lf.Market(100.0, 0.02, 0.0)
    k = np.linspace(80.0, 120.0, 8) if strikes is None else np.asarray(strikes, float)
    t = np.array([0.1, 0.25, 0.5, 1.0, 2.0]) if maturities is None else np.asarray(maturities,
                                                                                   float)
    names = tuple(nm for nm in model_cls.PARAM_NAMES if nm not in fixed)
    result = StudyResult(model_cls.__name__, names, LEVELS, n_ranks)
    rng = np.random.default_rng(seed)
    for i in range(n):
        start = time.perf_counter()
        truth, prices = _draw_truth(model_cls, names, fixed, rng, market, k, t)
        tau = float(np.exp(np.log(NOISE_MODELS[noise]) + TAU_PRIOR_SD * rng.standard_normal()))
        unit = prices + RELATIVE_FLOOR * market.spot if noise == "relative" else market.spot
        quotes = prices + tau * unit * rng.standard_normal(prices.shape)
        cal = BayesianCalibrator(model_cls, noise=noise, fixed=fixed, n_draws=n_draws,
                                 n_warmup=n_warmup, on_arbitrage="drop", seed=seed + i)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # recorded as `converged`
                cal.fit(quotes, market, k, t)
        except ValueError:
            result.failed += 1
            continue
        post = cal.posterior_["posterior"]
        flags = []
        for level in LEVELS:
            a = 0.5 * (1.0 - level)
            row = []
            for name in names:
                lo, hi = np.quantile(post[name].values, [a, 1.0 - a])
                row.append(bool(lo <= truth[model_cls.PARAM_NAMES.index(name)] <= hi))
            flags.append(row)
        ranks = []
        for name in names:
            d = post[name].values.reshape(-1)
            thin = d[np.linspace(0, d.size - 1, n_ranks).astype(int)]
            ranks.append(int(np.sum(thin < truth[model_cls.PARAM_NAMES.index(name)])))
        result.truths.append(truth.tolist())
        result.covered.append(flags)
        result.ranks.append(ranks)
        result.converged.append(bool(cal.converged_))
        result.seconds.append(time.perf_counter() - start)
        if progress is not None:
            progress(i + 1, result)
    return result


def write_report(result: StudyResult, out: Path) -> Path:
    """``report.md``, ``coverage.png``, ``ranks.png`` and ``study.json`` in ``out``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    out.mkdir(parents=True, exist_ok=True)
    n = len(result.covered)
    if n == 0:
        raise ValueError("the study has no completed surface to report")
    cov = result.coverage()
    fig = Figure(figsize=(6.0, 4.0))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    for j, name in enumerate(result.names):
        f = [cov[f"{lv:g}"][name][0] for lv in result.levels]
        e = [2 * cov[f"{lv:g}"][name][1] for lv in result.levels]
        ax.errorbar(np.array(result.levels) + 0.004 * j, f, yerr=e, fmt="o", label=name,
                    capsize=3)
    ax.plot([0.45, 1.0], [0.45, 1.0], "k--", lw=1)
    ax.set(xlabel="nominal level", ylabel="coverage (±2 s.e.)",
           title=f"{result.model}: interval coverage over {n} surfaces")
    ax.legend()
    fig.savefig(out / "coverage.png", dpi=100)
    ranks = np.array(result.ranks)
    fig = Figure(figsize=(3.2 * len(result.names), 3.0))
    FigureCanvasAgg(fig)
    axes = np.atleast_1d(fig.subplots(1, len(result.names)))
    bins = min(20, max(5, n // 10))
    for ax, j in zip(axes, range(len(result.names)), strict=True):
        ax.hist(ranks[:, j], bins=bins, range=(0, result.n_ranks + 1))
        ax.axhline(n / bins, color="k", ls="--", lw=1)
        ax.set_title(f"SBC ranks: {result.names[j]}")
    fig.tight_layout()
    fig.savefig(out / "ranks.png", dpi=100)
    lines = [f"# Coverage and SBC study: {result.model}", "",
             f"{n} surfaces completed ({result.failed} failed), "
             f"{sum(result.converged)} flagged converged; "
             f"median {np.median(result.seconds):.1f} s per surface.", "",
             "| parameter | " + " | ".join(f"{lv:.0%} interval" for lv in result.levels) + " |",
             "|---|" + "---|" * len(result.levels)]
    for name in result.names:
        cells = [f"{cov[f'{lv:g}'][name][0]:.1%} ± {cov[f'{lv:g}'][name][1]:.1%}"
                 for lv in result.levels]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "Coverage ± one binomial standard error. SBC ranks (Talts et al. 2018) of "
              f"the truth among {result.n_ranks} thinned draws should be uniform.", "",
              "![coverage](coverage.png)", "", "![ranks](ranks.png)", ""]
    (out / "report.md").write_text("\n".join(lines))
    buf = io.StringIO()
    json.dump({"model": result.model, "names": result.names, "truths": result.truths,
               "covered": result.covered, "ranks": result.ranks,
               "converged": result.converged, "seconds": result.seconds,
               "failed": result.failed, "coverage": cov}, buf)
    (out / "study.json").write_text(buf.getvalue())
    return out / "report.md"
