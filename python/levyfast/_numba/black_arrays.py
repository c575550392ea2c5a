"""Array kernels over Black prices and implied volatilities, serial and threaded (DESIGN.md §6).

Each loop body is one scalar kernel of :mod:`.black` or :mod:`.lets_be_rational`; the serial
variants serve small inputs (a single surface), where starting threads costs more than it saves,
the ``prange`` variants large batches. Inputs are validated, flat, equal-length float64 arrays.
"""

from __future__ import annotations

import math

import numba

from .black import black_price_scalar
from .jit import kernel, parallel_kernel
from .lets_be_rational import black_implied_vol_scalar

__all__ = [
    "black_price_serial",
    "black_price_parallel",
    "black_implied_vol_serial",
    "black_implied_vol_parallel",
    "surface_implied_vol_serial",
    "surface_implied_vol_parallel",
    "SURFACE_OK",
    "BAD_STRIKES",
    "BAD_MATURITIES",
    "BAD_PRICES",
]


@kernel
def black_price_serial(forwards, strikes, maturities, vols, discounts, theta, out):
    for i in range(out.size):
        out[i] = black_price_scalar(
            forwards[i], strikes[i], maturities[i], vols[i], discounts[i], theta
        )


@parallel_kernel
def black_price_parallel(forwards, strikes, maturities, vols, discounts, theta, out):
    for i in numba.prange(out.size):
        out[i] = black_price_scalar(
            forwards[i], strikes[i], maturities[i], vols[i], discounts[i], theta
        )


@kernel
def black_implied_vol_serial(prices, forwards, strikes, maturities, discounts, theta, out):
    for i in range(out.size):
        out[i] = black_implied_vol_scalar(
            prices[i], forwards[i], strikes[i], maturities[i], discounts[i], theta
        )


@parallel_kernel
def black_implied_vol_parallel(prices, forwards, strikes, maturities, discounts, theta, out):
    for i in numba.prange(out.size):
        out[i] = black_implied_vol_scalar(
            prices[i], forwards[i], strikes[i], maturities[i], discounts[i], theta
        )


@kernel
def _surface_row(prices, spot, rate, dividend, strikes, maturity, theta, out):
    """One maturity of a surface: F = S0 exp((r - q) T), D = exp(-r T)."""
    forward = spot * math.exp((rate - dividend) * maturity)
    discount = math.exp(-rate * maturity)
    for k in range(strikes.size):
        out[k] = black_implied_vol_scalar(prices[k], forward, strikes[k], maturity, discount, theta)


#: Status codes of the surface kernels: which input failed its check (nothing was computed).
SURFACE_OK, BAD_STRIKES, BAD_MATURITIES, BAD_PRICES = 0, 1, 2, 3


@kernel
def _check_surface(prices, strikes, maturities):
    """Status code: strikes and maturities finite and positive, prices finite."""
    for k in range(strikes.size):
        if not 0.0 < strikes[k] < math.inf:
            return BAD_STRIKES
    for j in range(maturities.size):
        if not 0.0 < maturities[j] < math.inf:
            return BAD_MATURITIES
    flat = prices.reshape(-1)
    for i in range(flat.size):
        if not math.isfinite(flat[i]):
            return BAD_PRICES
    return SURFACE_OK


@kernel
def surface_implied_vol_serial(prices, spot, rate, dividend, strikes, maturities, theta, out):
    """prices/out: [n, n_T, n_K] C-contiguous; strikes [n_K]; maturities [n_T]. Checks the
    inputs first and returns a status code (SURFACE_OK, or which input is invalid)."""
    status = _check_surface(prices, strikes, maturities)
    if status != SURFACE_OK:
        return status
    n_t = maturities.size
    for row in range(prices.shape[0] * n_t):
        i, j = divmod(row, n_t)
        _surface_row(prices[i, j], spot, rate, dividend, strikes, maturities[j], theta, out[i, j])
    return SURFACE_OK


@parallel_kernel
def surface_implied_vol_parallel(prices, spot, rate, dividend, strikes, maturities, theta, out):
    status = _check_surface(prices, strikes, maturities)
    if status != SURFACE_OK:
        return status
    n_t = maturities.size
    for row in numba.prange(prices.shape[0] * n_t):
        i = row // n_t
        j = row - i * n_t
        _surface_row(prices[i, j], spot, rate, dividend, strikes, maturities[j], theta, out[i, j])
    return SURFACE_OK
