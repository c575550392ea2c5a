"""The unnormalised log posterior on the unconstrained space (the HMC target).

With ``u = (u_params, log tau)``: ``log p(u | Q) = sum_i log N(Q_i; P_i(x), sd_i(tau, x))
+ sum_k log pi_k(x_k) + log pi_tau(tau) + log |dx/du| + log tau`` with ``x = x(u_params)``
from :class:`~levyfast_train.bayes.parameterisation.Parameterisation` and the scale prior
``tau ~ LogNormal(log median, 1)`` (median per noise model, see
:data:`~levyfast_train.bayes.likelihood.NOISE_MODELS`). Rows the core cannot price, or outside the
model's domain, have log density ``-inf`` (NUTS rejects them).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp
from numpy.typing import NDArray

from .likelihood import NoiseModel, QuotePricer, log_likelihood, price_op
from .parameterisation import Parameterisation

__all__ = ["PosteriorTarget", "TAU_PRIOR_SD"]

tfd = tfp.distributions
#: sd of the log of the noise scale under its prior
TAU_PRIOR_SD = 1.0


class PosteriorTarget:
    """Log posterior of ``u [n, n_free + 1]`` (see the module docstring)."""

    def __init__(self, param: Parameterisation,
                 priors: Mapping[str, tfp.distributions.Distribution], pricer: QuotePricer,
                 noise: NoiseModel) -> None:
        self.param = param
        self.priors = dict(priors)
        self.pricer = pricer
        self.noise = noise
        self.tau_prior = tfd.LogNormal(tf.constant(math.log(noise.prior_median), tf.float64),
                                       tf.constant(TAU_PRIOR_SD, tf.float64))
        self.quotes = tf.constant(pricer.quotes.quotes, tf.float64)

    @property
    def dim(self) -> int:
        return self.param.n_free + 1

    def log_prior(self, x: tf.Tensor) -> tf.Tensor:
        """Sum of the parameter priors at full rows ``x [n, n_params]``."""
        names = self.param.names
        return tf.add_n([dist.log_prob(x[:, names.index(name)])
                         for name, dist in self.priors.items()])

    def log_prob(self, u: tf.Tensor) -> tf.Tensor:
        """Unnormalised log posterior ``[n]``."""
        x, logdet = self.param.forward(u[:, :-1])
        log_tau = u[:, -1]
        tau = tf.exp(log_tau)
        prices, valid = price_op(self.pricer, x)
        lp = (log_likelihood(self.quotes, prices, self.noise.sd(tau, prices))
              + self.log_prior(x) + self.tau_prior.log_prob(tau) + logdet + log_tau)
        return tf.where(valid & tf.math.is_finite(lp), lp,
                        tf.constant(-math.inf, tf.float64))

    def constrained(self, u: NDArray[np.float64]
                    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Full parameter rows ``[..., n_params]`` and noise scales ``[...]`` of ``u``."""
        x, _ = self.param.forward(tf.constant(u, tf.float64)[..., :-1])
        return x.numpy(), np.exp(u[..., -1])

    def unconstrained(self, x: NDArray[np.float64], tau: NDArray[np.float64]
                      ) -> NDArray[np.float64]:
        """``u`` of full parameter rows ``x [n, n_params]`` and scales ``tau [n]``."""
        return np.concatenate([self.param.inverse(x), np.log(tau)[:, None]], axis=1)


def laplace_covariance(target: PosteriorTarget, u_hat: NDArray[np.float64],
                       step: float = 1e-4) -> NDArray[np.float64]:
    """Covariance ``[d, d]`` of the Laplace approximation at ``u_hat [d]``: the inverse of the
    negative Hessian of the log posterior, by central differences ``(g(u + h e_j) -
    g(u - h e_j)) / 2h`` of its exact gradient (all ``2d`` points in one batched evaluation),
    symmetrised, with eigenvalues floored at 1 (no direction wider than unit sd: the scale of
    the priors in ``u``) so that the result is positive definite."""
    d = u_hat.size
    offsets = step * np.concatenate([np.eye(d), -np.eye(d)])
    u = tf.constant(u_hat[None, :] + offsets)
    with tf.GradientTape() as tape:
        tape.watch(u)
        lp = target.log_prob(u)
        total = tf.reduce_sum(lp)
    grad = tape.gradient(total, u).numpy()
    if not (np.all(np.isfinite(lp.numpy())) and np.all(np.isfinite(grad))):
        raise ValueError(f"the log posterior has no finite gradient around the start {u_hat!r}")
    h = -(grad[:d] - grad[d:]) / (2.0 * step)
    h = 0.5 * (h + h.T)
    w, v = np.linalg.eigh(h)
    w = np.maximum(w, 1.0)
    return (v / w) @ v.T


def find_mode(target: PosteriorTarget, u_start: NDArray[np.float64], max_iter: int = 200,
              radius: float = 4.0) -> NDArray[np.float64]:
    """The posterior mode in ``u`` (L-BFGS-B, Byrd et al. 1995, with the exact gradient) within
    ``u_start +- radius``; ``u_start`` itself if no better point is found. Points the core
    cannot price count as the start's value plus 1e6 (the line search backs off from them)."""
    from scipy.optimize import minimize

    def value_and_grad(u: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        ut = tf.constant(u[None, :])
        with tf.GradientTape() as tape:
            tape.watch(ut)
            lp = tf.reduce_sum(target.log_prob(ut))
        return -float(lp.numpy()), -tape.gradient(lp, ut).numpy()[0]

    start_value, _ = value_and_grad(u_start)
    if not np.isfinite(start_value):
        return u_start

    def objective(u: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        value, grad = value_and_grad(u)
        if not (np.isfinite(value) and np.all(np.isfinite(grad))):
            return start_value + 1e6, np.zeros_like(u)
        return value, grad

    res = minimize(objective, u_start, jac=True, method="L-BFGS-B",
                   bounds=[(a - radius, a + radius) for a in u_start],
                   options={"maxiter": max_iter})
    return res.x if np.isfinite(res.fun) and res.fun <= start_value else u_start
