"""Network architectures of the neural calibrators, selectable by name.

Every network maps ``prices`` (call price / spot, float64 ``[b, n_T, n_K]``, NaN = missing
quote) and ``market`` (rate, dividend, float64 ``[b, 2]``) to parameters in natural units,
``[b, k]`` in the model's ``PARAM_NAMES`` order. Input scaling and output bounds live
inside the network, so the exported ONNX graph alone calibrates:

* :class:`SurfaceFeatures` turns calls into out-of-the-money prices by put-call parity,
  ``otm = C/S0 - max(e^{-qT} - k e^{-rT}, 0)`` (the time value, which carries all model
  information), and gives two channels per quote: ``otm / sqrt(T)`` (close to linear in
  volatility near the money) and ``log(max(otm, 1e-6))`` (resolves the wings, whose prices span
  decades), each standardised with training-set moments, plus a missing-quote indicator.
  Prices rather than implied vols are the input so that inference needs no root finding.
* :class:`BoxOutput` maps raw outputs to the training box by a scaled sigmoid,
  ``p = low + (high - low) * sigmoid(z)``, and inserts fixed parameters as constants.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import tensorflow as tf
import tf_keras as keras
from numpy.typing import ArrayLike

from .families import Family

__all__ = ["ARCHITECTURES", "SurfaceFeatures", "BoxOutput", "build", "build_ensemble"]

_FLOOR = 1e-6  # price/spot floor of the log channel


class SurfaceFeatures(keras.layers.Layer):
    """Standardised OTM-price channels and missing-quote mask of a call surface.

    Computed in float64 (the parity subtraction cancels digits for in-the-money quotes) and
    handed to the network in float32.
    """

    def __init__(self, strikes: ArrayLike, maturities: ArrayLike, **kwargs):
        super().__init__(dtype="float64", **kwargs)
        self.strikes = np.asarray(strikes, np.float64)
        self.maturities = np.asarray(maturities, np.float64)
        n_t, n_k = len(self.maturities), len(self.strikes)
        self.grid_mean = self.add_weight("grid_mean", (n_t, n_k, 2), trainable=False,
                                         initializer="zeros")
        self.grid_std = self.add_weight("grid_std", (n_t, n_k, 2), trainable=False,
                                        initializer="ones")
        self.market_mean = self.add_weight("market_mean", (2,), trainable=False,
                                           initializer="zeros")
        self.market_std = self.add_weight("market_std", (2,), trainable=False,
                                          initializer="ones")

    def raw(self, prices: tf.Tensor, market: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """Unstandardised channels ``[b, n_T, n_K, 2]`` (missing quotes -> 0) and the mask."""
        missing = tf.math.is_nan(prices)
        p = tf.where(missing, tf.zeros_like(prices), prices)
        t = tf.constant(self.maturities)[None, :, None]
        k = tf.constant(self.strikes)[None, None, :]
        r = market[:, 0, None, None]
        q = market[:, 1, None, None]
        intrinsic = tf.nn.relu(tf.exp(-q * t) - k * tf.exp(-r * t))
        otm = p - intrinsic
        channels = tf.stack([otm / tf.sqrt(t), tf.math.log(tf.maximum(otm, _FLOOR))], axis=-1)
        return channels, missing

    def adapt(self, prices: np.ndarray, market: np.ndarray) -> None:
        """Set the standardisation moments from (clean) training surfaces."""
        ch, _ = self.raw(tf.constant(prices, tf.float64), tf.constant(market, tf.float64))
        ch = ch.numpy()
        self.grid_mean.assign(ch.mean(axis=0))
        self.grid_std.assign(np.maximum(ch.std(axis=0), 1e-6))
        self.market_mean.assign(market.mean(axis=0))
        self.market_std.assign(np.maximum(market.std(axis=0), 1e-6))

    def call(self, prices: tf.Tensor, market: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        ch, missing = self.raw(prices, market)
        ch = (ch - self.grid_mean) / self.grid_std
        ch = tf.where(missing[..., None], tf.zeros_like(ch), ch)
        grid = tf.concat([ch, tf.cast(missing, ch.dtype)[..., None]], axis=-1)
        mkt = (market - self.market_mean) / self.market_std
        return tf.cast(grid, tf.float32), tf.cast(mkt, tf.float32)


class BoxOutput(keras.layers.Layer):
    """``low + (high - low) * sigmoid(z)`` per free parameter, fixed ones as constants."""

    def __init__(self, family: Family, **kwargs):
        super().__init__(**kwargs)
        names = family.model_cls.PARAM_NAMES
        free = family.free_names
        self.low = family.low_array.astype(np.float32)
        self.width = (family.high_array - family.low_array).astype(np.float32)
        # full = free @ select + constants (a 0/1 matrix keeps the graph a single MatMul)
        self.select = np.zeros((len(free), len(names)), np.float32)
        self.constants = np.zeros(len(names), np.float32)
        for i, name in enumerate(names):
            if name in family.fixed:
                self.constants[i] = family.fixed[name]
            else:
                self.select[free.index(name), i] = 1.0

    def call(self, z: tf.Tensor) -> tf.Tensor:
        free = self.low + self.width * tf.sigmoid(z)
        if len(self.low) == len(self.constants):
            return free
        return tf.matmul(free, self.select) + self.constants


def _mlp(grid, market, width: int, depth: int):
    x = keras.layers.Concatenate()([keras.layers.Flatten()(grid), market])
    for _ in range(depth):
        x = keras.layers.Dense(width, activation="swish")(x)
    return x


def _resnet(grid, market, width: int, depth: int):
    x = keras.layers.Concatenate()([keras.layers.Flatten()(grid), market])
    x = keras.layers.Dense(width, activation="swish")(x)
    for _ in range(max(depth // 2, 1)):
        h = keras.layers.Dense(width, activation="swish")(x)
        h = keras.layers.Dense(width)(h)
        x = keras.layers.Activation("swish")(keras.layers.Add()([x, h]))
    return x


def _cnn(grid, market, width: int, depth: int):
    x = grid
    for filters in (32, 64)[: max(min(depth, 2), 1)]:
        x = keras.layers.Conv2D(filters, (3, 3), padding="same", activation="swish")(x)
    x = keras.layers.Concatenate()([keras.layers.Flatten()(x), market])
    x = keras.layers.Dense(width, activation="swish")(x)
    return keras.layers.Dense(width, activation="swish")(x)


def _transformer(grid, market, width: int, depth: int, strikes=None, maturities=None):
    """Quotes as tokens (channels + log-moneyness + sqrt maturity), self-attention, mean pool."""
    n_t, n_k = len(maturities), len(strikes)
    pos = np.stack(np.meshgrid(np.sqrt(maturities), np.log(strikes), indexing="ij"), -1)
    pos = pos.reshape(1, n_t * n_k, 2).astype(np.float32)
    tokens = keras.layers.Reshape((n_t * n_k, grid.shape[-1]))(grid)
    tokens = keras.layers.Lambda(
        lambda x: tf.concat([x, tf.tile(tf.constant(pos), [tf.shape(x)[0], 1, 1])], -1))(tokens)
    d = 64
    x = keras.layers.Dense(d)(tokens)
    for _ in range(max(depth // 2, 1)):
        a = keras.layers.MultiHeadAttention(num_heads=4, key_dim=d // 4)(x, x)
        x = keras.layers.LayerNormalization()(keras.layers.Add()([x, a]))
        f = keras.layers.Dense(2 * d, activation="swish")(x)
        x = keras.layers.LayerNormalization()(keras.layers.Add()([x, keras.layers.Dense(d)(f)]))
    x = keras.layers.Concatenate()([keras.layers.GlobalAveragePooling1D()(x), market])
    return keras.layers.Dense(width, activation="swish")(x)


ARCHITECTURES: dict[str, Callable] = {
    "mlp": _mlp, "resnet": _resnet, "cnn": _cnn, "transformer": _transformer,
}


def build(arch: str, family: Family, strikes: np.ndarray, maturities: np.ndarray, *,
          width: int = 256, depth: int = 4, name: str | None = None) -> keras.Model:
    """A network ``(prices, market) -> params`` of architecture ``arch`` (see ARCHITECTURES)."""
    if arch not in ARCHITECTURES:
        raise ValueError(f"`arch` must be one of {tuple(ARCHITECTURES)}; got {arch!r}")
    prices = keras.Input((len(maturities), len(strikes)), name="prices", dtype="float64")
    market = keras.Input((2,), name="market", dtype="float64")
    features = SurfaceFeatures(strikes, maturities, name="features")
    grid, mkt = features(prices, market)
    body = ARCHITECTURES[arch]
    extra = {"strikes": strikes, "maturities": maturities} if arch == "transformer" else {}
    x = body(grid, mkt, width, depth, **extra)
    z = keras.layers.Dense(len(family.free_names))(x)
    out = BoxOutput(family, name="params")(z)
    return keras.Model([prices, market], out, name=name or arch)


def build_ensemble(members: Sequence[keras.Model]) -> keras.Model:
    """One graph averaging the members' parameter predictions."""
    prices = keras.Input(members[0].inputs[0].shape[1:], name="prices", dtype="float64")
    market = keras.Input((2,), name="market", dtype="float64")
    outs = [m([prices, market]) for m in members]
    return keras.Model([prices, market], keras.layers.Average()(outs), name="ensemble")
