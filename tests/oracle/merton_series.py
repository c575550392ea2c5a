"""Merton (1976) jump-diffusion prices as a Poisson-weighted series of Black prices.

Conditionally on ``n`` jumps in ``[0, T]`` the log-price is normal (Merton 1976, J. Financ.
Econ. 3, eq. 19):

.. math::

    \\ln S_T \\mid N_T = n \\;\\sim\\; \\mathcal N\\big(\\ln F - \\lambda\\kappa T
        + n(\\mu_J + \\sigma_J^2/2) - s_n^2/2,\\; s_n^2\\big),\\qquad
    s_n^2 = \\sigma^2 T + n\\sigma_J^2,\\quad \\kappa = e^{\\mu_J + \\sigma_J^2/2} - 1,

so that

.. math::

    V = e^{-rT}\\sum_{n\\ge 0} e^{-\\lambda T}\\frac{(\\lambda T)^n}{n!}\\,
        \\mathrm{Black}\\big(F e^{-\\lambda\\kappa T + n(\\mu_J + \\sigma_J^2/2)}, K, s_n\\big).

The compensator ``lambda kappa`` is computed here from its closed form, independently of the
model's ``convexity_correction``.

Truncation: the terms are bounded by the Poisson weights times ``max(F_n, K)``; since
``p_n F_n = F p'_n`` with ``p'`` the Poisson law of rate ``lambda (1 + kappa) T``, the series is
summed until both Poisson tails ``P(N > n)`` (rates ``lambda T`` and ``lambda (1+kappa) T``) are
below ``1e-16``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import poisson

from .black_scholes import black_forward_price, check_kind
from .lewis import MarketLike, _as_grid

__all__ = ["merton_series_price"]

_TAIL = 1e-16


def _n_terms(rate: float) -> int:
    """Smallest ``n`` with ``P(N > n) < 1e-16`` for ``N ~ Poisson(rate)``."""
    n = int(rate + 10.0 * math.sqrt(rate) + 10.0)
    while poisson.sf(n, rate) >= _TAIL:
        n *= 2
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if poisson.sf(mid, rate) < _TAIL:
            hi = mid
        else:
            lo = mid + 1
    return lo


def merton_series_price(
    model: object,
    market: MarketLike,
    strikes: ArrayLike,
    maturities: ArrayLike,
    kind: str,
) -> NDArray[np.float64]:
    """Merton (1976) prices by the Poisson-weighted Black series (see module docstring).

    Parameters
    ----------
    model : Merton
        Anything with fields ``sigma, lam, mu_j, sigma_j``.
    market : MarketLike
    strikes, maturities : array_like
        1-D (or scalar) strikes ``K > 0`` and maturities ``T >= 0``.
    kind : {"call", "put"}

    Returns
    -------
    ndarray, shape (n_T, n_K)
    """
    check_kind(kind)
    k, t = _as_grid(strikes, maturities)
    sigma = float(model.sigma)  # type: ignore[attr-defined]
    lam = float(model.lam)  # type: ignore[attr-defined]
    mu_j = float(model.mu_j)  # type: ignore[attr-defined]
    sigma_j = float(model.sigma_j)  # type: ignore[attr-defined]
    kappa = math.expm1(mu_j + 0.5 * sigma_j * sigma_j)
    s0, r, q = float(market.spot), float(market.rate), float(market.dividend)
    out = np.empty((t.size, k.size))
    for i, ti in enumerate(t):
        fwd = s0 * math.exp((r - q) * ti)
        lt = lam * ti
        n_max = max(_n_terms(lt), _n_terms(lt * (1.0 + kappa)))
        n = np.arange(n_max + 1, dtype=np.float64)
        weights = poisson.pmf(n, lt)
        fwd_n = fwd * np.exp(-lt * kappa + n * (mu_j + 0.5 * sigma_j * sigma_j))
        sd_n = np.sqrt(sigma * sigma * ti + n * sigma_j * sigma_j)
        terms = weights[:, None] * black_forward_price(
            fwd_n[:, None], k[None, :], sd_n[:, None], kind
        )
        # Sum from the smallest terms (the tail) up, to limit rounding.
        out[i] = math.exp(-r * ti) * terms[::-1].sum(axis=0)
    return out
