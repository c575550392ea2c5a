"""User-defined exponential Lévy models from ``@numba.njit`` exponents.

A user writes the raw Lévy exponent (and optionally the cumulants) as ``@numba.njit``
functions and declares the parameters; :func:`user_model` returns a frozen model class that
behaves like the built-ins (validated construction, ``to_array``/``from_array``,
``char_exponent`` with the martingale correction added, ``cumulants``) and is priced by the
Numba COS kernel through :func:`levyfast.price`, :func:`levyfast.price_batch` and
:func:`levyfast.pricers.numba_cos.price_and_grad_numba`. ``MODEL_ID`` is ``None``: the C++ core
does not know the model.

Example (Meixner process, Schoutens 2003, "Lévy Processes in Finance", §5.3.10)::

    @numba.njit
    def meixner(u, p):          # p = (alpha, beta, delta)
        a, b, d = p[0], p[1], p[2]
        return 2 * d * (math.log(math.cos(b / 2)) - log_cosh((a * u - 1j * b) / 2))

    Meixner = levyfast.user_model("Meixner", ("alpha", "beta", "delta"),
                                  {"alpha": (0.0, math.inf), "beta": (-math.pi, math.pi),
                                   "delta": (0.0, math.inf)}, meixner)

See ``examples/meixner.py`` for the complete, numerically stable version.
"""

from __future__ import annotations

import cmath
import dataclasses
import keyword
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
from numba.core.dispatcher import Dispatcher
from numpy.typing import ArrayLike, NDArray

from .._numba import cos as _cos
from .._numba.exponents import unknown_cumulants, unknown_strip
from .._numba.jit import CUMULANTS_SIGNATURE, EXPONENT_SIGNATURE, Callback
from .._validation import Interval
from .base import LevyModel

__all__ = ["UserModel", "user_model"]

#: |Im psi_raw(-i)| above this fraction of 1 + |Re psi_raw(-i)| means E[exp(X)] is not finite
#: (the formula was continued past a singularity of the moment generating function).
_REAL_TOL = 1e-9


class UserModel(LevyModel):
    """Base of the classes made by :func:`user_model` (not instantiated directly)."""

    __slots__ = ()

    MODEL_ID: ClassVar[None] = None  # type: ignore[assignment]
    #: (exponent, cumulants, strip) njit callbacks of the Numba COS kernel.
    KERNEL_FUNCTIONS: ClassVar[tuple[Any, Any, Any]]
    HAS_CUMULANTS: ClassVar[bool]
    LEVY_DENSITY: ClassVar[Callable[..., Any] | None]

    def _check_cross_constraints(self) -> None:
        z = complex(self._raw_exponent(np.array([-1j]))[0])
        if not (cmath.isfinite(z) and abs(z.imag) <= _REAL_TOL * (1.0 + abs(z.real))):
            raise ValueError(
                f"parameters of {type(self).__name__} give psi_raw(-i) = {z!r}; it must be finite "
                f"and real, i.e. E[S_T] = E[exp(X_T)] must exist; got {self!r}"
            )
        if self.HAS_CUMULANTS:
            c = self.KERNEL_FUNCTIONS[1](self.to_array())
            if not (all(math.isfinite(v) for v in c) and c[1] > 0.0):
                raise ValueError(
                    f"`cumulants` of {type(self).__name__} must return finite (c1, c2, c4) with "
                    f"c2 > 0; got {c!r} for {self!r}"
                )

    def _raw_exponent(self, u: NDArray[np.complex128]) -> NDArray[np.complex128]:
        flat = np.ascontiguousarray(u, dtype=np.complex128).ravel()
        out = np.empty_like(flat)
        _cos.exponent_values(self.KERNEL_FUNCTIONS[0], self.to_array(), flat, out)
        return out.reshape(np.shape(u))

    def _raw_cumulants(self) -> tuple[float, float, float]:
        """The declared cumulants, else the finite-difference estimate of the Numba kernel
        (``levyfast._numba.cos.estimate_cumulants``, about 1e-3 relative)."""
        params = self.to_array()
        if self.HAS_CUMULANTS:
            c = self.KERNEL_FUNCTIONS[1](params)
        else:
            c = _cos.estimate_cumulants(self.KERNEL_FUNCTIONS[0], params)
        return (float(c[0]), float(c[1]), float(c[2]))

    def levy_density(self, x: ArrayLike) -> NDArray[np.float64]:
        """The declared ``levy_density(x, params)``, evaluated on ``x``."""
        if self.LEVY_DENSITY is None:
            raise NotImplementedError(f"{type(self).__name__} declares no levy_density")
        xx = np.asarray(x, dtype=np.float64)
        return np.asarray(self.LEVY_DENSITY(xx, self.to_array()), dtype=np.float64)


def _compile(role: str, func: object, signature: Any) -> Callback:
    """``func`` compiled for ``signature`` (as a kernel Callback), or TypeError naming what is
    wrong."""
    wanted = f"{signature.return_type}({', '.join(str(a) for a in signature.args)})"
    if not isinstance(func, Dispatcher):
        raise TypeError(
            f"`{role}` of user_model must be a @numba.njit function {wanted}; got {func!r}"
        )
    try:
        func.compile(signature.args)
    except Exception as exc:  # numba raises TypingError and friends
        raise TypeError(
            f"`{role}` of user_model must compile for arguments "
            f"({', '.join(str(a) for a in signature.args)}); numba says: {exc}"
        ) from exc
    returned = func.overloads[signature.args].signature.return_type  # type: ignore[attr-defined]
    if returned != signature.return_type:
        raise TypeError(
            f"`{role}` of user_model must return {signature.return_type} ({wanted}); "
            f"got {returned}"
        )
    return Callback(func, signature)


def _check_names(name: object, param_names: object) -> tuple[str, ...]:
    if not (isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)):
        raise ValueError(f"`name` of user_model must be a Python identifier; got {name!r}")
    if isinstance(param_names, str) or not isinstance(param_names, Sequence):
        raise TypeError(
            f"`param_names` of user_model must be a sequence of strings; got {param_names!r}"
        )
    names = tuple(param_names)
    if not names:
        raise ValueError("`param_names` of user_model must not be empty; got ()")
    reserved = set(dir(UserModel))
    for p in names:
        if not (isinstance(p, str) and p.isidentifier() and not keyword.iskeyword(p)):
            raise ValueError(f"`param_names` of user_model must be identifiers; got {p!r}")
        if p.startswith("_") or p in reserved:
            raise ValueError(
                f"`param_names` of user_model must not start with '_' or shadow a model "
                f"attribute; got {p!r}"
            )
    if len(set(names)) != len(names):
        raise ValueError(f"`param_names` of user_model must be unique; got {names!r}")
    return names


def _check_bounds(bounds: object, names: tuple[str, ...]) -> dict[str, Interval]:
    if not isinstance(bounds, Mapping):
        raise TypeError(
            f"`bounds` of user_model must be a mapping name -> Interval; got {bounds!r}"
        )
    if set(bounds) != set(names):
        raise ValueError(
            f"`bounds` of user_model must have exactly the keys {names}; got {tuple(bounds)}"
        )
    return {p: _as_interval(p, bounds[p]) for p in names}


def _as_interval(name: str, bound: object) -> Interval:
    """An :class:`Interval` as given, or the open interval of a ``(low, high)`` pair."""
    if isinstance(bound, Interval):
        return bound
    if (isinstance(bound, (tuple, list)) and len(bound) == 2
            and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in bound)):
        low, high = float(bound[0]), float(bound[1])
        if not (low < high and not math.isnan(low) and not math.isnan(high)):
            raise ValueError(f"`bounds` of user_model must give {name!r} a (low, high) pair "
                             f"with low < high; got {bound!r}")
        return Interval(low, high)
    raise TypeError(f"`bounds` of user_model must map {name!r} to a levyfast.Interval or a "
                    f"(low, high) pair of numbers; got {bound!r}")


def user_model(
    name: str,
    param_names: Sequence[str],
    bounds: Mapping[str, Interval | tuple[float, float]],
    char_exponent: Callable[..., complex],
    cumulants: Callable[..., tuple[float, float, float]] | None = None,
    levy_density: Callable[..., Any] | None = None,
) -> type[UserModel]:
    """A frozen model class for a user-defined exponential Lévy model.

    Parameters
    ----------
    name
        Class name (an identifier).
    param_names
        Parameter names in array order (``PARAM_NAMES``); they become the dataclass fields.
    bounds
        ``{name: levyfast.Interval(...)}``, or ``{name: (low, high)}`` for the open interval
        (``math.inf`` for no bound); checked on construction.
    char_exponent
        ``@numba.njit`` function ``(u: complex128, params: float64[::1]) -> complex128``: the
        RAW Lévy exponent per unit time, ``E[exp(i u X_1)] = exp(psi_raw(u))``, without the
        martingale drift (levyfast adds ``i u omega``, ``omega = -psi_raw(-i)``). It must be
        analytic in the strip ``-1 <= Im u <= 0`` (so that ``E[S_T]`` exists).
    cumulants
        Optional ``@numba.njit`` function ``(params) -> (c1, c2, c4)`` (float64 tuple): the
        raw cumulants per unit time. Without it they are estimated from the exponent.
    levy_density
        Optional callable ``(x: ndarray, params: ndarray) -> ndarray`` (the Lévy density).

    Returns
    -------
    type
        A ``@dataclass(frozen=True, slots=True)`` subclass of :class:`UserModel` with
        ``MODEL_ID = None``. Construction validates the bounds and that ``psi_raw(-i)`` is
        finite and real (``ValueError`` otherwise).

    Raises
    ------
    TypeError
        If a callback is not an njit function or does not compile for / return its signature.
    ValueError
        If the names or bounds are malformed.
    """
    names = _check_names(name, param_names)
    checked_bounds = _check_bounds(bounds, names)
    exponent = _compile("char_exponent", char_exponent, EXPONENT_SIGNATURE)
    cumulant_fn = (
        unknown_cumulants if cumulants is None
        else _compile("cumulants", cumulants, CUMULANTS_SIGNATURE)
    )
    if levy_density is not None and not callable(levy_density):
        raise TypeError(f"`levy_density` of user_model must be callable; got {levy_density!r}")
    namespace = {
        "PARAM_NAMES": names,
        "BOUNDS": checked_bounds,
        "KERNEL_FUNCTIONS": (exponent, cumulant_fn, unknown_strip),
        "HAS_CUMULANTS": cumulants is not None,
        "LEVY_DENSITY": levy_density,
        "__doc__": f"User-defined Lévy model {name}{names} (exponent "
                   f"{getattr(char_exponent, '__name__', '?')}; priced by the Numba COS kernel).",
    }
    cls = dataclasses.make_dataclass(
        name, [(p, float) for p in names], bases=(UserModel,), namespace=namespace,
        frozen=True, slots=True,
    )
    return cls
