"""Sharded Parquet storage of surface datasets: atomic writes, self-describing shards, reader.

Layout of a dataset directory (local or any pyarrow/fsspec filesystem)::

    shard-00000.parquet  shard-00001.parquet  ...

One row per surface: ``index`` (global row, int64), one float64 column per model parameter
(``PARAM_NAMES``), ``rate``, ``dividend``, ``price`` (``fixed_size_list<float64>[n_T n_K]``,
maturity-major, call prices / spot), optionally ``iv`` and ``price_noisy``, and ``checks``
(uint8 bit mask of the failed arbitrage checks, bit ``c`` = ``CHECKS[c]``). Every shard
carries the dataset description (DESIGN.md §11: model id, parameter names, bounds and box,
grid, pricer settings and accuracy, sampler, seed, noise, split rule, levyfast version) as JSON
under the schema metadata key ``levyfast``, and its own row range under ``levyfast.shard``.

A shard is written to a temporary name and renamed into place, so a shard file that exists is
complete; a re-run skips those (resume) after checking that they describe the same dataset and
that their content is intact. Integrity: every shard carries, under ``levyfast.digest``, a
BLAKE2b-256 digest of its dataset and shard metadata and of every column's decoded values
(:func:`content_digest`); readers recompute it before using a shard (:func:`verify_shard`), so
a flipped byte that still decodes, a truncated file or a foreign one is a
:class:`DatasetFormatError` naming the file, never different numbers.

Splits: row ``i`` belongs to ``train`` / ``val`` / ``test`` by ``u_i`` in ``[0, 0.8)``,
``[0.8, 0.9)``, ``[0.9, 1)``, where ``u_i`` is the SplitMix64 hash (Steele, Lea & Flood 2014)
of ``i`` (xor a key drawn from the seed) mapped to [0, 1). A hash, not ``i mod 10``: Sobol'
points with equal ``i mod 2^m`` share their leading digits, so a modular split would be biased.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from numpy.typing import NDArray

from ..models import LevyModel
from .grids import forward_strike_grid
from .sampling import is_builtin

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "SPLITS",
    "SurfaceDataset",
    "DatasetFormatError",
    "open_filesystem",
    "shard_name",
    "write_shard",
    "list_shards",
    "remove_stale_temporaries",
    "read_shard_metadata",
    "content_digest",
    "verify_shard",
    "verify",
    "load",
    "iter_chunks",
    "split_of",
]

FORMAT = "levyfast-surfaces"
FORMAT_VERSION = 1
META_KEY = b"levyfast"
SHARD_KEY = b"levyfast.shard"
DIGEST_KEY = b"levyfast.digest"
SPLITS = {"train": (0.0, 0.8), "val": (0.8, 0.9), "test": (0.9, 1.0)}


class DatasetFormatError(ValueError):
    """A file or directory that is not a complete, consistent levyfast surface dataset."""


@dataclass(frozen=True, repr=False)
class SurfaceDataset:
    """Generated (or loaded) surfaces with their parameters, market inputs and grid.

    ``prices[i, t, k]`` is the call price / spot of surface ``i`` at maturity
    ``maturities[t]`` and grid point ``strikes[k]`` (K / S0 when ``moneyness == "strike"``,
    ln(K / F_T) for ``"log_forward"``, a call delta for ``"delta"``); :meth:`strike_grid`
    gives K / S0 in every case. ``index`` holds the global row numbers (for splits and noise).
    """

    model_cls: type[LevyModel]
    params: NDArray[np.float64]
    rates: NDArray[np.float64]
    dividends: NDArray[np.float64]
    strikes: NDArray[np.float64]
    maturities: NDArray[np.float64]
    prices: NDArray[np.float64]
    ivs: NDArray[np.float64] | None
    metadata: Mapping[str, Any]
    index: NDArray[np.int64]
    noisy_prices: NDArray[np.float64] | None = None
    check_flags: NDArray[np.uint8] | None = None

    def __len__(self) -> int:
        return int(self.params.shape[0])

    def __repr__(self) -> str:
        extra = [name for name in ("ivs", "noisy_prices") if getattr(self, name) is not None]
        return (f"SurfaceDataset({self.model_cls.__name__}, n={len(self)}, "
                f"grid={self.maturities.size}x{self.strikes.size} {self.moneyness}, "
                f"seed={self.metadata['seed']}, with={['prices', *extra]})")

    @property
    def moneyness(self) -> str:
        return str(self.metadata["grid"]["moneyness"])

    def forward_strikes(self) -> NDArray[np.float64]:
        """K / F_T per maturity, ``[n_T, n_K]`` (``moneyness`` log_forward or delta only)."""
        return forward_strike_grid(self.moneyness, self.strikes, self.maturities,
                                   float(self.metadata["grid"]["delta_vol"]))

    def strike_grid(self) -> NDArray[np.float64]:
        """K / S0 of every quote, broadcastable to ``prices`` (``[n_K]`` or ``[n, n_T, n_K]``)."""
        if self.moneyness == "strike":
            return self.strikes
        growth = np.exp(np.multiply.outer(self.rates - self.dividends, self.maturities))
        return self.forward_strikes()[None] * growth[:, :, None]

    def split(self, name: str) -> SurfaceDataset:
        """The rows of split ``name`` (``train``, ``val`` or ``test``)."""
        return self.take(split_of(self.index, int(self.metadata["seed"])) == _split_code(name))

    def take(self, rows: NDArray[Any]) -> SurfaceDataset:
        """A dataset of the selected rows (boolean mask or indices)."""
        def sel(a: NDArray[Any] | None) -> NDArray[Any] | None:
            return None if a is None else a[rows]

        return SurfaceDataset(
            self.model_cls, self.params[rows], self.rates[rows], self.dividends[rows],
            self.strikes, self.maturities, self.prices[rows], sel(self.ivs), self.metadata,
            self.index[rows], sel(self.noisy_prices), sel(self.check_flags),
        )


def _split_code(name: str) -> int:
    if name not in SPLITS:
        raise ValueError(f"`split` must be one of {tuple(SPLITS)}; got {name!r}")
    return list(SPLITS).index(name)


def split_of(index: NDArray[np.int64], seed: int) -> NDArray[np.int8]:
    """Split code per global row (0 train, 1 val, 2 test): see the module docstring."""
    key = np.random.SeedSequence(seed, spawn_key=(4,)).generate_state(1, np.uint64)[0]
    z = np.asarray(index, dtype=np.uint64) ^ key
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(11)).astype(np.float64) * 2.0**-53
    edges = np.array([hi for _, hi in SPLITS.values()][:-1])
    return np.searchsorted(edges, u, side="right").astype(np.int8)


def open_filesystem(path: str) -> tuple[pafs.FileSystem, str]:
    """A pyarrow filesystem and the path inside it, for a local path or any URI that pyarrow
    or fsspec understands (``s3://``, ``gs://``, ``memory://``, ...)."""
    if "://" not in path:
        import os

        return pafs.LocalFileSystem(), os.path.abspath(path)
    try:
        return pafs.FileSystem.from_uri(path)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        import fsspec  # an optional dependency (dask brings it) for the URIs pyarrow lacks

        fs, inner = fsspec.core.url_to_fs(path)
        return pafs.PyFileSystem(pafs.FSSpecHandler(fs)), inner


def shard_name(index: int) -> str:
    return f"shard-{index:05d}.parquet"


def content_digest(table: pa.Table) -> str:
    """BLAKE2b-256 (hex) of a shard's ``levyfast`` and ``levyfast.shard`` metadata and of every
    column's name and decoded values, in column order (independent of the Parquet encoding,
    compression and chunking)."""
    h = hashlib.blake2b(digest_size=32)
    meta = table.schema.metadata or {}
    for key in (META_KEY, SHARD_KEY):
        h.update(key + b"=" + meta.get(key, b"") + b";")
    for name in table.column_names:
        h.update(name.encode() + b":")
        column = table.column(name)
        flat = pa.types.is_fixed_size_list(column.type) or pa.types.is_list(column.type)
        for chunk in column.chunks:
            values = chunk.flatten() if flat else chunk
            h.update(np.ascontiguousarray(values.to_numpy(zero_copy_only=False)).tobytes())
    return h.hexdigest()


def verify_shard(path: str, table: pa.Table) -> None:
    """Raise :class:`DatasetFormatError` unless ``table`` (a whole shard read from ``path``)
    matches the content digest recorded when it was written."""
    recorded = (table.schema.metadata or {}).get(DIGEST_KEY)
    if recorded is None:
        raise DatasetFormatError(f"{path} has no content digest (written by a levyfast without "
                                 "shard checksums): it cannot be verified; regenerate it")
    if recorded.decode() != content_digest(table):
        raise DatasetFormatError(f"{path} is corrupt: its content does not match the digest "
                                 "recorded when it was written (re-run the same generate "
                                 "command to recompute it)")


def read_verified_shard(fs: pafs.FileSystem, path: str,
                        columns: list[str] | None = None) -> pa.Table:
    """The whole shard at ``path``, verified (:func:`verify_shard`), optionally only
    ``columns`` of it; DatasetFormatError for a corrupt, truncated or foreign file."""
    try:
        with fs.open_input_file(path) as f:
            table = pq.read_table(f)
    except (OSError, pa.ArrowException) as exc:
        raise DatasetFormatError(f"{path} is corrupt or truncated ({exc})") from exc
    verify_shard(path, table)
    return table if columns is None else table.select(columns)


def write_shard(
    fs: pafs.FileSystem, directory: str, shard: int, table: pa.Table, compression: str
) -> None:
    """Write ``table`` as shard ``shard`` atomically (temporary file, then rename), with its
    content digest in the schema metadata."""
    meta = dict(table.schema.metadata or {})
    meta[DIGEST_KEY] = content_digest(table).encode()
    table = table.replace_schema_metadata(meta)
    fs.create_dir(directory, recursive=True)
    final = f"{directory}/{shard_name(shard)}"
    tmp = f"{directory}/.{shard_name(shard)}.{uuid.uuid4().hex}.tmp"
    try:
        # byte-stream-split floats compress ~20 % better at about the same speed
        pq.write_table(table, tmp, filesystem=fs, compression=compression,
                       use_dictionary=False, write_statistics=["index"],
                       use_byte_stream_split=[c for c in table.column_names
                                              if c not in ("index", "checks")])
        fs.move(tmp, final)
    except BaseException:
        if fs.get_file_info(tmp).type != pafs.FileType.NotFound:
            fs.delete_file(tmp)
        raise


def remove_stale_temporaries(fs: pafs.FileSystem, directory: str) -> None:
    """Delete temporary shard files a killed run left behind."""
    for info in _listing(fs, directory):
        if info.base_name.startswith(".shard-") and info.base_name.endswith(".tmp"):
            fs.delete_file(info.path)


def _listing(fs: pafs.FileSystem, directory: str) -> list[pafs.FileInfo]:
    if fs.get_file_info(directory).type != pafs.FileType.Directory:
        return []
    return fs.get_file_info(pafs.FileSelector(directory))


def list_shards(fs: pafs.FileSystem, directory: str) -> list[str]:
    """Paths of the complete shard files in ``directory`` (none if it does not exist)."""
    return sorted(i.path for i in _listing(fs, directory)
                  if i.base_name.startswith("shard-") and i.base_name.endswith(".parquet"))


def read_shard_metadata(fs: pafs.FileSystem, path: str) -> tuple[dict[str, Any], dict[str, int]]:
    """(dataset metadata, shard row range) of one shard; DatasetFormatError if foreign/corrupt."""
    try:
        with fs.open_input_file(path) as f:
            schema = pq.read_schema(f)
    except (OSError, pa.ArrowException) as exc:
        raise DatasetFormatError(f"{path} is not a readable Parquet file ({exc})") from exc
    meta = schema.metadata or {}
    if META_KEY not in meta or SHARD_KEY not in meta:
        raise DatasetFormatError(f"{path} is a Parquet file without levyfast metadata: not a "
                                 "levyfast surface dataset")
    try:
        info = json.loads(meta[META_KEY])
        shard = json.loads(meta[SHARD_KEY])
    except ValueError as exc:
        raise DatasetFormatError(f"{path} has corrupt levyfast metadata ({exc})") from exc
    if info.get("format") != FORMAT or info.get("format_version") != FORMAT_VERSION:
        raise DatasetFormatError(f"{path} has format {info.get('format')!r} version "
                                 f"{info.get('format_version')!r}; this levyfast reads {FORMAT!r} "
                                 f"version {FORMAT_VERSION}")
    return info, shard


@dataclass(frozen=True)
class _Manifest:
    fs: pafs.FileSystem
    metadata: dict[str, Any]
    shards: list[tuple[str, dict[str, int]]]  # (path, {"shard", "row_start", "row_stop"})


def _open_dataset(path: str) -> _Manifest:
    fs, inner = open_filesystem(path)
    kind = fs.get_file_info(inner).type
    if kind == pafs.FileType.File:
        files = [inner]
    elif kind == pafs.FileType.Directory:
        files = list_shards(fs, inner)
        if not files:
            raise DatasetFormatError(f"{path} holds no shard-*.parquet files")
    else:
        raise FileNotFoundError(f"no dataset at {path}")
    metadata: dict[str, Any] | None = None
    shards = []
    for f in files:
        info, shard = read_shard_metadata(fs, f)
        if metadata is None:
            metadata = info
        elif info != metadata:
            raise DatasetFormatError(f"{f} describes a different dataset than {files[0]}")
        shards.append((f, shard))
    assert metadata is not None
    if kind == pafs.FileType.Directory:
        have = {s["shard"] for _, s in shards}
        missing = sorted(set(range(int(metadata["n_shards"]))) - have)
        if missing:
            raise DatasetFormatError(
                f"{path} is incomplete: shards {missing[:10]}{'...' if len(missing) > 10 else ''} "
                f"of {metadata['n_shards']} are missing (re-run the same generate command to "
                "resume)"
            )
    return _Manifest(fs, metadata, shards)


def _model_class(metadata: Mapping[str, Any], model_cls: type[LevyModel] | None) -> type[LevyModel]:
    from ..models import BUILTIN

    spec = metadata["model"]
    if model_cls is None:
        found = [c for c in BUILTIN if c.__name__ == spec["name"]]
        if not found or not spec["builtin"]:
            raise ValueError(f"the dataset's model {spec['name']!r} is not built in: pass its "
                             "class as `model_cls`")
        model_cls = found[0]
    if list(model_cls.PARAM_NAMES) != spec["param_names"] or model_cls.__name__ != spec["name"]:
        raise ValueError(f"`model_cls` {model_cls.__name__}{model_cls.PARAM_NAMES} does not match "
                         f"the dataset's model {spec['name']}{tuple(spec['param_names'])}")
    if is_builtin(model_cls) != bool(spec["builtin"]):
        raise ValueError(f"`model_cls` {model_cls.__name__} does not match the dataset's model")
    return model_cls


def table_to_dataset(
    table: pa.Table, metadata: Mapping[str, Any], model_cls: type[LevyModel]
) -> SurfaceDataset:
    """Columns of a shard (or of several concatenated) as a :class:`SurfaceDataset`."""
    grid = metadata["grid"]
    n_t, n_k = len(grid["maturities"]), len(grid["strikes"])

    def col(name: str) -> NDArray[Any]:
        return table.column(name).to_numpy()

    def surfaces(name: str) -> NDArray[np.float64] | None:
        if name not in table.column_names:
            return None
        values = pa.concat_arrays(
            [c.flatten() for c in table.column(name).chunks]
        ) if table.num_rows else pa.array([], pa.float64())
        return values.to_numpy(zero_copy_only=False).reshape(table.num_rows, n_t, n_k)

    params = np.column_stack([col(n) for n in model_cls.PARAM_NAMES]) if table.num_rows else \
        np.empty((0, len(model_cls.PARAM_NAMES)))
    prices = surfaces("price")
    if prices is None:
        raise DatasetFormatError("dataset has no `price` column")
    return SurfaceDataset(
        model_cls=model_cls,
        params=np.ascontiguousarray(params, dtype=np.float64),
        rates=col("rate"),
        dividends=col("dividend"),
        strikes=np.asarray(grid["strikes"], dtype=np.float64),
        maturities=np.asarray(grid["maturities"], dtype=np.float64),
        prices=prices,
        ivs=surfaces("iv"),
        metadata=metadata,
        index=col("index"),
        noisy_prices=surfaces("price_noisy"),
        check_flags=col("checks"),
    )


def verify(path: str) -> list[tuple[str, str]]:
    """Check every shard of the dataset at ``path`` against its recorded content digest, and
    the dataset for completeness; returns ``(file, problem)`` pairs (empty: intact).

    Unlike :func:`load`, which stops at the first problem, this reads every shard and reports
    them all (``levyfast verify DIR``). Raises FileNotFoundError if nothing is at ``path``."""
    fs, inner = open_filesystem(path)
    kind = fs.get_file_info(inner).type
    if kind == pafs.FileType.NotFound:
        raise FileNotFoundError(f"no dataset at {path}")
    files = [inner] if kind == pafs.FileType.File else list_shards(fs, inner)
    if not files:
        return [(path, "holds no shard-*.parquet files")]
    problems: list[tuple[str, str]] = []
    try:
        _open_dataset(path)  # metadata of every shard, consistency, completeness
    except DatasetFormatError as exc:
        problems.append((path, str(exc)))
    for f in files:
        try:
            read_verified_shard(fs, f)
        except DatasetFormatError as exc:
            problems.append((f, str(exc)))
    return problems


def load(
    path: str, *, split: str | None = None, model_cls: type[LevyModel] | None = None
) -> SurfaceDataset:
    """Read a whole dataset (or one split of it) into memory, rows in global order.

    ``model_cls`` is needed only for user-defined models. Raises
    :class:`DatasetFormatError` for a foreign, corrupt or incomplete dataset.
    """
    chunks = list(iter_chunks(path, 1 << 62, split=split, model_cls=model_cls))
    if len(chunks) == 1:
        return chunks[0]
    first = chunks[0]

    def cat(name: str) -> NDArray[Any] | None:
        parts = [getattr(c, name) for c in chunks]
        return None if parts[0] is None else np.concatenate(parts)

    return SurfaceDataset(
        first.model_cls, cat("params"), cat("rates"), cat("dividends"), first.strikes,  # type: ignore[arg-type]
        first.maturities, cat("prices"), cat("ivs"), first.metadata, cat("index"),  # type: ignore[arg-type]
        cat("noisy_prices"), cat("check_flags"),
    )


def iter_chunks(
    path: str,
    chunk_size: int,
    *,
    split: str | None = None,
    model_cls: type[LevyModel] | None = None,
) -> Iterator[SurfaceDataset]:
    """Yield the dataset in chunks of at most ``chunk_size`` rows, in global row order, reading
    one verified shard at a time (memory bounded by the shard size and ``chunk_size``).

    Feeds ``tf.data`` without loading everything::

        tf.data.Dataset.from_generator(
            lambda: ((c.params, c.prices) for c in iter_chunks(path, 4096)), ...)
    """
    if (isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer))
            or chunk_size < 1):
        raise ValueError(f"`chunk_size` of iter_chunks must be a positive integer; "
                         f"got {chunk_size!r}")
    if split is not None:
        _split_code(split)
    manifest = _open_dataset(path)
    cls = _model_class(manifest.metadata, model_cls)
    seed = int(manifest.metadata["seed"])
    pending: list[pa.Table] = []
    n_pending = 0
    yielded = False
    for f, _ in sorted(manifest.shards, key=lambda s: s[1]["row_start"]):
        # A whole shard at a time, verified before any of its rows is used.
        table = read_verified_shard(manifest.fs, f)
        if split is not None:
            codes = split_of(table.column("index").to_numpy(), seed)
            table = table.filter(pa.array(codes == _split_code(split)))
        pending.append(table)
        n_pending += table.num_rows
        while n_pending >= chunk_size:
            whole = pa.concat_tables(pending)
            yield table_to_dataset(whole.slice(0, chunk_size), manifest.metadata, cls)
            yielded = True
            rest = whole.slice(chunk_size)
            pending, n_pending = [rest], rest.num_rows
    if n_pending or not yielded:
        yield table_to_dataset(pa.concat_tables(pending), manifest.metadata, cls)
