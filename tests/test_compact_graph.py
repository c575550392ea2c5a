"""The one-surface path of compact calibrator graphs (levyfast._compact_graph): C++ features
and the network alone (split off on the protobuf wire format; natively where it is a chain of
dense layers, else in a session of its own) must give the whole graph's answer, and a graph
that does not open with the compact preprocessing must not be split."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest

import levyfast as lf
from levyfast._compact_graph import PREPROCESSING, split
from levyfast._core import CompactFeatures

pytest.importorskip("onnxruntime")

FAMILIES = {"vg": lf.VarianceGamma, "nig": lf.NIG, "cgmy": lf.CGMY}


def _blob(name: str) -> bytes:
    return (resources.files("levyfast") / "pretrained" / f"{name}.onnx").read_bytes()


def _random_surfaces(cal: lf.Calibrator, family, n: int, seed: int):
    """(surface, market) pairs at random parameters, spots and rates/dividends of the
    calibrator's training range; every third surface misses 10% of its quotes."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        params = {p: rng.uniform(*cal.bounds[p]) if p in cal.bounds else cal.fixed_params[p]
                  for p in family.PARAM_NAMES}
        try:
            model = family(**params)
        except ValueError:  # a draw outside the model's domain (e.g. a moment condition)
            continue
        market = lf.Market(float(np.exp(rng.uniform(-3.0, 5.0))),
                           rng.uniform(*cal._rate_range), rng.uniform(*cal._dividend_range))
        surface = lf.price(model, market, cal.strikes * market.spot, cal.maturities)
        if len(out) % 3 == 0:
            surface[rng.random(surface.shape) < 0.1] = np.nan
        out.append((surface, market))
    return out


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_pretrained_graphs_split_and_agree_with_the_whole_graph(name: str) -> None:
    cal = lf.Calibrator.load(name)
    graph = split(_blob(name), cal.strikes.size * cal.maturities.size)
    assert graph is not None and graph.layers is not None
    assert cal._native is not None  # the native network passed its check at load
    for surface, market in _random_surfaces(cal, FAMILIES[name], 60, seed=7):
        one = cal.predict(surface, market)  # features and network in C++
        whole = cal.predict(np.stack([surface, surface]), market)[0]  # the whole graph
        # the same float32 network on the same features, its sums in another order
        np.testing.assert_allclose(one, whole, rtol=2e-6, atol=2e-6)


def test_network_sessions_serve_graphs_without_dense_layers(tmp_path) -> None:
    """A network spelled with a Gemm attribute (the transposed first weight, transB = 1) is
    split, has no dense layers and runs in a session of its own, with the same answers."""
    from levyfast.calibrator import stamp_digest

    onnx = pytest.importorskip("onnx")
    numpy_helper = onnx.numpy_helper
    model = onnx.load_from_string(_blob("cgmy"))
    gemm = next(n for n in model.graph.node if n.op_type == "Gemm")
    weight = next(t for t in model.graph.initializer if t.name == gemm.input[1])
    weight.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(weight).T.copy(),
                                            weight.name))
    gemm.attribute.append(onnx.helper.make_attribute("transB", 1))
    blob = stamp_digest(model.SerializeToString())
    cal_session = lf.Calibrator.load(_save(tmp_path, blob))
    graph = split(blob, cal_session.strikes.size * cal_session.maturities.size)
    assert graph is not None and graph.layers is None and cal_session._native is None
    cal = lf.Calibrator.load("cgmy")
    for surface, market in _random_surfaces(cal, lf.CGMY, 10, seed=11):
        np.testing.assert_allclose(cal_session.predict(surface, market),
                                   cal.predict(surface, market), rtol=2e-6, atol=2e-6)


def test_a_native_network_that_disagrees_is_not_used(monkeypatch, caplog) -> None:
    """The load-time check: a native network whose outputs differ from ONNX Runtime's by more
    than float32 rounding (here one weight of the second layer changed by 0.5) is refused
    with a warning, and one surface runs the network session."""
    import levyfast.calibrator as calibrator

    real = calibrator.DenseNetwork

    def tampered(weights, biases, activations):
        weights = list(weights)
        weights[1] = weights[1].copy()
        weights[1][7, 3] += 0.5  # one weight of the second layer
        return real(weights, biases, activations)

    monkeypatch.setattr(calibrator, "DenseNetwork", tampered)
    with caplog.at_level("WARNING", logger="levyfast.calibrator"):
        cal = lf.Calibrator.load("vg")
    assert cal._native is None and "disagrees with ONNX Runtime" in caplog.text
    for surface, market in _random_surfaces(cal, lf.VarianceGamma, 5, seed=2):
        np.testing.assert_allclose(cal.predict(surface, market),
                                   cal.predict(np.stack([surface]), market)[0], rtol=1e-6,
                                   atol=1e-7)


def test_features_equal_the_graphs_h0() -> None:
    """The C++ features against ONNX Runtime's own ``h0`` (the graph cut after its
    preprocessing), on random quotes with missing ones, at random rates and dividends."""
    import onnxruntime as ort

    onnx = pytest.importorskip("onnx")  # to cut the graph after its preprocessing
    blob = _blob("cgmy")
    model = onnx.load_from_string(blob)
    del model.graph.node[len(PREPROCESSING):]
    del model.graph.output[:]
    model.graph.output.append(onnx.helper.make_tensor_value_info("h0", onnx.TensorProto.FLOAT,
                                                                 None))
    session = ort.InferenceSession(model.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    n_t, n_k = session.get_inputs()[0].shape[1:]
    graph = split(blob, n_t * n_k)
    assert graph is not None
    features = CompactFeatures(graph.a, graph.parity, graph.fill, graph.floor, graph.center)
    rng = np.random.default_rng(3)
    for _ in range(50):
        x = rng.uniform(0.0, 1.2, (n_t, n_k)) * rng.uniform(0.0, 1.0, (n_t, 1))
        x[rng.random(x.shape) < 0.2] = np.nan
        rate, dividend = rng.uniform(-0.05, 0.1, 2)
        want = session.run(None, {"prices": x[None], "market": np.array([[rate, dividend]])})[0]
        got = np.zeros((1, features.n_features), np.float32)
        features(x, rate, dividend, got)
        np.testing.assert_allclose(got, want, rtol=2e-7, atol=1e-6)


def test_other_graphs_are_not_split_and_run_whole(tmp_path) -> None:
    """A graph whose preprocessing differs from the compact one in one attribute is served by
    the whole graph (and is still a valid calibrator)."""
    from levyfast.calibrator import stamp_digest

    onnx = pytest.importorskip("onnx")  # to write the variant graph
    model = onnx.load_from_string(_blob("vg"))
    concat = next(n for n in model.graph.node if n.op_type == "Concat")
    concat.attribute[0].i = -1  # the same concatenation, spelled differently
    blob = stamp_digest(model.SerializeToString())
    cal_whole = lf.Calibrator.load(_save(tmp_path, blob))
    assert split(blob, cal_whole.strikes.size * cal_whole.maturities.size) is None
    cal = lf.Calibrator.load("vg")
    for surface, market in _random_surfaces(cal, lf.VarianceGamma, 10, seed=5):
        np.testing.assert_allclose(cal_whole.predict(surface, market),
                                   cal.predict(surface, market), rtol=1e-6, atol=1e-7)


def _save(tmp_path, blob: bytes):
    path = tmp_path / "other.onnx"
    path.write_bytes(blob)
    return path


def test_features_reject_foreign_buffers() -> None:
    graph = split(_blob("vg"), 77)
    assert graph is not None
    features = CompactFeatures(graph.a, graph.parity, graph.fill, graph.floor, graph.center)
    x = np.zeros(77)
    with pytest.raises(ValueError, match="`out` must be a writable C-contiguous float32"):
        features(x, 0.0, 0.0, np.zeros(features.n_features))  # float64: no silent copy
    with pytest.raises(ValueError, match="`x` must be a C-contiguous float64 array of n"):
        features(np.zeros(76), 0.0, 0.0, np.zeros(features.n_features, np.float32))
    with pytest.raises(ValueError, match="`parity` must have shape"):
        CompactFeatures(graph.a, graph.parity[:, :-1], graph.fill, graph.floor, graph.center)
