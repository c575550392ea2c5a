"""Training loop: data, network, loss on the box-scaled parameters, schedule, early stopping."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf
import tf_keras as keras

import levyfast as lf

from .architectures import build, build_ensemble
from .dataset import SurfaceDataset, generate, price_jacobian, stream
from .families import FAMILIES, Family
from .pipeline import as_arrays, make_dataset, stream_dataset

__all__ = ["TrainConfig", "TrainResult", "train", "predict", "parameter_metrics"]

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    """Everything a training run depends on; saved in the model's metadata.

    The learning rate follows a cosine decay from ``learning_rate`` over ``epochs`` (Loshchilov
    & Hutter 2017, SGDR); ``price_weight`` > 0 adds the linearised re-pricing error to the
    loss (see :func:`_loss`); early stopping after ``patience`` epochs without improvement of the
    validation loss restores the best weights; ``max_minutes`` caps the wall time.
    """

    family: str = "vg"
    arch: str = "mlp"
    n_train: int = 65536
    n_val: int = 4096
    seed: int = 0
    epochs: int = 200
    batch: int = 256
    learning_rate: float = 2e-3
    width: int = 256
    depth: int = 4
    noise: float = 0.0
    missing: float = 0.0
    ensemble: int = 1
    price_weight: float = 0.0
    max_minutes: float = 9.0
    patience: int = 20
    strikes: list[float] = field(default_factory=list)  # empty: the family's grid
    maturities: list[float] = field(default_factory=list)
    box: dict[str, list[float]] = field(default_factory=dict)  # {name: [low, high]} overrides

    def __post_init__(self) -> None:
        if not self.strikes:
            self.strikes = self.spec.strikes.tolist()
        if not self.maturities:
            self.maturities = self.spec.maturities.tolist()

    @property
    def spec(self) -> Family:
        if self.family not in FAMILIES:
            raise ValueError(f"`family` must be one of {tuple(FAMILIES)}; got {self.family!r}")
        family = FAMILIES[self.family]
        unknown = set(self.box) - set(family.free_names)
        if unknown:
            raise ValueError(f"`box` names {sorted(unknown)}, not free parameters of "
                             f"{self.family} {family.free_names}")
        return dataclasses.replace(
            family, low={**family.low, **{k: float(v[0]) for k, v in self.box.items()}},
            high={**family.high, **{k: float(v[1]) for k, v in self.box.items()}})


@dataclass
class TrainResult:
    model: keras.Model
    history: dict[str, list[float]]
    metrics: dict[str, dict[str, float]]
    seconds: float
    config: TrainConfig


def predict(model: keras.Model, prices: np.ndarray, market: np.ndarray,
            batch: int = 8192) -> np.ndarray:
    """Parameters ``[n, k]`` from the TF network on float64 inputs (``Model.predict`` would
    cast them to float32, losing the digits the parity subtraction needs)."""
    out = [model([tf.constant(prices[i:i + batch]), tf.constant(market[i:i + batch])],
                 training=False).numpy() for i in range(0, len(prices), batch)]
    return np.concatenate(out).astype(np.float64)


def parameter_metrics(names, true: np.ndarray, pred: np.ndarray) -> dict[str, dict[str, float]]:
    """R^2 and mean absolute error per parameter column."""
    out = {}
    for j, name in enumerate(names):
        resid = pred[:, j] - true[:, j]
        var = float(np.var(true[:, j]))
        r2 = 1.0 - float(np.mean(resid**2)) / var if var > 0 else float("nan")
        out[name] = {"r2": r2, "mae": float(np.mean(np.abs(resid)))}
    return out


class _Budget(keras.callbacks.Callback):
    """Stops after ``seconds`` of wall time and reports progress once per epoch."""

    def __init__(self, seconds: float, progress: Callable[[str], None]):
        super().__init__()
        self.seconds, self.progress, self.start = seconds, progress, time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        elapsed = time.perf_counter() - self.start
        opt = self.model.optimizer
        lr = float(opt.lr(opt.iterations) if callable(opt.lr) else opt.lr)
        epochs = self.params.get("epochs") or epoch + 1
        # at most the rest of the epochs at the mean pace so far, at most the budget left
        eta = min(elapsed / (epoch + 1) * (epochs - epoch - 1), max(self.seconds - elapsed, 0))
        self.progress(f"epoch {epoch + 1:4d}/{epochs}  loss {logs.get('loss', 0):.3e}  "
                      f"val_loss {logs.get('val_loss', 0):.3e}  lr {lr:.1e}  {elapsed:6.0f} s  "
                      f"ETA {eta:4.0f} s")
        if elapsed > self.seconds:
            self.progress("time budget reached; stopping")
            self.model.stop_training = True


#: Price error (fraction of spot) that costs as much as a parameter error of a box width.
PRICE_SCALE = 1e-3


def _loss(family: Family, price_weight: float):
    """Mean squared parameter error scaled by the box widths (fixed parameters ignored),
    plus, with ``price_weight`` > 0, ``price_weight`` times the mean squared re-pricing error
    linearised at the truth, ``|J (p_pred - p_true)|^2 / n_quotes / PRICE_SCALE^2``.

    The second term tells the network which parameter errors move prices: along a ridge of
    near-equal surfaces (CGMY's C-Y trade-off) it costs little, across it a lot. ``y_true``
    is then ``[params (k), J flattened (n_quotes x k)]`` (:func:`with_jacobian`).
    """
    names = family.model_cls.PARAM_NAMES
    k = len(names)
    width = dict(zip(family.free_names, family.high_array - family.low_array, strict=True))
    w = np.array([1.0 / width[n] if n in width else 0.0 for n in names], np.float32)

    def loss(y_true, y_pred):
        err = y_pred - y_true[:, :k]
        box = tf.reduce_mean(tf.square(err * w), axis=-1)
        if price_weight <= 0.0:
            return box
        jac = tf.reshape(y_true[:, k:], [tf.shape(y_true)[0], -1, k])
        dprice = tf.reduce_sum(jac * err[:, None, :], axis=-1) / PRICE_SCALE
        return box + price_weight * tf.reduce_mean(tf.square(dprice), axis=-1)

    return loss


def with_jacobian(params: np.ndarray, jacobian: np.ndarray) -> np.ndarray:
    """Targets ``[n, k + n_quotes k]`` for the price-weighted loss (float32)."""
    return np.concatenate([params, jacobian.reshape(len(params), -1)], axis=1).astype(np.float32)


@dataclass
class _Source:
    """Where a member's training batches come from: arrays in memory or a dataset streamed
    from its Parquet shards. ``adapt`` are the (prices, market) the feature statistics are
    computed on; ``n_rows`` sets the steps of an epoch."""

    adapt: tuple[np.ndarray, np.ndarray]
    n_rows: int
    batches: Callable[[int], tf.data.Dataset]  # seed -> endless shuffled, augmented stream


def _in_memory(config: TrainConfig, train: tuple) -> _Source:
    return _Source((train[0], train[1]), len(train[0]),
                   lambda seed: make_dataset(*train, batch=config.batch, seed=seed,
                                             shuffle=True, noise=config.noise,
                                             missing=config.missing))


def _streamed(config: TrainConfig, path: str, n_adapt: int = 65536) -> _Source:
    """The ``train`` split of the dataset at ``path``, streamed; statistics from its first
    ``n_adapt`` rows (Sobol rows in order cover the box evenly)."""
    first = next(stream(path, config.spec, split="train", chunk_size=n_adapt))
    lo, hi = lf.data.SPLITS["train"]
    n_rows = max(1, round(int(first.metadata["n"]) * (hi - lo)))
    return _Source(as_arrays(first)[:2], n_rows,
                   lambda seed: stream_dataset(path, config.spec, split="train",
                                               batch=config.batch, seed=seed, shuffle=True,
                                               noise=config.noise, missing=config.missing))


def _fit_one(config: TrainConfig, source: _Source, val: tuple, seed: int,
             progress: Callable[[str], None], seconds: float) -> tuple[keras.Model, dict]:
    keras.utils.set_random_seed(seed)
    spec = config.spec
    model = build(config.arch, spec, np.array(config.strikes), np.array(config.maturities),
                  width=config.width, depth=config.depth, name=f"{config.arch}_{seed}")
    model.get_layer("features").adapt(*source.adapt)
    steps = int(np.ceil(source.n_rows / config.batch))
    schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate,
                                                      decay_steps=config.epochs * steps,
                                                      alpha=1e-3)
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss=_loss(spec, config.price_weight))
    val_ds = make_dataset(*val, batch=4096, seed=seed + 1, shuffle=False,
                          noise=config.noise, missing=config.missing)
    callbacks = [
        keras.callbacks.EarlyStopping(patience=config.patience, restore_best_weights=True),
        _Budget(seconds, progress),
    ]
    hist = model.fit(source.batches(seed), validation_data=val_ds, epochs=config.epochs,
                     steps_per_epoch=steps, callbacks=callbacks, verbose=0)
    return model, {k: [float(v) for v in vals] for k, vals in hist.history.items()}


def train(config: TrainConfig, data: SurfaceDataset | str | None = None,
          progress: Callable[[str], None] = log.info) -> TrainResult:
    """Train ``config.ensemble`` networks (averaged in one graph when more than one).

    ``data`` defaults to ``config.n_train + config.n_val`` Sobol surfaces drawn with
    ``config.seed``; the last ``n_val`` rows are the validation set (early stopping and the
    reported metrics). A path instead streams the ``train`` split of a dataset written by
    ``levyfast generate`` from its shards (its grid must be the config's) and validates on
    the first ``n_val`` rows of its ``val`` split. Deterministic for a seed on a given machine.
    """
    start = time.perf_counter()
    tf.config.experimental.enable_op_determinism()
    spec = config.spec
    if isinstance(data, str):
        if config.price_weight > 0.0:
            raise ValueError("`price_weight` needs the data in memory (Jacobians per row); "
                             "train from generated surfaces or a SurfaceDataset")
        progress(f"streaming the train split of {data}")
        val_data = next(stream(data, spec, split="val", chunk_size=config.n_val))
        val_set = as_arrays(val_data)
        source = _streamed(config, data)
    else:
        if data is None:
            progress(f"generating {config.n_train + config.n_val} {spec.model_cls.__name__} "
                     f"surfaces (seed {config.seed})")
            data = generate(spec, config.n_train + config.n_val, seed=config.seed,
                            strikes=np.array(config.strikes),
                            maturities=np.array(config.maturities))
            progress(f"  done in {time.perf_counter() - start:.1f} s")
        prices, market, params = as_arrays(data)
        if config.price_weight > 0.0:
            progress("price Jacobians for the price-weighted loss")
            params = with_jacobian(params, price_jacobian(spec, data))
        n_val = min(config.n_val, len(prices) // 5)
        val_set = (prices[-n_val:], market[-n_val:], params[-n_val:])
        source = _in_memory(config, (prices[:-n_val], market[:-n_val], params[:-n_val]))
    members, histories = [], {}
    per_member = config.max_minutes * 60.0 / config.ensemble
    for i in range(config.ensemble):
        progress(f"training {config.arch} member {i + 1}/{config.ensemble}")
        model, hist = _fit_one(config, source, val_set, config.seed + 1000 * i, progress,
                               per_member)
        members.append(model)
        histories.update({f"{k}_{i}" if config.ensemble > 1 else k: v for k, v in hist.items()})
    model = members[0] if len(members) == 1 else build_ensemble(members)
    pred = predict(model, val_set[0], val_set[1])
    names = spec.free_names
    cols = [spec.model_cls.PARAM_NAMES.index(n) for n in names]
    metrics = parameter_metrics(names, val_set[2][:, cols].astype(float),
                                pred[:, cols].astype(float))
    seconds = time.perf_counter() - start
    progress("validation: " + ", ".join(f"{n} R2={m['r2']:.5f}" for n, m in metrics.items())
             + f"  ({seconds:.0f} s)")
    return TrainResult(model, histories, metrics, seconds, config)
