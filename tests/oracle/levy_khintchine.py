"""The martingale-normalised Lévy exponent rebuilt from a model's Lévy density by quadrature.

Lévy–Khintchine (Sato 1999, Thm. 8.1; Cont & Tankov 2004, Prop. 3.13 and eq. 11.4): for a Lévy
process with Gaussian variance ``a`` and Lévy density ``k`` with exponential moments,

.. math::

    \\tilde\\psi(u) = -\\frac{a u^2}{2} + \\int_{\\mathbb R}
        \\big(e^{iux} - 1 - iux\\big)\\, k(x)\\, dx,\\qquad
    \\psi(u) = \\tilde\\psi(u) - i u\\, \\tilde\\psi(-i),

where the second step is the martingale normalisation ``psi(-i) = 0``: it removes *any* drift,
so ``psi`` is fully determined by ``a`` and ``k``. Comparing this with a model's
``char_exponent`` checks the closed-form exponent against the separately coded
``levy_density`` (and the convexity correction), for real and complex ``u``.
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._quad import checked_quad

__all__ = ["levy_khintchine_exponent"]


def _compensated_exp(z: complex) -> complex:
    """``exp(z) - 1 - z`` without cancellation for small ``|z|``."""
    if abs(z) < 0.05:
        term, total = z * z / 2.0, 0j
        for n in range(3, 12):
            total += term
            term *= z / n
        return total + term
    return cmath.exp(z) - 1.0 - z


def _jump_integral(
    density: Callable[[float], float], u: complex, budget: float, what: str
) -> complex:
    """``int (exp(iux) - 1 - iux) k(x) dx`` over ``x != 0`` (singularity at 0 is integrable)."""
    parts: tuple[tuple[Callable[[complex], float], complex], ...] = (
        (lambda z: z.real, 1.0),
        (lambda z: z.imag, 1j),
    )
    total = 0j
    for part, unit in parts:
        for lo, hi in ((-math.inf, -1.0), (-1.0, 0.0), (0.0, 1.0), (1.0, math.inf)):

            def f(x: float, part: Callable[[complex], float] = part) -> float:
                kx = density(x)
                return part(_compensated_exp(1j * u * x)) * kx if kx != 0.0 else 0.0

            value, _ = checked_quad(f, lo, hi, budget=budget, what=what)
            total += unit * value
    return total


def levy_khintchine_exponent(
    model: object, u: ArrayLike, diffusion: float, *, budget: float = 1e-10
) -> NDArray[np.complex128]:
    """Martingale-normalised exponent ``psi(u)`` from ``model.levy_density`` (see module doc).

    Parameters
    ----------
    model : object
        Provides ``levy_density(x)`` (vectorised; ``k(0) == 0`` by convention).
    u : array_like
        Real or complex arguments (``|Im u|`` within the exponential moments of ``k``).
    diffusion : float
        Gaussian volatility ``sqrt(a)`` of the model (0 for pure-jump models).
    budget : float
        Absolute error budget of each of the eight QUADPACK integrals.

    Returns
    -------
    ndarray of complex
    """

    def density(x: float) -> float:
        return float(model.levy_density(np.array([x]))[0])  # type: ignore[attr-defined]

    a = diffusion * diffusion
    what = f"Lévy–Khintchine integral of {model!r}"
    drift = 0.5 * a + _jump_integral(density, -1j, budget, what).real  # psi_tilde(-i)
    uu = np.atleast_1d(np.asarray(u, dtype=np.complex128))
    out = np.empty(uu.shape, dtype=np.complex128)
    for idx, ui in np.ndenumerate(uu):
        z = complex(ui)
        out[idx] = -0.5 * a * z * z + _jump_integral(density, z, budget, what) - 1j * z * drift
    return out
