"""Shared argument handling of the European pricers: validated grids, kind codes."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import Interval, as_real_array, check_array, check_choice
from ..market import Market
from ..models.base import LevyModel

__all__ = ["KINDS", "Grid", "prepare_grid", "kind_code", "check_model", "check_market"]

KINDS = ("call", "put")
_POSITIVE = Interval(0.0)


class Grid:
    """Validated strikes/maturities and whether the caller passed scalars."""

    __slots__ = ("strikes", "maturities", "scalar_k", "scalar_t")

    def __init__(
        self, owner: str, strikes: ArrayLike, maturities: ArrayLike, check_values: bool = True
    ) -> None:
        self.scalar_k = np.ndim(strikes) == 0
        self.scalar_t = np.ndim(maturities) == 0
        if check_values:
            self.strikes = check_array(owner, "strikes", np.atleast_1d(strikes), _POSITIVE)
            self.maturities = check_array(owner, "maturities", np.atleast_1d(maturities),
                                          _POSITIVE)
        else:  # the core validates the values; callers re-check with values on its error
            self.strikes = as_real_array(owner, "strikes", np.atleast_1d(strikes))
            self.maturities = as_real_array(owner, "maturities", np.atleast_1d(maturities))

    def shape_result(self, surface: NDArray[np.float64]) -> NDArray[np.float64] | float:
        """[n_T, n_K] surface, with the scalar axes the caller passed squeezed away."""
        if self.scalar_k and self.scalar_t:
            return float(surface[..., 0, 0]) if surface.ndim == 2 else surface[..., 0, 0]
        if self.scalar_k:
            return surface[..., 0]
        if self.scalar_t:
            return surface[..., 0, :]
        return surface


def prepare_grid(owner: str, strikes: ArrayLike, maturities: ArrayLike) -> Grid:
    return Grid(owner, strikes, maturities)


def kind_code(owner: str, kind: str) -> int:
    return KINDS.index(check_choice(owner, "kind", kind, KINDS))


def check_model(owner: str, model: object) -> LevyModel:
    if not isinstance(model, LevyModel):
        raise TypeError(f"`model` of {owner} must be a levyfast model; got {type(model).__name__}")
    return model


def check_market(owner: str, market: object) -> Market:
    if not isinstance(market, Market):
        raise TypeError(f"`market` of {owner} must be a levyfast.Market; got {type(market).__name__}")
    return market
