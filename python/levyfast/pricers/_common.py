"""Shared argument handling of the pricers: validated grids, the core's codes by name."""

from __future__ import annotations

import enum
import os

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _core
from .._validation import Interval, as_float64, as_real_array, check_array, check_choice
from ..market import Market
from ..models.base import LevyModel

__all__ = [
    "code_names", "KINDS", "Grid", "prepare_grid", "kind_code", "check_model", "check_market",
    "check_model_class", "param_rows", "thread_count", "per_row_column",
]



def code_names(codes: type[enum.IntEnum]) -> tuple[str, ...]:
    """The names the API accepts for the members of one of the core's enumerations, in code
    order: the member names in lower case (``_core.Method.TIME_CHANGE`` is
    ``"time_change"``)."""
    return tuple(member.name.lower() for member in sorted(codes))


KINDS = code_names(_core.OptionKind)
_POSITIVE = Interval(0.0)


class Grid:
    """Validated strikes/maturities and whether the caller passed scalars."""

    __slots__ = ("strikes", "maturities", "scalar_k", "scalar_t")

    def __init__(
        self, owner: str, strikes: ArrayLike, maturities: ArrayLike, check_values: bool = True
    ) -> None:
        # converted first: np.ndim of a ragged list raises NumPy's own unnamed ValueError
        k = as_float64(owner, "strikes", strikes)
        t = as_float64(owner, "maturities", maturities)
        self.scalar_k = k.ndim == 0
        self.scalar_t = t.ndim == 0
        if check_values:
            self.strikes = check_array(owner, "strikes", np.atleast_1d(k), _POSITIVE)
            self.maturities = check_array(owner, "maturities", np.atleast_1d(t), _POSITIVE)
        else:  # the core validates the values; callers re-check with values on its error
            self.strikes = as_real_array(owner, "strikes", np.atleast_1d(k))
            self.maturities = as_real_array(owner, "maturities", np.atleast_1d(t))

    def shape_result(self, surface: NDArray[np.float64]) -> NDArray[np.float64] | float:
        """[n_T, n_K] surface, with the scalar axes the caller passed squeezed away."""
        if self.scalar_k and self.scalar_t:
            return float(surface[..., 0, 0]) if surface.ndim == 2 else surface[..., 0, 0]
        if self.scalar_k:
            return surface[..., 0]
        if self.scalar_t:
            return surface[..., 0, :]
        return surface


def prepare_grid(owner: str, strikes: ArrayLike, maturities: ArrayLike) -> Grid:
    return Grid(owner, strikes, maturities)


def kind_code(owner: str, kind: str) -> int:
    return int(_core.OptionKind[check_choice(owner, "kind", kind, KINDS).upper()])


def check_model(owner: str, model: object) -> LevyModel:
    if not isinstance(model, LevyModel):
        raise TypeError(f"`model` of {owner} must be a levyfast model; got {type(model).__name__}")
    return model


def check_market(owner: str, market: object) -> Market:
    if not isinstance(market, Market):
        raise TypeError(
            f"`market` of {owner} must be a levyfast.Market; got {type(market).__name__}"
        )
    return market


def check_model_class(owner: str, model_cls: object, builtin: bool = False) -> type[LevyModel]:
    """``model_cls`` as a levyfast model class (``builtin``: one with a ``MODEL_ID``)."""
    if not (isinstance(model_cls, type) and issubclass(model_cls, LevyModel)):
        raise TypeError(f"`model_cls` of {owner} must be a levyfast model class; got {model_cls!r}")
    if builtin and model_cls.MODEL_ID is None:
        raise TypeError(
            f"`model_cls` of {owner} must be a built-in levyfast model (one with a MODEL_ID); "
            f"got {model_cls.__name__}"
        )
    return model_cls


def param_rows(owner: str, model_cls: type[LevyModel], params: ArrayLike, min_rows: int = 0
               ) -> NDArray[np.float64]:
    """``params`` as a C-contiguous float64 ``[n, n_params]`` array with ``n >= min_rows``
    (shape only: the values are checked row by row by the backend)."""
    arr = np.ascontiguousarray(as_float64(owner, "params", params))
    k = len(model_cls.PARAM_NAMES)
    if arr.ndim != 2 or arr.shape[1] != k or arr.shape[0] < min_rows:
        rows = f" with n >= {min_rows}" if min_rows else ""
        raise ValueError(
            f"`params` of {owner} must have shape [n, {k}]{rows} for {model_cls.PARAM_NAMES}; "
            f"got {arr.shape}"
        )
    return arr


#: Upper limit of ``n_threads`` (far beyond any useful count; each thread reserves its stack).
MAX_THREADS = 1024


def thread_count(owner: str, n_threads: int | None) -> int:
    """``n_threads`` as a positive int; ``None`` means all cores."""
    if n_threads is None:
        return os.cpu_count() or 1
    if isinstance(n_threads, bool) or not isinstance(n_threads, (int, np.integer)) or n_threads < 1:
        raise ValueError(f"`n_threads` of {owner} must be a positive integer; got {n_threads!r}")
    if n_threads > MAX_THREADS:
        raise ValueError(
            f"`n_threads` of {owner} must be in [1, {MAX_THREADS}] (or None for all cores); "
            f"got {n_threads!r}"
        )
    return int(n_threads)


def per_row_column(owner: str, name: str, values: ArrayLike, n: int) -> NDArray[np.float64]:
    """A finite column ``[n]`` with one value per params row (e.g. per-row rates)."""
    column = check_array(owner, name, values, Interval())
    if column.shape != (n,):
        raise ValueError(f"`{name}` of {owner} must have shape [{n}] (one per params row); "
                         f"got {column.shape}")
    return column
