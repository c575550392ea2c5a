"""levyfast: fast, correct pricing and calibration of exponential Lévy models."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .calibrator import Calibrator
from .market import Market
from .models import CGMY, NIG, BlackScholes, Kou, LevyModel, Merton, VarianceGamma
from .pricers import (
    DEFAULT_TOLERANCE,
    HIGH_ACCURACY,
    METHODS,
    COSPricer,
    FFTPricer,
    price,
    price_batch,
)

try:
    __version__ = version("levyfast")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "Market",
    "LevyModel",
    "BlackScholes",
    "VarianceGamma",
    "CGMY",
    "NIG",
    "Merton",
    "Kou",
    "COSPricer",
    "FFTPricer",
    "price",
    "price_batch",
    "METHODS",
    "DEFAULT_TOLERANCE",
    "HIGH_ACCURACY",
    "Calibrator",
    "__version__",
]
