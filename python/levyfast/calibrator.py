"""Neural calibrator: a trained network in one ONNX file, run by ONNX Runtime (DESIGN.md §9-10).

The ONNX graph maps call prices / spot on a fixed K/S0 x T grid (NaN = missing quote) and the
market's (rate, dividend) to model parameters; input scaling and the parameter box are inside
the graph. Everything the calibrator checks (family, parameter names, grid, input kind,
missing-quote policy, market range, training price range) is read from the file's
``metadata_props``, written by ``levyfast_train.export``, and the file's contents are checked
against the digest stored there (:func:`stamp_digest`). ``Calibrator.assess`` says whether an
answer can be trusted (:class:`DomainReport`). Networks and method: in the spirit of
Hernandez (2016, "Model calibration with neural networks", Risk) and Horvath, Muguruza &
Tomas (2021, Quant. Finance 21), here mapping prices directly to parameters (the inverse map).
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _onnx_props
from ._compact_graph import CompactGraph, split
from ._core import CompactFeatures, DenseNetwork
from ._core import scale_quotes as _scale_quotes
from ._estimator import ParamsRepr
from ._regrid import regrid
from ._validation import Interval, as_float64, check_array, check_scalar
from .calibration import LeastSquaresCalibrator
from .calibration.least_squares import _as_chain
from .market import Market
from .models import LevyModel, builtin_by_id
from .pricers import price

if TYPE_CHECKING:
    from .chain import OptionChain

__all__ = ["Calibrator", "NeuralFitResult", "DomainReport", "FORMAT", "DIGEST_KEY",
           "pretrained_names", "stamp_digest", "digest_matches", "with_metadata"]

#: ``format`` entry of the metadata of files this class reads.
FORMAT = "levyfast-neural-calibrator/1"
#: ``metadata_props`` entry holding the digest of the file's contents (weights, graph and
#: the other metadata; see :func:`stamp_digest`).
DIGEST_KEY = _onnx_props.DIGEST_KEY
_OWNER = "Calibrator"
#: Largest call price / spot ``predict`` accepts. A call is worth at most the spot (more only
#: by e^{-qT} <= 1 with q >= 0), so a larger quote is in other units than the spot; far larger
#: ones (~1e35) overflow the network's float32 features into NaN parameters.
MAX_PRICE_OVER_SPOT = 2.0
#: Defaults of :meth:`Calibrator.assess`: the largest re-priced RMSE relative to the quotes'
#: RMS that is trusted (as :class:`levyfast.LeastSquaresCalibrator`'s fit verdict), the box
#: edge zone (fraction of the box width), the slack of the training price range (relative,
#: the training noise reached 2%) and the absolute accuracy of a quote (fraction of spot).
MAX_RELATIVE_RMSE = 0.02
EDGE_TOLERANCE = 0.01
RANGE_TOLERANCE = 0.05
QUOTE_ATOL = 1e-6
#: COS terms per maturity the hybrid polish may use (LeastSquaresCalibrator's own default is
#: a lower speed guard for searches from far away)
_POLISH_MAX_TERMS = 1 << 16

log = logging.getLogger(__name__)

#: The native network (:class:`levyfast._core.DenseNetwork`) serves one surface only where it
#: agrees with ONNX Runtime's session of the same network on probe inputs to this fraction of
#: the outputs' scale (max(1, largest |output|)): float32 sums in another order differ by
#: ~4e-6 of it on the pretrained networks, a misread layer (order, transposition, activation)
#: by O(1). The probes are standard-normal feature vectors scaled from 1e-3 to 1: features
#: are centred, not scaled (the first layer's weights hold the scaling), so only the small
#: ones keep every sigmoid off its saturation.
_NATIVE_AGREEMENT = 1e-4
_NATIVE_PROBE_SCALES = np.geomspace(1e-3, 1.0, 16)


def _binding_runner(session: Any, io: Any) -> tuple[Any, tuple[Any, None]]:
    """``(run, args)`` with ``run(*args)`` equal to ``session.run_with_iobinding(io)``:
    the C++ method itself when this ONNX Runtime exposes it (one Python frame less, ~0.3 us
    of a ~12 us call), else the public wrapper."""
    inner, raw = getattr(session, "_sess", None), getattr(io, "_iobinding", None)
    if inner is not None and raw is not None and hasattr(inner, "run_with_iobinding"):
        return inner.run_with_iobinding, (raw, None)
    return session.run_with_iobinding, (io, None)


def _native_network(graph: CompactGraph, session: Any) -> DenseNetwork | None:
    """The compact graph's network as a :class:`DenseNetwork` (ONNX Runtime costs ~0.7 us per
    node on one input, about the arithmetic of the whole network), or None where the network
    is not a chain of dense layers or the native one does not agree with ``session`` (ONNX
    Runtime's run of the same network) on probe inputs (``_NATIVE_AGREEMENT``)."""
    if graph.layers is None:
        return None
    weights, biases, activations = zip(*graph.layers, strict=True)
    network = DenseNetwork(list(weights), list(biases), list(activations))
    rng = np.random.default_rng(0)
    probes = rng.standard_normal((_NATIVE_PROBE_SCALES.size, graph.n_features))
    probes = (probes * _NATIVE_PROBE_SCALES[:, None]).astype(np.float32)
    want = session.run(None, {session.get_inputs()[0].name: probes})[0]
    got = np.empty_like(want)
    for x, out in zip(probes, got, strict=True):
        network(x, out)
    scale = max(1.0, float(np.abs(want).max()))
    if not np.abs(got - want).max() <= _NATIVE_AGREEMENT * scale:  # False for NaN too
        log.warning("the native network disagrees with ONNX Runtime's (max difference %.3g of "
                    "outputs up to %.3g); one surface runs the ONNX Runtime session",
                    float(np.abs(got - want).max()), scale)
        return None
    return network


def pretrained_names() -> tuple[str, ...]:
    """Names of the calibrators shipped with the package (``Calibrator.load(name)``)."""
    folder = resources.files("levyfast") / "pretrained"
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".onnx")))


def stamp_digest(model: bytes) -> bytes:
    """A serialized ONNX model with its content digest (the ``DIGEST_KEY`` entry of
    ``metadata_props``) set or refreshed; ``Calibrator`` checks it at load.

    The digest is BLAKE2b-256 over every top-level field of the ``ModelProto`` (graph with
    its initializers, opsets, the other metadata entries) except the digest entry itself, in
    increasing field number; it is computed on the protobuf wire format, so neither writing
    nor checking it needs the ``onnx`` package. Other bytes of a canonically serialized model
    are kept as they are.
    """
    return _onnx_props.with_digest(bytes(model))


def digest_matches(model: bytes) -> bool | None:
    """Whether a serialized ONNX model matches its stored content digest; None when it has
    none. ``ValueError`` if its top level is not well-formed protobuf."""
    stored = _onnx_props.stored_digests(bytes(model))
    if not stored:
        return None
    return stored == [_onnx_props.content_digest(bytes(model))]


def with_metadata(model: bytes, entries: dict[str, str]) -> bytes:
    """A serialized ONNX model with ``metadata_props`` entries set (replacing those of the
    same key) and its content digest refreshed (see :func:`stamp_digest`)."""
    return _onnx_props.with_metadata(bytes(model), entries)


def _resolve(source: str | os.PathLike[str]) -> Path:
    path = Path(source)
    if path.is_file():
        return path
    if isinstance(source, str) and source in pretrained_names():
        return Path(str(resources.files("levyfast") / "pretrained" / f"{source}.onnx"))
    raise ValueError(f"`source` of {_OWNER}.load must be an ONNX file or one of the pretrained "
                     f"names {pretrained_names()}; got {source!r}")


def _check_digest(path: Path, blob: bytes) -> None:
    """Raise ``ValueError`` unless the file's contents match its stored digest; a file
    without one (written before digests existed) loads with a logged warning."""
    try:
        stored = _onnx_props.stored_digests(blob)
        actual = _onnx_props.content_digest(blob)
    except ValueError as exc:  # ORT accepted it, but the top level is not clean protobuf
        raise ValueError(f"{str(path)!r} is not a well-formed ONNX file: {exc}") from exc
    if not stored:
        log.warning("%r has no %r entry in its metadata (written before levyfast stamped "
                    "calibrators): it cannot be checked for corruption; stamp it with "
                    "levyfast_train.export.stamp(path)", str(path), DIGEST_KEY)
        return
    if len(stored) > 1 or stored[0] != actual:
        raise ValueError(f"{str(path)!r} is corrupt or was modified after export: its "
                         f"contents hash to {actual}, its metadata records "
                         f"{', '.join(stored)}; restore or re-export the file")


@dataclass(frozen=True)
class DomainReport:
    """Whether a network's answer for one surface can be trusted (:meth:`Calibrator.assess`).

    ``params`` is the network's prediction. The domain flags: ``arbitrage``, the static
    no-arbitrage checks the quotes fail (names of :data:`levyfast.data.CHECKS`, e.g.
    ``"upper_bound"``, ``"convex"``); ``outside_price_range``, how many quotes lie outside the
    per-quote price range of the training data (None when the file records none);
    ``at_box_edge``, the parameters predicted at an end of the training box (the output layer
    clamps into the box, so the answer may be a clamped value). The consistency check:
    ``rmse``, the root-mean-square difference between the quotes and the predicted model
    re-priced on the grid (fraction of spot), and ``relative_rmse``, the same divided by the
    quotes' root mean square. ``in_domain`` and ``consistent`` sum these up, ``reasons`` gives
    one line per failure, and ``trustworthy`` is True when there is none.
    """

    params: NDArray[np.float64]
    arbitrage: tuple[str, ...]
    outside_price_range: int | None
    at_box_edge: tuple[str, ...]
    rmse: float
    relative_rmse: float
    in_domain: bool
    consistent: bool
    reasons: tuple[str, ...]

    @property
    def trustworthy(self) -> bool:
        return not self.reasons

    def __str__(self) -> str:
        if self.trustworthy:
            return (f"trustworthy: re-priced RMSE {self.relative_rmse:.2%} of the quotes' "
                    "root mean square, quotes inside the training domain")
        return "not trustworthy: " + "; ".join(self.reasons)


@dataclass(frozen=True)
class NeuralFitResult:
    """Outcome of :meth:`Calibrator.fit`: re-priced RMSE of the fitted model over the quotes
    as given (fraction of spot; for a chain, the implied-vol RMSE over its out-of-the-money
    quotes, in vol units), wall time in seconds, ``status``: "network", "hybrid" (polished by
    least squares) or "network (polish failed: <why>)", and ``domain``: the
    :class:`DomainReport` of the network's answer on a surface (a warning is logged when it is
    not trustworthy; None for a chain, whose answer is judged by ``cost``)."""

    cost: float
    time: float
    status: str
    domain: DomainReport | None = None

    @property
    def trustworthy(self) -> bool:
        """False when the network's answer was flagged (see ``domain``)."""
        return self.domain is None or self.domain.trustworthy

    # The names CalibrationResult (least squares) uses for the same facts.
    @property
    def time_s(self) -> float:
        """Wall time in seconds (``time``)."""
        return self.time

    @property
    def success(self) -> bool:
        """True when the answer is trustworthy and a requested polish did not fail."""
        return self.trustworthy and "polish failed" not in self.status

    @property
    def verdict(self) -> str:
        """One line: the status and, for a surface, the domain report."""
        return self.status if self.domain is None else f"{self.status}: {self.domain}"


class Calibrator(ParamsRepr):
    """Calibrate a Lévy model to a call surface with a trained network (ONNX Runtime).

    Parameters
    ----------
    source : path of an ONNX calibrator, or a pretrained name (``"vg"``, ``"nig"``, ``"cgmy"``).
    model : expected model class; loading a file of another family raises ``ValueError``.
    intra_op_num_threads : ONNX Runtime threads for one ``predict`` call (default 1).
    providers : ONNX Runtime execution providers; each must be available.
    hybrid : if True, ``fit`` polishes the network's answer with a few Levenberg-Marquardt
        (trust-region) steps of :class:`levyfast.LeastSquaresCalibrator` started from it, on the
        quotes as given: exact fits at millisecond cost.
    refine_max_nfev : evaluation budget of that polish.

    Attributes
    ----------
    family : the model class; ``param_names``: its ``PARAM_NAMES`` (columns of ``predict``);
    strikes : the network's strikes as K/S0; ``maturities``: its maturities (years);
    bounds : the training box ``{name: (low, high)}``; ``metadata``: all ``metadata_props``;
    price_range : per-quote [min, max] of the training prices / spot ``[2, n_T, n_K]`` (None
    for files exported before it). ``fit`` sets ``params_``, ``model_`` and ``result_``.

    Notes
    -----
    A single surface with one ``Market`` takes a fast path over buffers preallocated per
    thread (the surface / spot, the features or market row, the output): for a compact graph
    (``levyfast._compact_graph``) its preprocessing and network run in C++ (the network
    checked against ONNX Runtime's at load), otherwise ONNX Runtime runs through an I/O
    binding over those buffers. These buffers (a few kilobytes per thread) are the only state
    ``predict`` keeps.

    ``predict`` checks shapes, finiteness and the market range only; a surface far from the
    training data still gets parameters inside the box. :meth:`assess` flags such surfaces
    (static arbitrage, prices outside the training range, answers at the box edge, answers
    that do not re-price the quotes) at the cost of one pricing of the grid; ``fit`` runs it.
    A file whose bytes differ from its stored digest raises ``ValueError`` at load; one
    without a digest (exported before digests) loads with a logged warning.
    """

    def __init__(self, source: str | os.PathLike[str] = "vg", *,
                 model: type[LevyModel] | None = None, intra_op_num_threads: int = 1,
                 providers: Sequence[str] = ("CPUExecutionProvider",), hybrid: bool = False,
                 refine_max_nfev: int = 400) -> None:
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise ImportError("levyfast.Calibrator runs ONNX files with ONNX Runtime, which is "
                              "not installed: pip install 'levyfast[calibrate]'") from exc

        self.source = source
        self.hybrid = hybrid
        self.refine_max_nfev = refine_max_nfev
        self.model = model
        self.intra_op_num_threads = intra_op_num_threads
        self.providers = tuple(providers)
        if isinstance(intra_op_num_threads, bool) or not isinstance(intra_op_num_threads, int) \
                or intra_op_num_threads < 1:
            raise ValueError(f"`intra_op_num_threads` of {_OWNER} must be a positive integer; "
                             f"got {intra_op_num_threads!r}")
        available = ort.get_available_providers()
        missing = [p for p in self.providers if p not in available]
        if not self.providers or missing:
            raise ValueError(f"`providers` of {_OWNER} must be a non-empty subset of the "
                             f"available {available}; got {list(self.providers)}")
        path = _resolve(source)
        try:
            blob = path.read_bytes()
        except OSError as exc:
            raise ValueError(f"{_OWNER} cannot read {str(path)!r}: {exc}") from exc
        options = ort.SessionOptions()
        options.intra_op_num_threads = intra_op_num_threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            # the bytes checked against the digest are the bytes run
            self._session = ort.InferenceSession(blob, options, providers=list(providers))
        except Exception as exc:  # ORT raises its own exception types for corrupt files
            raise ValueError(f"{_OWNER} cannot load {str(path)!r} as an ONNX model: {exc}") \
                from exc
        self.metadata: dict[str, str] = dict(self._session.get_modelmeta().custom_metadata_map)
        self._read_metadata(path, blob)
        # one surface: the preprocessing in C++ and the network alone, natively where it is
        # a chain of dense layers that agrees with ONNX Runtime's, else in a session of its
        # own (see levyfast._compact_graph); batches and other graphs run the whole graph
        self._compact: CompactGraph | None = split(blob, self._shape[0] * self._shape[1])
        self._network = None if self._compact is None else ort.InferenceSession(
            self._compact.network, options, providers=list(providers))
        self._native = None
        if self._compact is not None and self._out_dtype is np.float32:
            self._native = _native_network(self._compact, self._network)
        if self._native is not None:
            self._network = None  # its session served only to check the native network

    @classmethod
    def load(cls, source: str | os.PathLike[str], **kwargs: Any) -> Calibrator:
        """Load a calibrator from a file or a pretrained name (see the class docstring)."""
        return cls(source, **kwargs)

    def _read_metadata(self, path: Path, blob: bytes) -> None:
        meta = self.metadata
        if meta.get("format") != FORMAT:
            raise ValueError(f"{str(path)!r} is not a levyfast neural calibrator: metadata "
                             f"'format' must be {FORMAT!r}; got {meta.get('format')!r}")
        _check_digest(path, blob)
        try:
            family = builtin_by_id(int(meta["model_id"]))
            names = tuple(json.loads(meta["param_names"]))
            self.strikes: NDArray[np.float64] = np.array(json.loads(meta["strikes"]), float)
            self.maturities: NDArray[np.float64] = np.array(json.loads(meta["maturities"]),
                                                            float)
            bounds = json.loads(meta["bounds"])
            self.fixed_params: dict[str, float] = json.loads(meta["fixed_params"])
            market_range = json.loads(meta["market_range"])
            self.max_missing_fraction = float(meta["max_missing_fraction"])
            input_kind = meta["input_kind"]
            # optional (files exported before it): [2, n_T, n_K] min, max of price / spot
            self.price_range: NDArray[np.float64] | None = (
                np.array(json.loads(meta["price_range"]), float) if "price_range" in meta
                else None)
        except (KeyError, ValueError, TypeError) as exc:
            raise ValueError(f"metadata of {str(path)!r} is incomplete or malformed: "
                             f"{exc!r}") from exc
        if family.__name__ != meta.get("family") or names != family.PARAM_NAMES:
            raise ValueError(f"metadata of {str(path)!r} is inconsistent: family "
                             f"{meta.get('family')!r} with parameters {names}")
        if input_kind != "call_price_over_spot":
            raise ValueError(f"input kind {input_kind!r} of {str(path)!r} is not supported")
        if self.model is not None and self.model is not family:
            name = getattr(self.model, "__name__", repr(self.model))
            raise ValueError(f"`model` of {_OWNER}: {str(path)!r} calibrates {family.__name__}, "
                             f"not {name}")
        self.family: type[LevyModel] = family
        self.param_names: tuple[str, ...] = names
        self.bounds: dict[str, tuple[float, float]] = {k: (v[0], v[1])
                                                        for k, v in bounds.items()}
        self._rate_range = tuple(market_range["rate"])
        self._dividend_range = tuple(market_range["dividend"])
        self._shape = (len(self.maturities), len(self.strikes))
        if self.price_range is not None and self.price_range.shape != (2, *self._shape):
            raise ValueError(f"metadata of {str(path)!r} is inconsistent: 'price_range' has "
                             f"shape {self.price_range.shape}, the grid is {self._shape}")
        self._out = [self._session.get_outputs()[0].name]
        self._out_dtype = (np.float64 if self._session.get_outputs()[0].type == "tensor(double)"
                           else np.float32)
        self._local = threading.local()

    def _binding(self) -> tuple[Any, tuple[Any, Any], NDArray[np.float64], NDArray[Any],
                                NDArray[Any], CompactFeatures | None]:
        """This thread's (run, args, prices [n_T, n_K], inputs, out [k], features);
        ``run(*args)`` maps the inputs to ``out``. For a compact graph ``inputs`` is the
        network's feature vector ``h0`` [1, 3 n + 2] that ``features`` fills from ``prices``,
        and ``run`` the native network or the network session's bound run; else
        ``features`` is None, ``inputs`` the bound market [1, 2] of the whole graph and
        ``prices`` a view of its bound [1, n_T, n_K]."""
        bound = getattr(self._local, "bound", None)
        if bound is None:
            from onnxruntime import OrtValue

            x = np.zeros((1, *self._shape))
            out = np.zeros((1, len(self.param_names)), self._out_dtype)
            c = self._compact
            features = None
            if c is not None:
                features = CompactFeatures(c.a, c.parity, c.fill, c.floor, c.center)
                inputs: NDArray[Any] = np.zeros((1, features.n_features), np.float32)
            run: Any
            args: tuple[Any, Any]
            if self._native is not None and features is not None:
                run, args = self._native, (inputs[0], out[0])
            else:
                if self._network is not None and features is not None:
                    session = self._network
                    io = session.io_binding()
                    io.bind_ortvalue_input("h0", OrtValue.ortvalue_from_numpy(inputs))
                else:
                    session = self._session
                    inputs = np.zeros((1, 2))
                    io = session.io_binding()
                    io.bind_ortvalue_input("prices", OrtValue.ortvalue_from_numpy(x))
                    io.bind_ortvalue_input("market", OrtValue.ortvalue_from_numpy(inputs))
                io.bind_ortvalue_output(self._out[0], OrtValue.ortvalue_from_numpy(out))
                run, args = _binding_runner(session, io)
            bound = self._local.bound = (run, args, x[0], inputs, out[0], features)
        return bound

    # -- inference ------------------------------------------------------------------------
    def _market_row(self, market: Market) -> NDArray[np.float64]:
        if not isinstance(market, Market):
            raise TypeError(f"`market` of {_OWNER} must be a levyfast.Market (or, in predict, "
                            f"a sequence of them); got {type(market).__name__}")
        for name, value, (lo, hi) in (("rate", market.rate, self._rate_range),
                                      ("dividend", market.dividend, self._dividend_range)):
            if not lo <= value <= hi:
                raise ValueError(f"`market.{name}` must be in [{lo:g}, {hi:g}] (the range this "
                                 f"{self.family.__name__} calibrator was trained on); got "
                                 f"{value!r}")
        return np.array([[market.rate, market.dividend]])

    def _market_rows(self, market: Market | Sequence[Market],
                     n: int) -> tuple[NDArray[np.float64], NDArray[np.float64] | float]:
        """(rate, dividend) rows ``[n, 2]`` and the spot(s) to divide the prices by."""
        if isinstance(market, Market):
            rows = self._market_row(market)
            return (np.repeat(rows, n, axis=0) if n > 1 else rows), market.spot
        if not isinstance(market, Sequence) or len(market) != n:
            raise TypeError(f"`market` of {_OWNER}.predict must be a levyfast.Market or a "
                            f"sequence of {n} of them (one per surface); got {market!r:.80}")
        rows = np.concatenate([self._market_row(m) for m in market])
        return rows, np.array([m.spot for m in market])[:, None, None]

    def _check_quotes(self, x: NDArray[np.float64]) -> None:
        """Explain why ``x`` (prices / spot, [n, n_T, n_K]) failed the fast finiteness check."""
        if np.isinf(x).any():
            idx = tuple(int(i) for i in np.argwhere(np.isinf(x))[0])
            raise ValueError(f"`prices` of {_OWNER} must be finite or NaN (missing); got inf "
                             f"at index {idx}")
        neg = x < 0.0
        if neg.any():
            idx = tuple(int(i) for i in np.argwhere(neg)[0])
            raise ValueError(f"`prices` of {_OWNER} must be >= 0 (call prices); got "
                             f"{float(x[idx]):g} x spot at index {idx}")
        big = x > MAX_PRICE_OVER_SPOT
        if big.any():
            idx = tuple(int(i) for i in np.argwhere(big)[0])
            raise ValueError(f"`prices` of {_OWNER} must be at most {MAX_PRICE_OVER_SPOT:g} x "
                             f"market.spot (a call is worth at most the spot); got "
                             f"{float(x[idx]):g} x spot at index {idx}: are the prices in the "
                             "units of the spot?")
        frac = np.isnan(x).mean(axis=(1, 2))
        worst = int(np.argmax(frac))
        if frac[worst] >= 1.0:
            raise ValueError(f"`prices` of {_OWNER}: surface {worst} has no quotes (all NaN)")
        if frac[worst] > self.max_missing_fraction:
            raise ValueError(f"`prices` of {_OWNER}: surface {worst} misses {frac[worst]:.0%} "
                             f"of its quotes (NaN); at most {self.max_missing_fraction:.0%} "
                             "may be missing")

    def predict(self, prices: ArrayLike,
                market: Market | Sequence[Market]) -> NDArray[np.float64]:
        """Parameters ``[n, k]`` (``param_names`` order) for call prices ``[n, n_T, n_K]`` on
        the network's grid (strikes ``self.strikes * market.spot``); one surface ``[n_T, n_K]``
        gives ``[k]``. ``market`` is one Market for all surfaces or one per surface. NaN
        marks a missing quote (up to ``max_missing_fraction`` of a surface).
        """
        x = as_float64(_OWNER, "prices", prices)
        if isinstance(market, Market):
            if x.shape == self._shape:
                return self._predict_one(x, market)
            if x.ndim == 3 and x.shape[0] == 1 and x.shape[1:] == self._shape:  # batch of one
                return self._predict_one(np.ascontiguousarray(x[0]), market)[None]
        single = x.ndim == 2
        if single:
            x = x[None]
        if x.shape[1:] != self._shape or x.ndim != 3:
            raise ValueError(
                f"`prices` of {_OWNER} must have shape [n, {self._shape[0]}, {self._shape[1]}] "
                f"or [{self._shape[0]}, {self._shape[1]}] (maturities x strikes of the "
                f"{self.family.__name__} calibrator's grid); got {np.shape(prices)}")
        mkt, spot = self._market_rows(market, x.shape[0])
        x = x / spot
        if not (x.min() >= 0.0 and x.max() <= MAX_PRICE_OVER_SPOT):  # False for NaN too
            self._check_quotes(x)
        out = self._session.run(self._out, {"prices": x, "market": mkt})[0]
        params = out.astype(np.float64)
        return params[0] if single else params

    def _predict_one(self, x: NDArray[np.float64], market: Market) -> NDArray[np.float64]:
        """``predict`` of one surface ``[n_T, n_K]`` through this thread's buffers."""
        rate, dividend = market.rate, market.dividend
        r_lo, r_hi = self._rate_range
        q_lo, q_hi = self._dividend_range
        if not (r_lo <= rate <= r_hi and q_lo <= dividend <= q_hi):
            self._market_row(market)  # raises with the message
        bound = getattr(self._local, "bound", None) or self._binding()
        run, args, buf, inputs, out, features = bound
        if not _scale_quotes(x, market.spot, MAX_PRICE_OVER_SPOT, buf):  # NaN, inf, < 0, big
            self._check_quotes(buf[None])
        if features is not None:
            features(buf, rate, dividend, inputs)
        else:
            inputs[0, 0] = rate
            inputs[0, 1] = dividend
        run(*args)
        return out.astype(np.float64)

    # -- domain and consistency checks ------------------------------------------------------
    def assess(self, prices: ArrayLike, market: Market, *,
               max_relative_rmse: float = MAX_RELATIVE_RMSE,
               edge_tolerance: float = EDGE_TOLERANCE, range_tolerance: float = RANGE_TOLERANCE,
               atol: float = QUOTE_ATOL) -> DomainReport:
        """Predict one surface ``[n_T, n_K]`` (as :meth:`predict`) and say whether the answer
        can be trusted: a :class:`DomainReport`.

        Flags quotes outside the static no-arbitrage bounds (``max(S e^{-qT} - K e^{-rT}, 0)
        <= C <= S e^{-qT}``, non-increasing and convex in strike, call spreads and calendar
        order; :func:`levyfast.data.check_surface` with ``atol`` x spot), quotes outside the
        training price range widened by ``range_tolerance`` (relative) and ``atol``,
        parameters within ``edge_tolerance`` x width of an end of the training box, and
        re-prices the prediction with :func:`levyfast.price` on the grid: a root-mean-square
        error above ``max_relative_rmse`` of the quotes' is not consistent. Costs one
        ``predict``, one ``price`` of the grid and the checks (~1 ms); ``predict`` itself
        checks nothing of this.
        """
        x = as_float64(_OWNER, "prices", prices)
        if x.shape != self._shape:
            raise ValueError(f"`prices` of {_OWNER}.assess must be one surface of shape "
                             f"[{self._shape[0]}, {self._shape[1]}]; got {x.shape}")
        return self._assess(x, market, self.predict(x, market), max_relative_rmse,
                            edge_tolerance, range_tolerance, atol)

    def _assess(self, x: NDArray[np.float64], market: Market, params: NDArray[np.float64],
                max_relative_rmse: float = MAX_RELATIVE_RMSE,
                edge_tolerance: float = EDGE_TOLERANCE, range_tolerance: float = RANGE_TOLERANCE,
                atol: float = QUOTE_ATOL) -> DomainReport:
        """:meth:`assess` of quotes ``x`` (validated by ``predict``) and its answer ``params``."""
        from .data import CHECKS, check_surface  # lazy: levyfast.data imports pyarrow

        owner = f"{_OWNER}.assess"
        max_relative_rmse = check_scalar(owner, "max_relative_rmse", max_relative_rmse,
                                         Interval(0.0))
        edge_tolerance = check_scalar(owner, "edge_tolerance", edge_tolerance,
                                      Interval(0.0, 0.5, closed_low=True))
        range_tolerance = check_scalar(owner, "range_tolerance", range_tolerance,
                                       Interval(0.0, closed_low=True))
        atol = check_scalar(owner, "atol", atol, Interval(0.0, closed_low=True))
        reasons: list[str] = []
        y = x / market.spot
        quoted = np.isfinite(y)
        failed = check_surface(y, self.strikes, self.maturities, rates=market.rate,
                               dividends=market.dividend, atol=atol).flags[0]
        arbitrage = tuple(name for name, bad in zip(CHECKS, failed, strict=True)
                          if bad and name != "finite")  # NaN = a missing quote
        if arbitrage:
            reasons.append("the quotes violate static no-arbitrage bounds: "
                           + ", ".join(arbitrage))
        outside: int | None = None
        if self.price_range is not None:
            lo, hi = self.price_range
            out = quoted & ((y < lo * (1.0 - range_tolerance) - atol)
                            | (y > hi * (1.0 + range_tolerance) + atol))
            outside = int(out.sum())
            if outside:
                idx = tuple(int(i) for i in np.argwhere(out)[0])
                reasons.append(f"{outside} of {int(quoted.sum())} quotes lie outside the "
                               f"training price range (first at index {idx}: "
                               f"{float(y[idx]):.4g} x spot, trained on "
                               f"[{lo[idx]:.4g}, {hi[idx]:.4g}])")
        edge = []
        for j, name in enumerate(self.param_names):
            if name in self.bounds:
                low, high = self.bounds[name]
                zone = edge_tolerance * (high - low)
                if not low + zone < params[j] < high - zone:
                    edge.append(name)
                    reasons.append(f"{name} = {params[j]:.6g} is at the edge of the training "
                                   f"box [{low:g}, {high:g}] (the network clamps there)")
        in_domain = not reasons
        try:
            model = self.family.from_array(params)
            fitted = np.asarray(price(model, market, self.strikes * market.spot,
                                      self.maturities))
            rmse = float(np.sqrt(np.mean((fitted[quoted] - x[quoted]) ** 2)))
        except ValueError as exc:  # the core refuses to price it
            reasons.append(f"the predicted parameters cannot be re-priced: {exc}")
            rmse = float("inf")
        rms = float(np.sqrt(np.mean(x[quoted] ** 2)))
        relative = rmse / rms if rms > 0.0 else float("inf")
        consistent = relative <= max_relative_rmse
        if not consistent and np.isfinite(rmse):
            reasons.append(f"the predicted model re-prices the quotes with an RMSE of "
                           f"{relative:.2%} of their root mean square (at most "
                           f"{max_relative_rmse:.2%} is trusted)")
        return DomainReport(params, arbitrage, outside, tuple(edge), rmse / market.spot,
                            relative, in_domain, consistent, tuple(reasons))

    # -- scikit-learn style fit -------------------------------------------------------------
    def fit(self, surface: ArrayLike | OptionChain, market: Market | None = None,
            strikes: ArrayLike | None = None,
            maturities: ArrayLike | None = None) -> Calibrator:
        """Calibrate to one call surface or an option chain; sets ``params_``, ``model_`` and
        ``result_``.

        Without ``strikes``/``maturities`` the surface must be on the network's grid. With
        them (absolute strikes, years, both increasing) the quotes are mapped onto the grid
        by :func:`levyfast._regrid.regrid` (PCHIP in strike, time value linear in sqrt(T));
        quotes that do not cover the grid are rejected. An :class:`~levyfast.OptionChain`
        (alone) is mapped onto the grid through its implied vols
        (:func:`levyfast.chain.regrid.chain_on_grid`); the polish (``hybrid``) then fits its
        out-of-the-money quotes in implied vol and ``cost`` is their IV RMSE in vol units.
        """
        start = time.perf_counter()
        chain = _as_chain(surface)
        if chain is not None:
            if market is not None or strikes is not None or maturities is not None:
                raise ValueError(f"`market`, `strikes` and `maturities` of {_OWNER}.fit must not "
                                 "be given with an OptionChain (it carries its own)")
            return self._fit_chain(chain, start)
        if market is None:
            raise ValueError(f"`market` of {_OWNER}.fit is required with a surface")
        self._market_row(market)  # validated first: a bad market fails before interpolation
        data = quotes = as_float64(f"{_OWNER}.fit", "surface",
                                   cast("ArrayLike", surface))  # not a chain (checked above)
        grid_k = self.strikes * market.spot
        quote_k, quote_t = grid_k, self.maturities
        if (strikes is None) != (maturities is None):
            raise ValueError(f"`strikes` and `maturities` of {_OWNER}.fit go together; "
                             "pass both or neither")
        if strikes is not None and maturities is not None:
            ks = check_array(_OWNER, "strikes", strikes, Interval(0.0))
            ts = check_array(_OWNER, "maturities", maturities, Interval(0.0))
            if data.shape != (len(ts), len(ks)):
                raise ValueError(f"`surface` of {_OWNER}.fit must have shape [n_T, n_K] = "
                                 f"[{len(ts)}, {len(ks)}]; got {data.shape}")
            same = (len(ks) == len(grid_k) and len(ts) == len(self.maturities)
                    and np.allclose(ks, grid_k, rtol=1e-9, atol=0)
                    and np.allclose(ts, self.maturities, rtol=1e-9, atol=0))
            if not same:
                data = regrid(f"{_OWNER}.fit", data, market, ks, ts, grid_k, self.maturities)
                quote_k, quote_t = ks, ts
        elif data.ndim != 2:
            raise ValueError(f"`surface` of {_OWNER}.fit must be one surface [n_T, n_K]; got "
                             f"shape {data.shape}")
        params = self.predict(data, market)
        domain = self._assess(data, market, params)
        if not domain.trustworthy:
            log.warning("%s.fit (%s network): %s", _OWNER, self.family.__name__, domain)
        status = "network"
        ok = np.isfinite(quotes)
        cost = math.nan
        if self.hybrid:
            # COS may use its full default budget of terms: the network's start is close to
            # the answer, and short maturities of slowly decaying models need the terms; so
            # close, Levenberg-Marquardt (dogbox where it leaves the box) saves ~20%
            polish = LeastSquaresCalibrator(self.family, x0=params, fixed=self.fixed_params,
                                            max_nfev=self.refine_max_nfev,
                                            max_terms=_POLISH_MAX_TERMS, method="lm")
            polish.fit(quotes, market, quote_k, quote_t)
            if polish.result_.success:
                params, status = polish.params_, "hybrid"
                if polish.result_.n_quotes == int(ok.sum()):  # it priced every quote
                    cost = polish.result_.rmse_price / market.spot
            else:  # keep the network's answer and say why it was not polished
                status = f"network (polish failed: {polish.result_.message})"
                log.warning("%s.fit: %s", _OWNER, status)
        model = self.family.from_array(params)
        if math.isnan(cost):
            fitted = np.asarray(price(model, market, quote_k, quote_t))
            cost = float(np.sqrt(np.mean((fitted[ok] - quotes[ok]) ** 2)) / market.spot)
        self.params_ = params
        self.model_ = model
        self.result_ = NeuralFitResult(cost, time.perf_counter() - start, status, domain)
        return self

    def _fit_chain(self, chain: OptionChain, start: float) -> Calibrator:
        from .chain.regrid import chain_on_grid

        grid, market = chain_on_grid(chain, self.strikes, self.maturities, self._rate_range,
                                     self._dividend_range)
        params = self.predict(grid, market)
        status = "network"
        if self.hybrid:
            # relative tolerances of 1e-8: the cost then agrees with a full fit's to ~1e-10
            polish = LeastSquaresCalibrator(self.family, target="iv", x0=params,
                                            fixed=self.fixed_params,
                                            max_nfev=self.refine_max_nfev,
                                            max_terms=_POLISH_MAX_TERMS, xtol=1e-8, ftol=1e-8,
                                            gtol=1e-8).fit(chain)
            if polish.result_.success:
                params, status = polish.params_, "hybrid"
            else:
                status = f"network (polish failed: {polish.result_.message})"
                log.warning("%s.fit: %s", _OWNER, status)
        self.params_ = params
        self.model_ = self.family.from_array(params)
        if status == "hybrid":  # the polish has the model's implied vols at its answer
            cost = polish.result_.rmse_iv_bp * 1e-4
        else:
            quotes = chain.otm_quotes()
            miss = chain.model_iv(self.model_) - quotes["iv"].to_numpy()
            cost = float(np.sqrt(np.nanmean(miss**2)))
        self.result_ = NeuralFitResult(cost, time.perf_counter() - start, status)
        return self
