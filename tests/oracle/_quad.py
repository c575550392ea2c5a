"""A checked wrapper around :func:`scipy.integrate.quad` (QUADPACK; Piessens et al. 1983).

QUADPACK reports trouble through ``ier`` and an error estimate. The oracle must never return a
number whose accuracy it cannot vouch for, so every integral goes through :func:`checked_quad`,
which asks for the full output (so no ``IntegrationWarning`` is emitted), and raises
:class:`OracleAccuracyError` when the error estimate exceeds the caller's budget or QUADPACK
flags a failure.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from scipy.integrate import quad

__all__ = ["OracleAccuracyError", "checked_quad"]


class OracleAccuracyError(RuntimeError):
    """The oracle could not certify its target accuracy for some input."""


def checked_quad(
    func: Callable[[float], float],
    a: float,
    b: float,
    *,
    budget: float,
    what: str,
    weight: str | None = None,
    wvar: float | None = None,
    points: list[float] | None = None,
    limit: int = 2000,
    limlst: int = 200,
) -> tuple[float, float]:
    """Integrate ``func`` over ``[a, b]`` with absolute accuracy ``budget`` or raise.

    Parameters
    ----------
    func : callable
        Real integrand ``f(u)``.
    a, b : float
        Limits; ``b`` may be ``inf`` (QAGI, or QAWF for ``weight in {"cos", "sin"}``).
    budget : float
        Largest acceptable absolute error estimate. QUADPACK is asked for a quarter of it and,
        if it then reports any trouble (``ier != 0``, typically roundoff when the request is
        near double precision), once more for the whole budget.
    what : str
        Description used in the error message (inputs of the integral).
    weight, wvar : optional
        QUADPACK weight (``"cos"``/``"sin"``, i.e. QAWO on finite and QAWF on infinite
        ranges) and its frequency.
    points : list of float, optional
        Break points (finite ranges, no weight).
    limit, limlst : int
        Subinterval and (QAWF) cycle limits.

    Returns
    -------
    value, error_estimate : float

    Raises
    ------
    OracleAccuracyError
        If both attempts report ``ier != 0``, an error estimate above ``budget`` or a
        non-finite value.
    """
    kwargs: dict[str, Any] = {"limit": limit, "full_output": 1}
    if weight is not None:
        kwargs["weight"] = weight
        kwargs["wvar"] = wvar
        if math.isinf(b):
            kwargs["limlst"] = limlst
    if points is not None:
        kwargs["points"] = points
    if not (weight is not None and math.isinf(b)):
        kwargs["epsrel"] = 0.0  # QAWF has no relative tolerance
    for request in (0.25 * budget, budget):
        out = quad(func, a, b, epsabs=request, **kwargs)
        value, err = float(out[0]), float(out[1])
        ok = len(out) == 3  # a 4th/5th element (message) means ier != 0
        if ok and err <= budget and math.isfinite(value):
            return value, err
    message = " ".join(str(m) for m in out[3:]).replace("\n", " ")
    raise OracleAccuracyError(
        f"quad failed for {what} on [{a}, {b}] (weight={weight}, wvar={wvar}): "
        f"value={value!r}, error estimate={err:.3e}, budget={budget:.3e}; {message}"
    )
