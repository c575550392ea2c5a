"""Special functions for the Black kernels: scaled complementary error function, normal CDF/PDF
and the normal quantile, accurate to a few ulp over the whole double range.

* ``erfcx(x) = exp(x^2) erfc(x)``: W. J. Cody, "Rational Chebyshev approximations for the error
  function", Math. Comp. 23 (1969) 631-638, with the coefficients of Cody's CALERF (1990). For
  ``x > 0.46875`` the rational functions approximate ``erfcx`` itself, without any exponential,
  which is what lets the normalised Black function be evaluated without under/overflow.
* ``norm_quantile``: M. J. Wichura, "Algorithm AS 241: the percentage points of the normal
  distribution", Appl. Statist. 37 (1988) 477-484 (PPND16, about 1e-16 relative).
"""

from __future__ import annotations

import math

from .jit import kernel

__all__ = ["erfcx", "norm_cdf", "norm_pdf", "norm_quantile"]

_INV_SQRT_PI = 0.56418958354775628695
_INV_SQRT_2 = 0.70710678118654752440
_INV_SQRT_2PI = 0.39894228040143267794

# Cody (1969), |x| <= 0.46875: erf(x) = x P(x^2)/Q(x^2).
_A0, _A1, _A2, _A3, _A4 = (
    3.1611237438705656,
    113.864154151050156,
    377.485237685302021,
    3209.37758913846947,
    0.185777706184603153,
)
_B0, _B1, _B2, _B3 = (
    23.6012909523441209,
    244.024637934444173,
    1282.61652607737228,
    2844.23683343917062,
)
# Cody (1969), 0.46875 < x <= 4: erfcx(x) = P(x)/Q(x).
_C = (
    0.564188496988670089,
    8.88314979438837594,
    66.1191906371416295,
    298.635138197400131,
    881.95222124176909,
    1712.04761263407058,
    2051.07837782607147,
    1230.33935479799725,
    2.15311535474403846e-8,
)
_D = (
    15.7449261107098347,
    117.693950891312499,
    537.181101862009858,
    1621.38957456669019,
    3290.79923573345963,
    4362.61909014324716,
    3439.36767414372164,
    1230.33935480374942,
)
# Cody (1969), x > 4: erfcx(x) = (1/sqrt(pi) - z P(z)/Q(z)) / x with z = 1/x^2.
_P = (
    0.305326634961232344,
    0.360344899949804439,
    0.125781726111229246,
    0.0160837851487422766,
    6.58749161529837803e-4,
    0.0163153871373020978,
)
_Q = (
    2.56852019228982242,
    1.87295284992346047,
    0.527905102951428412,
    0.0605183413124413191,
    0.00233520497626869185,
)
#: Below this, exp(x^2) overflows and erfcx(x) = inf.
_ERFCX_OVERFLOW = -26.628


@kernel
def _exp_square(x: float) -> float:
    """exp(x^2) with x^2 split into an exact part (x rounded to 1/16) and a small remainder."""
    hi = math.trunc(16.0 * x) / 16.0
    return math.exp(hi * hi) * math.exp((x - hi) * (x + hi))


@kernel
def erfcx(x: float) -> float:
    """Scaled complementary error function ``exp(x^2) erfc(x)`` (Cody 1969)."""
    y = abs(x)
    if y <= 0.46875:
        z = y * y
        num = (((_A4 * z + _A0) * z + _A1) * z + _A2) * z + _A3
        den = (((z + _B0) * z + _B1) * z + _B2) * z + _B3
        return math.exp(z) * (1.0 - x * num / den)
    if y <= 4.0:
        num = _C[8] * y
        den = y
        for i in range(7):
            num = (num + _C[i]) * y
            den = (den + _D[i]) * y
        r = (num + _C[7]) / (den + _D[7])
    else:
        z = 1.0 / (y * y)
        num = _P[5] * z
        den = z
        for i in range(4):
            num = (num + _P[i]) * z
            den = (den + _Q[i]) * z
        r = (_INV_SQRT_PI - z * (num + _P[4]) / (den + _Q[4])) / y
    if x >= 0.0:
        return r
    if x < _ERFCX_OVERFLOW:
        return math.inf
    # erfc(-y) = 2 - erfc(y)  =>  erfcx(-y) = 2 exp(y^2) - erfcx(y).
    e = _exp_square(y)
    return (e + e) - r


@kernel
def norm_cdf(z: float) -> float:
    """Standard normal CDF, relative accuracy kept in the lower tail (via ``erfc``)."""
    return 0.5 * math.erfc(-z * _INV_SQRT_2)


@kernel
def norm_pdf(z: float) -> float:
    """Standard normal density."""
    return _INV_SQRT_2PI * math.exp(-0.5 * z * z)


# Wichura (1988), AS 241 PPND16: rational functions in r, coefficients from degree 0 up.
_CENTRAL_NUM = (
    3.3871328727963666080e0,
    1.3314166789178437745e2,
    1.9715909503065514427e3,
    1.3731693765509461125e4,
    4.5921953931549871457e4,
    6.7265770927008700853e4,
    3.3430575583588128105e4,
    2.5090809287301226727e3,
)
_CENTRAL_DEN = (
    1.0,
    4.2313330701600911252e1,
    6.8718700749205790830e2,
    5.3941960214247511077e3,
    2.1213794301586595867e4,
    3.9307895800092710610e4,
    2.8729085735721942674e4,
    5.2264952788528545610e3,
)
_TAIL_NUM = (
    1.42343711074968357734e0,
    4.63033784615654529590e0,
    5.76949722146069140550e0,
    3.64784832476320460504e0,
    1.27045825245236838258e0,
    2.41780725177450611770e-1,
    2.27238449892691845833e-2,
    7.74545014278341407640e-4,
)
_TAIL_DEN = (
    1.0,
    2.05319162663775882187e0,
    1.67638483018380384940e0,
    6.89767334985100004550e-1,
    1.48103976427480074590e-1,
    1.51986665636164571966e-2,
    5.47593808499534494600e-4,
    1.05075007164441684324e-9,
)
_FAR_NUM = (
    6.65790464350110377720e0,
    5.46378491116411436990e0,
    1.78482653991729133580e0,
    2.96560571828504891230e-1,
    2.65321895265761230930e-2,
    1.24266094738807843860e-3,
    2.71155556874348757815e-5,
    2.01033439929228813265e-7,
)
_FAR_DEN = (
    1.0,
    5.99832206555887937690e-1,
    1.36929880922735805310e-1,
    1.48753612908506148525e-2,
    7.86869131145613259100e-4,
    1.84631831751005468180e-5,
    1.42151175831644588870e-7,
    2.04426310338993978564e-15,
)


@kernel
def _rational(num: tuple, den: tuple, r: float) -> float:
    """num(r)/den(r) by Horner, coefficients from degree 0 up."""
    p = num[7]
    q = den[7]
    for i in range(6, -1, -1):
        p = p * r + num[i]
        q = q * r + den[i]
    return p / q


@kernel
def norm_quantile(p: float) -> float:
    """Inverse standard normal CDF for ``0 < p < 1`` (Wichura 1988, AS 241 / PPND16)."""
    q = p - 0.5
    if abs(q) <= 0.425:
        return q * _rational(_CENTRAL_NUM, _CENTRAL_DEN, 0.180625 - q * q)
    r = math.sqrt(-math.log(p if q < 0.0 else 1.0 - p))
    if r <= 5.0:
        x = _rational(_TAIL_NUM, _TAIL_DEN, r - 1.6)
    else:
        x = _rational(_FAR_NUM, _FAR_DEN, r - 5.0)
    return -x if q < 0.0 else x
