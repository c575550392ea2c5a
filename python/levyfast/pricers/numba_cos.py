"""Public layer over the Numba COS kernel: every built-in model and user-defined models.

The kernels (``levyfast._numba.cos``) take the model's exponent, cumulants and moment strip as
``@numba.njit`` callbacks: built-in models through the tables of
``levyfast._numba.exponents`` indexed by ``MODEL_ID`` (the same ids as C++), user models
(``MODEL_ID is None``, :func:`levyfast.user_model`) through their own functions.
:func:`levyfast.price` and :func:`levyfast.price_batch` route user models here;
:func:`price_numba` / :func:`price_batch_numba` price any model with this backend (the C++ core
is the other), e.g. for cross-checks.

Numerical settings are a :class:`levyfast.COSPricer` value (``tolerance``, ``n_terms``,
``truncation_width``, ``max_terms``), with the same meaning as in the C++ core; this module
takes them as their base class :class:`~levyfast.pricers.cos_config.COSConfig`, so that it
does not import :mod:`.cos` (which routes user models here).
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _core
from .._numba import cos as kernels
from .._numba.exponents import MOMENT_STRIPS, RAW_CUMULANTS, RAW_EXPONENTS
from ..market import Market
from ..models.base import LevyModel
from ._common import (
    check_market,
    check_model,
    check_model_class,
    kind_code,
    param_rows,
    per_row_column,
    prepare_grid,
    thread_count,
)
from .backend import METHODS, check_method
from .cos_config import COSConfig

__all__ = ["price_numba", "price_batch_numba", "price_and_grad_numba", "kernel_functions"]

_DEFAULT = COSConfig()  # the settings of COSPricer() (a COSConfig: accepted everywhere)
#: Relative step of the central differences of psi_raw in the parameters (see
#: :func:`gradient_steps`).
GRAD_STEP = 1e-3


def kernel_functions(model_cls: type[LevyModel]) -> tuple[Any, Any, Any]:
    """(exponent, cumulants, strip) njit callbacks of a model class (the one dispatch point)."""
    model_id = model_cls.MODEL_ID
    if model_id is None:
        return model_cls.KERNEL_FUNCTIONS
    return RAW_EXPONENTS[model_id], RAW_CUMULANTS[model_id], MOMENT_STRIPS[model_id]


def _pricer_from_settings(owner: str, model_cls: type[LevyModel],
                          settings: _core.EuropeanSettings) -> COSConfig:
    """The COS settings of the C++ entry points, for a user model (only "auto"/"cos" apply)."""
    check_method(owner, model_cls, METHODS[settings.method])
    c = settings.cos
    return COSConfig(tolerance=c.tolerance, n_terms=c.n_terms or None,
                     truncation_width=c.truncation_width or None, max_terms=c.max_terms)


def price_user_model(settings: _core.EuropeanSettings, owner: str, model: LevyModel,
                     market: object, strikes: ArrayLike, maturities: ArrayLike, kind: str
                     ) -> NDArray[np.float64] | float:
    """``levyfast.price`` / ``COSPricer.price`` for a user model (routed here)."""
    pricer = _pricer_from_settings(owner, type(model), settings)
    return _price_surface(owner, model, market, strikes, maturities, kind, pricer)


def price_batch_user_model(settings: _core.EuropeanSettings, model_cls: type[LevyModel],
                           params: ArrayLike, market: Market, strikes: ArrayLike,
                           maturities: ArrayLike, kind: str, n_threads: int | None, *,
                           rates: ArrayLike | None, dividends: ArrayLike | None
                           ) -> NDArray[np.float64]:
    """``levyfast.price_batch`` for a user model class (routed here)."""
    pricer = _pricer_from_settings("price_batch", model_cls, settings)
    return price_batch_numba(model_cls, params, market, strikes, maturities, kind, pricer,
                             n_threads, rates=rates, dividends=dividends)


def _check_pricer(owner: str, pricer: object) -> COSConfig:
    if not isinstance(pricer, COSConfig):
        raise TypeError(f"`pricer` of {owner} must be a levyfast.COSPricer; got {pricer!r}")
    return pricer


def _settings(pricer: COSConfig) -> tuple[float, int, float, int]:
    return (float(pricer.tolerance), int(pricer.n_terms or 0),
            float(pricer.truncation_width or 0.0), int(pricer.max_terms))


def _raise_status(prefix: str, model_cls: type[LevyModel], code: int, maturity: float,
                  pricer: COSConfig) -> None:
    name = model_cls.__name__
    if code == kernels.TOO_MANY_TERMS:
        raise ValueError(
            f"{prefix}COS cannot reach tolerance {pricer.tolerance!r} * spot at T = {maturity!r} "
            f"within max_terms = {pricer.max_terms} (the characteristic function of {name} "
            f"decays too slowly); raise max_terms or tolerance"
        )
    if code == kernels.NONFINITE:
        raise ValueError(
            f"{prefix}the exponent of {name} gave a non-finite value (NaN or +inf real part) "
            f"or a non-finite price at T = {maturity!r}"
        )
    if code == kernels.BAD_CUMULANTS:
        raise ValueError(
            f"{prefix}the cumulants of {name} (declared or estimated from the exponent) must be "
            f"finite with c2 > 0"
        )


def price_numba(
    model: LevyModel,
    market: Market,
    strikes: ArrayLike,
    maturities: ArrayLike,
    kind: str = "call",
    pricer: COSConfig = _DEFAULT,
) -> NDArray[np.float64] | float:
    """European prices ``[n_T, n_K]`` by the Numba COS kernel (any model).

    Same validation, shapes and scalar squeezing as :func:`levyfast.price`.
    """
    owner = "price_numba"
    return _price_surface(owner, check_model(owner, model), market, strikes, maturities, kind,
                          _check_pricer(owner, pricer))


def _price_surface(owner: str, model: LevyModel, market: object, strikes: ArrayLike,
                   maturities: ArrayLike, kind: str, pricer: COSConfig
                   ) -> NDArray[np.float64] | float:
    mkt = check_market(owner, market)
    grid = prepare_grid(owner, strikes, maturities)
    is_call = kind_code(owner, kind) == 0
    out = np.empty((grid.maturities.size, grid.strikes.size))
    code, index = kernels.cos_surface(
        *kernel_functions(type(model)), model.to_array(), mkt.spot, mkt.rate, mkt.dividend,
        grid.strikes, grid.maturities, is_call, *_settings(pricer), out,
    )
    _raise_status("", type(model), code, float(grid.maturities[index]), pricer)
    return grid.shape_result(out)


def _check_params(owner: str, model_cls: object, params: ArrayLike) -> NDArray[np.float64]:
    """[n, n_params] float64 rows, each valid for ``model_cls`` (else ValueError naming the row)."""
    model_cls = check_model_class(owner, model_cls)
    arr = param_rows(owner, model_cls, params, min_rows=1)
    if model_cls.MODEL_ID is not None:
        for r in range(arr.shape[0]):  # the C++ core's validation, one row at a time
            try:
                _core.validate_model(model_cls.MODEL_ID, arr[r])
            except ValueError as exc:
                raise ValueError(f"`params` row {r}: {exc}") from None
        return arr
    # User models: bounds, then psi_raw(-i) finite and real, vectorised; the first bad row is
    # built as a model only to raise its own message.
    ok = np.ones(arr.shape[0], dtype=bool)
    for j, name in enumerate(model_cls.PARAM_NAMES):
        b = model_cls.BOUNDS[name]
        col = arr[:, j]
        ok &= np.isfinite(col) & ((col >= b.low) if b.closed_low else (col > b.low))
        ok &= (col <= b.high) if b.closed_high else (col < b.high)
    if ok.all():
        z = np.empty(arr.shape[0], dtype=np.complex128)
        kernels.exponent_rows(kernel_functions(model_cls)[0], arr, -1j, z)
        ok &= np.isfinite(z) & (np.abs(z.imag) <= 1e-9 * (1.0 + np.abs(z.real)))
    for r in np.flatnonzero(~ok)[:1]:
        try:
            model_cls.from_array(arr[r])
        except ValueError as exc:
            raise ValueError(f"`params` row {r}: {exc}") from None
    return arr


def _threads(owner: str, n_threads: int | None) -> int:
    pool = int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]
    return min(thread_count(owner, n_threads), pool)


def _per_row(owner: str, name: str, values: ArrayLike | None, default: float, n: int
             ) -> NDArray[np.float64]:
    return np.full(n, default) if values is None else per_row_column(owner, name, values, n)


def price_batch_numba(
    model_cls: type[LevyModel],
    params: ArrayLike,
    market: Market,
    strikes: ArrayLike,
    maturities: ArrayLike,
    kind: str = "call",
    pricer: COSConfig = _DEFAULT,
    n_threads: int | None = None,
    *,
    rates: ArrayLike | None = None,
    dividends: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Prices ``[n, n_T, n_K]`` for ``params [n, n_params]`` by the Numba COS kernel, rows in
    parallel (``numba.prange`` on ``n_threads`` threads, at most Numba's pool size).

    ``rates`` / ``dividends`` (shape ``[n]``) replace ``market.rate`` / ``market.dividend`` row
    by row. Every row is validated before pricing; an invalid row raises ``ValueError`` naming it.
    """
    owner = "price_batch"
    arr = _check_params(owner, model_cls, params)
    mkt = check_market(owner, market)
    grid = prepare_grid(owner, strikes, maturities)
    is_call = kind_code(owner, kind) == 0
    pricer = _check_pricer(owner, pricer)
    threads = _threads(owner, n_threads)
    n = arr.shape[0]
    rate_rows = _per_row(owner, "rates", rates, mkt.rate, n)
    dividend_rows = _per_row(owner, "dividends", dividends, mkt.dividend, n)
    out = np.empty((n, grid.maturities.size, grid.strikes.size))
    status = np.zeros((n, 2), dtype=np.int64)
    # thread-local in Numba (a per-thread mask; checked on 0.68.1): no process-wide change
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        kernels.cos_batch(*kernel_functions(model_cls), arr, mkt.spot, rate_rows, dividend_rows,
                          grid.strikes, grid.maturities, is_call, *_settings(pricer), out, status)
    finally:
        numba.set_num_threads(previous)
    failed = np.flatnonzero(status[:, 0] != kernels.OK)
    if failed.size:
        r = int(failed[0])
        _raise_status(f"`params` row {r}: ", model_cls, int(status[r, 0]),
                      float(grid.maturities[status[r, 1]]), pricer)
    return out


def gradient_steps(model: LevyModel) -> NDArray[np.float64]:
    """Steps ``h_k`` of the central differences of ``psi_raw`` in each parameter:
    ``GRAD_STEP * max(|theta_k|, 0.1)``, at most a quarter of the distance to a finite open
    bound (so that ``theta_k +- 2 h_k`` stays inside it)."""
    values = model.to_array()
    steps = GRAD_STEP * np.maximum(np.abs(values), 0.1)
    for k, name in enumerate(model.PARAM_NAMES):
        b = model.BOUNDS[name]
        for edge, closed in ((b.low, b.closed_low), (b.high, b.closed_high)):
            gap = abs(values[k] - edge)
            if math.isfinite(edge) and not (closed and gap == 0.0):
                steps[k] = min(steps[k], 0.25 * gap)
    return steps


def price_and_grad_numba(
    model: LevyModel,
    market: Market,
    strikes: ArrayLike,
    maturities: ArrayLike,
    kind: str = "call",
    pricer: COSConfig = _DEFAULT,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Prices ``[n_T, n_K]`` and their gradients ``[n_params, n_T, n_K]`` (``PARAM_NAMES``
    order) by the Numba COS kernel, for any model (built-in or user-defined).

    The COS sum is differentiated term by term with the truncation range and the number of
    terms held at their values for ``model``:
    ``dP/dtheta = D F (2/W) sum_n Re[T dpsi(u_n) phi_T(u_n) e^{-i u_n a}] c_n(K)``, with
    ``dpsi/dtheta (u) = dpsi_raw/dtheta (u) - i u Re dpsi_raw/dtheta (-i)`` (the exact derivative
    of the martingale drift omega given that of psi_raw). ``dpsi_raw/dtheta`` comes from the
    fourth-order central difference ``(-f(2h) + 8 f(h) - 8 f(-h) + f(-2h)) / (12 h)`` of the
    model's exponent with the steps of :func:`gradient_steps` (truncation error O(h^4), about
    1e-12 relative; the exponent must be evaluable at ``theta_k +- 2 h_k``). Calls and puts
    have the same gradient (put–call parity; the forward does not depend on theta).
    """
    owner = "price_and_grad_numba"
    model = check_model(owner, model)
    mkt = check_market(owner, market)
    grid = prepare_grid(owner, strikes, maturities)
    is_call = kind_code(owner, kind) == 0
    pricer = _check_pricer(owner, pricer)
    nT, nK = grid.maturities.size, grid.strikes.size
    out = np.empty((nT, nK))
    grad = np.empty((len(model.PARAM_NAMES), nT, nK))
    code, index = kernels.cos_surface_grad(
        *kernel_functions(type(model)), model.to_array(), gradient_steps(model), mkt.spot,
        mkt.rate, mkt.dividend, grid.strikes, grid.maturities, is_call, *_settings(pricer), out,
        grad,
    )
    _raise_status("", type(model), code, float(grid.maturities[index]), pricer)
    return out, grad
