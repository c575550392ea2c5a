"""Exact sensitivities of European surfaces: parameter gradients and market Greeks.

The C++ core differentiates the characteristic exponent ``psi(u; theta)`` analytically (and
the convexity correction ``omega(theta) = -psi_raw(-i; theta)`` with it) and carries
``T d psi/d theta`` through the COS sum of Fang & Oosterlee (2008) with the truncation range
and number of terms held fixed; VG/NIG maturities priced by the time-change quadrature
(Madan, Carr & Chang 1998; Barndorff-Nielsen 1997) are differentiated through the mixing
density at fixed clock nodes and the conditional Black prices. No bumping: the result is
the exact derivative of the computed price.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _core
from .._validation import Interval, check_scalar
from ..market import Market
from ..models.base import LevyModel
from ..term_structure import TermStructure, over_maturities
from ._common import (
    Grid,
    check_market,
    check_model,
    check_model_class,
    kind_code,
    param_rows,
    prepare_grid,
    thread_count,
)
from .backend import NUMBA, backend_for, require
from .cos import DEFAULT_TOLERANCE, COSPricer

__all__ = ["Greeks", "price_and_grad", "price_and_grad_batch", "greeks"]

_TOLERANCE = Interval(1e-14, 1.0, closed_low=True)


@dataclass(frozen=True, slots=True)
class Greeks:
    """Prices and market Greeks of a surface, each ``[n_T, n_K]`` (scalar axes squeezed).

    ``delta = dV/dS0``, ``gamma = d2V/dS0^2``, ``theta = -dV/dT`` (value change per year of
    calendar time at fixed spot, rates and parameters), ``rho = dV/dr`` and
    ``dividend_rho = dV/dq`` (per unit of rate, i.e. per 100%).
    """

    price: NDArray[np.float64] | float
    delta: NDArray[np.float64] | float
    gamma: NDArray[np.float64] | float
    theta: NDArray[np.float64] | float
    rho: NDArray[np.float64] | float
    dividend_rho: NDArray[np.float64] | float


def cos_settings(owner: str, tolerance: float) -> _core.COSSettings:
    """Core COS settings with a validated ``tolerance`` (fraction of spot)."""
    s = _core.COSSettings()
    s.tolerance = check_scalar(owner, "tolerance", tolerance, _TOLERANCE)
    return s


def _surface(
    owner: str, model: LevyModel, market: Market, strikes: ArrayLike, maturities: ArrayLike,
    kind: str, tolerance: float, with_grad: bool, with_greeks: bool,
) -> tuple[Grid, NDArray[np.float64], NDArray[np.float64] | None,
           tuple[NDArray[np.float64], ...] | None]:
    """Validated call of the core: (grid, prices, gradients or None, Greeks or None)."""
    model = check_model(owner, model)
    require(owner, model, "greeks" if with_greeks else "gradients")
    market = check_market(owner, market)
    grid = prepare_grid(owner, strikes, maturities)
    prices, grads, parts = _core.price_sensitivities(
        model.MODEL_ID, model.to_array(), market.spot, market.rate, market.dividend,
        grid.strikes, grid.maturities, kind_code(owner, kind), cos_settings(owner, tolerance),
        with_grad, with_greeks,
    )
    return grid, prices, grads, parts


def price_and_grad(
    model: LevyModel,
    market: Market | TermStructure,
    strikes: ArrayLike,
    maturities: ArrayLike,
    kind: str = "call",
    tolerance: float = DEFAULT_TOLERANCE,
) -> tuple[NDArray[np.float64] | float, NDArray[np.float64]]:
    """Prices ``[n_T, n_K]`` and their exact gradients ``[n_params, n_T, n_K]``.

    The gradient axis follows ``type(model).PARAM_NAMES``. ``tolerance`` is the target absolute
    price error as a fraction of spot (as in :func:`levyfast.price`); the derivatives are
    planned at a tighter internal target. Scalar strike/maturity axes are squeezed as in
    :func:`levyfast.price`. ``market`` may be a :class:`~levyfast.TermStructure`.
    """
    if isinstance(market, TermStructure):
        return over_maturities("price_and_grad", market, strikes, maturities,
                               lambda _, m, t: price_and_grad(model, m, strikes, t, kind,
                                                              tolerance))
    if backend_for(model) is NUMBA:  # a user model: the Numba kernel's exact COS gradient
        from .numba_cos import price_and_grad_numba

        grid = prepare_grid("price_and_grad", strikes, maturities)
        p, g = price_and_grad_numba(check_model("price_and_grad", model), market, strikes,
                                    maturities, kind, COSPricer(tolerance=tolerance))
        return grid.shape_result(p), np.asarray(grid.shape_result(g))
    grid, prices, grads, _ = _surface("price_and_grad", model, market, strikes, maturities,
                                      kind, tolerance, True, False)
    assert grads is not None  # requested with_grad=True
    return grid.shape_result(prices), np.asarray(grid.shape_result(grads))


def greeks(
    model: LevyModel,
    market: Market | TermStructure,
    strikes: ArrayLike,
    maturities: ArrayLike,
    kind: str = "call",
    tolerance: float = DEFAULT_TOLERANCE,
) -> Greeks:
    """Prices and market Greeks (delta, gamma, theta, rho, dividend rho) of a surface.

    Delta and gamma come from the expansion in the log-strike: with
    ``P = S0 e^{-qT} g(k)``, ``k = ln(K/F)``, ``g(k) = E[(e^k - e^X_T)^+]``,
    ``delta_put = e^{-qT} (g - e^k P(X_T < k))`` and ``gamma = e^{-rT} K f_{X_T}(k) / S0^2``;
    calls follow by put–call parity. With a :class:`~levyfast.TermStructure`, ``rho`` and
    ``dividend_rho`` are per maturity, along that maturity's zero rate and carry.
    """
    if isinstance(market, TermStructure):
        joined = over_maturities("greeks", market, strikes, maturities, lambda _, m, t: tuple(
            np.asarray(v) for v in _greeks_tuple(greeks(model, m, strikes, t, kind, tolerance))))
        return Greeks(*joined)
    grid, prices, _, parts = _surface("greeks", model, market, strikes, maturities, kind,
                                      tolerance, False, True)
    assert parts is not None  # requested with_greeks=True
    delta, gamma, theta, rho, dividend_rho = (grid.shape_result(p) for p in parts)
    return Greeks(grid.shape_result(prices), delta, gamma, theta, rho, dividend_rho)


def _greeks_tuple(g: Greeks) -> tuple[object, ...]:
    return (g.price, g.delta, g.gamma, g.theta, g.rho, g.dividend_rho)


def price_and_grad_batch(
    model_cls: type[LevyModel],
    params: ArrayLike,
    market: Market | TermStructure,
    strikes: ArrayLike,
    maturities: ArrayLike,
    kind: str = "call",
    tolerance: float = DEFAULT_TOLERANCE,
    n_threads: int | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Prices ``[n, n_T, n_K]`` and gradients ``[n, n_params, n_T, n_K]`` of many parameter sets.

    ``params`` is ``[n, n_params]`` in ``PARAM_NAMES`` order; runs on ``n_threads`` worker
    threads (default: all cores) with the GIL released. An invalid row raises ``ValueError``
    naming it. ``market`` may be a :class:`~levyfast.TermStructure`.
    """
    owner = "price_and_grad_batch"
    if isinstance(market, TermStructure):
        return over_maturities(owner, market, strikes, maturities, lambda _, m, t:
                               price_and_grad_batch(model_cls, params, m, strikes, t, kind,
                                                    tolerance, n_threads), batch=True)
    model_cls = check_model_class(owner, model_cls)
    arr = param_rows(owner, model_cls, params)
    market = check_market(owner, market)
    grid = prepare_grid(owner, strikes, maturities)
    threads = thread_count(owner, n_threads)
    if backend_for(model_cls) is NUMBA:  # a user model: row by row on the Numba kernel
        from .numba_cos import price_and_grad_numba

        pricer = COSPricer(tolerance=check_scalar(owner, "tolerance", tolerance, _TOLERANCE))
        rows = [price_and_grad_numba(model_cls.from_array(row), market, grid.strikes,
                                     grid.maturities, kind, pricer) for row in arr]
        return np.stack([p for p, _ in rows]), np.stack([g for _, g in rows])
    prices, grads = _core.price_and_grad_batch(
        model_cls.MODEL_ID,
        arr,
        market.spot,
        market.rate,
        market.dividend,
        grid.strikes,
        grid.maturities,
        kind_code(owner, kind),
        cos_settings(owner, tolerance),
        threads,
    )
    return prices, grads
