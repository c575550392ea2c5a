"""Bayesian calibration of the built-in Lévy models with TensorFlow Probability NUTS.

Modules (one concept each): ``likelihood`` (the compiled core as a differentiable TF op; the
noise models, listed in ``noise_models``), ``parameterisation`` (bijections onto each model's
domain), ``priors`` (documented defaults), ``target`` (the log posterior, its Laplace
approximation), ``sampler`` (NUTS/HMC with Stan's windowed warm-up), ``diagnostics`` (ArviZ),
``calibrator`` (:class:`BayesianCalibrator`), ``predictive`` (implied-vol bands, plots),
``study`` (coverage and simulation-based calibration) and ``cli``.
"""

from __future__ import annotations

import importlib

__all__ = ["BayesianCalibrator", "Diagnostics", "coverage_study", "default_priors", "plot",
           "predictive_iv_bands", "write_report"]

_HOMES = {"BayesianCalibrator": "calibrator", "Diagnostics": "diagnostics",
          "coverage_study": "study", "write_report": "study", "default_priors": "priors",
          "plot": "predictive", "predictive_iv_bands": "predictive"}


def __getattr__(name: str) -> object:
    """The public names, imported on first use (PEP 562): the CLI parser stays light."""
    if name in _HOMES:
        return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
