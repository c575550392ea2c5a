"""tf.data input pipelines with training-time price noise and missing-quote masking.

Noise follows the evaluation protocol: each quote is multiplied by ``1 + s * eps`` with
``eps ~ N(0, 1)`` independent per quote and the level ``s`` drawn per surface uniformly in
``[0, noise]``; a fraction ``f ~ U(0, missing)`` of each surface's quotes is replaced by NaN
(the networks read NaN as a missing quote). Random draws are stateless, keyed by the seed and
the batch index, so a run is reproducible.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from .dataset import SurfaceDataset, stream
from .families import Family

__all__ = ["as_arrays", "make_dataset", "stream_dataset", "augment"]


def as_arrays(data: SurfaceDataset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(prices float64 [n,n_T,n_K], market float64 [n,2], params float32 [n,k])."""
    market = np.stack([data.rates, data.dividends], axis=1)
    return data.prices, market, data.params.astype(np.float32)


def augment(prices: tf.Tensor, seed: tf.Tensor, noise: float, missing: float) -> tf.Tensor:
    """Multiplicative Gaussian noise and NaN-masked quotes, per the module docstring."""
    b = tf.shape(prices)[0]
    seeds = tf.random.experimental.stateless_split(seed, 4)
    out = prices
    if noise > 0.0:
        level = tf.random.stateless_uniform([b, 1, 1], seeds[0], 0.0, noise, prices.dtype)
        eps = tf.random.stateless_normal(tf.shape(prices), seeds[1], dtype=prices.dtype)
        out = out * (1.0 + level * eps)
    if missing > 0.0:
        frac = tf.random.stateless_uniform([b, 1, 1], seeds[2], 0.0, missing, prices.dtype)
        drop = tf.random.stateless_uniform(tf.shape(prices), seeds[3], dtype=prices.dtype) < frac
        out = tf.where(drop, tf.fill(tf.shape(out), tf.constant(np.nan, prices.dtype)), out)
    return out


def make_dataset(prices: np.ndarray, market: np.ndarray, params: np.ndarray, *, batch: int,
                 seed: int, shuffle: bool, noise: float = 0.0,
                 missing: float = 0.0) -> tf.data.Dataset:
    """Batches ``((prices, market), params)`` from arrays in memory; with ``shuffle`` an
    endless reshuffled stream (pass ``steps_per_epoch`` to ``fit``), augmented when ``noise``
    or ``missing`` > 0."""
    ds = tf.data.Dataset.from_tensor_slices((prices, market, params))
    return _batches(ds, len(prices), batch=batch, seed=seed, shuffle=shuffle, noise=noise,
                    missing=missing)


def stream_dataset(path: str, family: Family, *, split: str, batch: int, seed: int,
                   shuffle: bool, noise: float = 0.0, missing: float = 0.0,
                   chunk_size: int = 8192, shuffle_buffer: int = 65536) -> tf.data.Dataset:
    """As :func:`make_dataset`, streamed from the Parquet shards of a dataset written by
    ``levyfast generate`` (split ``train``/``val``/``test``): chunks of ``chunk_size`` rows
    are read one row group at a time and checked against the family, then shuffled through a
    buffer of ``shuffle_buffer`` surfaces, so memory does not grow with the dataset. Each pass
    re-reads the shards (in order; the shuffle buffer mixes them)."""
    first = next(stream(path, family, split=split, chunk_size=1))
    n_t, n_k = first.prices.shape[1:]
    k = first.params.shape[1]

    def chunks():
        for chunk in stream(path, family, split=split, chunk_size=chunk_size):
            yield as_arrays(chunk)

    signature = (tf.TensorSpec([None, n_t, n_k], tf.float64),
                 tf.TensorSpec([None, 2], tf.float64),
                 tf.TensorSpec([None, k], tf.float32))
    ds = tf.data.Dataset.from_generator(chunks, output_signature=signature).unbatch()
    return _batches(ds, shuffle_buffer, batch=batch, seed=seed, shuffle=shuffle, noise=noise,
                    missing=missing)


def _batches(ds: tf.data.Dataset, buffer: int, *, batch: int, seed: int, shuffle: bool,
             noise: float, missing: float) -> tf.data.Dataset:
    """Rows ``(prices, market, params)`` -> shuffled (through ``buffer`` rows), batched,
    repeated and augmented batches ``((prices, market), params)``."""
    if shuffle:
        ds = ds.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch)
    if shuffle:
        ds = ds.repeat()  # one endless stream: batch indices (noise keys) never repeat
    if noise > 0.0 or missing > 0.0:
        ds = ds.enumerate().map(
            lambda i, x: ((augment(x[0], tf.stack([tf.cast(seed, tf.int64), i]), noise, missing),
                           x[1]), x[2]),
            num_parallel_calls=1, deterministic=True)
    else:
        ds = ds.map(lambda p, m, y: ((p, m), y))
    return ds.prefetch(2)
