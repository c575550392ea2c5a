"""levyfast.data storage: Parquet round trip, determinism across shards, resume, bad files,
splits, chunked reading; noise transforms."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import levyfast as lf
from levyfast.data import (
    DatasetFormatError,
    generate_surfaces,
    iter_chunks,
    load,
    noise,
    split_of,
    write_surfaces,
)

SMALL = dict(store=("price",), maturities=[0.25, 1.0], strikes=[0.9, 1.0, 1.1])


def _same(a, b) -> None:  # type: ignore[no-untyped-def]
    for name in ("params", "rates", "dividends", "prices", "index", "check_flags"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for name in ("ivs", "noisy_prices"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None)
        if x is not None:
            np.testing.assert_array_equal(x, y, err_msg=name)


def test_round_trip_and_determinism_across_shards(tmp_path: Path) -> None:
    pipe = noise.Compose((noise.GaussianNoise(1e-4), noise.MissingQuotes(0.1)))
    mem = generate_surfaces(lf.VarianceGamma, 500, seed=9, noise=pipe, **SMALL)
    a = generate_surfaces(lf.VarianceGamma, 500, seed=9, noise=pipe, out=str(tmp_path / "a"),
                          shard_size=128, workers=2, **SMALL)
    b = generate_surfaces(lf.VarianceGamma, 500, seed=9, noise=pipe, out=str(tmp_path / "b"),
                          shard_size=500, workers=1, **SMALL)
    _same(mem, a)
    _same(mem, b)
    assert len(list((tmp_path / "a").glob("shard-*.parquet"))) == 4
    meta = a.metadata
    assert meta["model"]["param_names"] == ["sigma", "nu", "theta"]
    assert meta["model"]["model_id"] == lf.VarianceGamma.MODEL_ID
    assert meta["seed"] == 9 and meta["levyfast_version"] == lf.__version__
    assert meta["grid"]["strikes"] == [0.9, 1.0, 1.1]
    assert meta["pricer"]["tolerance"] == 1e-7
    assert meta["param_box"]["nu"] == [0.05, 1.0]
    assert "GaussianNoise" in meta["noise"]
    # the noisy column really is noisy, and has the missing quotes
    assert np.isnan(a.noisy_prices).mean() == pytest.approx(0.1, abs=0.03)
    other = generate_surfaces(lf.VarianceGamma, 500, seed=10, **SMALL)
    assert not np.array_equal(other.params, a.params)


def test_resume_after_interruption(tmp_path: Path) -> None:
    out = str(tmp_path / "run")
    seen: list[int] = []

    def die_after_two_shards(done: int, total: int) -> None:
        seen.append(done)
        if done >= 200:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_surfaces(lf.NIG, 450, out, seed=1, shard_size=100, workers=1,
                       progress=die_after_two_shards, **SMALL)
    assert sorted(p.name for p in (tmp_path / "run").glob("shard-*")) == [
        "shard-00000.parquet", "shard-00001.parquet"]
    with pytest.raises(DatasetFormatError, match="incomplete"):
        load(out)
    (tmp_path / "run" / ".shard-00002.parquet.deadbeef.tmp").write_bytes(b"half a shard")
    report = write_surfaces(lf.NIG, 450, out, seed=1, shard_size=100, **SMALL)
    assert (report.shards_skipped, report.shards_written, report.n) == (2, 3, 450)
    assert report.n_failed == 0 and report.check_counts["convex"] == 0
    assert not list((tmp_path / "run").glob(".*tmp"))
    resumed = load(out)
    np.testing.assert_array_equal(resumed.index, np.arange(450))
    _same(resumed, generate_surfaces(lf.NIG, 450, seed=1, **SMALL))
    # a finished run is a no-op
    again = write_surfaces(lf.NIG, 450, out, seed=1, shard_size=100, **SMALL)
    assert again.shards_written == 0 and again.shards_skipped == 5


def test_refuses_to_mix_datasets(tmp_path: Path) -> None:
    out = str(tmp_path / "d")
    write_surfaces(lf.NIG, 50, out, seed=1, **SMALL)
    with pytest.raises(ValueError, match="different dataset.*seed"):
        write_surfaces(lf.NIG, 50, out, seed=2, **SMALL)


def test_foreign_and_corrupt_files(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.parquet"
    pq.write_table(pa.table({"x": [1.0, 2.0]}), foreign)
    with pytest.raises(DatasetFormatError, match="without levyfast metadata"):
        load(str(foreign))
    out = tmp_path / "d"
    write_surfaces(lf.VarianceGamma, 40, str(out), seed=1, shard_size=20, **SMALL)
    shard = out / "shard-00001.parquet"
    data = shard.read_bytes()
    shard.write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetFormatError, match="shard-00001"):
        load(str(out))
    (out / "shard-00001.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(DatasetFormatError, match="not a readable Parquet"):
        load(str(out))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DatasetFormatError, match="no shard"):
        load(str(empty))
    with pytest.raises(FileNotFoundError):
        load(str(tmp_path / "nowhere"))
    # a shard whose metadata was tampered with
    good = tmp_path / "g"
    write_surfaces(lf.VarianceGamma, 10, str(good), **SMALL)
    table = pq.read_table(good / "shard-00000.parquet")
    meta = dict(table.schema.metadata)
    info = json.loads(meta[b"levyfast"])
    info["format_version"] = 99
    meta[b"levyfast"] = json.dumps(info).encode()
    pq.write_table(table.replace_schema_metadata(meta), good / "shard-00000.parquet")
    with pytest.raises(DatasetFormatError, match="version 99"):
        load(str(good))


def _corrupt_decodably(shard: Path) -> None:
    """Flip one byte of the shard such that Parquet still decodes it but some value changed
    (the silent kind of corruption: a checksum-less reader returns different numbers)."""
    data = bytes(shard.read_bytes())
    before = pq.read_table(shard)
    for at in range(len(data) // 4, len(data) // 2):
        trial = bytearray(data)
        trial[at] ^= 0x04
        shard.write_bytes(bytes(trial))
        try:
            after = pq.read_table(shard)
        except Exception:  # noqa: BLE001 - this byte broke the decoding: try another
            continue
        if not after.equals(before):
            return
    raise AssertionError("no decodable single-byte corruption found")


@pytest.mark.parametrize("compression", ["none", "zstd"])
def test_flipped_byte_is_detected_reported_and_recomputed(tmp_path: Path, compression: str
                                                         ) -> None:
    from levyfast.cli import main

    out = tmp_path / "d"
    kwargs = dict(seed=3, shard_size=20, compression=compression, **SMALL)
    original = write_surfaces(lf.VarianceGamma, 40, str(out), **kwargs)
    original = load(str(out))
    shard = out / "shard-00001.parquet"
    _corrupt_decodably(shard)
    with pytest.raises(DatasetFormatError, match=r"shard-00001\.parquet"):
        load(str(out))
    with pytest.raises(DatasetFormatError, match="shard-00001"):
        list(iter_chunks(str(out), 7))
    problems = lf.data.verify(str(out))
    assert [Path(f).name for f, _ in problems] == ["shard-00001.parquet"], problems
    assert main(["verify", str(out)]) == 1
    assert main(["inspect", str(out)]) == 2  # a one-line message, not a traceback
    # re-running the same command recomputes the corrupt shard instead of keeping it
    write_surfaces(lf.VarianceGamma, 40, str(out), **kwargs)
    _same(load(str(out)), original)
    assert main(["verify", str(out)]) == 0


def test_shard_without_digest_is_not_trusted(tmp_path: Path) -> None:
    out = tmp_path / "d"
    write_surfaces(lf.VarianceGamma, 10, str(out), **SMALL)
    path = out / "shard-00000.parquet"
    table = pq.read_table(path)
    meta = {k: v for k, v in table.schema.metadata.items() if k != b"levyfast.digest"}
    pq.write_table(table.replace_schema_metadata(meta), path)
    with pytest.raises(DatasetFormatError, match="no content digest"):
        load(str(out))


def test_truncated_shard_is_a_one_line_error(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from levyfast.cli import main

    out = tmp_path / "d"
    write_surfaces(lf.VarianceGamma, 40, str(out), seed=1, shard_size=20, **SMALL)
    shard = out / "shard-00000.parquet"
    shard.write_bytes(shard.read_bytes()[:-100])
    assert main(["inspect", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("levyfast inspect:") and "shard-00000" in err and "\n" not in err


def test_splits_and_chunks(tmp_path: Path) -> None:
    out = str(tmp_path / "d")
    write_surfaces(lf.Merton, 1000, out, seed=3, shard_size=300, **SMALL)
    full = load(out)
    parts = {s: load(out, split=s) for s in ("train", "val", "test")}
    assert sum(len(p) for p in parts.values()) == 1000
    assert len(parts["train"]) == pytest.approx(800, abs=50)
    idx = np.concatenate([p.index for p in parts.values()])
    assert np.array_equal(np.sort(idx), np.arange(1000))
    _same(parts["val"], full.split("val"))
    codes = split_of(full.index, 3)
    assert np.array_equal(codes, split_of(full.index, 3)) and set(codes) == {0, 1, 2}
    chunks = list(iter_chunks(out, 256))
    assert [len(c) for c in chunks] == [256, 256, 256, 232]
    np.testing.assert_array_equal(np.concatenate([c.prices for c in chunks]), full.prices)
    test_chunks = list(iter_chunks(out, 64, split="test"))
    np.testing.assert_array_equal(np.concatenate([c.index for c in test_chunks]),
                                  parts["test"].index)
    with pytest.raises(ValueError, match="`chunk_size` of iter_chunks"):
        next(iter_chunks(out, 0))
    with pytest.raises(ValueError, match="`split`"):
        load(out, split="holdout")


def test_user_model_needs_class_to_load(tmp_path: Path) -> None:
    class MyVG(lf.VarianceGamma):
        __slots__ = ()

    def pricer(params, rates, dividends, strikes, maturities):  # type: ignore[no-untyped-def]
        return lf.price_batch(lf.VarianceGamma, params, lf.Market(1.0, 0.0), strikes,
                              maturities, rates=rates, dividends=dividends)

    box = {"sigma": (0.1, 0.3), "nu": (0.1, 0.5), "theta": (-0.3, 0.0)}
    out = str(tmp_path / "u")
    write_surfaces(MyVG, 20, out, param_box=box, pricer=pricer, **SMALL)
    with pytest.raises(ValueError, match="pass its class as `model_cls`"):
        load(out)
    with pytest.raises(ValueError, match="does not match"):
        load(out, model_cls=lf.NIG)
    assert load(out, model_cls=MyVG).model_cls is MyVG


# -- noise ----------------------------------------------------------------------------------

def _grid(n: int = 4000):  # type: ignore[no-untyped-def]
    prices = np.full((n, 2, 3), 0.05)
    log_m = np.broadcast_to(np.log([0.9, 1.0, 1.1]), prices.shape)
    return prices, log_m, np.array([0.1, 1.0])


def test_noise_statistics_and_determinism() -> None:
    prices, log_m, t = _grid()
    g = noise.GaussianNoise(1e-3)
    x = g(prices, np.random.default_rng(1), log_moneyness=log_m, maturities=t)
    assert np.std(x - prices) == pytest.approx(1e-3, rel=0.05)
    assert np.abs(np.mean(x - prices)) < 1e-4
    np.testing.assert_array_equal(
        x, g(prices, np.random.default_rng(1), log_moneyness=log_m, maturities=t))
    rel = noise.GaussianNoise(0.1, relative=True)(prices, np.random.default_rng(2),
                                                  log_moneyness=log_m, maturities=t)
    assert np.std(rel / prices - 1) == pytest.approx(0.1, rel=0.05)
    ba = noise.BidAskNoise(rel_spread=0.02, otm=5.0, short=0.1)
    y = ba(prices, np.random.default_rng(3), log_moneyness=log_m, maturities=t)
    spread = ba.spread(prices, log_m, t)
    assert np.all(np.abs(y - prices) <= spread / 2)
    assert spread[0, 0, 0] > spread[0, 0, 1] and spread[0, 0, 1] > spread[0, 1, 1]
    out = noise.Outliers(probability=0.05, scale=0.5)(prices, np.random.default_rng(4),
                                                      log_moneyness=log_m, maturities=t)
    assert np.mean(out != prices) == pytest.approx(0.05, abs=0.01)
    miss = noise.MissingQuotes(0.2)(prices, np.random.default_rng(5), log_moneyness=log_m,
                                    maturities=t)
    assert np.isnan(miss).mean() == pytest.approx(0.2, abs=0.02)


def test_indexed_noise_independent_of_split() -> None:
    prices, log_m, t = _grid(100)
    pipe = noise.parse_noise("gaussian:1e-3,bidask:0.02,outliers:0.05,missing:0.1")
    assert pipe.n_draws == 5
    whole = noise.apply_indexed(pipe, prices, 7, 0, log_m, t)
    parts = np.concatenate([noise.apply_indexed(pipe, prices[:37], 7, 0, log_m[:37], t),
                            noise.apply_indexed(pipe, prices[37:], 7, 37, log_m[37:], t)])
    np.testing.assert_array_equal(whole, parts)
    assert not np.array_equal(whole, noise.apply_indexed(pipe, prices, 8, 0, log_m, t),
                              equal_nan=True)


def test_noise_invalid_input() -> None:
    with pytest.raises(ValueError, match="`scale` of GaussianNoise"):
        noise.GaussianNoise(-1.0)
    with pytest.raises(ValueError, match="`probability` of MissingQuotes"):
        noise.MissingQuotes(1.5)
    with pytest.raises(ValueError, match="unknown transform 'jitter'"):
        noise.parse_noise("jitter:0.1")
    with pytest.raises(ValueError, match="needs a number"):
        noise.parse_noise("gaussian:abc")
    with pytest.raises(TypeError, match="`transforms` of Compose"):
        noise.Compose((1.0,))  # type: ignore[arg-type]


def test_fsspec_filesystem_round_trip() -> None:
    fsspec = pytest.importorskip("fsspec")
    out = "memory://levyfast-test/vg"
    try:
        report = write_surfaces(lf.VarianceGamma, 60, out, seed=2, shard_size=25, **SMALL)
        assert report.shards_written == 3
        assert sorted(fsspec.filesystem("memory").ls("/levyfast-test/vg", detail=False)) == [
            f"/levyfast-test/vg/shard-0000{i}.parquet" for i in range(3)]
        _same(load(out), generate_surfaces(lf.VarianceGamma, 60, seed=2, **SMALL))
        again = write_surfaces(lf.VarianceGamma, 60, out, seed=2, shard_size=25, **SMALL)
        assert again.shards_skipped == 3
    finally:
        fsspec.filesystem("memory").rm("/levyfast-test", recursive=True)


def test_noise_on_loaded_splits_matches_stored_column(tmp_path: Path) -> None:
    pipe = noise.parse_noise("relgaussian:0.01,missing:0.1")
    out = str(tmp_path / "d")
    write_surfaces(lf.Kou, 400, out, seed=5, noise=pipe, shard_size=150, **SMALL)
    full = load(out)
    again = noise.apply_to_dataset(pipe, full, seed=5)
    np.testing.assert_array_equal(again, full.noisy_prices)  # same seed, same stream
    val = load(out, split="val")
    np.testing.assert_array_equal(noise.apply_to_dataset(pipe, val, seed=5),
                                  full.noisy_prices[val.index])
    fresh = noise.apply_to_dataset(pipe, val, seed=99)
    assert not np.array_equal(fresh, full.noisy_prices[val.index], equal_nan=True)
