"""Raw exponents, cumulants and moment strips of the seven built-in models as ``@njit`` functions.

Written from the papers (cited per model in ``levyfast.models``), independently of the C++
core. All take the parameter array in ``PARAM_NAMES`` order and describe the *raw* process:
the martingale correction ``omega = -psi_raw(-i)`` is added by the kernels, once.

Dispatch happens here and only here: :data:`RAW_EXPONENTS`, :data:`RAW_CUMULANTS` and
:data:`MOMENT_STRIPS` are tables indexed by the ``MODEL_ID`` shared with C++
(BlackScholes 0, VarianceGamma 1, CGMY 2, NIG 3, Merton 4, Kou 5, Meixner 6).
"""

from __future__ import annotations

import cmath
import math

from numba import types

from .jit import CUMULANTS_SIGNATURE, EXPONENT_SIGNATURE, STRIP_SIGNATURE, Callback, jit

__all__ = [
    "RAW_EXPONENTS",
    "RAW_CUMULANTS",
    "MOMENT_STRIPS",
    "N_BUILTIN_MODELS",
    "unknown_cumulants",
    "unknown_strip",
]

_INF = math.inf
_EULER_GAMMA = 0.5772156649015329
_LN2 = math.log(2.0)
#: Below this |Y| or |Y - 1| CGMY's Gamma(-Y) * B(Y) (a 0 * inf product) is replaced by its
#: first-order expansion in dY; the dropped term is O(dY^2) < 1e-12 relative.
_CGMY_LIMIT = 1e-6


@jit(types.complex128(types.complex128))
def _cexpm1(z):
    """e^z - 1 without cancellation for small |z| (cmath has no expm1)."""
    x, y = z.real, z.imag
    h = math.sin(0.5 * y)
    return complex(math.expm1(x) * math.cos(y) - 2.0 * h * h, math.exp(x) * math.sin(y))


# -- Black–Scholes (1973) ----------------------------------------------------------------------
@jit(EXPONENT_SIGNATURE)
def bs_exponent(u, p):
    """psi_raw(u) = -sigma^2 u^2 / 2."""
    return -0.5 * p[0] * p[0] * u * u


@jit(CUMULANTS_SIGNATURE)
def bs_cumulants(p):
    return 0.0, p[0] * p[0], 0.0


@jit(STRIP_SIGNATURE)
def entire_strip(p):
    """Black–Scholes and Merton: every exponential moment exists."""
    return _INF, _INF


# -- Variance Gamma (Madan, Carr & Chang 1998, eq. 7) --------------------------------------------
@jit(EXPONENT_SIGNATURE)
def vg_exponent(u, p):
    """psi_raw(u) = -(1/nu) ln(1 - i u theta nu + sigma^2 nu u^2 / 2); p = (sigma, nu, theta)."""
    sigma, nu, theta = p[0], p[1], p[2]
    z = nu * (-1j * u * theta + 0.5 * sigma * sigma * u * u)  # ln(1 + z), exact as nu -> 0
    x, y = z.real, z.imag
    return -complex(0.5 * math.log1p(x * (2.0 + x) + y * y), math.atan2(y, 1.0 + x)) / nu


@jit(CUMULANTS_SIGNATURE)
def vg_cumulants(p):
    s2, nu, th = p[0] * p[0], p[1], p[2]
    c4 = 3.0 * nu * (s2 * s2 + 4.0 * s2 * th * th * nu + 2.0 * th**4 * nu * nu)
    return th, s2 + nu * th * th, c4


@jit(STRIP_SIGNATURE)
def vg_strip(p):
    """Roots of 1 - theta nu s - sigma^2 nu s^2 / 2 = 0."""
    s2, nu, th = p[0] * p[0], p[1], p[2]
    root = math.sqrt(th * th + 2.0 * s2 / nu)
    return (th + root) / s2, (root - th) / s2


# -- CGMY (Carr, Geman, Madan & Yor 2002, Thm. 1) ------------------------------------------------
@jit(EXPONENT_SIGNATURE)
def cgmy_exponent(u, p):
    """psi_raw(u) = C Gamma(-Y) B(Y) - sigma^2 u^2 / 2,
    B(Y) = (M - iu)^Y - M^Y + (G + iu)^Y - G^Y; p = (C, G, M, Y, sigma).

    B(0) = B(1) = 0 while Gamma(-Y) has poles there: near Y = 0, with
    Gamma(-Y) = -1/Y - gamma_E + O(Y) and B = Y b1 + Y^2 b2 / 2 + O(Y^3), b_j = sum of
    ln^j(z) - ln^j(z0) over (z, z0) = (M - iu, M), (G + iu, G), the product is
    -b1 - Y (b2/2 + gamma_E b1); near Y = 1, with d = Y - 1, Gamma(-Y) = 1/d + gamma_E - 1 + O(d)
    and B = d b1 + d^2 b2 / 2 with b_j = sum of z ln^j z - z0 ln^j z0, it is
    b1 + d (b2/2 + (gamma_E - 1) b1).
    """
    C, G, M, Y, sigma = p[0], p[1], p[2], p[3], p[4]
    zm = M - 1j * u
    zg = G + 1j * u
    if abs(Y) < _CGMY_LIMIT:
        lzm, lzg, lm, lg = cmath.log(zm), cmath.log(zg), math.log(M), math.log(G)
        b1 = (lzm - lm) + (lzg - lg)
        b2 = (lzm * lzm - lm * lm) + (lzg * lzg - lg * lg)
        jumps = C * (-b1 - Y * (0.5 * b2 + _EULER_GAMMA * b1))
    elif abs(Y - 1.0) < _CGMY_LIMIT:
        d = Y - 1.0
        lzm, lzg, lm, lg = cmath.log(zm), cmath.log(zg), math.log(M), math.log(G)
        b1 = (zm * lzm - M * lm) + (zg * lzg - G * lg)
        b2 = (zm * lzm * lzm - M * lm * lm) + (zg * lzg * lzg - G * lg * lg)
        jumps = C * (b1 + d * (0.5 * b2 + (_EULER_GAMMA - 1.0) * b1))
    else:
        jumps = C * math.gamma(-Y) * (zm**Y - M**Y + zg**Y - G**Y)
    return jumps - 0.5 * sigma * sigma * u * u


@jit(CUMULANTS_SIGNATURE)
def cgmy_cumulants(p):
    """c_n = C Gamma(n - Y) (M^(Y-n) + (-1)^n G^(Y-n)), plus sigma^2 in c2; c1 -> C ln(G/M)
    at Y = 1."""
    C, G, M, Y, sigma = p[0], p[1], p[2], p[3], p[4]
    if abs(Y - 1.0) < _CGMY_LIMIT:
        c1 = C * math.log(G / M)
    else:
        c1 = C * math.gamma(1.0 - Y) * (M ** (Y - 1.0) - G ** (Y - 1.0))
    c2 = C * math.gamma(2.0 - Y) * (M ** (Y - 2.0) + G ** (Y - 2.0)) + sigma * sigma
    c4 = C * math.gamma(4.0 - Y) * (M ** (Y - 4.0) + G ** (Y - 4.0))
    return c1, c2, c4


@jit(STRIP_SIGNATURE)
def cgmy_strip(p):
    return p[1], p[2]


# -- NIG (Barndorff-Nielsen 1997, eq. 2.3) ------------------------------------------------------
@jit(EXPONENT_SIGNATURE)
def nig_exponent(u, p):
    """psi_raw(u) = delta [sqrt(alpha^2 - beta^2) - sqrt(alpha^2 - (beta + iu)^2)];
    p = (alpha, beta, delta)."""
    alpha, beta, delta = p[0], p[1], p[2]
    bu = beta + 1j * u
    return delta * (math.sqrt(alpha * alpha - beta * beta) - cmath.sqrt(alpha * alpha - bu * bu))


@jit(CUMULANTS_SIGNATURE)
def nig_cumulants(p):
    a, b, d = p[0], p[1], p[2]
    g = math.sqrt(a * a - b * b)
    return d * b / g, d * a * a / g**3, 3.0 * d * a * a * (a * a + 4.0 * b * b) / g**7


@jit(STRIP_SIGNATURE)
def nig_strip(p):
    """alpha^2 - (beta + s)^2 > 0."""
    return p[0] + p[1], p[0] - p[1]


# -- Merton (1976) ------------------------------------------------------------------------------
@jit(EXPONENT_SIGNATURE)
def merton_exponent(u, p):
    """psi_raw(u) = -sigma^2 u^2/2 + lam (exp(i u mu_j - sigma_j^2 u^2/2) - 1);
    p = (sigma, lam, mu_j, sigma_j)."""
    sigma, lam, mu, sj = p[0], p[1], p[2], p[3]
    jump = _cexpm1(1j * u * mu - 0.5 * sj * sj * u * u)  # no cancellation for tiny jumps
    return -0.5 * sigma * sigma * u * u + lam * jump


@jit(CUMULANTS_SIGNATURE)
def merton_cumulants(p):
    sigma, lam, mu, s2 = p[0], p[1], p[2], p[3] * p[3]
    return (
        lam * mu,
        sigma * sigma + lam * (mu * mu + s2),
        lam * (mu**4 + 6.0 * mu * mu * s2 + 3.0 * s2 * s2),
    )


# -- Kou (2002) ---------------------------------------------------------------------------------
@jit(EXPONENT_SIGNATURE)
def kou_exponent(u, p):
    """psi_raw(u) = -sigma^2 u^2/2 + lam (q eta1/(eta1 - iu) + (1-q) eta2/(eta2 + iu) - 1);
    p = (sigma, lam, q, eta1, eta2)."""
    sigma, lam, q, e1, e2 = p[0], p[1], p[2], p[3], p[4]
    jump = q * 1j * u / (e1 - 1j * u) - (1.0 - q) * 1j * u / (e2 + 1j * u)  # = ... - 1
    return -0.5 * sigma * sigma * u * u + lam * jump


@jit(CUMULANTS_SIGNATURE)
def kou_cumulants(p):
    sigma, lam, q, e1, e2 = p[0], p[1], p[2], p[3], p[4]
    return (
        lam * (q / e1 - (1.0 - q) / e2),
        sigma * sigma + 2.0 * lam * (q / e1**2 + (1.0 - q) / e2**2),
        24.0 * lam * (q / e1**4 + (1.0 - q) / e2**4),
    )


@jit(STRIP_SIGNATURE)
def kou_strip(p):
    return p[4], p[3]


# -- Meixner (Schoutens & Teugels 1998; Schoutens 2003, §5.3.10) ---------------------------------
@jit(EXPONENT_SIGNATURE)
def meixner_exponent(u, p):
    """psi_raw(u) = 2 delta [ln cos(beta/2) - ln cosh((alpha u - i beta)/2)];
    p = (alpha, beta, delta). ln cosh w = w + ln(1 + e^{-2w}) - ln 2 for Re w >= 0 (cosh is
    even): no overflow, and the branch continuous from u = 0."""
    alpha, beta, delta = p[0], p[1], p[2]
    w = 0.5 * (alpha * u - 1j * beta)
    if w.real < 0.0:
        w = -w
    log_cosh = w + cmath.log(1.0 + cmath.exp(-2.0 * w)) - _LN2
    return 2.0 * delta * (math.log(math.cos(0.5 * beta)) - log_cosh)


@jit(CUMULANTS_SIGNATURE)
def meixner_cumulants(p):
    """Derivatives at 0 of 2 delta [ln cos(beta/2) - ln cos((alpha s + beta)/2)]."""
    alpha, beta, delta = p[0], p[1], p[2]
    sec2 = 1.0 / math.cos(0.5 * beta) ** 2
    return (alpha * delta * math.tan(0.5 * beta), 0.5 * alpha**2 * delta * sec2,
            0.25 * alpha**4 * delta * (2.0 - math.cos(beta)) * sec2 * sec2)


@jit(STRIP_SIGNATURE)
def meixner_strip(p):
    """|alpha s + beta| < pi."""
    return (math.pi + p[1]) / p[0], (math.pi - p[1]) / p[0]


# -- tables indexed by MODEL_ID ----------------------------------------------------------------
RAW_EXPONENTS = tuple(
    Callback(f, EXPONENT_SIGNATURE)
    for f in (bs_exponent, vg_exponent, cgmy_exponent, nig_exponent, merton_exponent, kou_exponent,
              meixner_exponent)
)
RAW_CUMULANTS = tuple(
    Callback(f, CUMULANTS_SIGNATURE)
    for f in (bs_cumulants, vg_cumulants, cgmy_cumulants, nig_cumulants, merton_cumulants,
              kou_cumulants, meixner_cumulants)
)
MOMENT_STRIPS = tuple(
    Callback(f, STRIP_SIGNATURE)
    for f in (entire_strip, vg_strip, cgmy_strip, nig_strip, entire_strip, kou_strip, meixner_strip)
)
N_BUILTIN_MODELS = len(RAW_EXPONENTS)


# -- placeholders for what a user model does not declare -----------------------------------------
@jit(CUMULANTS_SIGNATURE)
def _unknown_cumulants(p):
    """NaN: the kernels then estimate the cumulants from the exponent."""
    return math.nan, math.nan, math.nan


@jit(STRIP_SIGNATURE)
def _unknown_strip(p):
    """NaN: the kernels then estimate the moment strip from the exponent."""
    return math.nan, math.nan


unknown_cumulants = Callback(_unknown_cumulants, CUMULANTS_SIGNATURE)
unknown_strip = Callback(_unknown_strip, STRIP_SIGNATURE)
