"""Lewis (2001) call prices on a general contour ``Im z = v``, ``0 < v < 1``: a second,
independent quadrature of the same Fourier representation, for models without a series or
mixture form (CGMY with ``Y > 0``, Kou).

Formula
-------
With ``F = S0 exp((r - q) T)``, ``S_T = F exp(X_T)``, ``phi(z) = E[exp(i z X_T)] =
exp(T psi(z))``, ``k = ln(K/F)`` and ``z = u + i v``, the covered call ``F e^X - (F e^X - K)^+ =
min(F e^X, K)`` has the Fourier transform ``K e^{izk} / (z^2 - iz)`` for ``0 < Im z < 1``, so
(Lewis 2001, eq. (2.10) with ``k_i = v``)

.. math::

    C = e^{-rT}\\Big[F - \\frac{K e^{-vk}}{\\pi}\\int_0^\\infty
        \\mathrm{Re}\\Big[\\frac{e^{iuk}\\,\\phi(-u - iv)}{(u + iv)(u + i(v - 1))}\\Big]du\\Big].

At ``v = 1/2`` this is :func:`~.lewis.lewis_price`; any other ``v`` gives a different
integrand (different weight of the two tails of ``X_T``, different denominator), so agreement of
the two is a check of the quadrature and truncation, not a repetition of them. It uses the
model's ``char_exponent`` only (checked against the Lévy density in tests/test_oracle.py).

Quadrature
----------
``|phi(-u - iv)| <= E[exp(v X_T)] <= E[exp(X_T)]^v = 1`` and ``|(u + iv)(u + i(v - 1))| >= u^2``,
so the integral beyond ``u_max`` is at most ``1/u_max``; the range is split as in
:mod:`.lewis` (a head ``[0, u0]`` and geometric chunks up to ``u_max = 4/budget``), each piece
by QUADPACK's QAWO through :func:`~._quad.checked_quad`, which raises
:class:`~._quad.OracleAccuracyError` when it cannot certify its share of the budget.
"""

from __future__ import annotations

import cmath
import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .black_scholes import check_kind
from .lewis import ExponentModel, MarketLike, MemoIntegrand, grid_prices, oscillatory_integral

__all__ = ["lewis_contour_price"]


def _contour_integral(
    model: ExponentModel, maturity: float, log_strike: float, v: float, budget: float
) -> float:
    """``int_0^inf Re[e^{iuk} phi(-u - iv) / ((u + iv)(u + i(v-1)))] du`` to ``budget``."""
    t = float(maturity)
    c = model.convexity_correction() * t

    def g(u: float) -> complex:
        """``exp(T psi(-u - iv) + iuc) / ((u + iv)(u + i(v - 1)))``."""
        psi = complex(model.char_exponent(complex(-u, -v)))
        return cmath.exp(t * psi + 1j * u * c) / (complex(u, v) * complex(u, v - 1.0))

    var = model.cumulants(t)[1]
    sd = math.sqrt(var) if var > 0.0 else 1.0
    what = f"Lewis contour Im z = {v} integral of {model!r} at T={t}, k={log_strike}"
    return oscillatory_integral(MemoIntegrand(g), log_strike - c, sd, budget, what)[0]


def lewis_contour_price(
    model: ExponentModel,
    market: MarketLike,
    strikes: ArrayLike,
    maturities: ArrayLike,
    kind: str,
    *,
    contour: float = 0.3,
    tol: float = 1e-11,
) -> NDArray[np.float64]:
    """European prices from the Lewis formula on the contour ``Im z = contour`` (see module).

    Parameters
    ----------
    model, market, strikes, maturities, kind
        As in :func:`~.lewis.lewis_price`.
    contour : float
        ``v`` in ``(0, 1)``; ``1/2`` is the contour of :func:`~.lewis.lewis_price`.
    tol : float
        Certified absolute accuracy as a fraction of spot.

    Returns
    -------
    ndarray, shape (n_T, n_K)

    Raises
    ------
    OracleAccuracyError
        If the target accuracy cannot be certified for some (T, K).
    """
    check_kind(kind)
    if not 0.0 < contour < 1.0:
        raise ValueError(f"`contour` must be in (0, 1); got {contour!r}")
    s0 = float(market.spot)

    def call(t: float, fwd: float, disc: float, strike: float) -> float:
        log_k = math.log(strike / fwd)
        scale = disc * strike * math.exp(-contour * log_k) / math.pi
        return disc * fwd - scale * _contour_integral(model, t, log_k, contour, tol * s0 / scale)

    return grid_prices(market, strikes, maturities, kind, call)
