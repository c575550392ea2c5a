"""Describe a stored dataset: metadata, per-column statistics, failed checks, coverage plot.

Everything is computed chunk by chunk (:func:`levyfast.data.iter_chunks`), so memory stays
bounded whatever the size of the dataset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..models import LevyModel
from .checks import CHECKS
from .storage import SPLITS, iter_chunks, split_of

__all__ = ["DatasetSummary", "describe", "coverage_plot"]

_CHUNK = 1 << 14


@dataclass(frozen=True)
class DatasetSummary:
    """Metadata and statistics of a stored dataset."""

    metadata: dict[str, Any]
    n: int
    columns: dict[str, dict[str, float]]  # name -> min, mean, max (NaN-aware), nan count
    check_counts: dict[str, int]
    n_failed: int
    split_sizes: dict[str, int]

    def __str__(self) -> str:
        m = self.metadata
        grid = m["grid"]
        lines = [
            f"model {m['model']['name']} (id {m['model']['model_id']}), "
            f"{self.n} surfaces in {m['n_shards']} shards, seed {m['seed']}, "
            f"sampler {m['sampler']}, levyfast {m['levyfast_version']}",
            f"grid: {len(grid['maturities'])} maturities {grid['maturities'][0]:g}..."
            f"{grid['maturities'][-1]:g} x {len(grid['strikes'])} {grid['moneyness']} points "
            f"{grid['strikes'][0]:g}...{grid['strikes'][-1]:g}",
            f"pricer: {m['pricer']['backend']} method={m['pricer']['method']} "
            f"tolerance={m['pricer']['tolerance']:g} (accuracy {m['pricer']['accuracy']:g} x S0)",
            f"stored: {', '.join(m['store'])}" + (f"; noise {m['noise']}" if m["noise"] else ""),
            "box: " + ", ".join(f"{k} [{lo:g}, {hi:g}]" for k, (lo, hi) in m["param_box"].items())
            + f", rate {m['market']['rate_range']}, dividend {m['market']['dividend_range']}",
            f"{'column':>12} {'min':>12} {'mean':>12} {'max':>12} {'NaN':>10}",
        ]
        for name, s in self.columns.items():
            lines.append(f"{name:>12} {s['min']:12.6g} {s['mean']:12.6g} {s['max']:12.6g} "
                         f"{int(s['nan']):10d}")
        failing = {k: v for k, v in self.check_counts.items() if v}
        lines.append(f"arbitrage/quality checks: {self.n_failed} surfaces failed"
                     + (f" {failing}" if failing else ""))
        lines.append("splits: " + ", ".join(f"{k} {v}" for k, v in self.split_sizes.items()))
        return "\n".join(lines)


class _Running:
    def __init__(self) -> None:
        self.lo, self.hi, self.total, self.count, self.nan = np.inf, -np.inf, 0.0, 0, 0

    def add(self, x: NDArray[np.float64]) -> None:
        finite = x[~np.isnan(x)]
        self.nan += x.size - finite.size
        if finite.size:
            self.lo = min(self.lo, float(finite.min()))
            self.hi = max(self.hi, float(finite.max()))
            self.total += float(finite.sum())
            self.count += finite.size

    def result(self) -> dict[str, float]:
        mean = self.total / self.count if self.count else float("nan")
        return {"min": self.lo, "mean": mean, "max": self.hi, "nan": float(self.nan)}


def describe(path: str, *, model_cls: type[LevyModel] | None = None) -> DatasetSummary:
    """Statistics of the dataset at ``path`` (one pass, chunked)."""
    running: dict[str, _Running] = {}
    counts = np.zeros(len(CHECKS), np.int64)
    failed, n = 0, 0
    splits = np.zeros(len(SPLITS), np.int64)
    metadata: dict[str, Any] = {}
    for chunk in iter_chunks(path, _CHUNK, model_cls=model_cls):
        metadata = dict(chunk.metadata)
        columns = {name: chunk.params[:, j] for j, name in enumerate(chunk.model_cls.PARAM_NAMES)}
        columns.update(rate=chunk.rates, dividend=chunk.dividends, price=chunk.prices)
        if chunk.ivs is not None:
            columns["iv"] = chunk.ivs
        if chunk.noisy_prices is not None:
            columns["price_noisy"] = chunk.noisy_prices
        for name, values in columns.items():
            running.setdefault(name, _Running()).add(np.asarray(values, dtype=np.float64))
        assert chunk.check_flags is not None
        bits = chunk.check_flags.astype(np.int64)
        counts += ((bits[:, None] >> np.arange(len(CHECKS))) & 1).sum(axis=0)
        failed += int(np.count_nonzero(bits))
        splits += np.bincount(split_of(chunk.index, int(metadata["seed"])),
                              minlength=len(SPLITS))
        n += len(chunk)
    return DatasetSummary(
        metadata, n, {k: v.result() for k, v in running.items()},
        dict(zip(CHECKS, (int(c) for c in counts), strict=True)), failed,
        dict(zip(SPLITS, (int(s) for s in splits), strict=True)),
    )


def coverage_plot(path: str, file: str, *, max_points: int = 4000,
                  model_cls: type[LevyModel] | None = None) -> None:
    """Save :func:`levyfast.plot.coverage` of the dataset at ``path`` to ``file``
    (atomically; needs matplotlib)."""
    from ..plot import coverage, save

    save(coverage(path, max_points, model_cls), file)
