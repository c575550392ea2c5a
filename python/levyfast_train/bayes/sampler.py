"""No-U-Turn sampling (Hoffman & Gelman 2014, JMLR 15) with Stan's windowed warm-up.

The warm-up follows the Stan reference manual (§15.2, "Automatic parameter tuning"): an initial
fast window adapts only the step size (dual averaging, Hoffman & Gelman 2014 §3.2, target
acceptance ``target_accept``); slow windows of doubling length (the last stretched to the
terminal buffer) each estimate the diagonal inverse mass matrix as the regularised sample
variance ``n/(n+5) var + 1e-3 * 5/(n+5)`` of the window's draws, after which dual averaging
restarts at ``mu = log(10 eps)``; a terminal fast window fixes the final step size (the
dual-averaging iterate ``exp(log eps_bar)``). Sampling then uses the fixed step size and mass
matrix. The chains move as one batch: one log-density evaluation (one core call) per
leapfrog step for all chains. Kernels are ``tfp.experimental.mcmc.PreconditionedNoUTurnSampler``
or ``PreconditionedHamiltonianMonteCarlo`` (static path length) under ``tf.function``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp
from numpy.typing import NDArray

__all__ = ["SamplerConfig", "SamplerRun", "warmup_windows", "run_sampler", "KERNELS"]

tfd = tfp.distributions
KERNELS = ("nuts", "hmc")
#: |log accept ratio| above which an HMC transition counts as divergent (NUTS flags its own:
#: an energy error above 1000, Betancourt 2017 §6.2)
_HMC_DIVERGENCE = 1000.0


@dataclass(frozen=True)
class SamplerConfig:
    """Settings of :func:`run_sampler`."""

    n_draws: int = 1000
    n_warmup: int = 1000
    kernel: str = "nuts"
    target_accept: float = 0.8
    max_tree_depth: int = 10
    n_leapfrog: int = 16  # HMC only
    chunk: int = 250  # draws per compiled call (progress granularity)


@dataclass
class SamplerRun:
    """Draws ``[n_chains, n_draws, dim]`` (unconstrained) and per-draw statistics
    ``[n_chains, n_draws]``: ``diverging``, ``lp`` (log density), ``acceptance_rate`` and,
    for NUTS, ``n_steps`` (leapfrogs), ``tree_depth`` and ``energy`` (Hamiltonian); the
    adapted step size and inverse mass matrix diagonal ``[n_chains, dim]``."""

    draws: NDArray[np.float64]
    stats: dict[str, NDArray[np.float64]]
    step_size: float
    inverse_mass: NDArray[np.float64]
    seconds_warmup: float
    seconds_sampling: float


def warmup_windows(n_warmup: int) -> list[tuple[int, bool]]:
    """(length, estimate mass matrix after it) of each warm-up window (Stan's schedule: initial
    buffer 75, base slow window 25, terminal buffer 50 for 1000 steps; 15 % / 75 % / 10 % when
    fewer than 150 steps; step size only when fewer than 20)."""
    if n_warmup < 20:
        return [(n_warmup, False)] if n_warmup else []
    if n_warmup < 150:
        init, term = int(0.15 * n_warmup), int(0.1 * n_warmup)
        return [(init, False), (n_warmup - init - term, True), (term, False)]
    init, term, window = 75, 50, 25
    slow: list[int] = []
    left = n_warmup - init - term
    while left > 0:
        size = min(window, left)
        if left - size < 2 * window * 2:  # the next would not fit: stretch this one
            size = left
        slow.append(size)
        left -= size
        window *= 2
    return [(init, False), *[(s, True) for s in slow], (term, False)]


def _momentum(inverse_mass: tf.Tensor) -> tfp.distributions.Distribution:
    # p ~ N(0, M) with M = diag(1 / inverse_mass): velocity M^-1 p scales with the posterior sd
    return tfd.Independent(tfd.Normal(tf.zeros_like(inverse_mass), tf.math.rsqrt(inverse_mass)),
                           reinterpreted_batch_ndims=1)


def _make_segment(log_prob: Callable[[tf.Tensor], tf.Tensor], config: SamplerConfig,
                  adapt: bool) -> Callable[..., Any]:
    @tf.function(autograph=False)
    def segment(state: tf.Tensor, step_size: tf.Tensor, inverse_mass: tf.Tensor,
                n: tf.Tensor, seed: tf.Tensor) -> object:
        if config.kernel == "nuts":
            kernel = tfp.experimental.mcmc.PreconditionedNoUTurnSampler(
                log_prob, step_size, max_tree_depth=config.max_tree_depth,
                momentum_distribution=_momentum(inverse_mass))
        else:
            kernel = tfp.experimental.mcmc.PreconditionedHamiltonianMonteCarlo(
                log_prob, step_size, config.n_leapfrog,
                momentum_distribution=_momentum(inverse_mass))
        if adapt:
            kernel = tfp.mcmc.DualAveragingStepSizeAdaptation(
                kernel, num_adaptation_steps=n, target_accept_prob=tf.constant(
                    config.target_accept, tf.float64))

        def trace(_: tf.Tensor, pkr: Any) -> dict[str, tf.Tensor]:
            inner = pkr.inner_results if adapt else pkr
            out = {"acceptance_rate": tf.exp(tf.minimum(inner.log_accept_ratio, 0.0))}
            if config.kernel == "nuts":
                out.update(lp=inner.target_log_prob, diverging=inner.has_divergence,
                           n_steps=inner.leapfrogs_taken, energy=inner.energy)
            else:  # Metropolis-Hastings results: no Hamiltonian traced, so no E-BFMI
                out.update(lp=inner.accepted_results.target_log_prob,
                           diverging=inner.log_accept_ratio < -_HMC_DIVERGENCE)
            if adapt:
                out["log_averaging_step"] = tf.broadcast_to(pkr.log_averaging_step,
                                                            tf.shape(out["lp"]))
            return out

        return tfp.mcmc.sample_chain(n, state, kernel=kernel, trace_fn=trace, seed=seed)

    return segment


def run_sampler(log_prob: Callable[[tf.Tensor], tf.Tensor], init: NDArray[np.float64],
                config: SamplerConfig, seed: int,
                progress: Callable[[str, int, int], None] | None = None) -> SamplerRun:
    """Warm up and sample from ``log_prob`` (``[n_chains, dim] -> [n_chains]``) starting at
    ``init [n_chains, dim]`` (``seed`` in [0, 2**31)); ``progress(phase, done, total)``
    after each compiled call."""
    import time

    state = tf.constant(init, tf.float64)
    dim = init.shape[1]
    adapt_segment = _make_segment(log_prob, config, adapt=True)
    fixed_segment = _make_segment(log_prob, config, adapt=False)
    windows = warmup_windows(config.n_warmup)
    n_calls = len(windows) + -(-config.n_draws // config.chunk)
    # a stateless [2] seed: an int seed would go through TF's global (stateful) seed,
    # so the same call could sample differently after anything else set it
    seeds = iter(tfp.random.split_seed(tf.constant([0, seed], tf.int32), n=n_calls))
    # Langmore et al. 2019 (arXiv:1905.09813): eps ~ d^(-1/4) for well-scaled targets
    step = tf.constant(0.5 * dim ** -0.25, tf.float64)
    inverse_mass = tf.ones_like(state)
    start = time.perf_counter()
    done = 0
    for length, estimate in windows:
        states, trace = adapt_segment(state, step, inverse_mass, tf.constant(length),
                                      next(seeds))
        state = states[-1]
        step = tf.exp(trace["log_averaging_step"][-1, 0])
        if estimate:
            n = float(length)
            var = tf.math.reduce_variance(tf.reshape(states, [-1, dim]), axis=0)
            var = n / (n + 5.0) * var + 1e-3 * 5.0 / (n + 5.0)
            inverse_mass = tf.broadcast_to(var, tf.shape(state))
        done += length
        if progress is not None:
            progress("warm-up", done, config.n_warmup)
    seconds_warmup = time.perf_counter() - start
    start = time.perf_counter()
    parts: list[tuple[NDArray[np.float64], dict[str, NDArray[np.float64]]]] = []
    done = 0
    while done < config.n_draws:
        n = min(config.chunk, config.n_draws - done)
        states, trace = fixed_segment(state, step, inverse_mass, tf.constant(n), next(seeds))
        state = states[-1]
        parts.append((states.numpy(), {k: v.numpy() for k, v in trace.items()}))
        done += n
        if progress is not None:
            progress("sampling", done, config.n_draws)
    draws = np.concatenate([p[0] for p in parts], axis=0).swapaxes(0, 1)
    stats = {k: np.concatenate([p[1][k] for p in parts], axis=0).swapaxes(0, 1)
             for k in parts[0][1]}
    if "n_steps" in stats:
        stats["tree_depth"] = np.floor(np.log2(stats["n_steps"] + 1.0))  # 2^depth - 1 steps
    stats["diverging"] = stats["diverging"].astype(bool)
    return SamplerRun(draws=draws, stats=stats, step_size=float(step),
                      inverse_mass=inverse_mass.numpy(), seconds_warmup=seconds_warmup,
                      seconds_sampling=time.perf_counter() - start)
