"""A compact calibrator graph split into its fixed preprocessing and its network.

The compact ONNX graph of a calibrator (``levyfast_train.compact``) opens with fourteen nodes
of fixed arithmetic: discount factors ``exp(market @ A)``, the parity intrinsic value
``relu(disc @ parity)``, the out-of-the-money price (``fill`` where a quote is missing), its
log (floored), the missing-quote mask, the market, centred and cast to float32 (feature
vector ``h0``). ONNX Runtime spends about 0.7 us per node on one surface (AVX2 EPYC), more
than the arithmetic, so one surface is served by :func:`levyfast._core.compact_features`
(the same arithmetic in one C++ call) and a session of the network alone, ``h0 -> params``.
The whole graph still runs batches and stays the reference: the artefact alone calibrates.

:data:`PREPROCESSING` is the one definition of those nodes: the exporter writes them from it
and :func:`split` recognises them by it; a graph that does not open with them exactly is not
split.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["PREPROCESSING", "CompactGraph", "split"]

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
_MAX_DISCOUNTS = 256  # levyfast._core.compact_features' bound on A's columns


@dataclass(frozen=True)
class CompactGraph:
    """The preprocessing constants of a compact graph and its network as an ONNX model.

    ``a`` [2, m], ``parity`` [m, n], ``fill`` [n], ``floor``, ``center`` [3 n + 2] (n quotes
    per surface); ``network`` maps ``h0`` (float32 [batch, 3 n + 2]) to the graph's output.
    """

    a: NDArray[np.float64]
    parity: NDArray[np.float64]
    fill: NDArray[np.float64]
    floor: float
    center: NDArray[np.float64]
    network: bytes

    @property
    def n_features(self) -> int:
        return int(self.center.size)


def _attributes(node: Any) -> dict[str, Any]:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def split(blob: bytes, n_quotes: int) -> CompactGraph | None:
    """The split of the ONNX model ``blob`` with ``n_quotes`` quotes per surface, or None
    when its graph is not a compact calibrator graph (then the whole graph serves)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load_from_string(blob)
    graph = model.graph
    nodes = list(graph.node)
    head = [(n.op_type, tuple(n.input), tuple(n.output), _attributes(n), n.domain)
            for n in nodes[:len(PREPROCESSING)]]
    if head != [(*p, "") for p in PREPROCESSING]:
        return None
    if [i.name for i in graph.input] != ["prices", "market"] or len(graph.output) != 1:
        return None
    produced = {o for p in PREPROCESSING for o in p[2]} - {_FEATURES}
    rest = nodes[len(PREPROCESSING):]
    if any(set(n.input) & (produced | {"prices", "market"}) for n in rest):
        return None
    inits = {t.name: t for t in graph.initializer}
    try:
        flat = numpy_helper.to_array(inits["flat"])
        a = numpy_helper.to_array(inits["A"]).astype(np.float64)
        parity = numpy_helper.to_array(inits["parity"]).astype(np.float64)
        fill = numpy_helper.to_array(inits["fill"]).astype(np.float64)
        floor = numpy_helper.to_array(inits["floor"]).astype(np.float64)
        center = numpy_helper.to_array(inits["center"]).astype(np.float64)
    except KeyError:
        return None
    n = n_quotes
    m = a.shape[1] if a.ndim == 2 else -1
    if not (flat.tolist() == [-1, n] and a.shape == (2, m) and 0 < m <= _MAX_DISCOUNTS
            and parity.shape == (m, n) and fill.shape == (n,) and floor.shape == ()
            and center.shape == (3 * n + 2,)):
        return None
    used = {name for node in rest for name in node.input}
    network = helper.make_graph(
        rest, f"{graph.name}_network",
        [helper.make_tensor_value_info(_FEATURES, TensorProto.FLOAT, [None, 3 * n + 2])],
        list(graph.output), [t for name, t in inits.items() if name in used])
    sub = helper.make_model(network, opset_imports=list(model.opset_import),
                            producer_name=model.producer_name)
    sub.ir_version = model.ir_version
    return CompactGraph(a, parity, fill, float(floor), center, sub.SerializeToString())
