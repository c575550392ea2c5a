"""One shard of a dataset: its planned ranges, its rows computed, priced, checked and stored.

A shard is a range of rows ``[row_start, row_stop)`` and the range of the raw sampler
sequence ``[raw_start, raw_stop)`` whose admitted points they are (:func:`plan_shards` scans
the sequence once for the rejections), so any machine computes a shard from the spec and
these four numbers alone (:func:`run_shard`, also the task of :mod:`.distributed`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from ..implied_vol import black_implied_vol
from ..market import Market
from ..pricers import price_batch
from . import storage
from .checks import CHECKS, check_surface
from .grids import forward_strike_grid
from .noise import apply_indexed
from .sampling import admissible, unit_points
from .spec import CHECK_ATOL, OWNER, GenerationSpec

__all__ = ["Shard", "plan_shards", "compute_shard", "run_shard", "write_shard",
           "summary_columns"]

#: A box admitting fewer than one in this many draws is refused.
_MAX_REJECTION = 100


@dataclass(frozen=True)
class Shard:
    shard: int
    row_start: int
    row_stop: int
    raw_start: int
    raw_stop: int


def _draw(spec: GenerationSpec, raw_start: int, count: int
          ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Sampled coordinates ``[count, k + 2]`` of raw points and which the model admits."""
    lows, highs = spec.box()
    points = lows + unit_points(spec.sampler, spec.seed, spec.dim, raw_start, count, spec.n) * (
        highs - lows)
    return points, admissible(spec.model_cls, np.ascontiguousarray(points[:, :-2]))


def plan_shards(spec: GenerationSpec) -> list[Shard]:
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
            raise ValueError(f"`param_box` of {OWNER} admits too few points: {accepted} of "
                             f"{raw} draws satisfy the constraints of {spec.model_cls.__name__}")
    return [Shard(s, boundaries[s], boundaries[s + 1], int(raw_of_row[s]), int(raw_of_row[s + 1]))
            for s in range(spec.n_shards)]


def _price(spec: GenerationSpec, params: NDArray[np.float64], rates: NDArray[np.float64],
           dividends: NDArray[np.float64], strikes: NDArray[np.float64],
           maturities: NDArray[np.float64], n_threads: int) -> NDArray[np.float64]:
    if spec.pricer is None:
        return price_batch(spec.model_cls, params, Market(1.0, 0.0, 0.0), strikes, maturities,
                           "call", spec.method, spec.tolerance, n_threads,
                           rates=rates, dividends=dividends)
    out = np.asarray(spec.pricer(params, rates, dividends, strikes, maturities), dtype=np.float64)
    expected = (params.shape[0], maturities.size, strikes.size)
    if out.shape != expected:
        raise ValueError(f"`pricer` of {OWNER} must return shape {expected}; got {out.shape}")
    return out


def _surfaces(spec: GenerationSpec, params: NDArray[np.float64], rates: NDArray[np.float64],
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


def _implied_vols(spec: GenerationSpec, prices: NDArray[np.float64],
                  strikes: NDArray[np.float64], rates: NDArray[np.float64],
                  dividends: NDArray[np.float64]) -> NDArray[np.float64]:
    """Black implied vols; NaN where the time value ``C - D_r (F - K)^+`` is below the pricing
    accuracy (there the IV would be set by the pricing error, not by the model)."""
    t = spec.maturities
    forwards = np.exp(np.multiply.outer(rates - dividends, t))[:, :, None]
    discounts = np.exp(-np.multiply.outer(rates, t))[:, :, None]
    ivs = np.asarray(black_implied_vol(prices, forwards, strikes, t[:, None], discounts, "call",
                                       errors="nan"))
    time_value = prices - discounts * np.maximum(forwards - strikes, 0.0)
    return np.where(time_value >= spec.accuracy, ivs, np.nan)


def compute_shard(spec: GenerationSpec, shard: Shard, n_threads: int) -> pa.Table:
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
    return json.dumps(obj, sort_keys=True).encode()


def summary_columns(spec: GenerationSpec) -> list[str]:
    """The columns of a written shard that the run statistics read back on resume."""
    cols = ["index", *spec.model_cls.PARAM_NAMES, "rate", "dividend", "checks"]
    return cols + (["iv"] if "iv" in spec.store else [])


def write_shard(target: tuple[Any, str], shard: Shard, table: pa.Table,
                compression: str) -> pa.Table:
    """Write a shard atomically; return the columns the run statistics need."""
    storage.write_shard(target[0], target[1], shard.shard, table, compression)
    return table.drop_columns([c for c in ("price", "price_noisy") if c in table.column_names])


def run_shard(spec: GenerationSpec, shard: Shard, target: tuple[Any, str] | None,
              n_threads: int, compression: str) -> pa.Table:
    """Compute one shard; write it when ``target`` is given and return its summary columns."""
    table = compute_shard(spec, shard, n_threads)
    return table if target is None else write_shard(target, shard, table, compression)
