"""The European pricing entry points: ``price`` (one parameter set) and ``price_batch``."""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _core
from .._validation import Interval, check_choice, check_scalar
from ..market import Market
from ..models.base import LevyModel
from ..term_structure import TermStructure, over_maturities
from ._common import (
    KINDS,
    check_market,
    check_model,
    check_model_class,
    kind_code,
    param_rows,
    per_row_column,
    prepare_grid,
    thread_count,
)
from .backend import METHOD_CODE, METHODS, check_method
from .barrier import Barrier
from .cos import DEFAULT_TOLERANCE, COSPricer, _price_with
from .fft import FFTPricer
from .pide import PIDEPricer

__all__ = ["price", "price_batch", "METHODS", "PRICE_METHODS"]

#: "auto": per maturity the cheapest certified method: COS; the exact time change (subordinated
#: Brownian motion) for VG and NIG, adaptive per strike where its shared nodes cannot be
#: trusted (near the moment boundary, a near-degenerate Brownian part); Black-Scholes in closed
#: form; Merton by its Poisson series; CGMY and Kou by Lewis inversion on rotated rays where
#: COS would need more than max_terms. "time_change" forces the time change (VG, NIG, CGMY with
#: Y = 0, sigma = 0 only); "cos" and "fft" force one method, with no fallback.
#: Methods of :func:`price`: the Fourier ones plus the PIDE solver (the only one for American
#: exercise and barriers; a default :class:`PIDEPricer`, or :data:`AMERICAN_PIDE`).
PRICE_METHODS = (*METHODS, "pide")


#: The PIDE pricer of ``price(..., method="pide", exercise="american")``: Richardson over
#: 2048 x 64 and 1024 x 32 grids. American puts, error against Bermudan-COS/PIDE references
#: (docs/pide.md), CPU time: Merton (d'Halluin et al. case) 2.6e-6 in 48 ms, CGMY(1, 5, 5, 0.5)
#: 2.9e-6 in 54 ms, where ``PIDEPricer()`` gives 8.4e-5 in 106 ms and 7.3e-6 in 116 ms.
AMERICAN_PIDE = PIDEPricer(nx=2048, nt=64, richardson=True)


def _settings(owner: str, method: str, tolerance: float) -> _core.EuropeanSettings:
    check_choice(owner, "method", method, METHODS)
    check_scalar(owner, "tolerance", tolerance, Interval(1e-14, 1.0, closed_low=True))
    settings = _cached_settings(method, float(tolerance))
    if type(tolerance) is float and len(_CHECKED_SETTINGS) < 64:
        _CHECKED_SETTINGS[(method, tolerance)] = settings
    return settings


#: Settings of (method, float tolerance) pairs that passed _settings' checks: a hit in
#: _fast_price needs no further check of either.
_CHECKED_SETTINGS: dict[tuple[str, float], _core.EuropeanSettings] = {}
_KIND_CODES = {name: int(_core.OptionKind[name.upper()]) for name in KINDS}


def _fast_price(model: object, market: object, strikes: object, maturities: object,
                kind: object, method: object, tolerance: object) -> NDArray[np.float64] | None:
    """``price``'s common call (a built-in model, a flat Market, 1-d float64 C-contiguous
    strikes and maturities, a checked method and tolerance, a known kind) with lookups for its
    checks; None wherever the general path must decide, including any error from the core (the
    general path reproduces it with the boundary's message). The arrays' dtype, shape and
    layout are checked by ``_core.price_surface_lean`` (None where they differ)."""
    if not (type(strikes) is np.ndarray and type(maturities) is np.ndarray
            and type(market) is Market and type(method) is str and type(tolerance) is float
            and type(kind) is str and isinstance(model, LevyModel)
            and model.MODEL_ID is not None):
        return None
    settings = _CHECKED_SETTINGS.get((method, tolerance))
    code = _KIND_CODES.get(kind)
    if settings is None or code is None:
        return None
    try:
        return _core.price_surface_lean(model.MODEL_ID, model.param_values(), market.spot,
                                        market.rate, market.dividend, strikes, maturities, code,
                                        settings)
    except ValueError:
        return None


@functools.lru_cache(maxsize=64)
def _cached_settings(method: str, tolerance: float) -> _core.EuropeanSettings:
    """Core settings per (method, tolerance); never mutated once built, so safe to share."""
    if method == "fft":
        return FFTPricer(tolerance=tolerance)._settings()
    return COSPricer(tolerance=tolerance)._settings(METHOD_CODE[method])


def price(
    model: LevyModel,
    market: Market | TermStructure,
    strikes: ArrayLike,
    maturities: ArrayLike,
    kind: str = "call",
    method: str = "auto",
    tolerance: float = DEFAULT_TOLERANCE,
    exercise: str = "european",
    barrier: Barrier | None = None,
) -> NDArray[np.float64] | float:
    """Prices ``[n_T, n_K]`` of one model over a strike x maturity surface.

    Parameters
    ----------
    model
        A levyfast model (built-in or from :func:`levyfast.user_model`).
    market
        Spot, rate and dividend yield (:class:`~levyfast.Market`), or a
        :class:`~levyfast.TermStructure` (a forward and discount factor per maturity; European
        options with the Fourier methods only).
    strikes, maturities
        Positive finite values, 1-d or scalar; a scalar drops its axis (both scalar: a float).
    kind
        ``"call"`` or ``"put"``.
    method
        ``"auto"`` (per maturity the cheapest method certified to ``tolerance``), ``"cos"``,
        ``"fft"``, ``"time_change"`` (VG, NIG, CGMY with Y = 0) or ``"pide"``.
    tolerance
        Target absolute error as a fraction of spot of the Fourier methods:
        :data:`levyfast.DEFAULT_TOLERANCE` (1e-7), :data:`levyfast.HIGH_ACCURACY` (1e-11).
    exercise
        ``"european"``, or ``"american"`` (``method="pide"`` only).
    barrier
        A knock-out :class:`~levyfast.Barrier` (``method="pide"`` only).

    ``method="pide"`` solves the pricing PIDE and takes no ``tolerance`` (any value other than
    the default raises ValueError; set the grid of a :class:`~levyfast.PIDEPricer` instead).
    European and barrier options use ``PIDEPricer()`` (about 1e-5 * spot), American options
    ``PIDEPricer(nx=2048, nt=64, richardson=True)``.
    """
    if type(exercise) is str and exercise == "european" and barrier is None:
        surface = _fast_price(model, market, strikes, maturities, kind, method, tolerance)
        if surface is not None:
            return surface
    check_choice("price", "method", method, PRICE_METHODS)
    if isinstance(market, TermStructure):
        if method == "pide" or exercise != "european" or barrier is not None:
            raise ValueError(
                "`market` of price must be a flat levyfast.Market for method='pide', American "
                "exercise or barriers (a TermStructure prices European options maturity by "
                f"maturity); got a TermStructure with method={method!r}, exercise={exercise!r}")
        return over_maturities("price", market, strikes, maturities, lambda _, m, t: price(
            model, m, strikes, t, kind, method, tolerance))
    if method == "pide":
        default = isinstance(tolerance, (int, float, np.floating)) and (
            tolerance == DEFAULT_TOLERANCE
        )
        if not default:
            raise ValueError(
                f"`tolerance` of price does not apply to method='pide' (the PIDE solver has no "
                f"error target; set the grid with PIDEPricer(nx=..., nt=...).price(...) instead) "
                f"and must be left at its default {DEFAULT_TOLERANCE!r}; got {tolerance!r}"
            )
        pricer = AMERICAN_PIDE if exercise == "american" and barrier is None else PIDEPricer()
        return pricer.price(model, market, strikes, maturities, kind, exercise, barrier)
    check_choice("price", "exercise", exercise, ("european", "american"))
    if exercise != "european" or barrier is not None:
        raise ValueError(
            f"`method` of price must be 'pide' for exercise={exercise!r} and "
            f"barrier={barrier!r} (the Fourier methods price European vanilla options only); "
            f"got {method!r}"
        )
    check_method("price", check_model("price", model), method)
    return _price_with(_settings("price", method, tolerance), "price", model, market, strikes,
                       maturities, kind)


def price_batch(
    model_cls: type[LevyModel],
    params: ArrayLike,
    market: Market | TermStructure,
    strikes: ArrayLike,
    maturities: ArrayLike,
    kind: str = "call",
    method: str = "auto",
    tolerance: float = DEFAULT_TOLERANCE,
    n_threads: int | None = None,
    *,
    rates: ArrayLike | None = None,
    dividends: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Prices ``[n, n_T, n_K]`` for ``params [n, n_params]`` (``PARAM_NAMES`` order) of one model.

    ``rates`` / ``dividends`` (shape ``[n]``), when given, replace ``market.rate`` /
    ``market.dividend`` row by row (``market.spot`` is shared): a dataset samples the market
    together with the parameters.

    Runs on ``n_threads`` worker threads (default: all cores) with the GIL released. Every row
    is validated before pricing starts; an invalid row raises ``ValueError`` naming it.
    ``market`` may be a :class:`~levyfast.TermStructure` (then without ``rates`` /
    ``dividends``).
    """
    owner = "price_batch"
    if isinstance(market, TermStructure):
        if rates is not None or dividends is not None:
            raise ValueError(f"`rates` / `dividends` of {owner} replace a flat market's rate and "
                             "dividend row by row; they cannot be combined with a TermStructure")
        return over_maturities(owner, market, strikes, maturities, lambda _, m, t: price_batch(
            model_cls, params, m, strikes, t, kind, method, tolerance, n_threads), batch=True)
    model_cls = check_model_class(owner, model_cls)
    arr = param_rows(owner, model_cls, params)
    if check_method(owner, model_cls, method).name == "numba":
        from .numba_cos import price_batch_user_model  # user models: the Numba COS kernel

        return price_batch_user_model(
            _settings(owner, method, tolerance), model_cls, params, market, strikes, maturities,
            kind, n_threads, rates=rates, dividends=dividends,
        )
    market = check_market(owner, market)
    grid = prepare_grid(owner, strikes, maturities)
    threads = thread_count(owner, n_threads)
    settings = _settings(owner, method, tolerance)
    row_rates, row_dividends = (
        None if column is None else per_row_column(owner, name, column, arr.shape[0])
        for name, column in (("rates", rates), ("dividends", dividends))
    )
    return _core.price_batch(
        model_cls.MODEL_ID, arr, market.spot, market.rate, market.dividend, row_rates,
        row_dividends, grid.strikes,
        grid.maturities, kind_code(owner, kind), settings, threads,
    )
