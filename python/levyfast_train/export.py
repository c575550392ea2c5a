"""ONNX export of a trained network with self-describing metadata, verified against TF.

A single ``mlp`` network is written as the compact hand-built graph of
:mod:`levyfast_train.compact` (~25 nodes, standardisation folded into the first layer: the fast
path of ``Calibrator.predict``); other architectures and ensembles go through tf2onnx. The
graph has inputs ``prices`` (float64 ``[n, n_T, n_K]``, call price / spot, NaN = missing)
and ``market`` (float64 ``[n, 2]``: rate, dividend) and output ``params`` (float32 ``[n, k]``,
``PARAM_NAMES`` order). ``metadata_props`` carry everything :class:`levyfast.Calibrator` checks
(format, family, parameter names, bounds, fixed parameters, grid, input kind, missing-quote
policy, market range, the training price range, training metrics and configuration,
levyfast version) and a content digest (:func:`levyfast.calibrator.stamp_digest`) that
the Calibrator checks at load.

TensorFlow, tf2onnx and onnx are imported by the functions that need them, so the
maintenance functions (:func:`stamp`, :func:`set_metadata`, :func:`add_price_range`) and
:func:`price_range` work with the light install (levyfast + onnxruntime).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

import levyfast
from levyfast.calibrator import digest_matches, stamp_digest, with_metadata

from .families import DIVIDEND_RANGE, FAMILIES, RATE_RANGE, Family

if TYPE_CHECKING:
    import onnx
    import tf_keras as keras

    from .train import TrainConfig

__all__ = ["FORMAT", "to_onnx", "metadata", "price_range", "verify", "save_atomic", "export",
           "stamp", "set_metadata", "add_price_range"]

FORMAT = "levyfast-neural-calibrator/1"
OPSET = 17
#: A surface with more missing quotes than this is rejected by the Calibrator.
MAX_MISSING = 0.5


def to_onnx(model: keras.Model, n_t: int, n_k: int) -> onnx.ModelProto:
    """Convert ``model`` with a dynamic batch dimension (tf2onnx)."""
    import tensorflow as tf
    import tf2onnx

    spec = (tf.TensorSpec((None, n_t, n_k), tf.float64, name="prices"),
            tf.TensorSpec((None, 2), tf.float64, name="market"))

    @tf.function(input_signature=spec)
    def graph(prices, market):
        return {"params": model([prices, market], training=False)}

    proto, _ = tf2onnx.convert.from_function(graph, input_signature=spec, opset=OPSET)
    return proto


def metadata(config: TrainConfig, metrics: dict[str, Any]) -> dict[str, str]:
    """The ``metadata_props`` of a calibrator trained with ``config`` (all but the digest)."""
    spec = config.spec
    cls = spec.model_cls
    strikes, maturities = np.array(config.strikes), np.array(config.maturities)
    return {
        "format": FORMAT,
        "family": cls.__name__,
        "model_id": str(cls.MODEL_ID),
        "param_names": json.dumps(list(cls.PARAM_NAMES)),
        "free_params": json.dumps(list(spec.free_names)),
        "fixed_params": json.dumps(spec.fixed),
        "bounds": json.dumps({n: [spec.low[n], spec.high[n]] for n in spec.free_names}),
        "strikes": json.dumps(list(config.strikes)),
        "maturities": json.dumps(list(config.maturities)),
        "input_kind": "call_price_over_spot",
        "missing_policy": "nan",
        "max_missing_fraction": str(MAX_MISSING),
        "market_range": json.dumps({"rate": list(RATE_RANGE), "dividend": list(DIVIDEND_RANGE)}),
        "price_range": json.dumps(price_range(spec, strikes, maturities).tolist()),
        "training_metrics": json.dumps(metrics),
        "training_config": json.dumps(asdict(config)),
        "levyfast_version": levyfast.__version__,
    }


def verify(proto: onnx.ModelProto, model: keras.Model, prices: np.ndarray,
           market: np.ndarray, seed: int = 0) -> float:
    """Max |ORT - TF| relative to max(|param|, 1); raises unless it is float32 rounding.

    The bound is 1e-5, or 4 times the change of the TF network itself when every quote is
    perturbed by one float32 unit roundoff (2^-24, relative): a network that inverts an
    ill-conditioned pricing map (CGMY) amplifies rounding, and the folded scaling of the
    compact graph rounds differently from TF's layers.
    """
    import onnxruntime as ort

    from .train import predict

    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    got = sess.run(None, {"prices": prices, "market": market})[0]
    want = predict(model, prices, market)
    scale = np.maximum(np.abs(want), 1.0)
    err = float(np.max(np.abs(got - want) / scale))
    if err <= 1e-5:
        return err
    u = np.random.default_rng(seed).uniform(-1.0, 1.0, prices.shape)
    jittered = predict(model, prices * (1.0 + 2.0**-24 * u), market)
    rounding = float(np.max(np.abs(jittered - want) / scale))
    if not err <= 4.0 * rounding:
        raise RuntimeError(f"ONNX export differs from TensorFlow by {err:.3e} (relative to "
                           f"max(|param|, 1)); float32 rounding of the inputs moves TF by "
                           f"{rounding:.3e}, so at most {max(1e-5, 4.0 * rounding):.3e} is "
                           "expected")
    return err


def save_atomic(data: bytes, path: str | os.PathLike) -> Path:
    """Write bytes to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def export(model: keras.Model, config: TrainConfig, metrics: dict[str, Any], path,
           verify_prices: np.ndarray, verify_market: np.ndarray) -> tuple[Path, float]:
    """Convert, attach metadata, verify ORT == TF on the given batch, write atomically with
    the content digest."""
    import onnx

    from .compact import compact_mlp

    if config.arch == "mlp" and config.ensemble == 1:
        proto = compact_mlp(model, OPSET)
    else:
        proto = to_onnx(model, len(config.maturities), len(config.strikes))
    onnx.helper.set_model_props(proto, metadata(config, metrics))
    onnx.checker.check_model(proto)
    err = verify(proto, model, verify_prices, verify_market)
    return save_atomic(stamp_digest(proto.SerializeToString()), path), err


def price_range(family: Family, strikes: NDArray[np.float64], maturities: NDArray[np.float64],
                n: int = 4096, seed: int = 0) -> NDArray[np.float64]:
    """Per-quote range of the training prices, ``[2, n_T, n_K]`` (min, max of call price /
    spot): ``n`` Sobol surfaces of the family's box and market ranges (the design training
    draws from) and every corner of box x market ranges. ``Calibrator.assess`` flags quotes
    outside it (the network never saw such prices there)."""
    from .dataset import generate

    strikes, maturities = np.asarray(strikes, float), np.asarray(maturities, float)
    data = generate(family, n, seed=seed, strikes=strikes, maturities=maturities)
    lo, hi = np.nanmin(data.prices, axis=0), np.nanmax(data.prices, axis=0)
    names = family.model_cls.PARAM_NAMES
    ends = [(family.fixed[p],) if p in family.fixed else (family.low[p], family.high[p])
            for p in names]
    corners = np.array(np.meshgrid(*ends, indexing="ij")).reshape(len(names), -1).T
    for r in RATE_RANGE:
        for q in DIVIDEND_RANGE:
            surf = levyfast.price_batch(family.model_cls, corners, levyfast.Market(1.0, r, q),
                                        strikes, maturities, method=family.method,
                                        tolerance=family.tolerance)
            lo, hi = np.minimum(lo, surf.min(axis=0)), np.maximum(hi, surf.max(axis=0))
    return np.stack([np.maximum(lo, 0.0), hi])


def _read_intact(path: Path, force: bool) -> bytes:
    """The bytes of ``path``, refused when its stored digest does not match them (stamping
    them again would certify a corrupt file) unless ``force``."""
    blob = path.read_bytes()
    if digest_matches(blob) is False and not force:
        raise ValueError(f"{str(path)!r} does not match its stored digest (corrupt or edited "
                         "after export); restore or re-export it, or pass force=True")
    return blob


def stamp(path: str | os.PathLike, *, force: bool = False) -> Path:
    """Set or refresh the content digest of an existing ONNX calibrator in place (atomic
    rename); the weights, graph and other metadata are kept byte for byte. A file whose
    stored digest does not match is refused unless ``force``."""
    path = Path(path)
    return save_atomic(stamp_digest(_read_intact(path, force)), path)


def set_metadata(path: str | os.PathLike, entries: dict[str, str], *,
                 force: bool = False) -> Path:
    """Set ``metadata_props`` entries of an existing ONNX calibrator in place (atomic
    rename), refreshing its digest; refused like :func:`stamp` for a mismatching file."""
    path = Path(path)
    return save_atomic(with_metadata(_read_intact(path, force), entries), path)


def add_price_range(path: str | os.PathLike, n: int = 4096, seed: int = 0) -> Path:
    """Write the ``price_range`` entry (:func:`price_range`) into a calibrator exported
    before it existed, for its family, box and grid as recorded in its metadata."""
    cal = levyfast.Calibrator(path)
    families = [f for f in FAMILIES.values() if f.model_cls is cal.family]
    box = {p: list(b) for p, b in cal.bounds.items()}
    if not families or {p: [families[0].low[p], families[0].high[p]]
                        for p in families[0].free_names} != box:
        raise ValueError(f"{str(path)!r}: no training family of {cal.family.__name__} "
                         f"with the box {box}")
    rng = price_range(families[0], cal.strikes, cal.maturities, n=n, seed=seed)
    return set_metadata(path, {"price_range": json.dumps(rng.tolist())})
