"""Tiny trainings of every architecture: export verified against TF, loadable by Calibrator,
deterministic for a seed; the augmentation does what it says. Needs the ``[train]`` extra."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
pytest.importorskip("tf2onnx")

import levyfast as lf  # noqa: E402
from levyfast._compact_graph import split  # noqa: E402
from levyfast._core import CompactFeatures, DenseNetwork  # noqa: E402
from levyfast_train.architectures import ARCHITECTURES, build, build_ensemble  # noqa: E402
from levyfast_train.compact import compact_mlp  # noqa: E402
from levyfast_train.dataset import generate, load, price_jacobian, stream  # noqa: E402
from levyfast_train.export import export  # noqa: E402
from levyfast_train.families import FAMILIES  # noqa: E402
from levyfast_train.pipeline import as_arrays, augment, make_dataset, stream_dataset  # noqa: E402
from levyfast_train.train import TrainConfig, _loss, predict, train, with_jacobian  # noqa: E402

TINY = dict(n_train=512, n_val=128, epochs=1, width=16, depth=2, batch=128, max_minutes=1.0)


@pytest.fixture(scope="module")
def data():
    cfg = TrainConfig(family="cgmy")
    return generate(cfg.spec, 64, seed=5, strikes=np.array(cfg.strikes),
                    maturities=np.array(cfg.maturities), sobol=False)


def test_generate_matches_pricer_and_box() -> None:
    fam = FAMILIES["nig"]
    cfg = TrainConfig(family="nig")
    d = generate(fam, 16, seed=1, strikes=np.array(cfg.strikes),
                 maturities=np.array(cfg.maturities))
    assert d.prices.shape == (16, 7, 11)
    assert np.all(d.params[:, 0] >= 5.0) and np.all(d.params[:, 0] <= 25.0)
    i = 3
    want = lf.price(lf.NIG(*d.params[i]), lf.Market(1.0, d.rates[i], d.dividends[i]),
                    d.strikes, d.maturities)
    np.testing.assert_allclose(d.prices[i], want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_architecture_exports_and_calibrates(arch, tmp_path, data) -> None:
    cfg = TrainConfig(family="cgmy", arch=arch, **TINY)
    result = train(cfg, progress=lambda s: None)
    prices, market, _ = as_arrays(data)
    path, err = export(result.model, cfg, result.metrics, tmp_path / f"{arch}.onnx", prices,
                       market)
    assert err <= 1e-5
    cal = lf.Calibrator.load(path, model=lf.CGMY)
    got = cal.predict(data.prices, [lf.Market(1.0, r, q) for r, q in
                                    zip(data.rates, data.dividends, strict=True)])
    np.testing.assert_allclose(got, predict(result.model, prices, market), rtol=1e-5,
                               atol=1e-6)
    # bounds enforced inside the graph, fixed sigma = 0 exported as a constant
    for j, name in enumerate(cal.param_names):
        if name in cal.bounds:
            lo, hi = cal.bounds[name]
            assert np.all((got[:, j] >= lo) & (got[:, j] <= hi))
        else:
            assert np.all(got[:, j] == 0.0)
    meta = cal.metadata
    assert json.loads(meta["training_config"])["arch"] == arch
    assert set(json.loads(meta["training_metrics"])) == {"C", "G", "M", "Y"}


def test_training_is_deterministic() -> None:
    cfg = TrainConfig(family="vg", noise=0.01, missing=0.1, **TINY)
    a = train(cfg, progress=lambda s: None)
    b = train(cfg, progress=lambda s: None)
    for wa, wb in zip(a.model.get_weights(), b.model.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)


def test_ensemble_averages_members(data) -> None:
    fam = FAMILIES["cgmy"]
    cfg = TrainConfig(family="cgmy")
    members = [build("mlp", fam, np.array(cfg.strikes), np.array(cfg.maturities), width=16,
                     depth=1, name=f"m{i}") for i in range(2)]
    ens = build_ensemble(members)
    prices, market, _ = as_arrays(data)
    want = 0.5 * (predict(members[0], prices, market) + predict(members[1], prices, market))
    np.testing.assert_allclose(predict(ens, prices, market), want, rtol=1e-6)


def test_augmentation_noise_and_masking() -> None:
    prices = tf.constant(np.full((512, 7, 11), 0.1))
    noisy = augment(prices, tf.constant([1, 2], tf.int64), noise=0.05, missing=0.0).numpy()
    rel = noisy / 0.1 - 1.0
    assert 0.01 < rel.std() < 0.05  # level ~ U(0, 5%): rms 5%/sqrt(3) = 2.9%
    holes = augment(prices, tf.constant([1, 2], tf.int64), noise=0.0, missing=0.2).numpy()
    assert 0.05 < np.isnan(holes).mean() < 0.15  # fraction ~ U(0, 20%): mean 10%
    again = augment(prices, tf.constant([1, 2], tf.int64), noise=0.0, missing=0.2).numpy()
    np.testing.assert_array_equal(np.isnan(holes), np.isnan(again))


def test_dataset_batches(data) -> None:
    prices, market, params = as_arrays(data)
    ds = make_dataset(prices, market, params, batch=16, seed=0, shuffle=False)
    (p, m), y = next(iter(ds))
    assert p.shape == (16, *data.prices.shape[1:]) and m.shape == (16, 2) and y.shape == (16, 5)
    assert p.dtype == tf.float64


@pytest.mark.parametrize("family", ["vg", "cgmy"])
def test_compact_graph_equals_keras_with_missing_quotes(family, data) -> None:
    """The hand-built graph (folded scaling, mask-row correction) is the Keras network."""
    ort = pytest.importorskip("onnxruntime")
    fam = FAMILIES[family]
    cfg = TrainConfig(family=family)
    tf.keras.utils.set_random_seed(3)
    model = build("mlp", fam, np.array(cfg.strikes), np.array(cfg.maturities), width=24,
                  depth=3)
    d = data if family == "cgmy" else generate(fam, 64, seed=5, strikes=np.array(cfg.strikes),
                                               maturities=np.array(cfg.maturities),
                                               sobol=False)
    prices, market, _ = as_arrays(d)
    model.get_layer("features").adapt(prices, market)
    rng = np.random.default_rng(0)
    for layer in model.layers:  # non-zero biases, so that every folded term matters
        if layer.get_weights() and hasattr(layer, "kernel"):
            w, b = layer.get_weights()
            layer.set_weights([w, rng.normal(0.0, 0.3, b.shape).astype(np.float32)])
    holes = prices.copy()
    holes[rng.random(holes.shape) < 0.2] = np.nan
    proto = compact_mlp(model, 17)
    assert len(proto.graph.node) <= 26
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    for x in (prices, holes):
        got = sess.run(None, {"prices": x, "market": market})[0]
        want = predict(model, x, market)
        assert np.max(np.abs(got - want) / np.maximum(np.abs(want), 1.0)) < 1e-5
    # levyfast serves one surface by the C++ features and a session of the network alone
    parts = split(proto.SerializeToString(), len(cfg.strikes) * len(cfg.maturities))
    assert parts is not None
    network = ort.InferenceSession(parts.network, providers=["CPUExecutionProvider"])
    features = CompactFeatures(parts.a, parts.parity, parts.fill, parts.floor, parts.center)
    whole = sess.run(None, {"prices": holes, "market": market})[0]
    h0 = np.zeros((1, features.n_features), np.float32)
    for i in range(len(holes)):
        features(np.ascontiguousarray(holes[i], np.float64), float(market[i, 0]),
                 float(market[i, 1]), h0)
        np.testing.assert_allclose(network.run(None, {"h0": h0})[0][0], whole[i], rtol=1e-6,
                                   atol=1e-7)
        # ... and the network natively: its dense layers as exported (three SiLU layers, the
        # sigmoid output, the box map)
        assert parts.layers is not None
        assert [act for _, _, act in parts.layers] == ["silu"] * 3 + ["sigmoid", "identity"]
        native = DenseNetwork(*(list(v) for v in zip(*parts.layers, strict=True)))
        out = np.zeros(whole.shape[1], np.float32)
        native(h0[0], out)
        np.testing.assert_allclose(out, whole[i], rtol=1e-5, atol=1e-6)


def test_price_jacobian_matches_bumped_prices() -> None:
    fam = FAMILIES["cgmy"]
    cfg = TrainConfig(family="cgmy")
    d = generate(fam, 8, seed=2, strikes=np.array(cfg.strikes),
                 maturities=np.array(cfg.maturities), sobol=False)
    jac = price_jacobian(fam, d)
    assert jac.shape == (8, d.prices[0].size, 5)
    np.testing.assert_array_equal(jac[:, :, 4], 0.0)  # sigma is fixed
    for i, j in [(0, 0), (3, 1), (5, 2), (7, 3)]:
        market = lf.Market(1.0, d.rates[i], d.dividends[i])
        h = 1e-5 * d.params[i, j]
        up, down = d.params[i].copy(), d.params[i].copy()
        up[j] += h
        down[j] -= h
        fd = (lf.price(lf.CGMY(*up), market, d.strikes, d.maturities, method=fam.method,
                       tolerance=fam.tolerance)
              - lf.price(lf.CGMY(*down), market, d.strikes, d.maturities, method=fam.method,
                         tolerance=fam.tolerance)).ravel() / (2 * h)
        np.testing.assert_allclose(jac[i, :, j], fd, rtol=1e-3, atol=1e-5 * np.abs(fd).max())


def test_price_weighted_loss_is_box_mse_plus_linearised_price_error() -> None:
    fam = FAMILIES["vg"]
    rng = np.random.default_rng(1)
    true = rng.uniform(fam.low_array, fam.high_array, (5, 3))
    pred = true + rng.normal(0.0, 0.01, (5, 3))
    jac = rng.normal(0.0, 0.1, (5, 77, 3))
    y = with_jacobian(true, jac)
    width = fam.high_array - fam.low_array
    box = np.mean(((pred - true) / width) ** 2, axis=1)
    dprice = np.einsum("nqk,nk->nq", jac, pred - true) / 1e-3
    want = box + 0.5 * np.mean(dprice**2, axis=1)
    got = _loss(fam, 0.5)(tf.constant(y), tf.constant(pred, tf.float32)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4)
    np.testing.assert_allclose(_loss(fam, 0.0)(tf.constant(true, tf.float32),
                                               tf.constant(pred, tf.float32)).numpy(),
                               box, rtol=1e-4)


def test_training_data_from_a_written_dataset(tmp_path) -> None:
    """`levyfast train --data` reads what levyfast.data.write_surfaces wrote; the values
    are the generator's, and a dataset of another family or box is refused."""
    fam = FAMILIES["vg"]
    cfg = TrainConfig(family="vg")
    box = {n: (fam.low[n], fam.high[n]) for n in fam.free_names}
    lf.data.write_surfaces(lf.VarianceGamma, 32, str(tmp_path / "vg"), seed=4, param_box=box,
                           rate_range=(0.0, 0.06), dividend_range=(0.0, 0.03),
                           strikes=np.array(cfg.strikes), maturities=np.array(cfg.maturities),
                           store=("price",))
    got = load(str(tmp_path / "vg"), fam)
    want = generate(fam, 32, seed=4, strikes=np.array(cfg.strikes),
                    maturities=np.array(cfg.maturities))
    np.testing.assert_array_equal(got.prices, want.prices)
    np.testing.assert_array_equal(got.params, want.params)
    with pytest.raises(ValueError, match="holds VarianceGamma surfaces; expected NIG"):
        load(str(tmp_path / "vg"), FAMILIES["nig"])
    lf.data.write_surfaces(lf.VarianceGamma, 8, str(tmp_path / "wide"), seed=4,
                           param_box={"sigma": (0.05, 0.9), "nu": (0.1, 0.2),
                                      "theta": (-0.1, 0.0)},
                           strikes=np.array(cfg.strikes), maturities=np.array(cfg.maturities),
                           store=("price",))
    with pytest.raises(ValueError, match="parameter sigma spans"):
        load(str(tmp_path / "wide"), fam)
    with pytest.raises(ValueError, match="parameter sigma spans"):
        next(stream(str(tmp_path / "wide"), fam))


def _rows(ds, n_batches=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    batches = list(ds if n_batches is None else ds.take(n_batches))
    return tuple(np.concatenate([b[0][i].numpy() for b in batches]) for i in (0, 1)) + (
        np.concatenate([b[1].numpy() for b in batches]),)


def test_streamed_training_reads_the_split_shard_by_shard(tmp_path) -> None:
    """`--data DIR` streams the train split from the shards (several shards and chunks here):
    in order without shuffling, a permutation of the same rows with it; training from the
    path validates on the val split."""
    fam = FAMILIES["vg"]
    box = {n: (fam.low[n], fam.high[n]) for n in fam.free_names}
    path = str(tmp_path / "vg")
    lf.data.write_surfaces(lf.VarianceGamma, 300, path, seed=4, param_box=box,
                           rate_range=(0.0, 0.06), dividend_range=(0.0, 0.03),
                           strikes=fam.strikes, maturities=fam.maturities, store=("price",),
                           shard_size=64)
    want = as_arrays(load(path, fam).split("train"))
    ordered = stream_dataset(path, fam, split="train", batch=50, seed=0, shuffle=False,
                             chunk_size=32)
    for got, ref in zip(_rows(ordered), want, strict=True):
        np.testing.assert_array_equal(got, ref)
    n = len(want[0])
    shuffled = stream_dataset(path, fam, split="train", batch=n, seed=0, shuffle=True,
                              chunk_size=32, shuffle_buffer=1024)
    prices, market, params = _rows(shuffled, 1)
    order = np.lexsort(params.T)
    assert not np.array_equal(params, want[2])
    np.testing.assert_array_equal(params[order], want[2][np.lexsort(want[2].T)])
    np.testing.assert_array_equal(prices[order], want[0][np.lexsort(want[2].T)])
    result = train(TrainConfig(family="vg", **TINY), path, progress=lambda s: None)
    assert set(result.metrics) == {"sigma", "nu", "theta"}
    assert np.isfinite(result.history["val_loss"]).all()


def test_train_and_evaluate_cli_on_a_written_dataset(tmp_path, capsys) -> None:
    """`levyfast train --data DIR` (streamed) writes a calibrator on the dataset's grid and box
    (here `levyfast generate`'s default box, wider than the NIG family's) with its training
    report and lists the files; `levyfast evaluate` scores it on fresh surfaces, writes its
    report and lists it, or prints it as JSON."""
    from levyfast_train.cli import main

    fam = FAMILIES["nig"]
    box = dict(lf.NIG.SAMPLING_BOX)
    assert any(box[n] != (fam.low[n], fam.high[n]) for n in box)
    data = str(tmp_path / "nig")
    strikes = np.round(np.linspace(0.85, 1.15, 7), 10)
    lf.data.write_surfaces(lf.NIG, 400, data, seed=1,
                           rate_range=(0.0, 0.06), dividend_range=(0.0, 0.03),
                           strikes=strikes, maturities=fam.maturities[:4], store=("price",),
                           shard_size=128)
    out = tmp_path / "nig.onnx"
    assert main(["train", "--model", "nig", "--data", data, "--out", str(out), "--epochs", "1",
                 "--width", "16", "--depth", "2", "--batch", "64", "--n-val", "64"]) == 0
    cal = lf.Calibrator.load(out, model=lf.NIG)
    np.testing.assert_array_equal(cal.strikes, strikes)
    np.testing.assert_array_equal(cal.maturities, fam.maturities[:4])
    assert {n: tuple(b) for n, b in cal.bounds.items()} == box
    report = json.loads((tmp_path / "nig.training.json").read_text())
    assert set(report["validation"]) == {"alpha", "beta", "delta"}
    printed = capsys.readouterr().out
    assert "streaming the train split" in printed
    listed = printed.split("wrote:\n")[1].split()
    assert listed == [str(out), *(str(tmp_path / f"nig.{e}")
                                  for e in ("weights.h5", "curves.png", "training.json"))]
    assert all(Path(f).is_file() for f in listed)
    assert main(["evaluate", str(out), "--n", "40", "--out-dir", str(tmp_path / "ev")]) == 0
    evaluation = json.loads((tmp_path / "ev" / "report.json").read_text())
    assert evaluation["n_test"] == 40 and set(evaluation["clean"]["params"]) == set(box)
    listed = capsys.readouterr().out.split("wrote:\n")[1].split()
    assert listed == [str(tmp_path / "ev" / f)
                      for f in ("report.json", "report.md", "predicted_vs_true.png")]
    assert main(["evaluate", str(out), "--n", "20", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_test"] == 20
