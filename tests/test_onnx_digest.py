"""Content digests of ONNX calibrators: written at export, checked by Calibrator at load.

A flipped byte in the weights (or in the graph, or in the metadata) of a calibrator must raise
a one-line ValueError naming the file instead of loading and predicting other parameters.
Needs only onnxruntime: the files are read and edited on the protobuf wire format.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

import levyfast as lf
from levyfast import _onnx_props
from levyfast.calibrator import DIGEST_KEY, digest_matches, stamp_digest, with_metadata

ort = pytest.importorskip("onnxruntime")

MARKET = lf.Market(100.0, 0.03, 0.01)
NAMES = ("vg", "nig", "cgmy")


def _shipped(name: str) -> Path:
    return Path(str(resources.files("levyfast") / "pretrained" / f"{name}.onnx"))


def _stamped(name: str) -> bytes:
    """The shipped file with its digest (its own bytes: the shipped files are stamped)."""
    return stamp_digest(_shipped(name).read_bytes())


def _without_digest(blob: bytes) -> bytes:
    """The file as exported before digests existed: every record but the digest entry."""
    keep = [r for r in _onnx_props.records(blob)
            if not (r.field == 14 and _onnx_props._entry(blob, r)[0] == DIGEST_KEY)]
    return b"".join(blob[r.start:r.end] for r in keep)


def _weight_bytes(blob: bytes) -> list[tuple[int, int]]:
    """(start, end) of the raw data of every initializer (ModelProto.graph = 7,
    GraphProto.initializer = 5, TensorProto.raw_data = 9)."""
    graph = next(r for r in _onnx_props.records(blob) if r.field == 7)
    spans = []
    for init in _onnx_props.records(blob, graph.data, graph.end):
        if init.field == 5:
            spans += [(r.data, r.end) for r in _onnx_props.records(blob, init.data, init.end)
                      if r.field == 9]
    return spans


def _surface(cal: lf.Calibrator) -> np.ndarray:
    mid = [(cal.bounds[p][0] + cal.bounds[p][1]) / 2 if p in cal.bounds
           else cal.fixed_params[p] for p in cal.param_names]
    return lf.price(cal.family(*mid), MARKET, cal.strikes * MARKET.spot, cal.maturities)


@pytest.mark.parametrize("name", NAMES)
def test_shipped_calibrators_carry_a_valid_digest(name: str) -> None:
    blob = _shipped(name).read_bytes()
    assert digest_matches(blob) is True
    assert _onnx_props.stored_digests(blob)[0].startswith("blake2b-256:")
    # the stamp is canonical: stamping the unstamped file gives the shipped bytes back
    assert stamp_digest(_without_digest(blob)) == blob
    assert stamp_digest(blob) == blob


@pytest.mark.parametrize("name", ["vg", "cgmy"])
def test_flipped_weight_bytes_raise(name: str, tmp_path: Path) -> None:
    blob = _stamped(name)
    start, end = max(_weight_bytes(blob), key=lambda s: s[1] - s[0])
    bad = bytearray(blob)
    for at in range(start + 2, min(end, start + 64), 4):  # high mantissa bits of 16 floats
        bad[at] ^= 0x40
    # ONNX Runtime alone would run it and answer differently: the digest is what catches it
    cal = lf.Calibrator.load(name)
    surface = _surface(cal)
    x = (surface / MARKET.spot)[None]
    mkt = np.array([[MARKET.rate, MARKET.dividend]])
    good_out = ort.InferenceSession(blob).run(None, {"prices": x, "market": mkt})[0]
    bad_out = ort.InferenceSession(bytes(bad)).run(None, {"prices": x, "market": mkt})[0]
    assert not np.array_equal(good_out, bad_out)
    path = tmp_path / f"{name}.onnx"
    path.write_bytes(bytes(bad))
    with pytest.raises(ValueError, match=r"corrupt or was modified after export") as info:
        lf.Calibrator.load(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
    np.testing.assert_array_equal(cal.predict(surface, MARKET),
                                  lf.Calibrator.load(_shipped(name)).predict(surface, MARKET))


def test_flipped_metadata_and_graph_bytes_raise(tmp_path: Path) -> None:
    blob = _stamped("vg")
    path = tmp_path / "vg.onnx"
    # a strike of the grid (metadata): 0.84 -> 0.85 would mis-grid every quote of a fit
    at = blob.index(b"0.84")
    path.write_bytes(blob[:at] + b"0.85" + blob[at + 4:])
    with pytest.raises(ValueError, match="corrupt or was modified"):
        lf.Calibrator.load(path)
    # a node of the graph (not an initializer): Sigmoid -> Sigmoie fails in ONNX Runtime or
    # in the digest, never silently
    at = blob.index(b"Sigmoid")
    path.write_bytes(blob[:at] + b"Sigmoie" + blob[at + 7:])
    with pytest.raises(ValueError, match="cannot load|corrupt"):
        lf.Calibrator.load(path)


def test_file_without_digest_loads_with_a_warning(tmp_path: Path, caplog) -> None:
    path = tmp_path / "old.onnx"
    path.write_bytes(_without_digest(_stamped("nig")))
    with caplog.at_level(logging.WARNING, logger="levyfast.calibrator"):
        cal = lf.Calibrator.load(path)
    assert DIGEST_KEY not in cal.metadata
    assert any("cannot be checked for corruption" in r.getMessage() and str(path) in
               r.getMessage() for r in caplog.records)
    surface = _surface(cal)
    np.testing.assert_array_equal(cal.predict(surface, MARKET),
                                  lf.Calibrator.load("nig").predict(surface, MARKET))


def test_digest_does_not_depend_on_where_its_entry_sits(tmp_path: Path) -> None:
    blob = _stamped("vg")
    recs = _onnx_props.records(blob)
    digest = [r for r in recs if _onnx_props._key(blob, r) == DIGEST_KEY]
    others = [r for r in recs if r not in digest]
    moved = b"".join(blob[r.start:r.end] for r in digest + others)  # digest entry first
    assert moved != blob and digest_matches(moved) is True
    path = tmp_path / "moved.onnx"
    path.write_bytes(moved)
    lf.Calibrator.load(path)
    # two digest entries are refused
    twice = blob + blob[digest[0].start:digest[0].end]
    assert digest_matches(twice) is False


def test_with_metadata_replaces_entries_and_restamps() -> None:
    blob = _stamped("vg")
    edited = with_metadata(blob, {"levyfast_version": "9.9.9", "note": "héllo"})
    assert digest_matches(edited) is True
    sess = ort.InferenceSession(edited)
    meta = sess.get_modelmeta().custom_metadata_map
    assert meta["levyfast_version"] == "9.9.9" and meta["note"] == "héllo"
    keys = [_onnx_props._key(edited, r) for r in _onnx_props.records(edited)]
    assert keys.count("levyfast_version") == 1 and keys.count(DIGEST_KEY) == 1
    with pytest.raises(ValueError, match="must not set 'digest'"):
        with_metadata(blob, {DIGEST_KEY: "x"})


def test_malformed_protobuf_is_a_value_error(tmp_path: Path) -> None:
    blob = _stamped("vg")
    for bad in (blob[:-3], b"\xff" * 12, b"\x0b\x00"):  # truncated, overlong varint, group
        with pytest.raises(ValueError):
            _onnx_props.records(bad)
    assert _onnx_props.records(b"") == []


def test_export_module_does_not_import_tensorflow() -> None:
    code = ("import sys, levyfast_train.export; print(sorted(m for m in sys.modules if "
            "m.split('.')[0] in ('tensorflow', 'tf_keras', 'tf2onnx', 'onnx')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_export_maintenance_functions_without_tensorflow(tmp_path: Path) -> None:
    """levyfast_train.export imports TensorFlow only where it converts a network: its stamping and
    metadata functions work with the light install."""
    from levyfast_train import export
    blob = _stamped("vg")
    path = tmp_path / "vg.onnx"
    path.write_bytes(_without_digest(blob))
    export.stamp(path)
    assert path.read_bytes() == blob
    export.set_metadata(path, {"note": "re-stamped"})
    assert lf.Calibrator.load(path).metadata["note"] == "re-stamped"
    # a corrupt file is not certified by a new stamp unless forced
    bad = bytearray(path.read_bytes())
    start, end = _weight_bytes(bytes(bad))[0]
    bad[start] ^= 0x01
    path.write_bytes(bytes(bad))
    for edit in (lambda: export.stamp(path), lambda: export.set_metadata(path, {"a": "b"})):
        with pytest.raises(ValueError, match="does not match its stored digest"):
            edit()
    export.stamp(path, force=True)
    assert digest_matches(path.read_bytes()) is True


def test_price_range_of_a_family() -> None:
    from levyfast_train import export
    from levyfast_train.families import FAMILIES

    fam = FAMILIES["vg"]
    rng = export.price_range(fam, fam.strikes, fam.maturities, n=64)
    assert rng.shape == (2, len(fam.maturities), len(fam.strikes))
    assert np.all(rng[0] >= 0.0) and np.all(rng[0] <= rng[1])
    inside = lf.price(lf.VarianceGamma(0.2, 0.3, -0.1), lf.Market(1.0, 0.03, 0.01),
                      fam.strikes, fam.maturities)
    assert np.all((inside >= rng[0] - 1e-9) & (inside <= rng[1] + 1e-9))
    # the shipped VG file records the range of the same design (n=4096, seed 0)
    shipped = np.array(json.loads(lf.Calibrator.load("vg").metadata["price_range"]))
    assert shipped.shape == rng.shape
    # ... up to the pricing accuracy: the file was priced by an earlier build, whose prices
    # differ from this one's within the default tolerance (1e-7 of spot; measured 1.6e-8 since
    # auto may price a surface by its share-measure dual or per-maturity exponent grids).
    assert np.all(shipped[0] <= rng[0] + 1e-7) and np.all(shipped[1] >= rng[1] - 1e-7)


def test_copy_of_shipped_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "cgmy.onnx"
    shutil.copy(_shipped("cgmy"), path)
    assert lf.Calibrator.load(path).family is lf.CGMY
