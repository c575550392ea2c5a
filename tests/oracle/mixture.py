"""Variance Gamma and NIG prices from their normal variance-mean mixture (time-change) form.

Both models are Brownian motions with drift run on an independent subordinator ``V_T``:

* Variance Gamma (Madan, Carr & Chang 1998, Eur. Finance Rev. 2, Sect. 2):
  ``X_T = omega T + theta G + sigma W_G``, ``G ~ Gamma(shape a = T/nu, scale nu)``,
  ``omega = ln(1 - theta nu - sigma^2 nu / 2) / nu``;
* NIG (Barndorff-Nielsen 1997, Scand. J. Stat. 24, Sect. 2):
  ``X_T = omega T + beta V + W_V``, ``V ~ IG(mean mu = delta T/gamma, shape lam = delta^2 T^2)``,
  ``gamma = sqrt(alpha^2 - beta^2)``, ``omega = -delta (gamma - sqrt(alpha^2 - (beta+1)^2))``.

Conditionally on ``V = v`` the log-price is normal, so the option price is the Black (1976)
price averaged over the subordinator (Madan, Carr & Chang 1998, eq. 22 for VG):

.. math::

    V(K) = e^{-rT} \\int_0^\\infty \\mathrm{Black}\\big(F e^{\\omega T + (\\theta + s^2/2) v},
           K, s\\sqrt v\\big)\\, f_{V_T}(v)\\, dv

with ``s = sigma, theta`` (VG) or ``s = 1, theta = beta`` (NIG). The drifts ``omega`` are
computed here from their closed forms, independently of the models' ``convexity_correction``,
so this also checks the exponents' normalisation.

Quadrature
----------
The integral is taken in ``s = ln(v / m)`` (``m`` = gamma scale ``nu`` or IG mean ``mu``), where
the densities become ``exp(a s - e^s) / Gamma(a)`` (VG) and
``sqrt(phi / 2 pi) exp(-s/2 - phi (cosh s - 1))``, ``phi = delta gamma T`` (NIG). Deep
out-of-the-money prices come from the far tail of the clock (a rare large ``v``), so the
range is not left to QUADPACK's infinite-interval map, which can step over such a bump: both
ends ``[s_lo, s_hi]`` are found by scanning (steps of 1/4) until the bound
``max(F_v, K) * density`` on the integrand falls below ``budget * e^-30``, beyond which it
decays (doubly) exponentially; the range is then integrated with a break point at every unit
of ``s``. For VG with ``a = T/nu <= 1`` the left tail (density ``~ e^{a s}``, slow for small
``a``) is not truncated but integrated in ``w = (g/nu)^a = e^{a s}`` over ``[0, e^{a s_lo}]``,
where ``f(g) dg = exp(-w^(1/a)) / Gamma(a + 1) dw`` is bounded and smooth (the substitution
removes the gamma density's singularity ``g^(a-1)`` at 0).

Every piece goes through :func:`~._quad.checked_quad`; the pieces of one price share an
absolute budget of ``tol * spot``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaln

from ._quad import OracleAccuracyError, checked_quad
from .black_scholes import black_forward_price, check_kind
from .lewis import MarketLike, _as_grid

__all__ = ["mixture_price", "vg_mixture_price", "nig_mixture_price"]

# Below this total standard deviation the conditional Black price is its intrinsic value
# (the difference is O(stdev) * density, far below any budget, and d1 = x/stdev would overflow).
_TINY_STDEV = 1e-150
_LOG_MAX = 700.0
_SCAN_STEP = 0.25
_SCAN_MARGIN = 30.0


class _Mixture:
    """Integrand ``s -> Black(F_v(s), K, vol sqrt(v(s))) * exp(log_weight(s))`` of one price.

    ``log F_v = log_fwd + drift + (slope + vol^2/2) v`` and ``v(s) = scale * e^s``.
    """

    def __init__(
        self,
        fwd: float,
        strike: float,
        kind: str,
        drift: float,
        slope: float,
        vol: float,
        scale: float,
        log_weight: Callable[[float], float],
    ) -> None:
        self.strike, self.kind, self.vol, self.scale = strike, kind, vol, scale
        self.log_f0 = math.log(fwd) + drift
        self.growth = slope + 0.5 * vol * vol
        self.log_weight = log_weight

    def v(self, s: float) -> float:
        return self.scale * math.exp(min(s, _LOG_MAX))

    def log_bound(self, s: float) -> float:
        """log of ``max(F_v, K) * weight``, an upper bound of the integrand."""
        log_cap = max(self.log_f0 + self.growth * self.v(s), math.log(self.strike))
        return log_cap + self.log_weight(s)

    def price(self, v: float) -> float:
        log_f = self.log_f0 + self.growth * v
        if log_f > _LOG_MAX:
            return math.inf  # only where the weight has underflowed (see __call__)
        stdev = self.vol * math.sqrt(v)
        stdev = stdev if stdev > _TINY_STDEV else 0.0
        return float(black_forward_price(math.exp(log_f), self.strike, stdev, self.kind))

    def __call__(self, s: float) -> float:
        lw = self.log_weight(s)
        if lw < -745.0:
            return 0.0
        return self.price(self.v(s)) * math.exp(lw)


def _scan(mix: _Mixture, start: float, step: float, threshold: float, what: str) -> float:
    """First ``s = start + k step`` (k >= 4) where ``mix.log_bound(s) < threshold``."""
    s = start + 4.0 * step
    for _ in range(4000):
        if mix.log_bound(s) < threshold:
            return s
        s += step
    raise OracleAccuracyError(f"could not bound the tail of {what} (scan from {start})")


def _integrate(mix: _Mixture, lo: float, hi: float, budget: float, what: str) -> float:
    """``int_lo^hi mix(s) ds`` with break points at every unit of ``s``."""
    points = [float(p) for p in np.arange(math.ceil(lo), math.floor(hi) + 1.0) if lo < p < hi]
    value, _ = checked_quad(mix, lo, hi, budget=budget, what=what, points=points or None)
    return value


def vg_mixture_price(
    sigma: float,
    nu: float,
    theta: float,
    market: MarketLike,
    strikes: ArrayLike,
    maturities: ArrayLike,
    kind: str,
    *,
    tol: float = 1e-11,
) -> NDArray[np.float64]:
    """Variance Gamma prices by integrating Black prices over the gamma clock.

    .. math::

        V = e^{-rT}\\int_0^\\infty \\mathrm{Black}\\big(F e^{\\omega T + (\\theta +
        \\sigma^2/2) g}, K, \\sigma\\sqrt g\\big)\\,
        \\frac{g^{T/\\nu - 1} e^{-g/\\nu}}{\\Gamma(T/\\nu)\\,\\nu^{T/\\nu}}\\,dg,
        \\qquad \\omega = \\frac{1}{\\nu}\\ln\\Big(1 - \\theta\\nu - \\frac{\\sigma^2\\nu}{2}\\Big)

    (Madan, Carr & Chang 1998). See the module docstring for the quadrature.

    Returns
    -------
    ndarray, shape (n_T, n_K)
    """
    check_kind(kind)
    k, t = _as_grid(strikes, maturities)
    arg = 1.0 - theta * nu - 0.5 * sigma * sigma * nu
    if not arg > 0.0:
        raise ValueError(f"VG needs 1 - theta*nu - sigma**2*nu/2 > 0; got {arg}")
    omega = math.log(arg) / nu
    s0, r, q = float(market.spot), float(market.rate), float(market.dividend)
    out = np.empty((t.size, k.size))
    for i, ti in enumerate(t):
        fwd = s0 * math.exp((r - q) * ti)
        disc = math.exp(-r * ti)
        budget = tol * s0 / disc
        threshold = math.log(budget) - _SCAN_MARGIN
        a = ti / nu
        for j, kj in enumerate(k):
            if ti == 0.0:
                out[i, j] = float(black_forward_price(fwd, kj, 0.0, kind))
                continue
            what = f"VG mixture (sigma={sigma}, nu={nu}, theta={theta}) T={ti} K={kj} {kind}"
            lg = float(gammaln(a))

            def log_weight(s: float, a: float = a, lg: float = lg) -> float:
                return a * s - math.exp(min(s, _LOG_MAX)) - lg

            mix = _Mixture(fwd, kj, kind, omega * ti, theta, sigma, nu, log_weight)
            mode = math.log(a)
            s_hi = _scan(mix, mode, _SCAN_STEP, threshold, what)
            if a <= 1.0:
                s_lo = min(mode, 0.0) - 2.0
                lga1 = float(gammaln(a + 1.0))

                def left(w: float, a: float = a, lga1: float = lga1, mix: _Mixture = mix) -> float:
                    g_over_nu = math.exp(min(math.log(w) / a, _LOG_MAX)) if w > 0.0 else 0.0
                    lw = -g_over_nu - lga1
                    return mix.price(nu * g_over_nu) * math.exp(lw) if lw > -745.0 else 0.0

                head, _ = checked_quad(
                    left, 0.0, math.exp(a * s_lo), budget=0.5 * budget, what=what
                )
            else:
                s_lo = _scan(mix, mode, -_SCAN_STEP, threshold, what)
                head = 0.0
            out[i, j] = disc * (head + _integrate(mix, s_lo, s_hi, 0.5 * budget, what))
    return out


def nig_mixture_price(
    alpha: float,
    beta: float,
    delta: float,
    market: MarketLike,
    strikes: ArrayLike,
    maturities: ArrayLike,
    kind: str,
    *,
    tol: float = 1e-11,
) -> NDArray[np.float64]:
    """NIG prices by integrating Black prices over the inverse-Gaussian clock.

    .. math::

        V = e^{-rT}\\int_0^\\infty \\mathrm{Black}\\big(F e^{\\omega T + (\\beta + 1/2) v},
        K, \\sqrt v\\big)\\,\\sqrt{\\frac{\\lambda}{2\\pi v^3}}
        \\exp\\Big(-\\frac{\\lambda (v - \\mu)^2}{2\\mu^2 v}\\Big)\\,dv,

    ``mu = delta T / gamma``, ``lambda = delta^2 T^2``, ``gamma = sqrt(alpha^2 - beta^2)``,
    ``omega = -delta (gamma - sqrt(alpha^2 - (beta + 1)^2))`` (Barndorff-Nielsen 1997). See
    the module docstring for the quadrature.

    Returns
    -------
    ndarray, shape (n_T, n_K)
    """
    check_kind(kind)
    k, t = _as_grid(strikes, maturities)
    if not (abs(beta) < alpha and abs(beta + 1.0) < alpha and delta > 0.0):
        raise ValueError("NIG needs |beta| < alpha, |beta + 1| < alpha and delta > 0")
    gamma = math.sqrt(alpha * alpha - beta * beta)
    omega = -delta * (gamma - math.sqrt(alpha * alpha - (beta + 1.0) ** 2))
    s0, r, q = float(market.spot), float(market.rate), float(market.dividend)
    out = np.empty((t.size, k.size))
    for i, ti in enumerate(t):
        fwd = s0 * math.exp((r - q) * ti)
        disc = math.exp(-r * ti)
        budget = tol * s0 / disc
        threshold = math.log(budget) - _SCAN_MARGIN
        phi = delta * gamma * ti  # IG shape / mean
        for j, kj in enumerate(k):
            if ti == 0.0:
                out[i, j] = float(black_forward_price(fwd, kj, 0.0, kind))
                continue
            what = f"NIG mixture (alpha={alpha}, beta={beta}, delta={delta}) T={ti} K={kj} {kind}"
            log_norm = 0.5 * math.log(phi / (2.0 * math.pi))

            def log_weight(s: float, phi: float = phi, log_norm: float = log_norm) -> float:
                if abs(s) > _LOG_MAX:
                    return -math.inf
                return log_norm - 0.5 * s - phi * (math.cosh(s) - 1.0)

            mix = _Mixture(fwd, kj, kind, omega * ti, beta, 1.0, delta * ti / gamma, log_weight)
            mode = -math.asinh(0.5 / phi)
            s_lo = _scan(mix, mode, -_SCAN_STEP, threshold, what)
            s_hi = _scan(mix, mode, _SCAN_STEP, threshold, what)
            out[i, j] = disc * _integrate(mix, s_lo, s_hi, budget, what)
    return out


def mixture_price(
    model: object,
    market: MarketLike,
    strikes: ArrayLike,
    maturities: ArrayLike,
    kind: str,
    *,
    tol: float = 1e-11,
) -> NDArray[np.float64]:
    """Mixture price of a ``VarianceGamma`` or ``NIG`` model (reads the fields by name).

    Parameters
    ----------
    model : VarianceGamma or NIG
        Anything with fields ``sigma, nu, theta`` (VG) or ``alpha, beta, delta`` (NIG).
    market, strikes, maturities, kind, tol
        As in :func:`vg_mixture_price` / :func:`nig_mixture_price`.

    Returns
    -------
    ndarray, shape (n_T, n_K)
    """
    if all(hasattr(model, n) for n in ("sigma", "nu", "theta")):
        return vg_mixture_price(
            model.sigma,  # type: ignore[attr-defined]
            model.nu,  # type: ignore[attr-defined]
            model.theta,  # type: ignore[attr-defined]
            market,
            strikes,
            maturities,
            kind,
            tol=tol,
        )
    if all(hasattr(model, n) for n in ("alpha", "beta", "delta")):
        return nig_mixture_price(
            model.alpha,  # type: ignore[attr-defined]
            model.beta,  # type: ignore[attr-defined]
            model.delta,  # type: ignore[attr-defined]
            market,
            strikes,
            maturities,
            kind,
            tol=tol,
        )
    raise TypeError(f"mixture_price supports VarianceGamma and NIG models; got {model!r}")
