"""Figures of chains, fits and datasets (the ``[plot]`` extra: matplotlib).

Every helper draws on its own :class:`matplotlib.figure.Figure` with an Agg canvas and returns
it: the process's matplotlib backend and pyplot state are never touched, so the helpers are
safe inside notebooks, servers and other people's plotting code. :func:`save` writes a figure
atomically (temporary file, then rename).

* :func:`smile` — market implied vols with bid/ask bars against ``ln(K/F)``, one panel per
  expiry, optionally with a model's smile;
* :func:`residuals` — implied-vol residuals (bp) of a fitted least-squares calibrator by
  expiry and moneyness;
* :func:`coverage` — pairwise scatter of a dataset's sampled parameters and market inputs over
  their box.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .implied_vol import black_implied_vol
from .models.base import LevyModel
from .pricers import price

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .chain import OptionChain

__all__ = ["figure", "save", "smile", "residuals", "coverage"]


def figure(n_panels: int, panel_size: tuple[float, float] = (3.6, 2.8),
           max_columns: int = 4) -> tuple[Figure, list[Any]]:
    """A Figure with ``n_panels`` axes on a grid of at most ``max_columns`` columns."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError("levyfast.plot needs matplotlib: pip install 'levyfast[plot]'") from exc
    cols = min(n_panels, max_columns)
    rows = math.ceil(n_panels / cols)
    fig = Figure(figsize=(panel_size[0] * cols, panel_size[1] * rows), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, [fig.add_subplot(rows, cols, i + 1) for i in range(n_panels)]


def save(fig: Figure, path: str | os.PathLike[str], dpi: int = 110) -> Path:
    """Write ``fig`` to ``path`` atomically (the format from its suffix, PNG by default)."""
    target = Path(path)
    suffix = target.suffix or ".png"
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=suffix)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=dpi, format=suffix.lstrip("."))
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return target


def smile(chain: OptionChain, model: LevyModel | None = None,
          maturities: Any = None) -> Figure:
    """Market implied vols (bid/ask bars) of the chain's out-of-the-money quotes against
    ``ln(K/F)``, one panel per expiry (``maturities``: a subset of the chain's, default all),
    with ``model``'s smile priced on the chain's term structure when given."""
    quotes = chain.otm_quotes()
    all_t = np.unique(quotes["T"].to_numpy())
    chosen = all_t if maturities is None else np.atleast_1d(np.asarray(maturities, float))
    missing = [t for t in chosen if not np.isclose(all_t, t).any()]
    if missing:
        raise ValueError(f"`maturities` of smile must be expiries of the chain "
                         f"({', '.join(f'{t:.4g}' for t in all_t)}); got {missing}")
    fig, axes = figure(len(chosen))
    for ax, t in zip(axes, chosen, strict=True):
        q = quotes[np.isclose(quotes["T"], t)]
        f_t, d_t = float(q["forward"].iloc[0]), float(q["discount"].iloc[0])
        k = np.log(q["strike"].to_numpy() / f_t)
        iv = q["iv"].to_numpy()
        below = np.clip(iv - q["iv_bid"].to_numpy(), 0.0, None)
        above = np.clip(q["iv_ask"].to_numpy() - iv, 0.0, None)
        ax.errorbar(k, iv, yerr=[np.nan_to_num(below), np.nan_to_num(above)], fmt=".", ms=3,
                    lw=0.6, color="0.4", label="market (bid/ask)")
        if model is not None:
            grid = np.linspace(k.min(), k.max(), 120)
            strikes = f_t * np.exp(grid)
            model_iv = np.empty(grid.size)
            for kind, side in (("call", grid >= 0.0), ("put", grid < 0.0)):  # out of the money
                if side.any():
                    p = np.asarray(price(model, chain.term_structure, strikes[side], float(t),
                                         kind))
                    model_iv[side] = black_implied_vol(p, f_t, strikes[side], float(t), d_t,
                                                       kind)
            ax.plot(grid, model_iv, color="C3", lw=1.2, label=type(model).__name__)
        ax.set_title(f"T = {t:.3f}", fontsize=9)
        ax.set_xlabel("ln(K/F)", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=7)
    axes[0].set_ylabel("implied vol", fontsize=8)
    return fig


def residuals(calibrator: Any) -> Figure:
    """Implied-vol residuals (model − market, bp) of a :class:`~levyfast.LeastSquaresCalibrator`
    fitted to an option chain (its ``fitted_`` table), by moneyness and maturity."""
    fitted = getattr(calibrator, "fitted_", None)
    if fitted is None:
        raise ValueError("`calibrator` of residuals must be a LeastSquaresCalibrator fitted to "
                         "an OptionChain (it has no fitted_ table)")
    fig, (ax,) = figure(1)
    k = np.log(fitted["strike"].to_numpy() / fitted["forward"].to_numpy())
    res = (fitted["iv_model"].to_numpy() - fitted["iv_quote"].to_numpy()) * 1e4
    lim = float(np.nanpercentile(np.abs(res), 98)) or 1.0
    sc = ax.scatter(k, fitted["T"].to_numpy(), c=res, cmap="RdBu_r", vmin=-lim, vmax=lim, s=12)
    fig.colorbar(sc, ax=ax, label="model - market IV (bp)")
    ax.set_xlabel("ln(K/F)")
    ax.set_ylabel("T (years)")
    ax.set_title(f"{type(calibrator.model_).__name__}: IV residuals", fontsize=9)
    return fig


def coverage(path: str | os.PathLike[str], max_points: int = 4000,
             model_cls: type[LevyModel] | None = None) -> Figure:
    """Pairwise scatter (histograms on the diagonal) of the first ``max_points`` rows of the
    dataset at ``path``: its parameters, rate and dividend over their sampling box; fixed
    coordinates (``low == high``) are left out."""
    from .data import iter_chunks

    if not (isinstance(max_points, int) and max_points > 0):
        raise ValueError(f"`max_points` of coverage must be a positive integer; got {max_points!r}")
    chunk = next(iter_chunks(str(path), max_points, model_cls=model_cls))
    names = [*chunk.model_cls.PARAM_NAMES, "rate", "dividend"]
    x = np.column_stack([chunk.params, chunk.rates, chunk.dividends])
    param_box = chunk.metadata["param_box"]  # stored with sorted keys: read it by name
    box = [*(param_box[n] for n in chunk.model_cls.PARAM_NAMES),
           chunk.metadata["market"]["rate_range"], chunk.metadata["market"]["dividend_range"]]
    keep = [j for j, (lo, hi) in enumerate(box) if hi > lo]
    d = len(keep)
    fig, flat = figure(d * d, panel_size=(2.2, 2.2), max_columns=d)
    for a, ja in enumerate(keep):
        for b, jb in enumerate(keep):
            ax = flat[a * d + b]
            if a == b:
                ax.hist(x[:, ja], bins=20, range=tuple(box[ja]), color="0.4")
            else:
                ax.scatter(x[:, jb], x[:, ja], s=1, alpha=0.5, linewidths=0)
                ax.set_xlim(box[jb])
                ax.set_ylim(box[ja])
            if a == d - 1:
                ax.set_xlabel(names[jb])
            if b == 0:
                ax.set_ylabel(names[ja])
            ax.tick_params(labelsize=6)
    fig.suptitle(f"{chunk.metadata['model']['name']}: first {len(chunk)} of "
                 f"{chunk.metadata['n']} rows ({chunk.metadata['sampler']})")
    return fig
