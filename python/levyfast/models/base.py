"""Common behaviour of the frozen model values (DESIGN.md §2).

Convention (stated once, used everywhere): with ``F_T = S0 exp((r - q) T)``,

    ln S_T = ln F_T + X_T,   E[exp(i u X_T)] = exp(T psi(u)),

where ``psi = char_exponent`` is the Lévy exponent of the *martingale-normalised* process:
``psi(u) = psi_raw(u) + i u omega`` with the convexity correction ``omega = -psi_raw(-i)``,
so that ``psi(-i) == 0`` and ``E[S_T] = F_T``. The pricers add ``i u (r - q)`` themselves.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import ClassVar, TypeVar, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import Interval, check_scalar

__all__ = ["LevyModel"]

M = TypeVar("M", bound="LevyModel")


@functools.cache
def _param_getter(names: tuple[str, ...]) -> Callable[[object], tuple[float, ...]]:
    """A tuple of the attributes ``names`` of an object (operator.attrgetter, always a tuple)."""
    if len(names) == 1:
        name = names[0]
        return lambda obj: (getattr(obj, name),)
    return cast(Callable[[object], tuple[float, ...]], operator.attrgetter(*names))


class LevyModel:
    """Base of all models: declared bounds, validation, array round-trip, exponent with omega.

    Subclasses are ``@dataclass(frozen=True, slots=True)`` with one field per parameter and
    declare ``MODEL_ID`` (shared with C++ and Numba), ``PARAM_NAMES`` and ``BOUNDS``. The
    model's data that the rest of the package reads (the command line, the calibrators, the
    dataset sampler) lives here too, in ``PARAM_NAMES`` order; a model without it (``None``)
    needs the caller to give it (a start, a box).
    """

    __slots__ = ()

    MODEL_ID: ClassVar[int]
    PARAM_NAMES: ClassVar[tuple[str, ...]]
    BOUNDS: ClassVar[dict[str, Interval]]
    #: Short name on the command line and in file names (``levyfast price --model NAME``).
    NAME: ClassVar[str | None] = None
    #: Typical parameters: the command line's defaults and the benchmark surface's.
    EXAMPLE: ClassVar[tuple[float, ...] | None] = None
    #: Start of a least-squares fit (typical equity-index values).
    DEFAULT_START: ClassVar[tuple[float, ...] | None] = None
    #: Box of the least-squares multi-start points, one (low, high) per parameter.
    SEARCH_BOX: ClassVar[tuple[tuple[float, float], ...] | None] = None
    #: Default box of generated datasets, ``{name: (low, high)}`` (``low == high`` fixes one).
    SAMPLING_BOX: ClassVar[dict[str, tuple[float, float]] | None] = None

    def __post_init__(self) -> None:
        owner = type(self).__name__
        for name in self.PARAM_NAMES:
            value = check_scalar(owner, name, getattr(self, name), self.BOUNDS[name])
            object.__setattr__(self, name, value)
        self._check_cross_constraints()

    def _check_cross_constraints(self) -> None:
        """Raise ``ValueError`` quoting the violated expression (models override)."""

    def _raise_cross(self, expression: str, value: float) -> None:
        raise ValueError(
            f"parameters of {type(self).__name__} violate {expression} (needed for E[S_T] "
            f"to exist); got {value!r} for {self!r}"
        )

    # -- array round trip -------------------------------------------------------------------
    def to_array(self) -> NDArray[np.float64]:
        """Parameters as a float64 array in ``PARAM_NAMES`` order."""
        return np.array(self.param_values(), dtype=np.float64)

    def param_values(self) -> tuple[float, ...]:
        """Parameters as a tuple in ``PARAM_NAMES`` order (cheaper than :meth:`to_array`)."""
        return _param_getter(self.PARAM_NAMES)(self)

    @classmethod
    def from_array(cls: type[M], values: ArrayLike) -> M:
        """Build a validated model from an array in ``PARAM_NAMES`` order."""
        arr = np.asarray(values, dtype=np.float64)
        if arr.shape != (len(cls.PARAM_NAMES),):
            raise ValueError(
                f"`values` of {cls.__name__}.from_array must have shape "
                f"({len(cls.PARAM_NAMES)},) for {cls.PARAM_NAMES}; got {arr.shape}"
            )
        return cls(*(float(v) for v in arr))

    # -- exponent ---------------------------------------------------------------------------
    def _raw_exponent(self, u: NDArray[np.complex128]) -> NDArray[np.complex128]:
        raise NotImplementedError

    def convexity_correction(self) -> float:
        """omega = -psi_raw(-i): the drift making exp(X_t) a martingale."""
        return float(-self._raw_exponent(np.array([-1j]))[0].real)

    def char_exponent(self, u: ArrayLike) -> NDArray[np.complex128]:
        """Martingale-normalised Lévy exponent psi(u) per unit time (``psi(-i) == 0``)."""
        uu = np.asarray(u, dtype=np.complex128)
        return self._raw_exponent(uu) + 1j * uu * self.convexity_correction()

    def _raw_cumulants(self) -> tuple[float, float, float]:
        raise NotImplementedError

    def cumulants(self, t: float = 1.0) -> tuple[float, float, float]:
        """(c1, c2, c4) of X_t (martingale-normalised), used for COS truncation ranges."""
        c1, c2, c4 = self._raw_cumulants()
        return ((c1 + self.convexity_correction()) * t, c2 * t, c4 * t)

    def levy_density(self, x: ArrayLike) -> NDArray[np.float64]:
        """Lévy density k(x) of the jump part (0 at x == 0 by convention)."""
        raise NotImplementedError


def cexpm1(z: NDArray[np.complex128]) -> NDArray[np.complex128]:
    """e^z - 1 without cancellation for small |z| (NumPy has no complex expm1)."""
    x, y = z.real, z.imag
    return np.expm1(x) * np.cos(y) - 2.0 * np.sin(0.5 * y) ** 2 + 1j * np.exp(x) * np.sin(y)
