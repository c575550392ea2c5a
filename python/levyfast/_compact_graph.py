"""A compact calibrator graph split into its fixed preprocessing and its network.

The compact ONNX graph of a calibrator (``levyfast_train.compact``) opens with fourteen nodes
of fixed arithmetic: discount factors ``exp(market @ A)``, the parity intrinsic value
``relu(disc @ parity)``, the out-of-the-money price (``fill`` where a quote is missing), its
log (floored), the missing-quote mask, the market, centred and cast to float32 (feature
vector ``h0``). ONNX Runtime spends about 0.7 us per node on one surface (AVX2 EPYC), more
than the arithmetic, so one surface is served by :class:`levyfast._core.CompactFeatures`
(the same arithmetic in one C++ call) and the network alone, ``h0 -> params``: by
:class:`levyfast._core.DenseNetwork` where it is a chain of dense layers (:attr:`CompactGraph.
layers`), else by a session of its ONNX model. The whole graph still runs batches and stays
the reference: the artefact alone calibrates.

:data:`PREPROCESSING` is the one definition of those nodes: the exporter writes them from it
and :func:`split` recognises them by it; a graph that does not open with them exactly is not
split.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._onnx_props import _LEN, Record, _encode_varint, _len_field, _varint, records

__all__ = ["PREPROCESSING", "CompactGraph", "DenseLayer", "split"]

#: (op_type, inputs, outputs, attributes) of the preprocessing nodes, in graph order; ``to``
#: of a Cast is an ONNX TensorProto data type (11 = DOUBLE, 1 = FLOAT).
PREPROCESSING: tuple[tuple[str, tuple[str, ...], tuple[str, ...], dict[str, int]], ...] = (
    ("Reshape", ("prices", "flat"), ("p",), {}),
    ("IsNaN", ("p",), ("nan",), {}),
    ("MatMul", ("market", "A"), ("expo",), {}),
    ("Exp", ("expo",), ("disc",), {}),
    ("MatMul", ("disc", "parity"), ("fwd",), {}),
    ("Relu", ("fwd",), ("intrinsic",), {}),
    ("Sub", ("p", "intrinsic"), ("otm_nan",), {}),
    ("Where", ("nan", "fill", "otm_nan"), ("otm",), {}),
    ("Max", ("otm", "floor"), ("otm_pos",), {}),
    ("Log", ("otm_pos",), ("log_otm",), {}),
    ("Cast", ("nan",), ("mask",), {"to": 11}),
    ("Concat", ("otm", "log_otm", "mask", "market"), ("raw",), {"axis": 1}),
    ("Add", ("raw", "center"), ("centred",), {}),
    ("Cast", ("centred",), ("h0",), {"to": 1}),
)
_FEATURES = "h0"

#: One dense layer ``y = act(x @ weight + bias)``: weight float32 [n_in, n_out], bias float32
#: [n_out], act "identity", "sigmoid" or "silu" (``z * sigmoid(z)``, ONNX Sigmoid + Mul).
DenseLayer = tuple[NDArray[np.float32], NDArray[np.float32], str]


@dataclass(frozen=True)
class CompactGraph:
    """The preprocessing constants of a compact graph and its network as an ONNX model.

    ``a`` [2, m], ``parity`` [m, n], ``fill`` [n], ``floor``, ``center`` [3 n + 2] (n quotes
    per surface); ``network`` maps ``h0`` (float32 [batch, 3 n + 2]) to the graph's output;
    ``layers`` is that network as dense layers when it is a chain of ``Gemm`` nodes (no
    attributes, float32 weights [n_in, n_out] and biases [n_out]) each followed by nothing,
    ``Sigmoid``, or ``Sigmoid`` and ``Mul`` (SiLU), else None.
    """

    a: NDArray[np.float64]
    parity: NDArray[np.float64]
    fill: NDArray[np.float64]
    floor: float
    center: NDArray[np.float64]
    network: bytes
    layers: tuple[DenseLayer, ...] | None

    @property
    def n_features(self) -> int:
        return int(self.center.size)


_GRAPH, _METADATA = 7, 14  # ModelProto fields
_NODE, _NAME, _INITIALIZER, _INPUT, _OUTPUT = 1, 2, 5, 11, 12  # GraphProto fields
#: TensorProto data types read from ``raw_data`` (little-endian): 1 FLOAT, 7 INT64, 11 DOUBLE
_RAW_DTYPES = {1: "<f4", 7: "<i8", 11: "<f8"}


def _text(buf: bytes, rec: Record) -> str:
    return buf[rec.data:rec.end].decode("utf-8", "replace")


def _signed(value: int) -> int:
    """An int64 field's varint (two's complement on 64 bits) as a Python int."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _node(buf: bytes, rec: Record) -> tuple[str, tuple[str, ...], tuple[str, ...],
                                             dict[str, int | None], str]:
    """(op_type, inputs, outputs, attributes, domain) of a NodeProto record; an attribute's
    value is its integer ``i``, None for other kinds."""
    inputs: list[str] = []
    outputs: list[str] = []
    attrs: dict[str, int | None] = {}
    op = domain = ""
    for sub in records(buf, rec.data, rec.end):
        if sub.field == 1:
            inputs.append(_text(buf, sub))
        elif sub.field == 2:
            outputs.append(_text(buf, sub))
        elif sub.field == 4:
            op = _text(buf, sub)
        elif sub.field == 7:
            domain = _text(buf, sub)
        elif sub.field == 5:  # AttributeProto: name = 1, i = 3 (other kinds: no match)
            name, value = "", None
            for a in records(buf, sub.data, sub.end):
                if a.field == 1:
                    name = _text(buf, a)
                elif a.field == 3 and a.wire == 0:
                    value = _signed(_varint(buf, a.data)[0])
            attrs[name] = value
    return op, tuple(inputs), tuple(outputs), attrs, domain


def _tensor(buf: bytes, rec: Record) -> tuple[str, NDArray[Any] | None]:
    """(name, values) of a TensorProto record; values None unless stored as ``raw_data`` of a
    type in ``_RAW_DTYPES``."""
    name, dims, dtype, raw = "", [], 0, None
    for sub in records(buf, rec.data, rec.end):
        if sub.field == 1 and sub.wire == 0:
            dims.append(_varint(buf, sub.data)[0])
        elif sub.field == 1:  # packed dims
            pos = sub.data
            while pos < sub.end:
                d, pos = _varint(buf, pos)
                dims.append(d)
        elif sub.field == 2:
            dtype = _varint(buf, sub.data)[0]
        elif sub.field == 8:
            name = _text(buf, sub)
        elif sub.field == 9:
            raw = buf[sub.data:sub.end]
    if raw is None or dtype not in _RAW_DTYPES:
        return name, None
    values = np.frombuffer(raw, _RAW_DTYPES[dtype])
    if values.size != int(np.prod(dims)):
        return name, None
    return name, values.reshape(dims)


def _dense_layers(nodes: list[tuple[str, tuple[str, ...], tuple[str, ...],
                                    dict[str, int | None], str]],
                  tensors: dict[str, NDArray[Any] | None], output: str,
                  n_features: int) -> tuple[DenseLayer, ...] | None:
    """The network nodes as dense layers from ``h0`` (``n_features`` wide) to ``output`` (see
    :class:`CompactGraph`), or None where they are anything else: each node must take the
    previous one's output."""
    layers: list[DenseLayer] = []
    h, width, i = _FEATURES, n_features, 0

    def plain(k: int, op: str, inputs: tuple[str, ...]) -> bool:
        return k < len(nodes) and nodes[k][0] == op and nodes[k][1] == inputs and len(
            nodes[k][2]) == 1 and not nodes[k][3] and not nodes[k][4]

    while i < len(nodes):
        op, inputs, outputs, attrs, domain = nodes[i]
        if op != "Gemm" or attrs or domain or len(inputs) != 3 or inputs[0] != h \
                or len(outputs) != 1:
            return None
        w, b = tensors.get(inputs[1]), tensors.get(inputs[2])
        if w is None or b is None or w.dtype != np.float32 or b.dtype != np.float32 \
                or w.ndim != 2 or b.shape != (w.shape[1],) or w.shape[0] != width:
            return None
        z, activation, i = outputs[0], "identity", i + 1
        if plain(i, "Sigmoid", (z,)):
            s, activation, i = nodes[i][2][0], "sigmoid", i + 1
            if plain(i, "Mul", (z, s)):
                s, activation, i = nodes[i][2][0], "silu", i + 1
            z = s
        layers.append((np.ascontiguousarray(w), np.ascontiguousarray(b), activation))
        h, width = z, w.shape[1]
    return tuple(layers) if layers and h == output else None


def _features_input(n_features: int) -> bytes:
    """A GraphProto ``input`` record: ValueInfoProto ``h0``, float32 [batch, n_features]."""
    batch = _len_field(1, _len_field(2, b"batch"))  # Dimension.dim_param
    width = _len_field(1, _encode_varint(1 << 3) + _encode_varint(n_features))  # dim_value
    tensor = _encode_varint(1 << 3) + _encode_varint(1) + _len_field(2, batch + width)
    return _len_field(_INPUT, _len_field(1, _FEATURES.encode()) + _len_field(2, _len_field(
        1, tensor)))


def split(blob: bytes, n_quotes: int) -> CompactGraph | None:
    """The split of the ONNX model ``blob`` with ``n_quotes`` quotes per surface, or None
    when its graph is not a compact calibrator graph (then the whole graph serves). Read and
    written on the protobuf wire format (:mod:`levyfast._onnx_props`): no ``onnx`` import."""
    top = records(blob)
    graphs = [r for r in top if r.field == _GRAPH and r.wire == _LEN]
    if len(graphs) != 1:
        return None
    fields = records(blob, graphs[0].data, graphs[0].end)
    nodes = [r for r in fields if r.field == _NODE]
    head = [_node(blob, r) for r in nodes[:len(PREPROCESSING)]]
    if head != [(*p, "") for p in PREPROCESSING]:
        return None
    inputs = [r for r in fields if r.field == _INPUT]
    outputs = [r for r in fields if r.field == _OUTPUT]
    names = [next((_text(blob, f) for f in records(blob, r.data, r.end) if f.field == 1), "")
             for r in inputs]
    if names != ["prices", "market"] or len(outputs) != 1:
        return None
    rest = nodes[len(PREPROCESSING):]
    rest_nodes = [_node(blob, r) for r in rest]
    produced = {o for p in PREPROCESSING for o in p[2]} - {_FEATURES}
    used = {name for node in rest_nodes for name in node[1]}
    if used & (produced | {"prices", "market"}):
        return None
    tensors = {}
    for r in fields:
        if r.field == _INITIALIZER:
            name, values = _tensor(blob, r)
            tensors[name] = (r, values)
    consts = {k: tensors.get(k, (None, None))[1] for k in ("flat", "A", "parity", "fill",
                                                           "floor", "center")}
    if any(v is None for v in consts.values()):
        return None
    flat, a, parity, fill, floor, center = (np.asarray(consts[k]) for k in (
        "flat", "A", "parity", "fill", "floor", "center"))
    n = n_quotes
    m = a.shape[1] if a.ndim == 2 else -1
    if not (flat.tolist() == [-1, n] and a.shape == (2, m) and m > 0
            and parity.shape == (m, n) and fill.shape == (n,) and floor.shape == ()
            and center.shape == (3 * n + 2,)):
        return None
    graph = b"".join(
        [blob[r.start:r.end] for r in rest]
        + [_len_field(_NAME, b"levyfast_calibrator_network")]
        + [blob[r.start:r.end] for name, (r, _) in tensors.items() if name in used]
        + [_features_input(3 * n + 2)] + [blob[r.start:r.end] for r in outputs])
    network = b"".join([blob[r.start:r.end] for r in top if r.field not in (_GRAPH, _METADATA)]
                       + [_len_field(_GRAPH, graph)])
    as64 = {k: np.array(v, dtype=np.float64) for k, v in
            (("a", a), ("parity", parity), ("fill", fill), ("center", center))}
    output = next((_text(blob, f) for f in records(blob, outputs[0].data, outputs[0].end)
                   if f.field == 1), "")
    layers = _dense_layers(rest_nodes, {name: values for name, (_, values) in tensors.items()},
                           output, 3 * n + 2)
    return CompactGraph(as64["a"], as64["parity"], as64["fill"], float(floor), as64["center"],
                        network, layers)
