"""What a generated dataset is: :class:`GenerationSpec`, a frozen, validated value object.

A spec holds everything that determines the values of a dataset (model, size, seed, sampled
box and markets, grid, pricing settings, noise) plus the shard size; the way it is executed
(threads, a Dask cluster, where it is written) is not part of it. Row ``i`` of a dataset is
a pure function of ``(seed, i)`` and the spec (:mod:`levyfast.data.generate`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import __version__
from .._validation import Interval, check_array, check_choice, check_scalar
from ..models import LevyModel
from ..models.user import UserModel
from ..pricers import DEFAULT_TOLERANCE, METHODS
from . import storage
from .checks import CHECKS
from .defaults import (
    DEFAULT_DIVIDEND_RANGE,
    DEFAULT_MATURITIES,
    DEFAULT_RATE_RANGE,
    DEFAULT_SHARD_SIZE,
    DEFAULT_STRIKES,
    MONEYNESS,
    SAMPLERS,
    STORE,
)
from .noise import NoiseTransform
from .sampling import is_builtin, resolve_box

__all__ = ["GenerationSpec", "BatchPricer", "CHECK_ATOL"]

#: Tolerance of the arbitrage checks (fraction of spot): the core's accuracy promise.
CHECK_ATOL = 1e-6
#: The public function named in the messages of invalid arguments.
OWNER = "generate_surfaces"

#: ``pricer(params [n, k], rates [n], dividends [n], strikes [n_K], maturities [n_T])`` ->
#: call prices / spot ``[n, n_T, n_K]`` at spot 1: the pricing path of user-defined models.
BatchPricer = Callable[
    [NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64],
     NDArray[np.float64]],
    NDArray[np.float64],
]


@dataclass(frozen=True, eq=False)
class GenerationSpec:
    """Everything that determines the values of a dataset (plus the shard size).

    The arguments are those of :func:`levyfast.data.generate_surfaces` less the execution
    ones (``out``, ``workers``, ``client``, ``compression``, ``progress``); they are checked
    on construction (a ``ValueError`` or ``TypeError`` naming the argument, the constraint
    and the value) and normalised: ``param_box`` becomes the full box of the model (its
    default box updated by the given ranges), ``strikes`` and ``maturities`` float64 arrays
    (copies), ``store`` a tuple in :data:`STORE` order that always holds ``"price"``, the
    ranges float pairs. Fields cannot be reassigned; :func:`dataclasses.replace` builds a
    changed spec, validated again. Two specs are the same dataset when their
    :meth:`metadata` are equal.
    """

    model_cls: type[LevyModel]
    n: int
    _: KW_ONLY
    seed: int = 0
    param_box: Mapping[str, tuple[float, float]] | None = None
    sampler: str = "sobol"
    rate_range: tuple[float, float] = DEFAULT_RATE_RANGE
    dividend_range: tuple[float, float] = DEFAULT_DIVIDEND_RANGE
    strikes: NDArray[np.float64] = field(default_factory=DEFAULT_STRIKES.copy)
    maturities: NDArray[np.float64] = field(default_factory=DEFAULT_MATURITIES.copy)
    moneyness: str = "strike"
    delta_vol: float = 0.2
    store: Sequence[str] = ("price", "iv")
    method: str = "auto"
    tolerance: float = DEFAULT_TOLERANCE
    noise: NoiseTransform | None = None
    shard_size: int = DEFAULT_SHARD_SIZE
    pricer: BatchPricer | None = None
    #: Lows and highs of the parameter box in ``PARAM_NAMES`` order (from ``param_box``).
    lows: NDArray[np.float64] = field(init=False, repr=False)
    highs: NDArray[np.float64] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        model_cls, pricer = self.model_cls, self.pricer
        if not (isinstance(model_cls, type) and issubclass(model_cls, LevyModel)):
            raise TypeError(f"`model_cls` of {OWNER} must be a levyfast model class; "
                            f"got {model_cls!r}")
        if pricer is None and not (is_builtin(model_cls) or issubclass(model_cls, UserModel)):
            raise TypeError(f"`pricer` of {OWNER} is required for {model_cls.__name__}: "
                            "levyfast.price_batch prices the built-in models and those made by "
                            "levyfast.user_model only")
        if pricer is not None and not callable(pricer):
            raise TypeError(f"`pricer` of {OWNER} must be callable; got {pricer!r}")
        n = positive_int("n", self.n)
        shard_size = positive_int("shard_size", self.shard_size)
        seed = self.seed
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"`seed` of {OWNER} must be a non-negative integer; got {seed!r}")
        check_choice(OWNER, "sampler", self.sampler, SAMPLERS)
        moneyness = check_choice(OWNER, "moneyness", self.moneyness, MONEYNESS)
        check_choice(OWNER, "method", self.method, METHODS)
        tolerance = check_scalar(OWNER, "tolerance", self.tolerance,
                                 Interval(1e-14, 1.0, closed_low=True))
        delta_vol = check_scalar(OWNER, "delta_vol", self.delta_vol, Interval(0.0))
        store = self.store
        store_t = tuple(store) if not isinstance(store, str) else (store,)
        for q in store_t:
            check_choice(OWNER, "store", q, STORE)
        store_t = tuple(q for q in STORE if q in store_t or q == "price")
        if self.noise is not None and not isinstance(self.noise, NoiseTransform):
            raise TypeError(f"`noise` of {OWNER} must be a levyfast.data.noise transform; "
                            f"got {self.noise!r}")
        lows, highs = resolve_box(model_cls, self.param_box)
        t = check_array(OWNER, "maturities", self.maturities, Interval(0.0))
        interval = {"strike": Interval(0.0), "log_forward": Interval(),
                    "delta": Interval(0.0, 1.0)}[moneyness]
        k = check_array(OWNER, "strikes", self.strikes, interval)
        if np.any(np.diff(t) <= 0.0):
            raise ValueError(f"`maturities` of {OWNER} must be strictly increasing; got {t}")
        sign = -1.0 if moneyness == "delta" else 1.0
        if np.any(sign * np.diff(k) <= 0.0):
            order = "decreasing (deltas)" if moneyness == "delta" else "increasing"
            raise ValueError(f"`strikes` of {OWNER} must be strictly {order}; got {k}")
        normalised: dict[str, Any] = {
            "n": n, "seed": int(seed), "lows": lows, "highs": highs,
            "param_box": {p: (float(lows[j]), float(highs[j]))
                          for j, p in enumerate(model_cls.PARAM_NAMES)},
            "rate_range": real_range("rate_range", self.rate_range),
            "dividend_range": real_range("dividend_range", self.dividend_range),
            "strikes": k.copy(), "maturities": t.copy(), "delta_vol": float(delta_vol),
            "store": store_t, "tolerance": float(tolerance), "shard_size": shard_size,
        }
        for name, value in normalised.items():
            object.__setattr__(self, name, value)  # frozen: set once, here

    @property
    def n_shards(self) -> int:
        return -(-self.n // self.shard_size)

    @property
    def dim(self) -> int:
        """Sampled coordinates per row: the model's parameters, the rate and the dividend."""
        return len(self.model_cls.PARAM_NAMES) + 2

    @property
    def accuracy(self) -> float:
        """The promised absolute accuracy of a price (fraction of spot): 10x the tolerance."""
        return 10.0 * self.tolerance

    def box(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Lows and highs of all sampled coordinates: parameters, rate, dividend."""
        lows = np.concatenate([self.lows, [self.rate_range[0], self.dividend_range[0]]])
        highs = np.concatenate([self.highs, [self.rate_range[1], self.dividend_range[1]]])
        return lows, highs

    def metadata(self) -> dict[str, Any]:
        """The dataset's metadata as stored with every shard (JSON-compatible)."""
        cls = self.model_cls
        return {
            "format": storage.FORMAT,
            "format_version": storage.FORMAT_VERSION,
            "levyfast_version": __version__,
            "model": {
                "name": cls.__name__,
                "model_id": int(cls.MODEL_ID) if is_builtin(cls) else None,
                "builtin": is_builtin(cls),
                "param_names": list(cls.PARAM_NAMES),
                "bounds": {p: str(cls.BOUNDS[p]) for p in cls.PARAM_NAMES},
            },
            "param_box": {p: [float(self.lows[j]), float(self.highs[j])]
                          for j, p in enumerate(cls.PARAM_NAMES)},
            "sampler": self.sampler,
            "rejection": "row i is the i-th point of the sampler sequence admitted by the model",
            "seed": self.seed,
            "n": self.n,
            "shard_size": self.shard_size,
            "n_shards": self.n_shards,
            "market": {"spot": 1.0, "rate_range": list(self.rate_range),
                       "dividend_range": list(self.dividend_range)},
            "grid": {"moneyness": self.moneyness, "strikes": self.strikes.tolist(),
                     "maturities": self.maturities.tolist(), "delta_vol": self.delta_vol},
            "quantities": {"price": "call price / spot [n, n_T, n_K], maturity-major",
                           "iv": "Black implied volatility; NaN where the time value is "
                                 "below the pricing accuracy"},
            "store": list(self.store),
            "pricer": {"backend": "levyfast.price_batch" if self.pricer is None else
                       "user pricer", "method": self.method, "tolerance": self.tolerance,
                       "accuracy": self.accuracy},
            "noise": None if self.noise is None else repr(self.noise),
            "checks": {"names": list(CHECKS), "atol": CHECK_ATOL},
            "split": {"rule": "SplitMix64 hash of the row index", "fractions":
                      {k: list(v) for k, v in storage.SPLITS.items()}},
        }


def positive_int(name: str, value: Any) -> int:
    """``value`` as an int, or a ValueError naming the argument of :data:`OWNER`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"`{name}` of {OWNER} must be a positive integer; got {value!r}")
    return int(value)


def real_range(name: str, value: Any) -> tuple[float, float]:
    """``value`` as a finite ``(low, high)`` pair with ``low <= high``."""
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`{name}` of {OWNER} must be a (low, high) pair; got {value!r}") from exc
    if not (np.isfinite(lo) and np.isfinite(hi) and lo <= hi):
        raise ValueError(f"`{name}` of {OWNER} must be finite with low <= high; got {value!r}")
    return lo, hi
