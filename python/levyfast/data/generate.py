"""Dataset generation: sampled parameters and markets, surfaces priced by the C++ batch path.

Row ``i`` of a dataset is a pure function of ``(seed, i)`` and the generation settings: its
parameters and market come from point ``i`` of the admissible sampler sequence
(:mod:`levyfast.data.sampling`), its prices from :func:`levyfast.price_batch` (spot 1, so
prices are fractions of spot), its noise from a counter-based stream addressed by ``i``
(:mod:`levyfast.data.noise`). Shards are ranges of rows, so the values are byte-identical
whatever the shard size, the number of workers or the machine that computes a shard.

Strike grids (``moneyness``):

* ``"strike"``: ``strikes`` are K / S0 (default 20 points 0.8–1.2);
* ``"log_forward"``: ``strikes`` are k = ln(K / F_T), the same for every maturity;
* ``"delta"``: ``strikes`` are forward call deltas Delta = N(d1) (strictly decreasing, so K
  increases), turned into strikes with a reference volatility ``delta_vol``:
  ln(K / F_T) = delta_vol^2 T / 2 - delta_vol sqrt(T) N^-1(Delta) (Black 1976).

In the forward frames the calls are priced at r = q = 0 and scaled by ``exp(-q T)``:
for an exponential Lévy model ``C / S0 = exp(-q T) E[(exp(X_T) - K / F_T)^+]`` exactly.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.fs as pafs
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtri

from .. import __version__
from .._validation import Interval, check_array, check_choice, check_scalar
from ..implied_vol import black_implied_vol
from ..market import Market
from ..models import LevyModel
from ..models.user import UserModel
from ..pricers import DEFAULT_TOLERANCE, METHODS, price_batch
from . import storage
from .checks import CHECKS, check_surface
from .defaults import (
    DEFAULT_DIVIDEND_RANGE,
    DEFAULT_MATURITIES,
    DEFAULT_RATE_RANGE,
    DEFAULT_SHARD_SIZE,
    DEFAULT_STRIKES,
    MONEYNESS,
    SAMPLERS,
    STORE,
)
from .noise import NoiseTransform, apply_indexed
from .sampling import admissible, is_builtin, resolve_box, unit_points
from .storage import SurfaceDataset

__all__ = [
    "MONEYNESS",
    "STORE",
    "DEFAULT_STRIKES",
    "DEFAULT_MATURITIES",
    "DEFAULT_RATE_RANGE",
    "DEFAULT_DIVIDEND_RANGE",
    "DEFAULT_SHARD_SIZE",
    "CHECK_ATOL",
    "BatchPricer",
    "GenerationReport",
    "generate_surfaces",
    "write_surfaces",
    "forward_strike_grid",
]

log = logging.getLogger(__name__)

#: Tolerance of the arbitrage checks (fraction of spot): the core's accuracy promise.
CHECK_ATOL = 1e-6
#: Bins per axis of the coverage statistics.
COVERAGE_BINS = 10
_OWNER = "generate_surfaces"
_MAX_REJECTION = 100

#: ``pricer(params [n, k], rates [n], dividends [n], strikes [n_K], maturities [n_T])`` ->
#: call prices / spot ``[n, n_T, n_K]`` at spot 1: the pricing path of user-defined models.
BatchPricer = Callable[
    [NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64],
     NDArray[np.float64]],
    NDArray[np.float64],
]


@dataclass(frozen=True)
class _Spec:
    """Everything that determines the values of a dataset (plus the shard size)."""

    model_cls: type[LevyModel]
    n: int
    seed: int
    lows: NDArray[np.float64]
    highs: NDArray[np.float64]
    sampler: str
    rate_range: tuple[float, float]
    dividend_range: tuple[float, float]
    strikes: NDArray[np.float64]
    maturities: NDArray[np.float64]
    moneyness: str
    delta_vol: float
    store: tuple[str, ...]
    method: str
    tolerance: float
    noise: NoiseTransform | None
    shard_size: int
    pricer: BatchPricer | None = field(default=None, compare=False)

    @property
    def n_shards(self) -> int:
        return -(-self.n // self.shard_size)

    @property
    def dim(self) -> int:
        return len(self.model_cls.PARAM_NAMES) + 2

    def box(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Lows and highs of all sampled coordinates: parameters, rate, dividend."""
        lows = np.concatenate([self.lows, [self.rate_range[0], self.dividend_range[0]]])
        highs = np.concatenate([self.highs, [self.rate_range[1], self.dividend_range[1]]])
        return lows, highs

    def metadata(self) -> dict[str, Any]:
        cls = self.model_cls
        return {
            "format": storage.FORMAT,
            "format_version": storage.FORMAT_VERSION,
            "levyfast_version": __version__,
            "model": {
                "name": cls.__name__,
                "model_id": int(cls.MODEL_ID) if is_builtin(cls) else None,
                "builtin": is_builtin(cls),
                "param_names": list(cls.PARAM_NAMES),
                "bounds": {p: str(cls.BOUNDS[p]) for p in cls.PARAM_NAMES},
            },
            "param_box": {p: [float(self.lows[j]), float(self.highs[j])]
                          for j, p in enumerate(cls.PARAM_NAMES)},
            "sampler": self.sampler,
            "rejection": "row i is the i-th point of the sampler sequence admitted by the model",
            "seed": self.seed,
            "n": self.n,
            "shard_size": self.shard_size,
            "n_shards": self.n_shards,
            "market": {"spot": 1.0, "rate_range": list(self.rate_range),
                       "dividend_range": list(self.dividend_range)},
            "grid": {"moneyness": self.moneyness, "strikes": self.strikes.tolist(),
                     "maturities": self.maturities.tolist(), "delta_vol": self.delta_vol},
            "quantities": {"price": "call price / spot [n, n_T, n_K], maturity-major",
                           "iv": "Black implied volatility; NaN where the time value is "
                                 "below the pricing accuracy"},
            "store": list(self.store),
            "pricer": {"backend": "levyfast.price_batch" if self.pricer is None else
                       "user pricer", "method": self.method, "tolerance": self.tolerance,
                       "accuracy": _accuracy(self)},
            "noise": None if self.noise is None else repr(self.noise),
            "checks": {"names": list(CHECKS), "atol": CHECK_ATOL},
            "split": {"rule": "SplitMix64 hash of the row index", "fractions":
                      {k: list(v) for k, v in storage.SPLITS.items()}},
        }


@dataclass(frozen=True)
class _Shard:
    shard: int
    row_start: int
    row_stop: int
    raw_start: int
    raw_stop: int


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


def forward_strike_grid(
    moneyness: str, values: NDArray[np.float64], maturities: NDArray[np.float64],
    delta_vol: float,
) -> NDArray[np.float64]:
    """K / F_T ``[n_T, n_K]`` of a ``log_forward`` or ``delta`` grid (see the module doc)."""
    if moneyness == "log_forward":
        return np.broadcast_to(np.exp(values), (maturities.size, values.size)).copy()
    sd = delta_vol * np.sqrt(maturities)[:, None]
    return np.exp(0.5 * sd * sd - sd * ndtri(values)[None, :])


# -- public API ------------------------------------------------------------------------------

def generate_surfaces(
    model_cls: type[LevyModel],
    n: int,
    *,
    seed: int = 0,
    param_box: dict[str, tuple[float, float]] | None = None,
    sampler: str = "sobol",
    rate_range: tuple[float, float] = DEFAULT_RATE_RANGE,
    dividend_range: tuple[float, float] = DEFAULT_DIVIDEND_RANGE,
    strikes: ArrayLike = DEFAULT_STRIKES,
    maturities: ArrayLike = DEFAULT_MATURITIES,
    moneyness: str = "strike",
    delta_vol: float = 0.2,
    store: Sequence[str] = ("price", "iv"),
    method: str = "auto",
    tolerance: float = DEFAULT_TOLERANCE,
    noise: NoiseTransform | None = None,
    out: str | None = None,
    shard_size: int = DEFAULT_SHARD_SIZE,
    workers: int | None = None,
    client: Any = None,
    pricer: BatchPricer | None = None,
    compression: str = "zstd",
    progress: Callable[[int, int], None] | None = None,
) -> SurfaceDataset:
    """Generate ``n`` priced surfaces of ``model_cls`` and return them in memory.

    Parameters
    ----------
    model_cls
        A built-in model class or one made by :func:`levyfast.user_model` (priced by
        :func:`levyfast.price_batch`: C++ core, Numba COS kernel), or any other
        :class:`levyfast.LevyModel` subclass together with ``pricer``. Models without a default
        box need a full ``param_box``.
    param_box
        ``{name: (low, high)}`` overriding the default box of the model
        (:data:`levyfast.data.sampling.DEFAULT_BOXES`); ``low == high`` fixes a parameter.
    sampler
        ``"sobol"`` (scrambled, default), ``"uniform"`` or ``"lhs"``.
    rate_range, dividend_range
        Ranges of the sampled continuously compounded rate and dividend yield.
    strikes, maturities, moneyness, delta_vol
        The grid (module docstring); default 20 strikes K/S0 0.8–1.2 x 10 maturities 0.1–2.
    store
        Quantities to compute: ``"price"`` (always) and ``"iv"`` (Black implied vols).
    method, tolerance
        Settings of :func:`levyfast.price_batch` (tolerance as a fraction of spot).
    noise
        A :mod:`levyfast.data.noise` transform; the noisy prices go to ``noisy_prices``.
    out
        When given, the shards are written there (Parquet, see :mod:`levyfast.data.storage`,
        resumable) by :func:`write_surfaces`, and the dataset is then loaded from it.
    shard_size, workers, client
        Rows per shard; threads of the local C++ pricer (default: all cores; the values do
        not depend on it); a ``dask.distributed.Client`` to run the shards as tasks of a
        cluster instead (one pricing thread per task).
    """
    spec = _make_spec(model_cls, n, seed, param_box, sampler, rate_range, dividend_range,
                      strikes, maturities, moneyness, delta_vol, store, method, tolerance,
                      noise, shard_size, pricer)
    # the dataset is returned in memory (and concatenated once): about twice its size
    _require_room(spec, 2.0, "memory", _physical_memory(), "this machine's memory")
    if out is not None:
        write_surfaces(model_cls, n, out, seed=seed, param_box=param_box, sampler=sampler,
                       rate_range=rate_range, dividend_range=dividend_range, strikes=strikes,
                       maturities=maturities, moneyness=moneyness, delta_vol=delta_vol,
                       store=store, method=method, tolerance=tolerance, noise=noise,
                       shard_size=shard_size, workers=workers, client=client, pricer=pricer,
                       compression=compression, progress=progress)
        return storage.load(out, model_cls=model_cls)
    blocks: list[pa.Table] = []
    _run(spec, _plan(spec), None, workers, client, progress, blocks.append, compression)
    table = pa.concat_tables(sorted(blocks, key=lambda t: t.column("index")[0].as_py()))
    dataset = storage.table_to_dataset(table, spec.metadata(), spec.model_cls)
    if dataset.check_flags is not None and dataset.check_flags.any():
        log.warning("%d of %d generated surfaces fail the arbitrage checks",
                    int(np.count_nonzero(dataset.check_flags)), n)
    return dataset


def write_surfaces(
    model_cls: type[LevyModel],
    n: int,
    out: str,
    *,
    seed: int = 0,
    param_box: dict[str, tuple[float, float]] | None = None,
    sampler: str = "sobol",
    rate_range: tuple[float, float] = DEFAULT_RATE_RANGE,
    dividend_range: tuple[float, float] = DEFAULT_DIVIDEND_RANGE,
    strikes: ArrayLike = DEFAULT_STRIKES,
    maturities: ArrayLike = DEFAULT_MATURITIES,
    moneyness: str = "strike",
    delta_vol: float = 0.2,
    store: Sequence[str] = ("price", "iv"),
    method: str = "auto",
    tolerance: float = DEFAULT_TOLERANCE,
    noise: NoiseTransform | None = None,
    shard_size: int = DEFAULT_SHARD_SIZE,
    workers: int | None = None,
    client: Any = None,
    pricer: BatchPricer | None = None,
    compression: str = "zstd",
    progress: Callable[[int, int], None] | None = None,
) -> GenerationReport:
    """Generate a dataset into sharded Parquet at ``out`` in bounded memory; return a report.

    Arguments as :func:`generate_surfaces`. Complete shards already at ``out`` are skipped
    (after checking they belong to the same dataset), so an interrupted run resumes where it
    stopped; ``progress(done, n)`` is called after every shard.
    """
    spec = _make_spec(model_cls, n, seed, param_box, sampler, rate_range, dividend_range,
                      strikes, maturities, moneyness, delta_vol, store, method, tolerance,
                      noise, shard_size, pricer)
    check_choice(_OWNER, "compression", compression, ("zstd", "snappy", "lz4", "gzip", "none"))
    if not isinstance(out, str) or not out:
        raise TypeError(f"`out` of {_OWNER} must be a non-empty path string; got {out!r}")
    start = time.perf_counter()
    fs, directory = storage.open_filesystem(out)
    if isinstance(fs, pafs.LocalFileSystem):  # compressed shards: at least half the raw size
        _require_room(spec, 0.5, "disk", _free_disk(directory), f"the disk of {out}")
    storage.remove_stale_temporaries(fs, directory)
    expected = spec.metadata()
    stats = _Stats.empty(spec)
    done: set[int] = set()
    for path in storage.list_shards(fs, directory):
        meta, shard = storage.read_shard_metadata(fs, path)
        if meta != expected:
            diff = sorted(k for k in set(meta) | set(expected) if meta.get(k) != expected.get(k))
            raise ValueError(f"`out` of {_OWNER} ({out}) holds shards of a different dataset "
                             f"(differing in {diff}); use another directory")
        try:  # a shard is skipped only if its content is intact; a corrupt one is recomputed
            columns = storage.read_verified_shard(fs, path, _summary_columns(spec))
        except storage.DatasetFormatError as exc:
            log.warning("recomputing %s: %s", path, exc)
            fs.delete_file(path)
            continue
        stats.merge(_Stats.of_table(spec, columns))
        done.add(int(shard["shard"]))
    plan = [s for s in _plan(spec) if s.shard not in done]
    written = _run(spec, plan, (fs, directory), workers, client, progress, stats.merge_table,
                   compression, already=sum(min(n, (s + 1) * shard_size) - s * shard_size
                                            for s in done))
    return stats.report(out, len(plan), len(done), time.perf_counter() - start, written)


# -- planning --------------------------------------------------------------------------------

def _make_spec(model_cls, n, seed, param_box, sampler, rate_range, dividend_range, strikes,
               maturities, moneyness, delta_vol, store, method, tolerance, noise, shard_size,
               pricer) -> _Spec:
    if not (isinstance(model_cls, type) and issubclass(model_cls, LevyModel)):
        raise TypeError(f"`model_cls` of {_OWNER} must be a levyfast model class; "
                        f"got {model_cls!r}")
    if pricer is None and not (is_builtin(model_cls) or issubclass(model_cls, UserModel)):
        raise TypeError(f"`pricer` of {_OWNER} is required for {model_cls.__name__}: "
                        "levyfast.price_batch prices the built-in models and those made by "
                        "levyfast.user_model only")
    if pricer is not None and not callable(pricer):
        raise TypeError(f"`pricer` of {_OWNER} must be callable; got {pricer!r}")
    n = _positive_int("n", n)
    shard_size = _positive_int("shard_size", shard_size)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"`seed` of {_OWNER} must be a non-negative integer; got {seed!r}")
    check_choice(_OWNER, "sampler", sampler, SAMPLERS)
    check_choice(_OWNER, "moneyness", moneyness, MONEYNESS)
    check_choice(_OWNER, "method", method, METHODS)
    check_scalar(_OWNER, "tolerance", tolerance, Interval(1e-14, 1.0, closed_low=True))
    check_scalar(_OWNER, "delta_vol", delta_vol, Interval(0.0))
    store_t = tuple(store) if not isinstance(store, str) else (store,)
    for q in store_t:
        check_choice(_OWNER, "store", q, STORE)
    store_t = tuple(q for q in STORE if q in store_t or q == "price")
    if noise is not None and not isinstance(noise, NoiseTransform):
        raise TypeError(f"`noise` of {_OWNER} must be a levyfast.data.noise transform; "
                        f"got {noise!r}")
    lows, highs = resolve_box(model_cls, param_box)
    t = check_array(_OWNER, "maturities", maturities, Interval(0.0))
    interval = {"strike": Interval(0.0), "log_forward": Interval(),
                "delta": Interval(0.0, 1.0)}[moneyness]
    k = check_array(_OWNER, "strikes", strikes, interval)
    if np.any(np.diff(t) <= 0.0):
        raise ValueError(f"`maturities` of {_OWNER} must be strictly increasing; got {t}")
    sign = -1.0 if moneyness == "delta" else 1.0
    if np.any(sign * np.diff(k) <= 0.0):
        order = "decreasing (deltas)" if moneyness == "delta" else "increasing"
        raise ValueError(f"`strikes` of {_OWNER} must be strictly {order}; got {k}")
    return _Spec(model_cls, n, int(seed), lows, highs, sampler,
                 _range("rate_range", rate_range), _range("dividend_range", dividend_range),
                 k, t, moneyness, float(delta_vol), store_t, method, float(tolerance), noise,
                 shard_size, pricer)


def _row_bytes(spec: _Spec) -> int:
    """Bytes of one stored surface: parameters, market, index, check flags and the surfaces."""
    surfaces = len(spec.store) + (spec.noise is not None and "price" in spec.store)
    return 8 * (spec.dim + 1) + 1 + 8 * spec.maturities.size * spec.strikes.size * surfaces


def _require_room(spec: _Spec, factor: float, what: str, available: float | None,
                  where: str) -> None:
    """Refuse up front an ``n`` whose dataset (times ``factor``) cannot fit in ``available``
    bytes of ``what`` (None: unknown, not checked), with the estimate."""
    need = factor * spec.n * _row_bytes(spec)
    if available is not None and need > available:
        raise ValueError(
            f"`n` of {_OWNER} = {spec.n} needs about {need / 2**30:,.1f} GiB of {what} "
            f"({_row_bytes(spec)} bytes per surface on this grid and store); {where} has "
            f"{available / 2**30:,.1f} GiB"
        )


def _physical_memory() -> float | None:
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def _free_disk(directory: str) -> float | None:
    """Free bytes on the filesystem of ``directory`` (or of its nearest existing parent)."""
    path = os.path.abspath(directory)
    while not os.path.exists(path) and os.path.dirname(path) != path:
        path = os.path.dirname(path)
    try:
        return float(shutil.disk_usage(path).free)
    except OSError:
        return None


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"`{name}` of {_OWNER} must be a positive integer; got {value!r}")
    return int(value)


def _range(name: str, value: Any) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`{name}` of {_OWNER} must be a (low, high) pair; got {value!r}") from exc
    if not (np.isfinite(lo) and np.isfinite(hi) and lo <= hi):
        raise ValueError(f"`{name}` of {_OWNER} must be finite with low <= high; got {value!r}")
    return lo, hi


def _draw(spec: _Spec, raw_start: int, count: int) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Sampled coordinates ``[count, k + 2]`` of raw points and which the model admits."""
    lows, highs = spec.box()
    points = lows + unit_points(spec.sampler, spec.seed, spec.dim, raw_start, count, spec.n) * (
        highs - lows)
    return points, admissible(spec.model_cls, np.ascontiguousarray(points[:, :-2]))


def _plan(spec: _Spec) -> list[_Shard]:
    """Row and raw-sequence ranges of every shard (a scan of the sequence for rejections)."""
    raw_of_row = np.empty(spec.n_shards + 1, dtype=np.int64)  # raw index of each shard start
    boundaries = [s * spec.shard_size for s in range(spec.n_shards)] + [spec.n]
    accepted, raw, b = 0, 0, 0
    chunk = max(4096, min(spec.n, 1 << 16))
    while b <= spec.n_shards:
        _, ok = _draw(spec, raw, chunk)
        positions = np.flatnonzero(ok)
        while b <= spec.n_shards and boundaries[b] < accepted + positions.size:
            raw_of_row[b] = raw + positions[boundaries[b] - accepted]
            b += 1
        if b == spec.n_shards and boundaries[b] == accepted + positions.size:
            raw_of_row[b] = raw + chunk if positions.size == 0 else raw + positions[-1] + 1
            b += 1
        accepted += positions.size
        raw += chunk
        if raw > _MAX_REJECTION * spec.n + chunk and b <= spec.n_shards:
            raise ValueError(f"`param_box` of {_OWNER} admits too few points: {accepted} of "
                             f"{raw} draws satisfy the constraints of {spec.model_cls.__name__}")
    return [_Shard(s, boundaries[s], boundaries[s + 1], int(raw_of_row[s]), int(raw_of_row[s + 1]))
            for s in range(spec.n_shards)]


# -- one shard -------------------------------------------------------------------------------

def _price(spec: _Spec, params: NDArray[np.float64], rates: NDArray[np.float64],
           dividends: NDArray[np.float64], strikes: NDArray[np.float64],
           maturities: NDArray[np.float64], n_threads: int) -> NDArray[np.float64]:
    if spec.pricer is None:
        return price_batch(spec.model_cls, params, Market(1.0, 0.0, 0.0), strikes, maturities,
                           "call", spec.method, spec.tolerance, n_threads,
                           rates=rates, dividends=dividends)
    out = np.asarray(spec.pricer(params, rates, dividends, strikes, maturities), dtype=np.float64)
    expected = (params.shape[0], maturities.size, strikes.size)
    if out.shape != expected:
        raise ValueError(f"`pricer` of {_OWNER} must return shape {expected}; got {out.shape}")
    return out


def _surfaces(spec: _Spec, params: NDArray[np.float64], rates: NDArray[np.float64],
              dividends: NDArray[np.float64], n_threads: int) -> NDArray[np.float64]:
    """Call prices / spot ``[n, n_T, n_K]`` on the spec's grid."""
    if spec.moneyness == "strike":
        return _price(spec, params, rates, dividends, spec.strikes, spec.maturities, n_threads)
    kf = forward_strike_grid(spec.moneyness, spec.strikes, spec.maturities, spec.delta_vol)
    zeros = np.zeros(params.shape[0])
    if spec.moneyness == "log_forward":
        c = _price(spec, params, zeros, zeros, kf[0], spec.maturities, n_threads)
    else:
        c = np.concatenate([_price(spec, params, zeros, zeros, kf[t], spec.maturities[t:t + 1],
                                   n_threads) for t in range(spec.maturities.size)], axis=1)
    return c * np.exp(-np.multiply.outer(dividends, spec.maturities))[:, :, None]


def _implied_vols(spec: _Spec, prices: NDArray[np.float64], strikes: NDArray[np.float64],
                  rates: NDArray[np.float64], dividends: NDArray[np.float64]
                  ) -> NDArray[np.float64]:
    """Black implied vols; NaN where the time value ``C - D_r (F - K)^+`` is below the pricing
    accuracy (there the IV would be set by the pricing error, not by the model)."""
    t = spec.maturities
    forwards = np.exp(np.multiply.outer(rates - dividends, t))[:, :, None]
    discounts = np.exp(-np.multiply.outer(rates, t))[:, :, None]
    ivs = np.asarray(black_implied_vol(prices, forwards, strikes, t[:, None], discounts, "call",
                                       errors="nan"))
    time_value = prices - discounts * np.maximum(forwards - strikes, 0.0)
    return np.where(time_value >= _accuracy(spec), ivs, np.nan)


def _accuracy(spec: _Spec) -> float:
    """The promised absolute accuracy of a price (fraction of spot): 10x the tolerance."""
    return 10.0 * spec.tolerance


def _compute_shard(spec: _Spec, shard: _Shard, n_threads: int) -> pa.Table:
    """Parameters, market, prices (and IVs, noise, check flags) of one shard as a table."""
    points, ok = _draw(spec, shard.raw_start, shard.raw_stop - shard.raw_start)
    points = points[ok]
    if points.shape[0] != shard.row_stop - shard.row_start:
        raise RuntimeError(f"shard {shard.shard}: planned {shard.row_stop - shard.row_start} "
                           f"rows, drew {points.shape[0]}")  # the plan and the draw disagree
    k = len(spec.model_cls.PARAM_NAMES)
    params = np.ascontiguousarray(points[:, :k])
    rates = np.ascontiguousarray(points[:, k])
    dividends = np.ascontiguousarray(points[:, k + 1])
    prices = _surfaces(spec, params, rates, dividends, n_threads)
    if spec.moneyness == "strike":
        strike_grid: NDArray[np.float64] = spec.strikes
        frame, base = "strike", spec.strikes
    else:
        base = forward_strike_grid(spec.moneyness, spec.strikes, spec.maturities, spec.delta_vol)
        growth = np.exp(np.multiply.outer(rates - dividends, spec.maturities))
        strike_grid = base[None] * growth[:, :, None]
        frame = "forward"
    flags = check_surface(prices, base, spec.maturities, rates=rates, dividends=dividends,
                          frame=frame, atol=CHECK_ATOL).flags
    columns: dict[str, pa.Array] = {
        "index": pa.array(np.arange(shard.row_start, shard.row_stop, dtype=np.int64)),
    }
    for j, name in enumerate(spec.model_cls.PARAM_NAMES):
        columns[name] = pa.array(params[:, j])
    columns["rate"] = pa.array(rates)
    columns["dividend"] = pa.array(dividends)
    columns["price"] = _surface_column(prices)
    if "iv" in spec.store:
        columns["iv"] = _surface_column(_implied_vols(spec, prices, strike_grid, rates, dividends))
    if spec.noise is not None:
        log_m = np.log(strike_grid) - np.multiply.outer(rates - dividends,
                                                        spec.maturities)[:, :, None]
        columns["price_noisy"] = _surface_column(apply_indexed(
            spec.noise, prices, spec.seed, shard.row_start, log_m, spec.maturities))
    columns["checks"] = pa.array((flags.astype(np.uint8) << np.arange(len(CHECKS),
                                                                      dtype=np.uint8)).sum(1)
                                 .astype(np.uint8))
    meta = {storage.META_KEY: _json(spec.metadata()),
            storage.SHARD_KEY: _json({"shard": shard.shard, "row_start": shard.row_start,
                                      "row_stop": shard.row_stop})}
    return pa.table(columns).replace_schema_metadata(meta)


def _surface_column(values: NDArray[np.float64]) -> pa.FixedSizeListArray:
    n = values.shape[0]
    width = int(np.prod(values.shape[1:]))
    flat = pa.array(np.ascontiguousarray(values, dtype=np.float64).reshape(n * width))
    return pa.FixedSizeListArray.from_arrays(flat, width)


def _json(obj: Any) -> bytes:
    import json

    return json.dumps(obj, sort_keys=True).encode()


def _summary_columns(spec: _Spec) -> list[str]:
    """The columns of a written shard that the run statistics read back on resume."""
    cols = ["index", *spec.model_cls.PARAM_NAMES, "rate", "dividend", "checks"]
    return cols + (["iv"] if "iv" in spec.store else [])


# -- execution -------------------------------------------------------------------------------

def _run(spec: _Spec, plan: list[_Shard], target: tuple[Any, str] | None, workers: int | None,
         client: Any, progress: Callable[[int, int], None] | None,
         sink: Callable[[pa.Table], None], compression: str, already: int = 0) -> int:
    """Compute (and write, when ``target`` is given) the planned shards; feed ``sink`` with
    each shard's table (without the surfaces when written); return rows computed."""
    done = already
    if progress is not None:
        progress(done, spec.n)
    if client is not None:
        from .distributed import run_on_client

        results = run_on_client(client, spec, plan, target, compression)
    else:
        results = _run_local(spec, plan, target, workers, compression)
    for table in results:
        sink(table)
        done += table.num_rows
        if progress is not None:
            progress(done, spec.n)
    return done - already


def run_shard(spec: _Spec, shard: _Shard, target: tuple[Any, str] | None, n_threads: int,
              compression: str) -> pa.Table:
    """Compute one shard; write it when ``target`` is given and return its summary columns."""
    table = _compute_shard(spec, shard, n_threads)
    return table if target is None else _write(target, shard, table, compression)


def _write(target: tuple[Any, str], shard: _Shard, table: pa.Table, compression: str) -> pa.Table:
    """Write a shard atomically; return the columns the run statistics need."""
    storage.write_shard(target[0], target[1], shard.shard, table, compression)
    return table.drop_columns([c for c in ("price", "price_noisy") if c in table.column_names])


def _run_local(spec: _Spec, plan: list[_Shard], target: tuple[Any, str] | None,
               workers: int | None, compression: str) -> Iterator[pa.Table]:
    """Shards one after the other, each priced on ``workers`` C++ threads (the implied vols
    on Numba's threads); the Parquet write of a shard overlaps the pricing of the next one
    (at most one write in flight, so memory stays at about two shards)."""
    threads = _positive_int("workers", os.cpu_count() or 1 if workers is None else workers)
    if target is None:
        for shard in plan:
            yield _compute_shard(spec, shard, threads)
        return
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future[pa.Table] | None = None
        for shard in plan:
            table = _compute_shard(spec, shard, threads)
            if pending is not None:
                yield pending.result()
            pending = writer.submit(_write, target, shard, table, compression)
        if pending is not None:
            yield pending.result()


# -- statistics ------------------------------------------------------------------------------

@dataclass
class _Stats:
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
    def empty(cls, spec: _Spec) -> _Stats:
        lows, highs = spec.box()
        names = [*spec.model_cls.PARAM_NAMES, "rate", "dividend"]
        d = len(names)
        return cls(lows, highs, names,
                   hist=np.zeros((d, COVERAGE_BINS), np.int64),
                   pairs=np.zeros((d, d, COVERAGE_BINS, COVERAGE_BINS), np.int64))

    @classmethod
    def of_table(cls, spec: _Spec, table: pa.Table) -> _Stats:
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

    def merge(self, other: _Stats) -> None:
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
