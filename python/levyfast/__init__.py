"""levyfast: fast, correct pricing and calibration of exponential Lévy models."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .calibration import CalibrationResult, LeastSquaresCalibrator, calibrate_chains
from .calibrator import Calibrator
from .implied_vol import black_implied_vol, black_price, implied_vol
from .market import Market
from .models import CGMY, NIG, BlackScholes, Kou, LevyModel, Merton, VarianceGamma
from .models.user import UserModel, user_model
from .pricers import (
    DEFAULT_TOLERANCE,
    HIGH_ACCURACY,
    METHODS,
    Barrier,
    COSPricer,
    FFTPricer,
    Greeks,
    PIDEPricer,
    PIDEResult,
    greeks,
    price,
    price_and_grad,
    price_and_grad_batch,
    price_batch,
)
from .pricers.numba_cos import price_and_grad_numba, price_batch_numba, price_numba
from .term_structure import TermStructure, year_fraction


def __getattr__(name: str) -> object:
    """``levyfast.data`` and ``OptionChain`` (pandas) are imported on first use (PEP 562)."""
    import importlib

    if name == "data":
        return importlib.import_module(".data", __name__)
    if name == "OptionChain":  # pandas is imported on first use
        return importlib.import_module(".chain", __name__).OptionChain
    raise AttributeError(f"module 'levyfast' has no attribute {name!r}")


try:
    __version__ = version("levyfast")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "Market",
    "TermStructure",
    "OptionChain",
    "year_fraction",
    "LevyModel",
    "BlackScholes",
    "VarianceGamma",
    "CGMY",
    "NIG",
    "Merton",
    "Kou",
    "COSPricer",
    "FFTPricer",
    "PIDEPricer",
    "PIDEResult",
    "Barrier",
    "price",
    "price_batch",
    "METHODS",
    "DEFAULT_TOLERANCE",
    "HIGH_ACCURACY",
    "implied_vol",
    "black_implied_vol",
    "black_price",
    "Calibrator",
    "price_and_grad",
    "price_and_grad_batch",
    "greeks",
    "Greeks",
    "LeastSquaresCalibrator",
    "CalibrationResult",
    "calibrate_chains",
    "__version__",
    "user_model",
    "UserModel",
    "price_numba",
    "price_batch_numba",
    "price_and_grad_numba",
]
