"""Market data, kept apart from the models (DESIGN.md §2)."""

from __future__ import annotations

from dataclasses import dataclass

from ._validation import Interval, check_scalar

__all__ = ["Market"]

_REAL = Interval()


@dataclass(frozen=True, slots=True)
class Market:
    """Spot price, continuously compounded risk-free rate and dividend yield.

    The forward to maturity ``T`` is ``spot * exp((rate - dividend) * T)``.
    """

    spot: float
    rate: float
    dividend: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "spot", check_scalar("Market", "spot", self.spot, Interval(0.0)))
        object.__setattr__(self, "rate", check_scalar("Market", "rate", self.rate, _REAL))
        object.__setattr__(
            self, "dividend", check_scalar("Market", "dividend", self.dividend, _REAL)
        )
