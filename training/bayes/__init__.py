"""Bayesian calibration of the built-in Lévy models with TensorFlow Probability NUTS.

Modules (one concept each): ``likelihood`` (the compiled core as a differentiable TF op;
noise models), ``parameterisation`` (bijections onto each model's domain), ``priors``
(documented defaults), ``target`` (the log posterior, its Laplace approximation), ``sampler``
(NUTS/HMC with Stan's windowed warm-up), ``diagnostics`` (ArviZ), ``calibrator``
(:class:`BayesianCalibrator`), ``predictive`` (implied-vol bands, plots), ``study``
(coverage and simulation-based calibration) and ``cli``.
"""

from __future__ import annotations
