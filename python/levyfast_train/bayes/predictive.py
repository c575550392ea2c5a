"""Posterior predictive implied-vol bands and diagnostic plots of a fitted
:class:`~levyfast_train.bayes.calibrator.BayesianCalibrator`.

Bands: for ``n_samples`` posterior draws the quotes are re-priced (one batched core call) and,
with ``include_noise``, perturbed by the fitted noise model (``P + sd(tau, P) eps``); their
Black implied vols give pointwise quantiles per quote (Gelman et al. 2013, Bayesian Data
Analysis, 3rd ed., §6.3). Figures are built on a ``matplotlib.figure.Figure`` with the Agg
canvas (no pyplot, the global backend is left alone); trace, rank and pair plots are ArviZ's.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

import levyfast as lf

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .calibrator import BayesianCalibrator

__all__ = ["predictive_iv_bands", "plot", "PLOTS"]

PLOTS = ("trace", "rank", "pair", "smile")


def predictive_iv_bands(cal: BayesianCalibrator, n_samples: int = 200,
                        probs: tuple[float, float] = (0.05, 0.95), include_noise: bool = True,
                        seed: int = 0) -> pd.DataFrame:
    """One row per fitted quote: ``T``, ``strike``, ``kind``, ``quote_iv`` and the predictive
    implied vols ``iv_low``, ``iv_median``, ``iv_high`` (quantiles ``probs`` and 0.5)."""
    from .likelihood import quote_implied_vols

    cal._require_fit()
    if not (isinstance(n_samples, int) and n_samples >= 2):
        raise ValueError(f"`n_samples` must be an integer >= 2; got {n_samples!r}")
    lo, hi = probs
    if not 0.0 < lo < 0.5 < hi < 1.0:
        raise ValueError(f"`probs` must satisfy 0 < low < 0.5 < high < 1; got {probs!r}")
    x, tau = cal.draws()
    rng = np.random.default_rng(seed)
    pick = rng.choice(x.shape[0], size=min(n_samples, x.shape[0]), replace=False)
    prices, _, valid = cal._pricer(x[pick])
    prices = prices[valid]
    if include_noise:
        base = cal._noise.unit[None, :] + (prices if cal._noise.relative else 0.0)
        prices = prices + tau[pick][valid][:, None] * base * rng.standard_normal(prices.shape)
    q = cal.quotes_
    iv = np.full(prices.shape, np.nan)
    for put in (False, True):
        sel = q.is_put == put
        if sel.any():
            iv[:, sel] = lf.black_implied_vol(
                np.maximum(prices[:, sel], 0.0), q.forwards[sel], q.strikes[sel],
                q.quote_maturities[sel], q.discounts[sel], "put" if put else "call")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a quote with no IV in any draw
        band = np.nanquantile(iv, [lo, 0.5, hi], axis=0)
    try:
        quote_iv = quote_implied_vols(q)
    except ValueError:
        quote_iv = np.full(q.size, np.nan)
    return pd.DataFrame({"T": q.quote_maturities, "strike": q.strikes,
                         "kind": np.where(q.is_put, "put", "call"), "quote_iv": quote_iv,
                         "iv_low": band[0], "iv_median": band[1], "iv_high": band[2]})


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def plot(cal: BayesianCalibrator, kind: str = "trace") -> Figure:
    """A figure of ``kind`` (one of :data:`PLOTS`): ArviZ trace, rank or pair plot of the
    posterior, or the predictive implied-vol smile per maturity (``"smile"``)."""
    cal._require_fit()
    if kind not in PLOTS:
        raise ValueError(f"`kind` must be one of {PLOTS}; got {kind!r}")
    names = [str(v) for v in cal.posterior_["posterior"].data_vars]
    if kind == "smile":
        return _smile(cal)
    with warnings.catch_warnings():  # ArviZ 0.23 uses an API matplotlib 3.11 deprecates
        warnings.simplefilter("ignore", DeprecationWarning)
        fig = _arviz_figure(cal, kind, names)
    fig.tight_layout()
    return fig


def _arviz_figure(cal: BayesianCalibrator, kind: str, names: list[str]) -> Figure:
    import arviz as az

    n = len(names)
    if kind == "trace":
        fig = _figure(10.0, 2.0 * n)
        axes = fig.subplots(n, 2, squeeze=False)
        az.plot_trace(cal.posterior_, var_names=names, axes=axes, compact=False)
    elif kind == "rank":
        fig = _figure(4.0 * n, 3.2)
        axes = fig.subplots(1, n, squeeze=False)[0]
        az.plot_rank(cal.posterior_, var_names=names, ax=axes)
    else:
        fig = _figure(2.6 * (n - 1), 2.6 * (n - 1))
        axes = fig.subplots(n - 1, n - 1, squeeze=False)
        az.plot_pair(cal.posterior_, var_names=names, ax=axes, kind="scatter",
                     divergences=True, marginals=False, scatter_kwargs={"alpha": 0.2})
    return fig


def _smile(cal: BayesianCalibrator) -> Figure:
    """Per maturity: the 90 % band of the model's implied vols over the posterior (parameter
    uncertainty), the wider posterior predictive band (with the fitted noise; a noisy price
    below intrinsic counts as implied vol 0) and the quotes."""
    bands = predictive_iv_bands(cal, include_noise=False)
    noisy = predictive_iv_bands(cal, include_noise=True)
    mats = np.unique(bands["T"])
    cols = min(3, mats.size)
    rows = -(-mats.size // cols)
    fig = _figure(4.0 * cols, 3.0 * rows)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, t in zip(axes, mats, strict=False):
        b = bands[bands["T"] == t].sort_values("strike")
        nb = noisy[noisy["T"] == t].sort_values("strike")
        ax.fill_between(nb["strike"], nb["iv_low"], nb["iv_high"], alpha=0.15, color="C0",
                        lw=0, label="90% predictive (with noise)")
        ax.fill_between(b["strike"], b["iv_low"], b["iv_high"], alpha=0.5, color="C1", lw=0,
                        label="90% posterior (model)")
        ax.plot(b["strike"], b["iv_median"], lw=1, color="C1", label="posterior median")
        ax.plot(b["strike"], b["quote_iv"], ".", ms=3, color="k", label="quotes")
        ax.set_title(f"T = {t:.3f}")
        ax.set_xlabel("strike")
        ax.set_ylabel("implied vol")
    for ax in axes[mats.size:]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7)
    fig.suptitle(f"{cal.model_cls.__name__}: posterior predictive implied volatilities")
    fig.tight_layout()
    return fig
