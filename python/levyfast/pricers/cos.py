"""COS pricer (Fang & Oosterlee 2008) with tolerance-driven range and number of terms."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _core
from ..market import Market
from ..models.base import LevyModel
from ._common import Grid, check_market, check_model, kind_code, prepare_grid
from .cos_config import DEFAULT_TOLERANCE, HIGH_ACCURACY, COSConfig

__all__ = ["COSPricer", "DEFAULT_TOLERANCE", "HIGH_ACCURACY"]


@dataclass(frozen=True, slots=True)
class COSPricer(COSConfig):
    """European prices by the COS method of Fang & Oosterlee (2008, SIAM J. Sci. Comput. 31).

    Put prices come from the cosine expansion of the density of ``X_T`` (bounded payoff);
    calls follow by put–call parity, exact in floating point up to round-off.

    Parameters
    ----------
    tolerance
        Target absolute error as a fraction of spot. The truncation range comes from Chernoff
        bounds on the model's moment generating function, the number of terms from the decay
        of ``|phi(u)|``: both per maturity.
    n_terms
        Fixed number of cosine terms instead of the automatic choice.
    truncation_width
        Fixed ``L`` of Fang & Oosterlee's range ``c1 +- L sqrt(c2 + sqrt(c4))`` instead of the
        Chernoff range.
    max_terms
        Upper limit of the automatic number of terms; beyond it pricing raises ``ValueError``
        (use :func:`levyfast.price` with ``method="auto"``, which switches VG/NIG maturities to
        the exact time-change representation where COS would converge slowly).
    """

    def price(
        self,
        model: LevyModel,
        market: Market,
        strikes: ArrayLike,
        maturities: ArrayLike,
        kind: str = "call",
    ) -> NDArray[np.float64] | float:
        """Prices ``[n_T, n_K]`` (a float for scalar strike and maturity)."""
        return _price_with(self._settings(1), "COSPricer.price", model, market, strikes,
                           maturities, kind)


def _price_with(
    settings: _core.EuropeanSettings,
    owner: str,
    model: LevyModel,
    market: Market,
    strikes: ArrayLike,
    maturities: ArrayLike,
    kind: str,
) -> NDArray[np.float64] | float:
    """Validate once at the boundary, then one call into the core for the whole surface."""
    model = check_model(owner, model)
    if model.MODEL_ID is None:
        # User-defined models (levyfast.user_model) are priced by the Numba COS kernel,
        # imported on first use: ``import levyfast`` does not load Numba.
        from .numba_cos import price_user_model

        return price_user_model(settings, owner, model, market, strikes, maturities, kind)
    market = check_market(owner, market)
    code = kind_code(owner, kind)
    grid = Grid(owner, strikes, maturities, check_values=False)
    try:
        surface = _core.price_surface(
            model.MODEL_ID, model.to_array(), market.spot, market.rate, market.dividend,
            grid.strikes, grid.maturities, code, settings,
        )
    except ValueError:
        prepare_grid(owner, strikes, maturities)  # a bad grid: raise the boundary's message
        raise
    return grid.shape_result(surface)
