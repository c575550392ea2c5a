"""The compiled core as a differentiable TensorFlow op, and the quote likelihood.

:class:`QuotePricer` prices the quotes of a :class:`~levyfast.calibration.quotes.QuoteSet`
for many parameter rows at once with :func:`levyfast.price_and_grad_batch` (one core call for
a rectangular surface under one flat market, else one per maturity and option type) and
returns the exact parameter Jacobian of the same call. :func:`price_op` wraps it with
``tf.numpy_function`` and ``tf.custom_gradient``: the forward pass keeps the Jacobian and the
backward pass contracts it with the incoming gradient, so the core runs once per log-density
and gradient evaluation (float64 throughout).

Noise models (``sd_i`` of the Gaussian ``Q_i ~ N(P_i(theta), sd_i^2)``, scale ``tau``
unknown and sampled):

* ``"relative"``: ``sd_i = tau (P_i(theta) + floor)``, ``floor = 1e-4 spot`` (proportional
  price noise, e.g. ``tau = 0.01`` for 1 %);
* ``"absolute"``: ``sd_i = tau spot``;
* ``"iv"``: ``sd_i = tau vega_i`` with the Black vega at the quote's implied volatility:
  to first order, Gaussian implied-vol residuals of standard deviation ``tau``;
* ``"spread"``: ``sd_i = tau (ask_i - bid_i) / 2``: a quote is informative to within its
  bid/ask spread.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import tensorflow as tf
from numpy.typing import NDArray

import levyfast as lf
from levyfast import LevyModel
from levyfast.calibration.quotes import QuoteSet
from levyfast.implied_vol import black_vega

from .noise_models import NOISE_MODELS, RELATIVE_FLOOR

__all__ = ["QuotePricer", "price_op", "NoiseModel", "noise_model"]



class QuotePricer:
    """Prices ``[n, m]`` and Jacobians ``[n, n_params, m]`` of the quotes for parameter rows."""

    def __init__(self, model_cls: type[LevyModel], quotes: QuoteSet,
                 tolerance: float = lf.DEFAULT_TOLERANCE, n_threads: int = 1) -> None:
        self.model_cls = model_cls
        self.quotes = quotes
        self.tolerance = tolerance
        # a few chains x tens of quotes: worker threads cost more than they save (NIG, 4 rows,
        # 40 quotes: 0.80 ms with 2 threads, 0.24 ms with one)
        self.n_threads = n_threads
        self.n_params = len(model_cls.PARAM_NAMES)

    def valid_rows(self, params: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Rows that are valid models (bounds and cross constraints)."""
        ok = np.zeros(params.shape[0], dtype=bool)
        for i, row in enumerate(params):
            try:
                self.model_cls.from_array(row)
                ok[i] = np.all(np.isfinite(row))
            except ValueError:
                ok[i] = False
        return ok

    def _batch(self, params: NDArray[np.float64]
               ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        q = self.quotes
        n, m = params.shape[0], q.size
        if q.grid_strikes is not None and q.grid_index is not None:
            kind = "put" if q.is_put[0] else "call"
            p, g = lf.price_and_grad_batch(self.model_cls, params, q.markets[0], q.grid_strikes,
                                           q.maturities, kind, self.tolerance, self.n_threads)
            return (p.reshape(n, -1)[:, q.grid_index],
                    g.reshape(n, self.n_params, -1)[:, :, q.grid_index])
        prices = np.empty((n, m))
        grads = np.empty((n, self.n_params, m))
        for i, idx in q.groups:  # puts, and calls by parity (as the core prices them)
            p, g = lf.price_and_grad_batch(self.model_cls, params, q.markets[i], q.strikes[idx],
                                           q.maturities[i:i + 1], "put", self.tolerance,
                                           self.n_threads)
            prices[:, idx] = p[:, 0, :]
            grads[:, :, idx] = g[:, :, 0, :]
        call = ~q.is_put
        if call.any():
            carry = q.discounts[call] * (q.forwards[call] - q.strikes[call])
            prices[:, call] = np.maximum(prices[:, call] + carry, np.maximum(carry, 0.0))
        return prices, grads

    def __call__(self, params: NDArray[np.float64]
                 ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
        """(prices, Jacobians, valid): rows outside the domain or that the core cannot price
        are ``valid = False`` with prices equal to the quotes and a zero Jacobian."""
        params = np.asarray(params, dtype=np.float64)
        n, m = params.shape[0], self.quotes.size
        prices = np.tile(self.quotes.quotes, (n, 1))
        grads = np.zeros((n, self.n_params, m))
        valid = self.valid_rows(params)
        rows = np.flatnonzero(valid)
        if rows.size:
            try:
                p, g = self._batch(params[rows])
                prices[rows], grads[rows] = p, g
            except ValueError:  # one row the core cannot price: price the rows one by one
                for r in rows:
                    try:
                        p, g = self._batch(params[r:r + 1])
                        prices[r], grads[r] = p[0], g[0]
                    except ValueError:
                        valid[r] = False
        bad = ~(np.isfinite(prices).all(axis=1) & np.isfinite(grads).all(axis=(1, 2)))
        valid &= ~bad
        prices[~valid] = self.quotes.quotes
        grads[~valid] = 0.0
        return prices, grads, valid


def price_op(pricer: QuotePricer, params: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Prices ``[n, m]`` of parameter rows ``params [n, n_params]`` (float64) with the exact
    gradient, and the validity mask ``[n]`` (see :meth:`QuotePricer.__call__`)."""
    m, p = pricer.quotes.size, pricer.n_params

    @tf.custom_gradient
    def _op(x: tf.Tensor) -> tuple[tf.Tensor, object]:
        prices, jac, valid = tf.numpy_function(pricer, [x], [tf.float64, tf.float64, tf.bool],
                                               stateful=False)
        prices.set_shape([None, m])
        jac.set_shape([None, p, m])
        valid.set_shape([None])

        def grad(d_prices: tf.Tensor, d_valid: tf.Tensor | None = None) -> tf.Tensor:
            return tf.einsum("nm,npm->np", d_prices, jac)

        return (prices, tf.cast(valid, tf.float64)), grad

    prices, valid = _op(tf.convert_to_tensor(params, tf.float64))
    return prices, valid > 0.5


@dataclass(frozen=True)
class NoiseModel:
    """Per-quote noise: ``sd_i = tau * (unit_i + relative * P_i)`` (see the module docstring)."""

    name: str
    unit: NDArray[np.float64]
    relative: bool
    prior_median: float

    def sd(self, tau: tf.Tensor, prices: tf.Tensor) -> tf.Tensor:
        """Standard deviations ``[n, m]`` for scales ``tau [n]`` and model prices ``[n, m]``."""
        base = tf.constant(self.unit, tf.float64)
        if self.relative:
            base = base + prices
        return tau[:, None] * base


def noise_model(name: str, quotes: QuoteSet) -> NoiseModel:
    """The noise model ``name`` (one of :data:`NOISE_MODELS`) of ``quotes``."""
    if name not in NOISE_MODELS:
        raise ValueError(f"`noise` must be one of {sorted(NOISE_MODELS)}; got {name!r}")
    q = quotes
    if name == "relative":
        unit = np.full(q.size, RELATIVE_FLOOR * q.spot)
    elif name == "absolute":
        unit = np.full(q.size, q.spot)
    elif name == "iv":
        iv = quote_implied_vols(q)
        unit = black_vega(q.forwards, q.strikes, q.quote_maturities, iv, q.discounts)
    else:
        if q.spread is None:
            raise ValueError("noise='spread' needs bid and ask for every quote; the quotes have "
                             "none (give `bid` and `ask`, or use another `noise`)")
        floor = 1e-6 * q.spot
        unit = 0.5 * np.maximum(q.spread, floor)
    return NoiseModel(name, unit, name == "relative", NOISE_MODELS[name])


def quote_implied_vols(q: QuoteSet) -> NDArray[np.float64]:
    """Black implied vols of the quotes; a quote without one (at its no-arbitrage bound)
    raises ``ValueError`` naming it."""
    iv = np.empty(q.size)
    for put in (False, True):
        sel = q.is_put == put
        if sel.any():
            iv[sel] = lf.black_implied_vol(q.quotes[sel], q.forwards[sel], q.strikes[sel],
                                           q.quote_maturities[sel], q.discounts[sel],
                                           "put" if put else "call")
    bad = ~(np.isfinite(iv) & (iv > 0.0))
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        raise ValueError(f"noise='iv' needs an implied volatility for every quote; the quote at "
                         f"{q.label(j)} ({float(q.quotes[j])!r}) has none")
    return iv


def log_likelihood(quotes: tf.Tensor, prices: tf.Tensor, sd: tf.Tensor) -> tf.Tensor:
    """Gaussian log-likelihood ``[n]`` of the quotes ``[m]`` given prices and sds ``[n, m]``."""
    z = (quotes[None, :] - prices) / sd
    return tf.reduce_sum(-0.5 * z * z - tf.math.log(sd), axis=-1) \
        - 0.5 * math.log(2.0 * math.pi) * tf.cast(tf.shape(quotes)[0], tf.float64)
