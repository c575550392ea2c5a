"""Default priors of the Bayesian calibration: independent, weakly informative, on the natural
parameters, truncated to the model's domain (the cross constraints) by the parameterisation.

Scales are typical of equity indices (compare ``LeastSquaresCalibrator``'s default starts);
every default is a proper distribution, so that the coverage study can draw its truths from it.
Positive parameters are log-normal (median, sd of the log); shifted ones (``M``, ``eta1`` > 1)
are ``1 +`` a log-normal; ``Y`` is ``2 Beta(2, 2)``; Kou's ``p`` is ``Beta(2, 2)``:

=========  ===================================================================================
BS         sigma LN(0.2, 0.5)
VG         sigma LN(0.2, 0.5), nu LN(0.2, 0.75), theta N(-0.1, 0.2)
NIG        alpha LN(10, 0.6), beta N(-3, 4), delta LN(0.3, 0.6)
CGMY       C LN(1, 0.75), G LN(5, 0.6), M 1 + LN(5, 0.6), Y 2 Beta(2, 2), sigma LN(0.05, 1)
Merton     sigma LN(0.15, 0.5), lam LN(0.5, 1), mu_j N(-0.1, 0.2), sigma_j LN(0.15, 0.6)
Kou        sigma LN(0.15, 0.5), lam LN(1, 1), p Beta(2, 2), eta1 1 + LN(10, 0.6), eta2 LN(8, 0.6)
=========  ===================================================================================

Any of them can be replaced per parameter (``priors={"nu": tfd.LogNormal(...)}``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import tensorflow as tf
import tensorflow_probability as tfp

from levyfast import CGMY, NIG, BlackScholes, Kou, LevyModel, Merton, VarianceGamma

__all__ = ["default_priors", "resolve_priors"]

tfd, tfb = tfp.distributions, tfp.bijectors


def _f(value: float) -> tf.Tensor:
    return tf.constant(value, tf.float64)


def _ln(median: float, sd: float) -> tfp.distributions.Distribution:
    return tfd.LogNormal(_f(math.log(median)), _f(sd))


def _one_plus_ln(median: float, sd: float) -> tfp.distributions.Distribution:
    return tfd.TransformedDistribution(_ln(median, sd), tfb.Shift(_f(1.0)))


def _normal(mean: float, sd: float) -> tfp.distributions.Distribution:
    return tfd.Normal(_f(mean), _f(sd))


_DEFAULTS: dict[type[LevyModel], Callable[[], dict[str, tfp.distributions.Distribution]]] = {
    BlackScholes: lambda: {"sigma": _ln(0.2, 0.5)},
    VarianceGamma: lambda: {"sigma": _ln(0.2, 0.5), "nu": _ln(0.2, 0.75),
                            "theta": _normal(-0.1, 0.2)},
    NIG: lambda: {"alpha": _ln(10.0, 0.6), "beta": _normal(-3.0, 4.0),
                  "delta": _ln(0.3, 0.6)},
    CGMY: lambda: {"C": _ln(1.0, 0.75), "G": _ln(5.0, 0.6), "M": _one_plus_ln(5.0, 0.6),
                   "Y": tfd.TransformedDistribution(tfd.Beta(_f(2.0), _f(2.0)), tfb.Scale(_f(2.0))),
                   "sigma": _ln(0.05, 1.0)},
    Merton: lambda: {"sigma": _ln(0.15, 0.5), "lam": _ln(0.5, 1.0),
                     "mu_j": _normal(-0.1, 0.2), "sigma_j": _ln(0.15, 0.6)},
    Kou: lambda: {"sigma": _ln(0.15, 0.5), "lam": _ln(1.0, 1.0), "p": tfd.Beta(_f(2.0), _f(2.0)),
                  "eta1": _one_plus_ln(10.0, 0.6), "eta2": _ln(8.0, 0.6)},
}


def default_priors(model_cls: type[LevyModel]) -> dict[str, tfp.distributions.Distribution]:
    """The documented default prior of every parameter of ``model_cls`` (float64)."""
    if model_cls not in _DEFAULTS:
        raise TypeError(f"`model_cls` must be a built-in levyfast model class; got "
                        f"{model_cls!r}")
    return _DEFAULTS[model_cls]()


def resolve_priors(model_cls: type[LevyModel], free_names: tuple[str, ...],
                   priors: Mapping[str, tfp.distributions.Distribution] | None
                   ) -> dict[str, tfp.distributions.Distribution]:
    """Defaults overridden by ``priors`` for the free parameters; unknown names raise."""
    chosen = default_priors(model_cls)
    user = dict(priors or {})
    unknown = sorted(set(user) - set(model_cls.PARAM_NAMES))
    if unknown:
        raise ValueError(f"`priors` names unknown parameters {unknown}; {model_cls.__name__} "
                         f"has {model_cls.PARAM_NAMES}")
    for name, dist in user.items():
        if not isinstance(dist, tfd.Distribution):
            raise TypeError(f"`priors['{name}']` must be a tfp.distributions.Distribution; got "
                            f"{type(dist).__name__}")
        if dist.dtype != tf.float64:
            raise TypeError(f"`priors['{name}']` must be a float64 distribution; got "
                            f"{dist.dtype.name}")
        chosen[name] = dist
    return {n: chosen[n] for n in free_names}
