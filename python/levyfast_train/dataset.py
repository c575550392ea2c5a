"""Training and test surfaces: a thin wrapper over :func:`levyfast.data.generate_surfaces`.

Training draws its data from the library's generator (the same sampler, pricer, checks and
storage as ``levyfast generate``); this module only fixes the calibrator's conventions: the
family's box with fixed parameters as ``low == high``, the market ranges, a strike grid in
K/S0 and prices only (no implied vols).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

import levyfast as lf
from levyfast.data import SurfaceDataset

from .families import DIVIDEND_RANGE, RATE_RANGE, Family

__all__ = ["generate", "load", "stream", "check_family", "price_jacobian", "SurfaceDataset"]


def generate(family: Family, n: int, *, seed: int, strikes: NDArray[np.float64],
             maturities: NDArray[np.float64], sobol: bool = True) -> SurfaceDataset:
    """``n`` surfaces with parameters and market drawn on the family's box.

    ``sobol=True`` uses the scrambled Sobol sequence (training: even coverage); ``False``
    independent uniform draws (test sets: no structure shared with a training design).
    """
    box = {name: (family.low[name], family.high[name]) for name in family.free_names}
    box.update({name: (v, v) for name, v in family.fixed.items()})
    return lf.data.generate_surfaces(
        family.model_cls, n, seed=seed, param_box=box, sampler="sobol" if sobol else "uniform",
        rate_range=RATE_RANGE, dividend_range=DIVIDEND_RANGE, strikes=np.asarray(strikes, float),
        maturities=np.asarray(maturities, float), moneyness="strike", store=("price",),
        method=family.method, tolerance=family.tolerance)


def check_family(data: SurfaceDataset, family: Family, path: str) -> None:
    """Raise ``ValueError`` unless ``data`` (read from ``path``) holds the family's model on a
    K/S0 strike grid with every parameter inside the training box."""
    if data.model_cls is not family.model_cls:
        raise ValueError(f"`data` {path!r} holds {data.model_cls.__name__} surfaces; expected "
                         f"{family.model_cls.__name__}")
    if data.moneyness != "strike":
        raise ValueError(f"`data` {path!r} must be on a K/S0 strike grid (moneyness "
                         f"'strike'); got {data.moneyness!r}")
    names = family.model_cls.PARAM_NAMES
    for j, name in enumerate(names):
        lo, hi = (family.fixed[name],) * 2 if name in family.fixed else \
            (family.low[name], family.high[name])
        col = data.params[:, j]
        if len(col) and (col.min() < lo or col.max() > hi):
            raise ValueError(f"`data` {path!r}: parameter {name} spans [{col.min():g}, "
                             f"{col.max():g}], outside the training box [{lo:g}, {hi:g}]")


def load(path: str, family: Family) -> SurfaceDataset:
    """A dataset written by ``levyfast generate`` (or :func:`levyfast.data.write_surfaces`),
    read whole and checked against the family (:func:`check_family`)."""
    data = lf.data.load(path)
    check_family(data, family, path)
    return data


def stream(path: str, family: Family, *, split: str | None = None,
           chunk_size: int = 8192) -> Iterator[SurfaceDataset]:
    """The dataset at ``path`` (or one split) in chunks of ``chunk_size`` rows, read one
    Parquet row group at a time (:func:`levyfast.data.iter_chunks`), each chunk checked
    against the family: memory stays bounded by the chunk and shard sizes."""
    for chunk in lf.data.iter_chunks(path, chunk_size, split=split):
        check_family(chunk, family, path)
        yield chunk


def price_jacobian(family: Family, data: SurfaceDataset, rel_step: float = 1e-4
                   ) -> NDArray[np.float64]:
    """d(call price / spot) / d(parameter) ``[n, n_T n_K, k]`` by central differences through
    :func:`levyfast.price_batch` with the family's method and tolerance (steps ``rel_step`` x box
    width; fixed parameters: 0)."""
    names = family.model_cls.PARAM_NAMES
    n = len(data)
    jac = np.zeros((n, data.prices[0].size, len(names)))
    for j, name in enumerate(names):
        if name in family.fixed:
            continue
        h = rel_step * (family.high[name] - family.low[name])
        bumped = []
        for sign in (1.0, -1.0):
            p = data.params.copy()
            p[:, j] += sign * h
            bumped.append(lf.price_batch(family.model_cls, p, lf.Market(1.0, 0.0), data.strikes,
                                         data.maturities, method=family.method,
                                         tolerance=family.tolerance, rates=data.rates,
                                         dividends=data.dividends))
        jac[:, :, j] = ((bumped[0] - bumped[1]) / (2.0 * h)).reshape(n, -1)
    return jac
