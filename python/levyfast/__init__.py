"""levyfast: fast, correct pricing and calibration of exponential Lévy models."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from ._lazy import lazy_attributes
from ._validation import Interval
from .implied_vol import black_implied_vol, black_price, implied_vol
from .market import Market
from .models import CGMY, NIG, BlackScholes, Kou, LevyModel, Meixner, Merton, VarianceGamma
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
from .term_structure import TermStructure, year_fraction

if TYPE_CHECKING:
    from .calibration import CalibrationResult, LeastSquaresCalibrator, calibrate_chains
    from .calibrator import Calibrator
    from .chain import OptionChain
    from .models.user import UserModel, user_model
    from .pricers.numba_cos import price_and_grad_numba, price_batch_numba, price_numba

#: Names imported on first use (PEP 562), each from its module: they pull in SciPy's
#: optimisers, pandas, ONNX Runtime or Numba, which ``import levyfast`` does not need.
_LAZY = {
    "LeastSquaresCalibrator": ".calibration",
    "CalibrationResult": ".calibration",
    "calibrate_chains": ".calibration",
    "Calibrator": ".calibrator",
    "OptionChain": ".chain",
    "UserModel": ".models.user",
    "user_model": ".models.user",
    "price_numba": ".pricers.numba_cos",
    "price_batch_numba": ".pricers.numba_cos",
    "price_and_grad_numba": ".pricers.numba_cos",
}


__getattr__, __dir__ = lazy_attributes(__name__, globals(), _LAZY, ("data",))


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
    "Interval",
    "BlackScholes",
    "VarianceGamma",
    "CGMY",
    "NIG",
    "Merton",
    "Kou",
    "Meixner",
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
