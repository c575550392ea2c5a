"""Parameter derivatives of the Lewis (2001) price by quadrature of the differentiated integrand.

Differentiating the Lewis formula (see :mod:`.lewis`) under the integral sign,

.. math::

    \\frac{\\partial C}{\\partial\\theta} = -e^{-rT}\\frac{\\sqrt{FK}}{\\pi}\\int_0^\\infty
        \\mathrm{Re}\\Big[e^{iux}\\, T\\,\\frac{\\partial\\psi}{\\partial\\theta}(u - i/2)\\,
        \\phi(u - i/2)\\Big]\\frac{du}{u^2 + 1/4}

(``F`` does not depend on the model parameters; puts have the same derivative). The exponent's
derivative ``d psi / d theta`` is taken from the model's own (NumPy) ``char_exponent`` by a
fourth-order central difference in the parameter (``h = 1e-4 * max(|theta|, 0.1)``, relative
error ~1e-13 for these analytic exponents), so nothing here shares code with the C++ analytic
derivatives. The integral is cut where ``T |psi_theta| |phi| / u^2`` has fallen below
``tol * 1e-3`` (checked on a geometric grid) and integrated by :func:`~._quad.checked_quad` in
chunks. Intended for models whose ``|phi|`` decays at least like a power ``u^-3``.
"""

from __future__ import annotations

import cmath
import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._quad import OracleAccuracyError, checked_quad

__all__ = ["lewis_price_grad"]


def _dpsi(model: Any, name: str, z: complex) -> complex:
    cls = type(model)
    x = model.to_array()
    j = cls.PARAM_NAMES.index(name)
    h = 1e-4 * max(abs(x[j]), 0.1)

    def psi(v: float) -> complex:
        y = x.copy()
        y[j] = v
        return complex(cls.from_array(y).char_exponent(np.array([z]))[0])

    return (8.0 * (psi(x[j] + h) - psi(x[j] - h)) - (psi(x[j] + 2 * h) - psi(x[j] - 2 * h))) / (
        12.0 * h
    )


def lewis_price_grad(
    model: Any,
    market: Any,
    strikes: ArrayLike,
    maturities: ArrayLike,
    name: str,
    *,
    tol: float = 1e-10,
) -> NDArray[np.float64]:
    """``dC/d theta`` (= ``dP/d theta``) for parameter ``name`` on a maturity x strike grid,
    certified to ``tol * spot`` up to the cut of the range."""
    k = np.atleast_1d(np.asarray(strikes, dtype=np.float64))
    t = np.atleast_1d(np.asarray(maturities, dtype=np.float64))
    s0, r, q = float(market.spot), float(market.rate), float(market.dividend)
    out = np.empty((t.size, k.size))
    for i, ti in enumerate(t):
        c = model.convexity_correction() * ti

        def g(u: float, ti: float = ti, c: float = c) -> complex:
            z = complex(u, -0.5)
            psi = complex(model.char_exponent(np.array([z]))[0])
            return (ti * _dpsi(model, name, z) * cmath.exp(ti * psi - 1j * u * c)
                    / (u * u + 0.25))

        # Cut where the integrand bound is negligible for several consecutive octaves.
        u_max, quiet = 1.0, 0
        while quiet < 4:
            u_max *= 2.0
            quiet = quiet + 1 if abs(g(u_max)) * u_max < tol * 1e-3 else 0
            if u_max > 1e7:
                raise OracleAccuracyError(f"derivative integrand of {model!r} decays too slowly")
        edges = [0.0] + [u_max * 4.0**-j for j in range(4, -1, -1)]
        fwd = s0 * math.exp((r - q) * ti)
        for j, kj in enumerate(k):
            x = math.log(fwd / kj)
            y = x + c
            total = 0.0
            scale = math.sqrt(fwd * kj) / math.pi
            budget = tol * s0 / scale / (2 * len(edges))
            for lo, hi in zip(edges[:-1], edges[1:], strict=True):
                re, _ = checked_quad(lambda u: g(u).real, lo, hi, weight="cos", wvar=y,
                                     budget=budget, what=f"dC/d{name}")
                im = 0.0
                if y != 0.0:
                    im, _ = checked_quad(lambda u: g(u).imag, lo, hi, weight="sin", wvar=y,
                                         budget=budget, what=f"dC/d{name}")
                total += re - im
            out[i, j] = -math.exp(-r * ti) * scale * total
    return out
