"""Prices from QuantLib's engines, as an independent third-party cross-check.

QuantLib (https://www.quantlib.org) is imported lazily: these functions are only called where
it is installed (``pytest.importorskip("QuantLib")`` in the tests).

Conventions that make QuantLib's maturities equal ours exactly
---------------------------------------------------------------
* The reference date is fixed (2001-01-01) and every curve uses ``Actual365Fixed``, so a
  maturity of ``n`` calendar days is exactly ``T = n / 365`` years. Maturities that are not an
  integer number of days (to 1e-9 days) are rejected with ``ValueError`` rather than rounded.
* Rates are flat and continuously compounded (``FlatForward(..., Continuous)``), so discount
  factors are ``exp(-r T)`` and ``exp(-q T)`` exactly.
* QuantLib's evaluation date is global state; it is set for the call and restored afterwards.

Engines
-------
* Variance Gamma: ``VarianceGammaEngine`` (``ql/experimental/variancegamma``), which
  integrates Black–Scholes prices against the gamma density of the clock with
  ``X_T = omega T + theta G + sigma W_G``, ``omega = ln(1 - theta nu - sigma^2 nu/2)/nu``
  (Madan, Carr & Chang 1998), with ``VarianceGammaProcess(s0, dividend, riskFree, sigma, nu,
  theta)``, the same parametrisation as ours. Its integration is to a fixed absolute error
  (the C++ default ``absoluteError = 1e-5``, in price units; the Python constructor does not
  expose it) and uses a non-adaptive Gauss–Kronrod rule on ``[0, 0.1]`` that cannot resolve
  the gamma density's singularity when ``T/nu < 1``; its normalisation
  ``Gamma(T/nu) nu^(T/nu)`` overflows for ``T/nu > 171``. Use it for ``1 <= T/nu <= 170``
  with an absolute tolerance of 1e-5 (measured with ``S0 = 100``: differences up to 5e-6 at
  ``T/nu = 1``, at most 4e-7 for ``T/nu >= 5``; for ``T/nu < 1`` errors reach the option
  value itself).
* Merton: QuantLib's ``JumpDiffusionEngine`` is not exported by the SWIG bindings (checked for
  QuantLib-Python 1.44), so the Merton model is priced by ``BatesEngine`` — Heston stochastic
  variance with Merton log-normal jumps (Bates 1996), whose jump term is
  ``lambda T (exp(i u nu_J - delta^2 u^2/2) - 1 - i u (exp(nu_J + delta^2/2) - 1))``, i.e.
  ``nu_J = mu_j`` and ``delta = sigma_j`` — with a degenerate variance process: ``v0 = theta =
  sigma^2``, ``kappa = 1``, vol-of-vol ``xi`` tiny, ``rho = 0``. The variance then stays at
  ``sigma^2`` up to ``O(xi)`` and the price is Merton's to ``O(xi^2)`` (measured: the
  difference to the Lewis oracle scales as ``3.6 xi^2 * spot`` for ``xi`` from 1e-2 to 1e-4).
  With ``xi = 1e-6`` and the engine's Gauss–Laguerre rule at its maximum order 192 the
  agreement is about 1e-13 * spot (order 160: 3e-10 * spot; the Gauss–Lobatto constructor
  stalls at about 1e-10 relative tolerance).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .black_scholes import check_kind
from .lewis import MarketLike, _as_grid

__all__ = ["quantlib_vg_price", "quantlib_merton_price", "maturity_days"]

_DAYS_PER_YEAR = 365.0
#: Vol-of-vol of the degenerate Heston variance used to turn Bates into Merton.
BATES_VOL_OF_VOL = 1e-6
#: Order of the Gauss–Laguerre rule of QuantLib's analytic Heston/Bates engine (its maximum).
BATES_LAGUERRE_ORDER = 192


def maturity_days(maturity: float) -> int:
    """``n`` with ``maturity == n / 365`` (to 1e-9 days), else ``ValueError``."""
    days = maturity * _DAYS_PER_YEAR
    n = round(days)
    if n < 1 or abs(days - n) > 1e-9:
        raise ValueError(
            f"QuantLib maturities must be a positive integer number of days / 365 "
            f"(Actual365Fixed); got T={maturity!r} = {days!r} days"
        )
    return int(n)


@contextmanager
def _ql_session() -> Iterator[tuple[Any, Any]]:
    """Yield (QuantLib module, reference date) with the evaluation date set, then restore."""
    import QuantLib as ql

    settings = ql.Settings.instance()
    saved = settings.evaluationDate
    today = ql.Date(1, ql.January, 2001)
    settings.evaluationDate = today
    try:
        yield ql, today
    finally:
        settings.evaluationDate = saved


def _price_grid(
    ql: Any,
    today: Any,
    strikes: NDArray[np.float64],
    maturities: NDArray[np.float64],
    kind: str,
    engine: Any,
) -> NDArray[np.float64]:
    option_type = ql.Option.Call if kind == "call" else ql.Option.Put
    out = np.empty((maturities.size, strikes.size))
    for i, ti in enumerate(maturities):
        exercise = ql.EuropeanExercise(today + maturity_days(float(ti)))
        for j, kj in enumerate(strikes):
            option = ql.VanillaOption(ql.PlainVanillaPayoff(option_type, float(kj)), exercise)
            option.setPricingEngine(engine)
            out[i, j] = option.NPV()
    return out


def _curves(ql: Any, today: Any, market: MarketLike) -> tuple[Any, Any, Any]:
    day_count = ql.Actual365Fixed()

    def flat(rate: float) -> Any:
        return ql.YieldTermStructureHandle(
            ql.FlatForward(
                today, ql.QuoteHandle(ql.SimpleQuote(rate)), day_count, ql.Continuous, ql.Annual
            )
        )

    spot = ql.QuoteHandle(ql.SimpleQuote(float(market.spot)))
    return spot, flat(float(market.rate)), flat(float(market.dividend))


def _run(
    build_engine: Callable[[Any, Any, Any, Any, Any], Any],
    market: MarketLike,
    strikes: ArrayLike,
    maturities: ArrayLike,
    kind: str,
) -> NDArray[np.float64]:
    check_kind(kind)
    k, t = _as_grid(strikes, maturities)
    with _ql_session() as (ql, today):
        spot, risk_free, dividend = _curves(ql, today, market)
        engine = build_engine(ql, today, spot, risk_free, dividend)
        return _price_grid(ql, today, k, t, kind, engine)


def quantlib_vg_price(
    model: object, market: MarketLike, strikes: ArrayLike, maturities: ArrayLike, kind: str
) -> NDArray[np.float64]:
    """Variance Gamma prices from QuantLib's ``VarianceGammaEngine`` (absolute accuracy
    ~1e-5, ``1 <= T/nu <= 170`` only; see the module docstring).

    Parameters
    ----------
    model : VarianceGamma
        Fields ``sigma, nu, theta``.
    market : MarketLike
    strikes, maturities : array_like
        Maturities must be whole days / 365.
    kind : {"call", "put"}

    Returns
    -------
    ndarray, shape (n_T, n_K)
    """
    sigma = float(model.sigma)  # type: ignore[attr-defined]
    nu = float(model.nu)  # type: ignore[attr-defined]
    theta = float(model.theta)  # type: ignore[attr-defined]

    def build(ql: Any, today: Any, spot: Any, risk_free: Any, dividend: Any) -> Any:
        process = ql.VarianceGammaProcess(spot, dividend, risk_free, sigma, nu, theta)
        return ql.VarianceGammaEngine(process)

    return _run(build, market, strikes, maturities, kind)


def quantlib_merton_price(
    model: object,
    market: MarketLike,
    strikes: ArrayLike,
    maturities: ArrayLike,
    kind: str,
    *,
    vol_of_vol: float = BATES_VOL_OF_VOL,
) -> NDArray[np.float64]:
    """Merton (1976) prices from QuantLib's ``BatesEngine`` with a degenerate (almost
    constant) Heston variance ``v = sigma^2`` (see the module docstring).

    Parameters
    ----------
    model : Merton
        Fields ``sigma, lam, mu_j, sigma_j``.
    market : MarketLike
    strikes, maturities : array_like
        Maturities must be whole days / 365.
    kind : {"call", "put"}
    vol_of_vol : float
        Heston vol-of-vol ``xi`` of the degenerate variance process.

    Returns
    -------
    ndarray, shape (n_T, n_K)
    """
    var = float(model.sigma) ** 2  # type: ignore[attr-defined]
    lam = float(model.lam)  # type: ignore[attr-defined]
    mu_j = float(model.mu_j)  # type: ignore[attr-defined]
    sigma_j = float(model.sigma_j)  # type: ignore[attr-defined]

    def build(ql: Any, today: Any, spot: Any, risk_free: Any, dividend: Any) -> Any:
        process = ql.BatesProcess(
            risk_free, dividend, spot, var, 1.0, var, vol_of_vol, 0.0, lam, mu_j, sigma_j
        )
        return ql.BatesEngine(ql.BatesModel(process), BATES_LAGUERRE_ORDER)

    return _run(build, market, strikes, maturities, kind)
