"""A hand-built ONNX graph of a trained MLP calibrator: few nodes, scaling folded in.

ONNX Runtime spends roughly 0.2-0.5 us per node on a single-surface call, so the tf2onnx
conversion of the Keras graph (66 nodes: slices, squeezes, casts) costs more than the
arithmetic. This module writes the same function with ~25 nodes:

* the market enters once, ``Exp(MatMul(market, A))`` giving ``e^{-qT}`` and ``e^{-rT}`` per
  maturity, and one ``MatMul`` with a fixed 0/1/-k matrix gives ``e^{-qT} - k e^{-rT}`` for
  every quote; the parity intrinsic value is its ``Relu``;
* the standardisation of channels and market is one float64 ``Add`` (centring, before the
  float32 cast: it cancels digits) and a scaling folded into the first layer's weights;
  missing quotes are set to the training mean and the mask row of the first layer absorbs
  the difference;
* the feature order is rearranged once (rows of the first weight matrix are permuted), so no
  ``Reshape``/``Transpose`` of the features is needed;
* the box map ``low + width * sigmoid(z)`` and the insertion of fixed parameters are one
  ``Gemm`` on ``sigmoid(z)``.

Only a single ``mlp`` network (the reference architecture) is handled here; the other
architectures and ensembles are exported by tf2onnx (:func:`levyfast_train.export.to_onnx`).
"""

from __future__ import annotations

import numpy as np
import onnx
import tf_keras as keras
from onnx import TensorProto, helper, numpy_helper

from levyfast._compact_graph import PREPROCESSING

from .architectures import SurfaceFeatures

__all__ = ["compact_mlp"]

_FLOOR = 1e-6


def _dense_layers(model: keras.Model) -> list[keras.layers.Dense]:
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def compact_mlp(model: keras.Model, opset: int) -> onnx.ModelProto:
    """The ONNX graph ``(prices, market) -> params`` of an ``mlp`` network from
    :func:`levyfast_train.architectures.build` (inputs float64, output float32)."""
    feats = model.get_layer("features")
    if not isinstance(feats, SurfaceFeatures):
        raise TypeError("compact_mlp needs a network from levyfast_train.architectures.build")
    box = model.get_layer("params")
    dense = _dense_layers(model)
    t, k = feats.maturities, feats.strikes
    n_t, n_k = len(t), len(k)
    n = n_t * n_k
    tj = np.repeat(t, n_k)  # maturity of flat quote j = i_t * n_K + i_k
    kj = np.tile(k, n_t)
    gmean = feats.grid_mean.numpy().reshape(n, 2)
    gstd = feats.grid_std.numpy().reshape(n, 2)
    mmean, mstd = feats.market_mean.numpy(), feats.market_std.numpy()

    # discount factors per maturity, exp(-q T_i) then exp(-r T_i), and the forward-minus-strike
    # matrix: fwd_j = exp(-q T(j)) - k_j exp(-r T(j)) = (disc @ parity)_j (2 n_T exps, no split)
    a_mkt = np.zeros((2, 2 * n_t))
    a_mkt[1, :n_t] = -t
    a_mkt[0, n_t:] = -t
    parity = np.zeros((2 * n_t, n))
    rows = np.repeat(np.arange(n_t), n_k)
    parity[rows, np.arange(n)] = 1.0
    parity[n_t + rows, np.arange(n)] = -kj
    # a missing quote's OTM price is set to the training mean, so its first standardised
    # channel is 0 as in Keras; its log channel is then the constant v1 instead of 0, which
    # the mask row of the first layer takes back (the mask is 1 exactly there).
    fill = gmean[:, 0] * np.sqrt(tj)
    v1 = (np.log(np.maximum(fill, _FLOOR)) - gmean[:, 1]) / gstd[:, 1]
    # x = [otm (all j), log otm (all j), mask (all j), rate, dividend], standardised as
    # x * scale + shift (the mask passes unchanged)
    scale = np.concatenate([1.0 / (np.sqrt(tj) * gstd[:, 0]), 1.0 / gstd[:, 1], np.ones(n),
                            1.0 / mstd])
    shift = np.concatenate([-gmean[:, 0] / gstd[:, 0], -gmean[:, 1] / gstd[:, 1], np.zeros(n),
                            -mmean / mstd])
    # first layer: Keras input order is (quote j, channel c) with c fastest, then market
    w1, b1 = (v.astype(np.float64) for v in dense[0].get_weights())
    w_ch0, w_ch1, w_mask = (w1[np.arange(n) * 3 + c] for c in range(3))
    w1 = np.concatenate([w_ch0, w_ch1, w_mask - v1[:, None] * w_ch1, w1[3 * n:]])
    # centring stays in float64 (an Add before the cast: it cancels digits), the division by
    # the standard deviation is folded into the first layer (relative precision is kept)
    center = shift / scale
    w1 = scale[:, None] * w1

    low, width = box.low.astype(np.float64), box.width.astype(np.float64)
    out_w = width[:, None] * box.select
    out_b = low @ box.select + box.constants

    inits = {
        "A": a_mkt, "parity": parity, "floor": np.array(_FLOOR),
        "fill": fill, "center": center, "flat": np.array([-1, n]),
        "W1": w1.astype(np.float32), "b1": b1.astype(np.float32),
        "Wbox": out_w.astype(np.float32), "bbox": out_b.astype(np.float32),
    }
    # the fixed preprocessing, from its one definition (levyfast splits it off by it)
    nodes = [helper.make_node(op, list(inputs), list(outputs), **attrs)  # type: ignore[arg-type]
             for op, inputs, outputs, attrs in PREPROCESSING]
    h = "h0"
    for i, layer in enumerate(dense[:-1]):
        if i > 0:
            w, b = layer.get_weights()
            inits[f"W{i + 1}"], inits[f"b{i + 1}"] = w, b
        nodes += [helper.make_node("Gemm", [h, f"W{i + 1}", f"b{i + 1}"], [f"z{i + 1}"]),
                  helper.make_node("Sigmoid", [f"z{i + 1}"], [f"s{i + 1}"]),
                  helper.make_node("Mul", [f"z{i + 1}", f"s{i + 1}"], [f"h{i + 1}"])]
        h = f"h{i + 1}"
    w, b = dense[-1].get_weights()
    inits["Wout"], inits["bout"] = w, b
    nodes += [helper.make_node("Gemm", [h, "Wout", "bout"], ["zout"]),
              helper.make_node("Sigmoid", ["zout"], ["unit"]),
              helper.make_node("Gemm", ["unit", "Wbox", "bbox"], ["params"])]
    k_out = out_w.shape[1]
    graph = helper.make_graph(
        nodes, "levyfast_calibrator",
        [helper.make_tensor_value_info("prices", TensorProto.DOUBLE, [None, n_t, n_k]),
         helper.make_tensor_value_info("market", TensorProto.DOUBLE, [None, 2])],
        [helper.make_tensor_value_info("params", TensorProto.FLOAT, [None, k_out])],
        [numpy_helper.from_array(np.asarray(v), name) for name, v in inits.items()])
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="levyfast.training")
    proto.ir_version = 8
    return proto
