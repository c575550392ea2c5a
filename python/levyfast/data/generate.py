"""Dataset generation: sampled parameters and markets, surfaces priced by the C++ batch path.

:func:`generate_dataset` runs a :class:`~levyfast.data.spec.GenerationSpec` (what the dataset
is) in memory or into sharded Parquet, on local threads or a Dask cluster (how it is computed);
:func:`generate_surfaces` and :func:`write_surfaces` take the spec's settings as keywords.
The pieces: :mod:`.spec` (the validated settings and the metadata), :mod:`.shards` (planning
and computing one shard), :mod:`.stats` (the run's report), :mod:`.distributed` (Dask).

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
  ln(K / F_T) = delta_vol^2 T / 2 - delta_vol sqrt(T) N^-1(Delta) (Black 1976,
  :func:`levyfast.data.grids.forward_strike_grid`).

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
from typing import Any, cast, overload

import numpy as np
import pyarrow as pa
import pyarrow.fs as pafs
from numpy.typing import ArrayLike, NDArray

from .._validation import check_choice
from ..models import LevyModel
from ..pricers import DEFAULT_TOLERANCE
from . import storage
from .defaults import (
    DEFAULT_DIVIDEND_RANGE,
    DEFAULT_MATURITIES,
    DEFAULT_RATE_RANGE,
    DEFAULT_SHARD_SIZE,
    DEFAULT_STRIKES,
    MONEYNESS,
    STORE,
)
from .distributed import run_on_client
from .grids import forward_strike_grid
from .noise import NoiseTransform
from .shards import Shard, compute_shard, plan_shards, summary_columns, write_shard
from .spec import CHECK_ATOL, OWNER, BatchPricer, GenerationSpec, positive_int
from .stats import GenerationReport, RunStats
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
    "GenerationSpec",
    "GenerationReport",
    "generate_dataset",
    "generate_surfaces",
    "write_surfaces",
    "forward_strike_grid",
]

log = logging.getLogger(__name__)

_COMPRESSIONS = ("zstd", "snappy", "lz4", "gzip", "none")


# -- public API ------------------------------------------------------------------------------

@overload
def generate_dataset(spec: GenerationSpec, out: None = None, *, workers: int | None = None,
                     client: Any = None, compression: str = "zstd",
                     progress: Callable[[int, int], None] | None = None) -> SurfaceDataset:
    ...


@overload
def generate_dataset(spec: GenerationSpec, out: str, *, workers: int | None = None,
                     client: Any = None, compression: str = "zstd",
                     progress: Callable[[int, int], None] | None = None) -> GenerationReport:
    ...


def generate_dataset(spec: GenerationSpec, out: str | None = None, *,
                     workers: int | None = None, client: Any = None, compression: str = "zstd",
                     progress: Callable[[int, int], None] | None = None
                     ) -> SurfaceDataset | GenerationReport:
    """Compute the dataset of ``spec`` (not named ``generate``: that is this module, an
    attribute of :mod:`levyfast.data`): in memory (``out=None``, returns the
    :class:`~levyfast.data.SurfaceDataset`), or written to sharded Parquet at ``out`` in
    bounded memory (returns a :class:`GenerationReport`).

    When writing, complete shards already at ``out`` are skipped (after checking they belong
    to the same dataset), so an interrupted run resumes where it stopped. ``workers`` threads
    price each shard (default: all cores; the values do not depend on it), or ``client``, a
    ``dask.distributed.Client``, runs the shards as tasks of a cluster (one pricing thread per
    task); ``compression`` is the Parquet codec of written shards; ``progress(done, n)`` is
    called after every shard.
    """
    if not isinstance(spec, GenerationSpec):
        raise TypeError(f"`spec` of generate_dataset must be a GenerationSpec; got {spec!r}")
    if out is not None:
        return _write(spec, out, workers, client, compression, progress)
    # the dataset is returned in memory (and concatenated once): about twice its size
    _require_room(spec, 2.0, "memory", _physical_memory(), "this machine's memory")
    blocks: list[pa.Table] = []
    _run(spec, plan_shards(spec), None, workers, client, progress, blocks.append, compression)
    table = pa.concat_tables(sorted(blocks, key=lambda t: t.column("index")[0].as_py()))
    dataset = storage.table_to_dataset(table, spec.metadata(), spec.model_cls)
    if dataset.check_flags is not None and dataset.check_flags.any():
        log.warning("%d of %d generated surfaces fail the arbitrage checks",
                    int(np.count_nonzero(dataset.check_flags)), spec.n)
    return dataset


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
    spec = GenerationSpec(model_cls, n, seed=seed, param_box=param_box, sampler=sampler,
                          rate_range=rate_range, dividend_range=dividend_range,
                          strikes=cast(NDArray[np.float64], strikes),
                          maturities=cast(NDArray[np.float64], maturities),
                          moneyness=moneyness, delta_vol=delta_vol, store=store, method=method,
                          tolerance=tolerance, noise=noise, shard_size=shard_size, pricer=pricer)
    if out is None:
        return generate_dataset(spec, workers=workers, client=client, compression=compression,
                                progress=progress)
    # loaded back into memory once written: about twice its size
    _require_room(spec, 2.0, "memory", _physical_memory(), "this machine's memory")
    generate_dataset(spec, out, workers=workers, client=client, compression=compression,
                     progress=progress)
    return storage.load(out, model_cls=model_cls)


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
    spec = GenerationSpec(model_cls, n, seed=seed, param_box=param_box, sampler=sampler,
                          rate_range=rate_range, dividend_range=dividend_range,
                          strikes=cast(NDArray[np.float64], strikes),
                          maturities=cast(NDArray[np.float64], maturities),
                          moneyness=moneyness, delta_vol=delta_vol, store=store, method=method,
                          tolerance=tolerance, noise=noise, shard_size=shard_size, pricer=pricer)
    return generate_dataset(spec, out, workers=workers, client=client, compression=compression,
                            progress=progress)


# -- execution -------------------------------------------------------------------------------

def _write(spec: GenerationSpec, out: str, workers: int | None, client: Any, compression: str,
           progress: Callable[[int, int], None] | None) -> GenerationReport:
    """Write the shards of ``spec`` missing at ``out`` (resuming a run); report the whole."""
    check_choice(OWNER, "compression", compression, _COMPRESSIONS)
    if not isinstance(out, str) or not out:
        raise TypeError(f"`out` of {OWNER} must be a non-empty path string; got {out!r}")
    start = time.perf_counter()
    fs, directory = storage.open_filesystem(out)
    if isinstance(fs, pafs.LocalFileSystem):  # compressed shards: at least half the raw size
        _require_room(spec, 0.5, "disk", _free_disk(directory), f"the disk of {out}")
    storage.remove_stale_temporaries(fs, directory)
    expected = spec.metadata()
    stats = RunStats.empty(spec)
    done: set[int] = set()
    for path in storage.list_shards(fs, directory):
        meta, shard = storage.read_shard_metadata(fs, path)
        if meta != expected:
            diff = sorted(k for k in set(meta) | set(expected) if meta.get(k) != expected.get(k))
            raise ValueError(f"`out` of {OWNER} ({out}) holds shards of a different dataset "
                             f"(differing in {diff}); use another directory")
        try:  # a shard is skipped only if its content is intact; a corrupt one is recomputed
            columns = storage.read_verified_shard(fs, path, summary_columns(spec))
        except storage.DatasetFormatError as exc:
            log.warning("recomputing %s: %s", path, exc)
            fs.delete_file(path)
            continue
        stats.merge(RunStats.of_table(spec, columns))
        done.add(int(shard["shard"]))
    plan = [s for s in plan_shards(spec) if s.shard not in done]
    size = spec.shard_size
    written = _run(spec, plan, (fs, directory), workers, client, progress, stats.merge_table,
                   compression, already=sum(min(spec.n, (s + 1) * size) - s * size
                                            for s in done))
    return stats.report(out, len(plan), len(done), time.perf_counter() - start, written)


def _run(spec: GenerationSpec, plan: list[Shard], target: tuple[Any, str] | None,
         workers: int | None, client: Any, progress: Callable[[int, int], None] | None,
         sink: Callable[[pa.Table], None], compression: str, already: int = 0) -> int:
    """Compute (and write, when ``target`` is given) the planned shards; feed ``sink`` with
    each shard's table (without the surfaces when written); return rows computed."""
    done = already
    if progress is not None:
        progress(done, spec.n)
    if client is not None:
        results = run_on_client(client, spec, plan, target, compression)
    else:
        results = _run_local(spec, plan, target, workers, compression)
    for table in results:
        sink(table)
        done += table.num_rows
        if progress is not None:
            progress(done, spec.n)
    return done - already


def _run_local(spec: GenerationSpec, plan: list[Shard], target: tuple[Any, str] | None,
               workers: int | None, compression: str) -> Iterator[pa.Table]:
    """Shards one after the other, each priced on ``workers`` C++ threads (the implied vols
    on Numba's threads); the Parquet write of a shard overlaps the pricing of the next one
    (at most one write in flight, so memory stays at about two shards)."""
    threads = positive_int("workers", os.cpu_count() or 1 if workers is None else workers)
    if target is None:
        for shard in plan:
            yield compute_shard(spec, shard, threads)
        return
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future[pa.Table] | None = None
        for shard in plan:
            table = compute_shard(spec, shard, threads)
            if pending is not None:
                yield pending.result()
            pending = writer.submit(write_shard, target, shard, table, compression)
        if pending is not None:
            yield pending.result()


# -- room ------------------------------------------------------------------------------------

def _row_bytes(spec: GenerationSpec) -> int:
    """Bytes of one stored surface: parameters, market, index, check flags and the surfaces."""
    surfaces = len(spec.store) + (spec.noise is not None and "price" in spec.store)
    return 8 * (spec.dim + 1) + 1 + 8 * spec.maturities.size * spec.strikes.size * surfaces


def _require_room(spec: GenerationSpec, factor: float, what: str, available: float | None,
                  where: str) -> None:
    """Refuse up front an ``n`` whose dataset (times ``factor``) cannot fit in ``available``
    bytes of ``what`` (None: unknown, not checked), with the estimate."""
    need = factor * spec.n * _row_bytes(spec)
    if available is not None and need > available:
        raise ValueError(
            f"`n` of {OWNER} = {spec.n} needs about {need / 2**30:,.1f} GiB of {what} "
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
