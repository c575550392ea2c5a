"""What a generation run did: :class:`GenerationReport`, and the running statistics of a run
(check failures, undetermined implied vols, coverage of the sampled box) it is made from."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from .checks import CHECKS
from .spec import GenerationSpec

__all__ = ["GenerationReport", "RunStats", "COVERAGE_BINS"]

#: Bins per axis of the coverage statistics.
COVERAGE_BINS = 10


@dataclass(frozen=True)
class GenerationReport:
    """What a generation run did: counts, check failures, coverage, speed."""

    path: str | None
    n: int
    n_shards: int
    shards_written: int
    shards_skipped: int
    seconds: float
    check_counts: dict[str, int]
    n_failed: int
    iv_nan: int
    coverage: dict[str, float]
    pair_coverage: float
    rows_written: int = 0

    @property
    def surfaces_per_second(self) -> float:
        return self.rows_written / self.seconds if self.seconds > 0 else float("nan")

    def __str__(self) -> str:
        failing = {k: v for k, v in self.check_counts.items() if v}
        cov = ", ".join(f"{k} {v:.0%}" for k, v in self.coverage.items())
        return (
            f"{self.n} surfaces in {self.n_shards} shards ({self.shards_written} written, "
            f"{self.shards_skipped} already complete) in {self.seconds:.2f} s "
            f"({self.surfaces_per_second:,.0f} surfaces/s)\n"
            f"arbitrage/quality checks: {self.n_failed} surfaces failed"
            f"{' ' + str(failing) if failing else ''}; {self.iv_nan} implied vols undetermined "
            f"(time value below the accuracy)\n"
            f"coverage ({COVERAGE_BINS} bins per axis): {cov}; "
            f"pairwise min {self.pair_coverage:.0%}"
        )


@dataclass
class RunStats:
    """Running counts of a run: check failures, NaN IVs, coverage histograms."""

    lows: NDArray[np.float64]
    highs: NDArray[np.float64]
    names: list[str]
    n: int = 0
    check_counts: NDArray[np.int64] = field(default_factory=lambda: np.zeros(len(CHECKS), np.int64))
    n_failed: int = 0
    iv_nan: int = 0
    hist: NDArray[np.int64] | None = None
    pairs: NDArray[np.int64] | None = None

    @classmethod
    def empty(cls, spec: GenerationSpec) -> RunStats:
        lows, highs = spec.box()
        names = [*spec.model_cls.PARAM_NAMES, "rate", "dividend"]
        d = len(names)
        return cls(lows, highs, names,
                   hist=np.zeros((d, COVERAGE_BINS), np.int64),
                   pairs=np.zeros((d, d, COVERAGE_BINS, COVERAGE_BINS), np.int64))

    @classmethod
    def of_table(cls, spec: GenerationSpec, table: pa.Table) -> RunStats:
        stats = cls.empty(spec)
        stats.merge_table(table)
        return stats

    def merge_table(self, table: pa.Table) -> None:
        assert self.hist is not None and self.pairs is not None
        bits = table.column("checks").to_numpy()
        flags = (bits[:, None] >> np.arange(len(CHECKS), dtype=np.uint8)) & 1
        self.check_counts += flags.sum(axis=0).astype(np.int64)
        self.n_failed += int(np.count_nonzero(bits))
        if "iv" in table.column_names:
            ivs = pa.concat_arrays([c.flatten() for c in table.column("iv").chunks])
            self.iv_nan += int(np.isnan(ivs.to_numpy(zero_copy_only=False)).sum())
        x = np.column_stack([table.column(c).to_numpy() for c in self.names])
        width = np.where(self.highs > self.lows, self.highs - self.lows, 1.0)
        cells = np.clip(((x - self.lows) / width * COVERAGE_BINS).astype(np.int64), 0,
                        COVERAGE_BINS - 1)
        d = len(self.names)
        for a in range(d):
            self.hist[a] += np.bincount(cells[:, a], minlength=COVERAGE_BINS)
            for b in range(a + 1, d):
                self.pairs[a, b] += np.bincount(cells[:, a] * COVERAGE_BINS + cells[:, b],
                                                minlength=COVERAGE_BINS**2).reshape(
                                                    COVERAGE_BINS, COVERAGE_BINS)
        self.n += table.num_rows

    def merge(self, other: RunStats) -> None:
        assert self.hist is not None and self.pairs is not None
        assert other.hist is not None and other.pairs is not None
        self.n += other.n
        self.check_counts += other.check_counts
        self.n_failed += other.n_failed
        self.iv_nan += other.iv_nan
        self.hist += other.hist
        self.pairs += other.pairs

    def report(self, path: str | None, written: int, skipped: int, seconds: float,
               rows: int) -> GenerationReport:
        assert self.hist is not None and self.pairs is not None
        varying = [a for a in range(len(self.names)) if self.highs[a] > self.lows[a]]
        coverage = {self.names[a]: float(np.mean(self.hist[a] > 0)) for a in varying}
        pair_cov = [float(np.mean(self.pairs[a, b] > 0)) for a in varying for b in varying
                    if a < b]
        return GenerationReport(
            path, self.n, written + skipped, written, skipped, seconds,
            dict(zip(CHECKS, (int(v) for v in self.check_counts), strict=True)), self.n_failed,
            self.iv_nan,
            coverage, min(pair_cov) if pair_cov else 1.0, rows,
        )
