"""The fit report of models calibrated to one option chain: a Markdown summary and PNG figures.

``summary.md``: the models side by side (implied-vol RMSE in basis points, share of fitted
prices inside the bid/ask spread, parameters with standard errors, time, verdict), the forwards
and discount factors per expiry and what the cleaning removed. Per model (with matplotlib, the
``[plot]`` extra): ``smile_<model>.png``, market implied vols with bid/ask bars against
``ln(K/F)`` per expiry with the model's smile, and ``residuals_<model>.png``, the implied-vol
residuals (bp) by expiry and moneyness. Figures are drawn on their own ``Figure`` objects
(Agg canvas): the process's matplotlib backend is left alone.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .option_chain import OptionChain

__all__ = ["comparison_table", "write_report"]


def comparison_table(fits: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per fitted calibrator: model, IV RMSE (bp), inside-spread share, time,
    success, verdict, parameters ``name = value ± se`` (or at its bound) and the parameters
    the quotes do not identify (empty when they identify all)."""
    rows = []
    for name, cal in fits.items():
        r = cal.result_
        params = ", ".join(
            f"{p}={v:.4g}" + (" (at its bound)" if p in r.at_bound else
                              "" if not math.isfinite(se) else f"±{se:.2g}")
            for p, v, se in zip(cal.model_cls.PARAM_NAMES, cal.params_, r.std_errors,
                                strict=True))
        rows.append({"model": name, "iv_rmse_bp": r.rmse_iv_bp, "inside_spread": r.inside_spread,
                     "time_s": r.time_s, "success": r.success, "verdict": r.verdict,
                     "params": params, "n_quotes": r.n_quotes,
                     "not_identified": "" if r.identifiable else (
                         f"not identified: {', '.join(r.poorly_identified)} (condition number "
                         f"{r.condition_number:.3g})")})
    return rows


def _markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def write_report(chain: OptionChain, fits: Mapping[str, Any],
                 out_dir: str | os.PathLike[str], title: str = "Calibration report"
                 ) -> list[Path]:
    """Write ``summary.md`` and the figures into ``out_dir`` (created); returns the paths
    written, the summary first. ``fits`` maps a model name to a fitted
    :class:`~levyfast.LeastSquaresCalibrator`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figures: dict[str, list[str]] = {}
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        plot_note = "Figures need matplotlib (pip install 'levyfast[plot]')."
    else:
        plot_note = ""
        for name, cal in fits.items():
            figures[name] = [_smile_figure(chain, cal, out / f"smile_{name}.png"),
                             _residual_figure(cal, out / f"residuals_{name}.png")]
    rows = comparison_table(fits)
    text = [f"# {title}", "", f"{chain!r}", "", "## Models", "", _markdown_table(
        ["model", "IV RMSE (bp)", "inside bid/ask", "time (s)", "verdict", "parameters ± s.e."],
        [[r["model"], f"{r['iv_rmse_bp']:.0f}",
          "n/a" if math.isnan(r["inside_spread"]) else f"{r['inside_spread']:.0%}",
          f"{r['time_s']:.2f}", ("ok: " if r["success"] else "NOT OK: ") + r["verdict"]
          + (f"; {r['not_identified']}" if r["not_identified"] else ""),
          r["params"]] for r in rows]), ""]
    e = chain.expiries
    text += ["## Forwards and discount factors", "", _markdown_table(
        ["expiry", "T", "forward", "discount", "rate", "carry", "pairs", "source", "ATM vol"],
        [[str(lab), f"{row['T']:.4f}", f"{row['forward']:.6g}", f"{row['discount']:.6f}",
          f"{row['rate']:.4%}", f"{row['carry']:.4%}", str(int(row['n_pairs'])),
          f"{row['forward_source']} / {row['discount_source']}", f"{row['atm_vol']:.4f}"]
         for lab, row in e.iterrows()]), ""]
    summary = chain.cleaning_summary
    text += ["## Cleaning", "", _markdown_table(
        ["status", "quotes"], [[str(k), str(int(v))] for k, v in summary.items()]), ""]
    text += [f"- {note}" for note in chain.notes]
    if figures:
        text += ["## Figures", ""]
        for name, files in figures.items():
            text += [f"### {name}", ""] + [f"![{f}]({f})" for f in files] + [""]
    elif plot_note:
        text += ["", plot_note]
    path = out / "summary.md"
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text("\n".join(text) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return [path] + [out / f for files in figures.values() for f in files]


def _smile_figure(chain: OptionChain, cal: Any, path: Path) -> str:
    from ..plot import save, smile

    return save(smile(chain, cal.model_, np.unique(cal.fitted_["T"].to_numpy())), path).name


def _residual_figure(cal: Any, path: Path) -> str:
    from ..plot import residuals, save

    return save(residuals(cal), path).name
