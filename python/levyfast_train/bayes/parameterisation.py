"""Unconstrained parameterisation of the built-in models for Hamiltonian Monte Carlo.

Each free parameter ``x_k`` is reached from an unconstrained ``u_k`` by a smooth bijection onto
an interval whose ends may depend on parameters earlier in the model's order (or on fixed
ones), so that the models' cross constraints hold by construction (the transform is
triangular and its log-Jacobian is the sum of the per-parameter terms):

* ``(lo, hi)``: ``x = lo + (hi - lo) sigmoid(u)``;
* ``(lo, inf)``: ``x = lo + exp(u)``;
* ``(-inf, hi)``: ``x = hi - exp(u)`` (a soft-plus map ``hi - softplus(hi - u)`` would be
  closer to the identity but pins ``x`` to ``hi`` in floating point when ``hi`` is far below
  ``u``, e.g. VG with large ``sigma``);
* ``(-inf, inf)``: ``x = u``.

Cross constraints (see the model classes): VG ``theta < 1/nu - sigma^2/2`` (i.e.
``1 - theta nu - sigma^2 nu / 2 > 0``); NIG ``alpha > 1/2`` and ``-alpha < beta < alpha - 1``
(equivalent to ``|beta| < alpha`` and ``alpha > |beta + 1|``); CGMY ``M > 1``,
``0 < Y < 2``; Kou ``eta1 > 1``, ``0 < p < 1``. A constraint that a fixed parameter would have
to enforce on earlier free ones (e.g. VG with ``theta`` fixed and ``nu`` free) is not built in;
such points are rejected by the likelihood (log density ``-inf``) instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import tensorflow as tf
from numpy.typing import NDArray

from levyfast import CGMY, NIG, BlackScholes, Kou, LevyModel, Merton, VarianceGamma

__all__ = ["Link", "LINKS", "Parameterisation"]

Bound = float | Callable[[Mapping[str, tf.Tensor]], tf.Tensor]


@dataclass(frozen=True)
class Link:
    """The interval of one parameter: constant ends or functions of the known parameters
    (earlier free ones and all fixed ones, by name)."""

    name: str
    low: Bound = -math.inf
    high: Bound = math.inf

    @property
    def has_low(self) -> bool:
        return callable(self.low) or math.isfinite(self.low)

    @property
    def has_high(self) -> bool:
        return callable(self.high) or math.isfinite(self.high)


def _at(bound: Bound, known: Mapping[str, tf.Tensor]) -> tf.Tensor:
    value = bound(known) if callable(bound) else bound
    return tf.convert_to_tensor(value, tf.float64)


def _nig_alpha_low(known: Mapping[str, tf.Tensor]) -> tf.Tensor | float:
    # alpha > max(|beta|, |beta + 1|) = |beta + 1/2| + 1/2; beta is known only when fixed
    if "beta" in known:
        return tf.abs(known["beta"] + 0.5) + 0.5
    return 0.5


#: Links per built-in model, in ``PARAM_NAMES`` order (the order of the triangular map).
LINKS: dict[type[LevyModel], tuple[Link, ...]] = {
    BlackScholes: (Link("sigma", 0.0),),
    VarianceGamma: (
        Link("sigma", 0.0),
        Link("nu", 0.0),
        Link("theta", high=lambda k: 1.0 / k["nu"] - 0.5 * k["sigma"] ** 2),
    ),
    NIG: (
        Link("alpha", _nig_alpha_low),
        Link("beta", lambda k: -k["alpha"], lambda k: k["alpha"] - 1.0),
        Link("delta", 0.0),
    ),
    CGMY: (Link("C", 0.0), Link("G", 0.0), Link("M", 1.0), Link("Y", 0.0, 2.0),
           Link("sigma", 0.0)),
    Merton: (Link("sigma", 0.0), Link("lam", 0.0), Link("mu_j"), Link("sigma_j", 0.0)),
    Kou: (Link("sigma", 0.0), Link("lam", 0.0), Link("p", 0.0, 1.0), Link("eta1", 1.0),
          Link("eta2", 0.0)),
}


class Parameterisation:
    """Map between unconstrained ``u [..., n_free]`` and full parameter rows ``[..., n_params]``
    (``PARAM_NAMES`` order, fixed values filled in) of a built-in model."""

    def __init__(self, model_cls: type[LevyModel], fixed: Mapping[str, float] | None = None
                 ) -> None:
        if model_cls not in LINKS:
            raise TypeError(f"`model_cls` must be a built-in levyfast model class "
                            f"({', '.join(c.__name__ for c in LINKS)}); got {model_cls!r}")
        fixed = dict(fixed or {})
        names = model_cls.PARAM_NAMES
        unknown = sorted(set(fixed) - set(names))
        if unknown:
            raise ValueError(f"`fixed` names unknown parameters {unknown}; "
                             f"{model_cls.__name__} has {names}")
        if len(fixed) == len(names):
            raise ValueError("`fixed` fixes every parameter; nothing to sample")
        self.model_cls = model_cls
        self.fixed = {k: float(v) for k, v in fixed.items()}
        self.links = tuple(lk for lk in LINKS[model_cls] if lk.name not in self.fixed)
        self.free_names = tuple(lk.name for lk in self.links)
        self.names = names

    @property
    def n_free(self) -> int:
        return len(self.links)

    def _known(self) -> dict[str, tf.Tensor]:
        return {k: tf.constant(v, tf.float64) for k, v in self.fixed.items()}

    def forward(self, u: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """Full parameter rows ``[..., n_params]`` and ``log |det dx/du|`` ``[...]``."""
        u = tf.convert_to_tensor(u, tf.float64)
        known = self._known()
        logdet = tf.zeros_like(u[..., 0])
        for k, link in enumerate(self.links):
            uk = u[..., k]
            lo, hi = _at(link.low, known), _at(link.high, known)
            if link.has_low and link.has_high:
                width = hi - lo
                x = lo + width * tf.sigmoid(uk)
                logdet += (tf.math.log(width) + tf.math.log_sigmoid(uk)
                           + tf.math.log_sigmoid(-uk))
            elif link.has_low:
                x = lo + tf.exp(uk)
                logdet += uk
            elif link.has_high:
                x = hi - tf.exp(uk)
                logdet += uk
            else:
                x = uk
            known[link.name] = x
        full = [tf.broadcast_to(known[n], tf.shape(u)[:-1]) for n in self.names]
        return tf.stack(full, axis=-1), logdet

    def inverse(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Unconstrained ``u [..., n_free]`` of full parameter rows ``x [..., n_params]`` (the
        fixed columns are ignored)."""
        xt = tf.convert_to_tensor(np.asarray(x, dtype=np.float64))
        known = self._known()
        out = []
        for link in self.links:
            xk = xt[..., self.names.index(link.name)]
            lo, hi = _at(link.low, known), _at(link.high, known)
            if link.has_low and link.has_high:
                s = (xk - lo) / (hi - lo)
                uk = tf.math.log(s) - tf.math.log1p(-s)
            elif link.has_low:
                uk = tf.math.log(xk - lo)
            elif link.has_high:
                uk = tf.math.log(hi - xk)
            else:
                uk = xk
            known[link.name] = xk
            out.append(uk)
        return tf.stack(out, axis=-1).numpy()
