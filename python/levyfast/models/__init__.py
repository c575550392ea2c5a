"""The six built-in exponential Lévy models (frozen values) and a name registry for the CLI."""

from __future__ import annotations

from .base import LevyModel
from .black_scholes import BlackScholes
from .cgmy import CGMY
from .kou import Kou
from .merton import Merton
from .nig import NIG
from .variance_gamma import VarianceGamma

__all__ = [
    "LevyModel",
    "BlackScholes",
    "VarianceGamma",
    "CGMY",
    "NIG",
    "Merton",
    "Kou",
    "MODEL_REGISTRY",
]

#: name -> class, for the command line only (the library never dispatches on names).
MODEL_REGISTRY: dict[str, type[LevyModel]] = {
    "bs": BlackScholes,
    "vg": VarianceGamma,
    "cgmy": CGMY,
    "nig": NIG,
    "merton": Merton,
    "kou": Kou,
}
