"""Normalised Black function and Black (1976) prices, accurate to a few ulp from deep in to deep
out of the money and from tiny to huge total volatility.

Notation of P. Jäckel, "Let's Be Rational", Wilmott (2015) 40-53, section 3: with log-moneyness
``x = ln(F/K)``, total volatility ``s = sigma sqrt(T)``, ``h = x/s`` and ``t = s/2``, the normalised
(undiscounted, divided by ``sqrt(F K)``) call price is

    b(x, s) = exp(x/2) Phi(h + t) - exp(-x/2) Phi(h - t).

Every kernel here takes the out-of-the-money side ``x <= 0`` (in-the-money calls and all puts map
onto it by put-call parity and ``b(x, s, put) = b(-x, s, call)``). With the vega
``b'(s) = exp(-(h^2 + t^2)/2) / sqrt(2 pi)`` and Mills' ratio ``Y(z) = Phi(z)/phi(z)``,

    b = b' [Y(h + t) - Y(h - t)] = b' R(h, t),                                         (1)

so the ratio ``R = b/b'`` carries all the cancellation and no exponential. ``R`` is evaluated in
Jäckel's three regions: the asymptotic expansion of ``Y`` for ``h + t < -10 + tau`` (with
``h < -10``), its Taylor expansion in ``t`` for ``t < tau = 2 eps^(1/16)``, and Cody's ``erfcx``
elsewhere. Where ``h + t > 0.85`` the price is close to its maximum ``exp(x/2)`` and is computed
from the complement

    exp(x/2) - b = b' Q(h, t),   Q = sqrt(pi/2) [erfcx((h+t)/sqrt 2) + erfcx((t-h)/sqrt 2)],   (2)

a sum of positive terms. Both ratios also give ``ln b`` and ``ln(exp(x/2) - b)`` without
underflow, which the implied-volatility iteration uses for prices down to the smallest double.
"""

from __future__ import annotations

import math

from .jit import kernel
from .special import erfcx

__all__ = [
    "black_ratio",
    "complement_ratio",
    "normalised_black_otm",
    "otm_log_moneyness",
    "log_vega",
    "black_price_scalar",
]

_SQRT_HALF_PI = 1.2533141373155002512
_INV_SQRT_2PI = 0.39894228040143267794
_INV_SQRT_2 = 0.70710678118654752440
_LN_SQRT_2PI = 0.91893853320467274178
#: Jäckel's tau = 2 eps^(1/16): the t-expansion of (1) to order t^13 is exact to eps below it.
SMALL_T = 2.0 * 2.220446049250313e-16 ** (1.0 / 16.0)
#: Jäckel's eta: the asymptotic expansion of Y(z) reaches eps for z below about -10.
ASYMPTOTIC_H = -10.0
#: Above h + t = 0.85 the price is taken from its complement (2).
COMPLEMENT_H_PLUS_T = 0.85


@kernel
def _mills_y(z: float) -> float:
    """Y(z) = Phi(z)/phi(z) = sqrt(pi/2) erfcx(-z/sqrt 2)."""
    return _SQRT_HALF_PI * erfcx(-z * _INV_SQRT_2)


@kernel
def _asymptotic_ratio(h: float, t: float) -> float:
    """R(h, t) for h + t < -10 + tau from Y(z) ~ sum_n (-1)^(n+1) (2n-1)!! z^-(2n+1).

    Abramowitz & Stegun 26.2.12. With a = h + t, c = h - t, u = 1/a, w = 1/c the difference of
    the two series is summed term by term without cancellation,

        R = (2t / (a c)) sum_n (-1)^n (2n-1)!! T_(2n+1),   T_m = sum_(j<m) u^j w^(m-1-j) > 0,

    using T_(m+1) = u T_m + w^m. Terms shrink at least like (2n+1)/a^2 < 1/4 before the
    series reaches eps (at most about 20 terms).
    """
    a = h + t
    c = h - t
    u = 1.0 / a
    w = 1.0 / c
    t_m = 1.0
    w_m = w
    coefficient = 1.0
    total = 1.0
    for n in range(1, 40):
        t_m = u * t_m + w_m
        w_m *= w
        t_m = u * t_m + w_m
        w_m *= w
        coefficient *= -(2.0 * n - 1.0)
        term = coefficient * t_m
        total += term
        if abs(term) <= 1e-17 * total:
            break
    return (2.0 * t / (a * c)) * total


@kernel
def _small_t_ratio(h: float, t: float) -> float:
    """R(h, t) for t < tau by its Taylor series in t to order t^13.

    R = 2 sum_k Y^(2k+1)(h) t^(2k+1) / (2k+1)!, with the derivatives of Mills' ratio from
    Y' = 1 + h Y and Y^(n+1) = n Y^(n-1) + h Y^(n) (Jäckel 2015, eq. (3.x) small-t expansion).
    """
    w = t * t
    d_prev = _mills_y(h)
    d = 1.0 + h * d_prev
    total = d
    factor = 1.0
    for n in range(1, 13):
        d_prev, d = d, n * d_prev + h * d
        if n % 2 == 0:
            factor *= w / (n * (n + 1.0))
            total += factor * d
    return 2.0 * t * total


@kernel
def black_ratio(h: float, t: float) -> float:
    """R = b/b' = Y(h + t) - Y(h - t) of (1) for h <= 0, t > 0."""
    if h < ASYMPTOTIC_H and h + t < ASYMPTOTIC_H + SMALL_T:
        return _asymptotic_ratio(h, t)
    if t < SMALL_T:
        return _small_t_ratio(h, t)
    return _SQRT_HALF_PI * (erfcx(-(h + t) * _INV_SQRT_2) - erfcx(-(h - t) * _INV_SQRT_2))


@kernel
def complement_ratio(h: float, t: float) -> float:
    """Q = (exp(x/2) - b)/b' of (2), for h <= 0, t > 0."""
    return _SQRT_HALF_PI * (erfcx((h + t) * _INV_SQRT_2) + erfcx((t - h) * _INV_SQRT_2))


@kernel
def log_vega(h: float, t: float) -> float:
    """ln b'(s) = -(h^2 + t^2)/2 - ln sqrt(2 pi)."""
    return -0.5 * (h * h + t * t) - _LN_SQRT_2PI


@kernel
def normalised_black_otm(x: float, s: float) -> tuple[float, float]:
    """(b(x, s), b'(s)) for x <= 0 and s > 0."""
    h = x / s
    t = 0.5 * s
    vega = _INV_SQRT_2PI * math.exp(-0.5 * (h * h + t * t))
    if h + t > COMPLEMENT_H_PLUS_T:
        return math.exp(0.5 * x) - complement_ratio(h, t) * vega, vega
    return black_ratio(h, t) * vega, vega


@kernel
def otm_log_moneyness(forward: float, strike: float) -> float:
    """x = -|ln(F/K)|, by log1p((F - K)/K) near the money where F - K is exact (Sterbenz), so
    that x keeps full relative accuracy as F/K -> 1."""
    if 0.5 <= forward / strike <= 2.0:
        return -abs(math.log1p((forward - strike) / strike))
    return -abs(math.log(forward / strike))


@kernel
def black_price_scalar(
    forward: float, strike: float, maturity: float, vol: float, discount: float, theta: float
) -> float:
    """Black (1976) price ``discount * E[(theta (F_T - K))^+]``; theta = 1 call, -1 put.

    The out-of-the-money time value ``sqrt(F K) b(x, s)`` on ``x = -|ln F/K|`` is computed from
    the ratios (1)/(2) and added to the intrinsic value, so neither side loses its time value;
    ``sqrt(F K) exp(x/2) = min(F, K)`` exactly.
    """
    intrinsic = max(theta * (forward - strike), 0.0)
    s = vol * math.sqrt(maturity)
    if s == 0.0:
        return discount * intrinsic
    h = otm_log_moneyness(forward, strike) / s
    t = 0.5 * s
    # sqrt(F K) b' with the scale inside the exponent: no subnormal intermediate when the
    # normalised price underflows but the price does not.
    scaled_vega = math.exp(log_vega(h, t) + 0.5 * (math.log(forward) + math.log(strike)))
    if h + t > COMPLEMENT_H_PLUS_T:
        time_value = min(forward, strike) - complement_ratio(h, t) * scaled_vega
    else:
        time_value = black_ratio(h, t) * scaled_vega
    return discount * (intrinsic + time_value)
