"""European pricers: COS, Carr–Madan FFT, and the ``price``/``price_batch`` entry points."""

from .barrier import Barrier
from .cos import DEFAULT_TOLERANCE, HIGH_ACCURACY, COSPricer
from .european import AMERICAN_PIDE, METHODS, PRICE_METHODS, price, price_batch
from .fft import FFTPricer
from .pide import PIDEPricer, PIDEResult
from .sensitivities import Greeks, greeks, price_and_grad, price_and_grad_batch

__all__ = [
    "COSPricer",
    "FFTPricer",
    "PIDEPricer",
    "PIDEResult",
    "AMERICAN_PIDE",
    "Barrier",
    "PRICE_METHODS",
    "price",
    "price_batch",
    "METHODS",
    "DEFAULT_TOLERANCE",
    "HIGH_ACCURACY",
    "Greeks",
    "greeks",
    "price_and_grad",
    "price_and_grad_batch",
]
