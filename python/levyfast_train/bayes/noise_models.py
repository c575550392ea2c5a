"""The observation-noise models of the likelihood, as data (no TensorFlow: the CLI lists
them before importing it). Their formulas are in :mod:`levyfast_train.bayes.likelihood`."""

from __future__ import annotations

__all__ = ["NOISE_MODELS", "RELATIVE_FLOOR"]

#: Noise models and the median of their default log-normal prior on the scale ``tau``.
NOISE_MODELS: dict[str, float] = {"relative": 0.01, "absolute": 1e-3, "iv": 0.01, "spread": 0.5}
#: floor of the relative noise, as a fraction of spot (keeps far-wing quotes informative but
#: not infinitely so)
RELATIVE_FLOOR = 1e-4
