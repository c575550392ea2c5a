"""Implied Black volatility by P. Jäckel's "Let's Be Rational" (LBR).

P. Jäckel, "Let's Be Rational", Wilmott (2015) 40-53; revised version (2016) at jaeckel.org.
Given a normalised out-of-the-money call price ``0 < beta < b_max = exp(x/2)`` at log-moneyness
``x <= 0`` (see :mod:`.black` for the reduction of any call or put to this case), find the total
volatility ``s`` with ``b(x, s) = beta``:

1. Four branches by price, split at the inflection point ``s_c = sqrt(2|x|)`` and at the points
   ``s_l = s_c - b_c/b'_c`` and ``s_u = s_c + (b_max - b_c)/b'_c`` where the tangent at ``s_c``
   meets 0 and ``b_max`` (section 4).
2. An initial guess from a shape-preserving rational cubic (Delbourgo-Gregory) through the
   branch ends, in the price itself on the two middle branches, and in the transformed
   coordinates ``f_lower(s) = 2 pi |x| / sqrt(27) Phi(-|x|/(sqrt 3 s))^3`` (lowest branch) and
   ``f_upper(s) = Phi(-s/2)`` (highest branch), which follow the price's asymptotics (section 5).
3. Householder iterations of order 3 on an objective function per branch (section 6): on the
   lowest ``g = 1/ln b(s) - 1/ln beta``, on the middle ones ``g = b(s) - beta``, and on the
   highest (where ``beta > b_max/2``) ``g = ln(b_max - beta) - ln(b_max - b(s))``. Two
   iterations reach machine precision; we stop once a step is below 1e-5 relative, which the
   quartic convergence turns into an error far below eps (often after one iteration), and
   never take more than 10.

Differences from the paper, all for accuracy at the extremes: ``ln b`` and ``ln(b_max - b)`` are
computed from the ratios ``b/b'`` and ``(b_max - b)/b'`` of :mod:`.black` without evaluating
``b`` itself, so prices far below the smallest normal double (and their complements) keep full
relative information; and every iterate is kept inside a bracket that each evaluation tightens,
with bisection as the fallback, so a step can never leave the domain.
"""

from __future__ import annotations

import math

from .black import (
    black_ratio,
    complement_ratio,
    log_vega,
    normalised_black_otm,
    otm_log_moneyness,
)
from .jit import kernel
from .rational_cubic import control_fit_left, control_fit_right, rational_cubic
from .special import erfcx, norm_cdf, norm_quantile

__all__ = ["normalised_implied_vol_otm", "black_implied_vol_scalar"]

_INV_SQRT_2PI = 0.39894228040143267794
_SQRT_HALF_PI = 1.2533141373155002512
_INV_SQRT_2 = 0.70710678118654752440
_SQRT_3 = 1.7320508075688772935
_TWO_PI = 6.2831853071795864769
_TWO_PI_OVER_SQRT_27 = 1.2091995761561452337
_MAX_ITERATIONS = 10
#: Householder(3) converges quartically: after a step of relative size d the error is below
#: C d^4, with C <= 60 measured over x in [-100, 0], s in [1e-3, 20] (all branches). A step
#: below 1e-5 therefore leaves an error below 1e-18, far under eps, and ends the iteration.
_CONVERGED_STEP = 1e-5
_EPS = 2.220446049250313e-16


@kernel
def _householder_step(newton: float, halley: float, hh3: float) -> float:
    """Householder(3) step from newton = -g/g', halley = g''/g' and hh3 = g'''/g'."""
    return newton * (1.0 + 0.5 * halley * newton) / (1.0 + newton * (halley + hh3 * newton / 6.0))


@kernel
def _vega_log_derivatives(h: float, s: float, inv_s: float) -> tuple[float, float]:
    """(b''/b', b'''/b') = (h^2/s - s/4, (b''/b')^2 - 3 (h/s)^2 - 1/4), given inv_s = 1/s."""
    h_over_s = h * inv_s
    first = h * h_over_s - 0.25 * s
    return first, first * first - 3.0 * h_over_s * h_over_s - 0.25


@kernel
def _advance(s: float, ds: float, s_left: float, s_right: float) -> tuple[float, bool]:
    """(next iterate, converged) from the step ds and the bracket (s_left, s_right).

    The step is limited to s/2 downwards; a step below _CONVERGED_STEP ends the iteration; a step
    that is not finite or leaves the bracket is replaced by bisection (doubling while the
    bracket is open to the right).
    """
    if math.isfinite(ds):
        ds = max(ds, -0.5 * s)
        if abs(ds) <= _CONVERGED_STEP * s:
            return s + ds, True
        if s_left < s + ds < s_right:
            return s + ds, False
    if math.isinf(s_right):
        return 2.0 * max(s, s_left), False
    mid = 0.5 * (s_left + s_right)
    return mid, s_right - s_left <= 4.0 * _EPS * mid


@kernel
def _iterate_price(beta: float, x: float, s: float, s_left: float, s_right: float) -> float:
    """Householder(3) on g(s) = b(s) - beta (middle branches)."""
    for _ in range(_MAX_ITERATIONS):
        b, vega = normalised_black_otm(x, s)
        if b > beta:
            s_right = min(s_right, s)
        elif b < beta:
            s_left = max(s_left, s)
        else:
            return s
        if not vega > 0.0:
            ds = math.nan
        else:
            inv_s = 1.0 / s
            halley, hh3 = _vega_log_derivatives(x * inv_s, s, inv_s)
            ds = _householder_step((beta - b) / vega, halley, hh3)
        s, converged = _advance(s, ds, s_left, s_right)
        if converged:
            return s
    return s


@kernel
def _iterate_lower(ln_beta: float, x: float, s: float, s_left: float, s_right: float) -> float:
    """Householder(3) on g(s) = 1/ln b(s) - 1/ln beta (lowest branch), in logarithms.

    With L = ln b and rho = b'/b: -g/g' = (ln beta - L) L / (ln beta rho),
    g''/g' = b''/b' - rho (1 + 2/L), g'''/g' = b'''/b' + 2 rho^2 (1 + 3/L + 3/L^2)
    - 3 (b''/b') rho (1 + 2/L).
    """
    inv_ln_beta = 1.0 / ln_beta
    for _ in range(_MAX_ITERATIONS):
        inv_s = 1.0 / s
        h = x * inv_s
        t = 0.5 * s
        ratio = black_ratio(h, t)
        ln_b = math.log(ratio) + log_vega(h, t)
        if ln_b > ln_beta:
            s_right = min(s_right, s)
        elif ln_b < ln_beta:
            s_left = max(s_left, s)
        else:
            return s
        ds = math.nan
        if math.isfinite(ln_b) and ratio > 0.0:
            rho = 1.0 / ratio
            b2, b3 = _vega_log_derivatives(h, s, inv_s)
            inv_l = 1.0 / ln_b
            newton = (ln_beta - ln_b) * ln_b * inv_ln_beta * ratio
            halley = b2 - rho * (1.0 + 2.0 * inv_l)
            hh3 = (
                b3
                + 2.0 * rho * rho * (1.0 + 3.0 * inv_l * (1.0 + inv_l))
                - 3.0 * b2 * rho * (1.0 + 2.0 * inv_l)
            )
            ds = _householder_step(newton, halley, hh3)
        s, converged = _advance(s, ds, s_left, s_right)
        if converged:
            return s
    return s


@kernel
def _iterate_upper(
    beta: float, x: float, b_max: float, s: float, s_left: float, s_right: float
) -> float:
    """Householder(3) on g(s) = ln(b_max - beta) - ln(b_max - b(s)) (highest branch).

    With c = b_max - b and gamma = b'/c: -g/g' = -g/gamma, g''/g' = b''/b' + gamma,
    g'''/g' = b'''/b' + gamma (2 gamma + 3 b''/b').
    """
    ln_gap = math.log(b_max - beta)
    for _ in range(_MAX_ITERATIONS):
        inv_s = 1.0 / s
        h = x * inv_s
        t = 0.5 * s
        ratio = complement_ratio(h, t)
        ln_c = math.log(ratio) + log_vega(h, t)
        if ln_c < ln_gap:
            s_right = min(s_right, s)
        elif ln_c > ln_gap:
            s_left = max(s_left, s)
        else:
            return s
        ds = math.nan
        if math.isfinite(ln_c) and ratio > 0.0:
            gamma = 1.0 / ratio
            b2, b3 = _vega_log_derivatives(h, s, inv_s)
            ds = _householder_step(
                (ln_c - ln_gap) * ratio, b2 + gamma, b3 + gamma * (2.0 * gamma + 3.0 * b2)
            )
        s, converged = _advance(s, ds, s_left, s_right)
        if converged:
            return s
    return s


@kernel
def _lower_map(x: float, s: float) -> tuple[float, float, float]:
    """f_lower(s) and its first two derivatives with respect to the price b(x, s).

    f = 2 pi |x| / sqrt(27) Phi(-z)^3 with z = |x|/(sqrt 3 s), y = z^2, e = exp(y + s^2/8):
    df/db = 2 pi y Phi^2 e, d2f/db2 = 2 pi (y/s) Phi e^2 [2z - (2 + 2y - s^2/4) Phi/phi(z)],
    with Phi(-z)/phi(z) = sqrt(pi/2) erfcx(z/sqrt 2) (Mills' ratio, no cancellation).
    """
    ax = abs(x)
    z = ax / (_SQRT_3 * s)
    y = z * z
    mills = _SQRT_HALF_PI * erfcx(z * _INV_SQRT_2)
    cdf = mills * _INV_SQRT_2PI * math.exp(-0.5 * y)
    e = math.exp(y + 0.125 * s * s)
    f = _TWO_PI_OVER_SQRT_27 * ax * cdf * cdf * cdf
    fp = _TWO_PI * y * cdf * cdf * e
    fpp = _TWO_PI * (y / s) * cdf * e * e * (2.0 * z - (2.0 + 2.0 * y - 0.25 * s * s) * mills)
    return f, fp, fpp


@kernel
def _inverse_lower_map(x: float, ln_f: float) -> float:
    """s with f_lower(s) = f, from ln f (so that f may lie below the smallest double)."""
    cube_root = math.exp((ln_f - math.log(_TWO_PI_OVER_SQRT_27 * abs(x))) / 3.0)
    return abs(x / (_SQRT_3 * norm_quantile(cube_root)))


@kernel
def _upper_map(x: float, s: float) -> tuple[float, float, float]:
    """f_upper(s) = Phi(-s/2) and its first two derivatives with respect to b(x, s).

    df/db = -exp(w/2)/2, d2f/db2 = sqrt(pi/2) (w/s) exp(w + s^2/8), w = (x/s)^2.
    """
    w = (x / s) * (x / s)
    return (
        norm_cdf(-0.5 * s),
        -0.5 * math.exp(0.5 * w),
        _SQRT_HALF_PI * (w / s) * math.exp(w + 0.125 * s * s),
    )


@kernel
def normalised_implied_vol_otm(beta: float, ln_beta: float, x: float, b_max: float) -> float:
    """Total volatility s > 0 with b(x, s) = beta, for x <= 0 and 0 <= beta < b_max = exp(x/2).

    ``ln_beta`` is ln(beta), passed separately so that a beta below the normal range (or
    underflowing to 0) keeps its full relative information on the lowest branch.
    """
    if x == 0.0:
        s_c, b_c, v_c = 0.0, 0.0, _INV_SQRT_2PI
    else:
        s_c = math.sqrt(-2.0 * x)
        b_c, v_c = normalised_black_otm(x, s_c)
    if beta < b_c:
        s_l = s_c - b_c / v_c
        b_l, v_l = normalised_black_otm(x, s_l)
        if beta < b_l:
            f_l, fp_l, fpp_l = _lower_map(x, s_l)
            r = control_fit_right(0.0, b_l, 0.0, f_l, 1.0, fp_l, fpp_l, True)
            f = rational_cubic(beta, 0.0, b_l, 0.0, f_l, 1.0, fp_l, r)
            if not f > 0.0:
                u = beta / b_l
                f = (f_l * u + b_l * (1.0 - u)) * u
            # f = beta (1 + O(beta)) near 0: below the normal range take ln f = ln beta.
            s = _inverse_lower_map(x, math.log(f) if f > 1e-290 else ln_beta)
            if not 0.0 < s < s_l:
                s = 0.5 * s_l
            return _iterate_lower(ln_beta, x, s, 0.0, s_l)
        r = control_fit_right(b_l, b_c, s_l, s_c, 1.0 / v_l, 1.0 / v_c, 0.0, False)
        s = rational_cubic(beta, b_l, b_c, s_l, s_c, 1.0 / v_l, 1.0 / v_c, r)
        return _iterate_price(beta, x, s, s_l, s_c)
    s_u = s_c + (b_max - b_c) / v_c
    b_u, v_u = normalised_black_otm(x, s_u)
    if beta <= b_u:
        r = control_fit_left(b_c, b_u, s_c, s_u, 1.0 / v_c, 1.0 / v_u, 0.0, False)
        s = rational_cubic(beta, b_c, b_u, s_c, s_u, 1.0 / v_c, 1.0 / v_u, r)
        return _iterate_price(beta, x, s, s_c, s_u)
    f_u, fp_u, fpp_u = _upper_map(x, s_u)
    f = -1.0
    if math.isfinite(fpp_u):
        r = control_fit_left(b_u, b_max, f_u, 0.0, fp_u, -0.5, fpp_u, True)
        f = rational_cubic(beta, b_u, b_max, f_u, 0.0, fp_u, -0.5, r)
    if not 0.0 < f < 0.5:
        gap = b_max - b_u
        u = (beta - b_u) / gap
        f = (f_u * (1.0 - u) + 0.5 * gap * u) * (1.0 - u)
    s = -2.0 * norm_quantile(f)
    if not s > s_u:
        s = 2.0 * s_u
    if beta > 0.5 * b_max:
        return _iterate_upper(beta, x, b_max, s, s_u, math.inf)
    return _iterate_price(beta, x, s, s_u, math.inf)


@kernel
def black_implied_vol_scalar(
    price: float, forward: float, strike: float, maturity: float, discount: float, theta: float
) -> float:
    """Black (1976) implied volatility of ``price = discount * Black(F, K, sigma, T)``.

    theta = 1 for a call, -1 for a put. The undiscounted time value ``price/discount -
    intrinsic`` must lie in ``[0, min(F, K))``, else the result is NaN; zero time value gives
    0.0. The time value is normalised by ``sqrt(F K)`` and solved on ``x = -|ln(F/K)|``.
    """
    undiscounted = price / discount
    time_value = undiscounted - max(theta * (forward - strike), 0.0)
    bound = min(forward, strike)
    if not (0.0 <= time_value < bound):
        return math.nan
    sqrt_fk = math.sqrt(forward) * math.sqrt(strike)
    if time_value == 0.0:
        return 0.0
    beta = time_value / sqrt_fk
    ln_beta = math.log(time_value) - 0.5 * (math.log(forward) + math.log(strike))
    b_max = bound / sqrt_fk
    if beta >= b_max:
        return math.nan
    x = otm_log_moneyness(forward, strike)
    return normalised_implied_vol_otm(beta, ln_beta, x, b_max) / math.sqrt(maturity)
