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
    Greeks,
    greeks,
    price,
    price_and_grad,
    price_and_grad_batch,
    price_batch,
)
from .calibration import CalibrationResult, LeastSquaresCalibrator

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
    "price_and_grad",
    "price_and_grad_batch",
    "greeks",
    "Greeks",
    "LeastSquaresCalibrator",
    "CalibrationResult",
    "__version__",
]
