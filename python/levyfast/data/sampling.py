"""Parameter boxes and index-addressable samplers of the unit cube.

Every sampler here is a pure function of ``(seed, start, count)``: the points of rows
``[start, start + count)`` are the same whichever shard or worker draws them, so a dataset is
byte-identical for a seed whatever its sharding (DESIGN.md §11).

* ``"sobol"`` (default): scrambled Sobol' points (Owen scrambling with Matoušek's linear
  scramble, ``scipy.stats.qmc.Sobol(scramble=True, seed=...)``), row ``i`` is point ``i`` of
  the sequence (``fast_forward(start)``). Joe & Kuo (2008) direction numbers.
* ``"uniform"``: i.i.d. uniforms from a Philox-4x64 counter-based generator (Salmon et al.
  2011, SC'11) keyed by the seed; row ``i`` uses the words ``[i d', (i + 1) d')`` of the stream,
  ``d'`` = dimension rounded up to a multiple of 4, reached by ``Philox.advance``.
* ``"lhs"``: Latin hypercube (McKay, Beckman & Conover 1979) in consecutive blocks of
  ``min(n, LHS_BLOCK)`` rows, each block an independent hypercube; stratification is exact for
  ``n <= LHS_BLOCK`` and per block beyond (that keeps memory bounded for any ``n``).

Cross-parameter constraints (VG's ``1 - theta nu - sigma^2 nu / 2 > 0``, NIG's
``alpha > |beta|`` and ``alpha > |beta + 1|``) are handled by *rejection*: dataset row ``i`` is
the ``i``-th admissible point of the sequence. The default boxes below lie entirely inside the
admissible set, so with them no point is ever rejected.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray
from scipy.stats import qmc

from .. import _core
from .._validation import check_choice
from ..models import BUILTIN, LevyModel
from .defaults import SAMPLERS

__all__ = [
    "SAMPLERS",
    "DEFAULT_BOXES",
    "LHS_BLOCK",
    "ParamBox",
    "resolve_box",
    "unit_points",
    "admissible",
    "is_builtin",
]

LHS_BLOCK = 1 << 16

#: name -> (low, high); ``low == high`` fixes a parameter.
ParamBox = Mapping[str, tuple[float, float]]

#: Default parameter boxes per built-in model, each class's ``SAMPLING_BOX`` (all inside the
#: model's constraints, so no default draw is ever rejected; the corners are where the
#: cross-constraints are tightest and the tests check them). VG as in the benchmark of the
#: issue; the others are the ranges of published calibrations to index options (Carr, Geman,
#: Madan & Yor 2002; Schoutens 2003),
#: widened a little.
DEFAULT_BOXES: dict[type[LevyModel], dict[str, tuple[float, float]]] = {
    cls: dict(cls.SAMPLING_BOX) for cls in BUILTIN if cls.SAMPLING_BOX is not None}


def is_builtin(model_cls: type[LevyModel]) -> bool:
    """Whether ``model_cls`` is one of the models the C++ core prices."""
    return model_cls in BUILTIN


def resolve_box(
    model_cls: type[LevyModel], param_box: ParamBox | None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Lows and highs in ``PARAM_NAMES`` order: the default box updated by ``param_box``.

    Both ends of every range must lie inside the parameter's declared bounds (so every point
    of the box passes the per-parameter checks); a user-defined model without a default box
    must give every parameter.
    """
    owner = "generate_surfaces"
    box: dict[str, tuple[float, float]] = dict(getattr(model_cls, "SAMPLING_BOX", None) or {})
    for name, value in (param_box or {}).items():
        if name not in model_cls.PARAM_NAMES:
            raise ValueError(f"`param_box` of {owner} names unknown parameter {name!r}; "
                             f"{model_cls.__name__} has {model_cls.PARAM_NAMES}")
        try:
            lo, hi = (float(v) for v in value)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"`param_box[{name!r}]` of {owner} must be a (low, high) pair of "
                            f"reals; got {value!r}") from exc
        box[name] = (lo, hi)
    missing = [n for n in model_cls.PARAM_NAMES if n not in box]
    if missing:
        raise ValueError(f"`param_box` of {owner} must give a range for {missing}: "
                         f"{model_cls.__name__} has no default box")
    lows = np.empty(len(model_cls.PARAM_NAMES))
    highs = np.empty_like(lows)
    for i, name in enumerate(model_cls.PARAM_NAMES):
        lo, hi = box[name]
        bounds = model_cls.BOUNDS[name]
        if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
            raise ValueError(f"`param_box[{name!r}]` of {owner} must be finite with "
                             f"low <= high; got {(lo, hi)!r}")
        if not (bounds.contains(lo) and bounds.contains(hi)):
            raise ValueError(f"`param_box[{name!r}]` of {owner} must lie inside the bounds "
                             f"{bounds} of {model_cls.__name__}.{name}; got {(lo, hi)!r}")
        lows[i], highs[i] = lo, hi
    return lows, highs


def unit_points(
    sampler: str, seed: int, dim: int, start: int, count: int, n_total: int
) -> NDArray[np.float64]:
    """Points ``[start, start + count)`` of the sampler's sequence in ``[0, 1)^dim``.

    ``n_total`` (the dataset size) only sets the LHS block length ``min(n_total, LHS_BLOCK)``.
    """
    check_choice("generate_surfaces", "sampler", sampler, SAMPLERS)
    if count == 0:
        return np.empty((0, dim))
    if sampler == "sobol":
        engine = qmc.Sobol(dim, scramble=True, rng=_stream(seed, 0))
        if start:
            engine.fast_forward(start)  # (scipy rejects fast_forward(0))
        with warnings.catch_warnings():
            # Balance properties need powers of 2 for the *whole* dataset, not per shard.
            warnings.filterwarnings("ignore", message=".*balance properties.*")
            return engine.random(count)
    if sampler == "uniform":
        padded = -(-dim // 4) * 4
        bitgen = np.random.Philox(key=_key(seed, 1)).advance(start * padded // 4)
        words = bitgen.random_raw(count * padded).reshape(count, padded)[:, :dim]
        return _open_unit(words)
    block = min(n_total, LHS_BLOCK)
    first, last = start // block, (start + count - 1) // block
    pieces = [
        qmc.LatinHypercube(dim, rng=_stream(seed, 2, b)).random(block)
        for b in range(first, last + 1)
    ]
    offset = start - first * block
    return np.concatenate(pieces)[offset:offset + count]


def admissible(model_cls: type[LevyModel], params: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Row mask: which parameter rows ``[n, k]`` the model accepts (cross-constraints)."""
    mask = np.ones(params.shape[0], dtype=bool)
    for i, row in enumerate(params):
        try:
            if is_builtin(model_cls):
                _core.validate_model(model_cls.MODEL_ID, row)
            else:
                model_cls.from_array(row)
        except ValueError:
            mask[i] = False
    return mask


def _stream(seed: int, stream: int, *index: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream, *index)))


def _key(seed: int, stream: int) -> int:
    words = np.random.SeedSequence(seed, spawn_key=(stream,)).generate_state(2, np.uint64)
    return int(words[0]) | (int(words[1]) << 64)


def _open_unit(words: NDArray[np.uint64]) -> NDArray[np.float64]:
    """64-bit words -> doubles in the open interval (0, 1): ((w >> 11) + 1/2) 2^-53."""
    return ((words >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53
