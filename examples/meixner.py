"""A model defined by the user through Numba, on the example of the Meixner process.

levyfast also ships it as ``lf.Meixner`` (compiled core); tests/test_meixner.py checks that the
two exponents agree. This file shows the route for a model levyfast does not ship.

Meixner process (Schoutens & Teugels 1998; Schoutens 2003, "Lévy Processes in Finance",
§5.3.10) with parameters alpha > 0, -pi < beta < pi, delta > 0:

    psi_raw(u) = 2 delta [ln cos(beta/2) - ln cosh((alpha u - i beta)/2)],

E[exp(s X_1)] = (cos(beta/2) / cos((alpha s + beta)/2))^(2 delta) for |alpha s + beta| < pi, so
E[S_T] exists iff alpha + beta < pi (levyfast checks it: psi_raw(-i) must be finite and real).
Cumulants per unit time (derivatives of that cumulant generating function at s = 0):

    c1 = alpha delta tan(beta/2),   c2 = alpha^2 delta / (2 cos^2(beta/2)),
    c4 = alpha^4 delta (2 - cos beta) / (4 cos^4(beta/2)).

``ln cosh`` is evaluated as ``z + ln(1 + e^{-2z}) - ln 2`` on the half plane Re z >= 0 (and of
``-z`` on the other, cosh being even), so it neither overflows for large ``u`` nor leaves the
branch of ``ln`` that is continuous from ``u = 0``.

Run ``python examples/meixner.py`` to price a small surface.
"""

from __future__ import annotations

import cmath
import math

import numba
import numpy as np

import levyfast as lf
from levyfast import Interval

_LN2 = math.log(2.0)


@numba.njit(cache=True)
def log_cosh(z: complex) -> complex:
    """ln cosh z without overflow, on the branch continuous from the real axis."""
    if z.real < 0.0:
        z = -z
    return z + cmath.log(1.0 + cmath.exp(-2.0 * z)) - _LN2


@numba.njit(cache=True)
def meixner_exponent(u: complex, p: np.ndarray) -> complex:
    """Raw Meixner exponent; p = (alpha, beta, delta)."""
    alpha, beta, delta = p[0], p[1], p[2]
    return 2.0 * delta * (math.log(math.cos(0.5 * beta)) - log_cosh(0.5 * (alpha * u - 1j * beta)))


@numba.njit(cache=True)
def meixner_cumulants(p: np.ndarray) -> tuple[float, float, float]:
    """Raw (c1, c2, c4) per unit time."""
    alpha, beta, delta = p[0], p[1], p[2]
    c = math.cos(0.5 * beta)
    return (
        alpha * delta * math.tan(0.5 * beta),
        alpha * alpha * delta / (2.0 * c * c),
        alpha**4 * delta * (2.0 - math.cos(beta)) / (4.0 * c**4),
    )


Meixner = lf.user_model(
    "Meixner",
    ("alpha", "beta", "delta"),
    {
        "alpha": Interval(0.0),
        "beta": Interval(-math.pi, math.pi),
        "delta": Interval(0.0),
    },
    meixner_exponent,
    cumulants=meixner_cumulants,
)


def main() -> None:
    model = Meixner(alpha=0.3, beta=-0.5, delta=1.5)
    market = lf.Market(spot=100.0, rate=0.03, dividend=0.01)
    strikes = np.array([80.0, 90.0, 100.0, 110.0, 120.0])
    maturities = np.array([0.25, 1.0, 2.0])
    calls = lf.price(model, market, strikes, maturities, "call")
    print(f"{model}: call prices (rows T = {maturities.tolist()}, columns K = {strikes.tolist()})")
    print(np.array2string(calls, precision=6))
    batch = lf.price_batch(Meixner, [[0.3, -0.5, 1.5], [0.2, 0.1, 2.0]], market, strikes,
                           maturities, "put")
    print("puts of two parameter rows:", batch.shape)
    _, grad = lf.price_and_grad_numba(model, market, strikes, maturities, "call")
    for name, g in zip(Meixner.PARAM_NAMES, grad, strict=True):
        print(f"d call(T=1, K=100) / d {name} = {g[1, 2]:+.6f}")


if __name__ == "__main__":
    main()
