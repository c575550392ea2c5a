"""Market-noise transforms: composable, deterministic functions of prices and uniform draws.

A transform maps exact call prices ``[n, n_T, n_K]`` (fractions of spot) to "observed" ones.
All its randomness comes from ``n_draws`` independent uniforms per quote, so

* at training time: ``transform(prices, rng, log_moneyness=..., maturities=...)`` draws them
  from any ``numpy.random.Generator``;
* in a stored dataset: :func:`apply_indexed` draws them from a Philox-4x64 counter-based
  stream keyed by the seed and addressed by the global row index, so row ``i`` gets the same
  noise whichever shard or worker produces it; :func:`apply_to_dataset` does the same at
  training time for a loaded dataset, split or chunk.

Transforms: :class:`GaussianNoise` (absolute or relative), :class:`BidAskNoise` (a quote
uniformly inside a spread that widens out of the money and at short maturities),
:class:`Outliers` (rare Student-t shocks), :class:`MissingQuotes` (NaN masks), and
:class:`Compose` chaining them. :func:`parse_noise` reads the CLI's ``--noise`` spec.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri, stdtrit

from .._validation import Interval, check_scalar
from .sampling import _key, _open_unit
from .storage import SurfaceDataset

__all__ = [
    "NoiseTransform",
    "GaussianNoise",
    "BidAskNoise",
    "Outliers",
    "MissingQuotes",
    "Compose",
    "apply_indexed",
    "apply_to_dataset",
    "parse_noise",
]

_NOISE_STREAM = 3
_PROB = Interval(0.0, 1.0, closed_low=True, closed_high=True)
_NONNEG = Interval(0.0, closed_low=True)


@runtime_checkable
class NoiseTransform(Protocol):
    """``n_draws`` uniforms per quote; ``apply`` is a pure function of its arguments."""

    @property
    def n_draws(self) -> int: ...

    def apply(
        self,
        prices: NDArray[np.float64],
        uniforms: NDArray[np.float64],
        log_moneyness: NDArray[np.float64],
        maturities: NDArray[np.float64],
    ) -> NDArray[np.float64]:
        """``uniforms`` is ``[n_draws, *prices.shape]`` in (0, 1); ``log_moneyness`` =
        ln(K / F) broadcastable to ``prices``; ``maturities`` is ``[n_T]``."""
        ...


class _Callable:
    """``transform(prices, rng, log_moneyness=..., maturities=...)`` for training time."""

    __slots__ = ()

    def __call__(
        self: NoiseTransform,
        prices: NDArray[np.float64],
        rng: np.random.Generator,
        *,
        log_moneyness: NDArray[np.float64],
        maturities: NDArray[np.float64],
    ) -> NDArray[np.float64]:
        p = np.asarray(prices, dtype=np.float64)
        words = rng.bit_generator.random_raw(self.n_draws * p.size)
        u = _open_unit(np.asarray(words).reshape(self.n_draws, *p.shape))
        return self.apply(p, u, np.asarray(log_moneyness), np.asarray(maturities))


@dataclass(frozen=True)
class GaussianNoise(_Callable):
    """``p + scale z`` (``relative=False``) or ``p (1 + scale z)``, ``z ~ N(0, 1)``."""

    scale: float
    relative: bool = False

    def __post_init__(self) -> None:
        check_scalar("GaussianNoise", "scale", self.scale, _NONNEG)

    @property
    def n_draws(self) -> int:
        return 1

    def apply(self, prices, uniforms, log_moneyness, maturities):
        z = ndtri(uniforms[0])
        return prices + self.scale * z * (prices if self.relative else 1.0)


@dataclass(frozen=True)
class BidAskNoise(_Callable):
    """A quote uniformly inside a bid–ask spread around the true price.

    Spread (fraction of spot) ``s = max(min_spread, rel_spread p) (1 + otm |ln(K/F)|)
    (1 + short / sqrt(T))``: relative to the price with a tick floor, wider out of the money
    and at short maturities, the shape seen in index option quotes (e.g. Cont & Tankov 2004,
    ch. 13; Andersen, Fusari & Todorov 2015). The observed quote is ``p + s (U - 1/2)``.
    """

    rel_spread: float = 0.02
    min_spread: float = 1e-4
    otm: float = 5.0
    short: float = 0.1

    def __post_init__(self) -> None:
        for name in ("rel_spread", "min_spread", "otm", "short"):
            check_scalar("BidAskNoise", name, getattr(self, name), _NONNEG)

    @property
    def n_draws(self) -> int:
        return 1

    def spread(self, prices, log_moneyness, maturities):
        """The spread ``s`` of every quote, as a fraction of spot."""
        base = np.maximum(self.min_spread, self.rel_spread * np.abs(prices))
        return (base * (1.0 + self.otm * np.abs(log_moneyness))
                * (1.0 + self.short / np.sqrt(maturities))[:, None])

    def apply(self, prices, uniforms, log_moneyness, maturities):
        return prices + self.spread(prices, log_moneyness, maturities) * (uniforms[0] - 0.5)


@dataclass(frozen=True)
class Outliers(_Callable):
    """With probability ``probability`` a quote becomes ``p (1 + scale t)``, ``t`` Student-t
    with ``df`` degrees of freedom (heavy-tailed data errors)."""

    probability: float = 0.01
    scale: float = 0.2
    df: float = 3.0

    def __post_init__(self) -> None:
        check_scalar("Outliers", "probability", self.probability, _PROB)
        check_scalar("Outliers", "scale", self.scale, _NONNEG)
        check_scalar("Outliers", "df", self.df, Interval(0.0))

    @property
    def n_draws(self) -> int:
        return 2

    def apply(self, prices, uniforms, log_moneyness, maturities):
        hit = uniforms[0] < self.probability
        return np.where(hit, prices * (1.0 + self.scale * stdtrit(self.df, uniforms[1])), prices)


@dataclass(frozen=True)
class MissingQuotes(_Callable):
    """Each quote is missing (NaN) with probability ``probability``."""

    probability: float = 0.05

    def __post_init__(self) -> None:
        check_scalar("MissingQuotes", "probability", self.probability, _PROB)

    @property
    def n_draws(self) -> int:
        return 1

    def apply(self, prices, uniforms, log_moneyness, maturities):
        return np.where(uniforms[0] < self.probability, np.nan, prices)


@dataclass(frozen=True)
class Compose(_Callable):
    """Apply ``transforms`` in order, each with its own uniforms."""

    transforms: tuple[NoiseTransform, ...]

    def __post_init__(self) -> None:
        for t in self.transforms:
            if not isinstance(t, NoiseTransform):
                raise TypeError(f"`transforms` of Compose must be noise transforms; got {t!r}")

    @property
    def n_draws(self) -> int:
        return sum(t.n_draws for t in self.transforms)

    def apply(self, prices, uniforms, log_moneyness, maturities):
        start = 0
        for t in self.transforms:
            prices = t.apply(prices, uniforms[start:start + t.n_draws], log_moneyness, maturities)
            start += t.n_draws
        return prices


def apply_indexed(
    transform: NoiseTransform,
    prices: NDArray[np.float64],
    seed: int,
    row_start: int,
    log_moneyness: NDArray[np.float64],
    maturities: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Noise for global rows ``[row_start, row_start + n)`` of a dataset with seed ``seed``.

    Row ``i`` uses the words ``[i w, (i + 1) w)`` of a Philox-4x64 stream keyed by the seed,
    ``w`` = ``n_draws * n_T * n_K`` rounded up to a multiple of 4: independent of sharding.
    """
    n = prices.shape[0]
    per_row = transform.n_draws * int(np.prod(prices.shape[1:]))
    padded = -(-per_row // 4) * 4
    bitgen = np.random.Philox(key=_key(seed, _NOISE_STREAM)).advance(row_start * padded // 4)
    words = bitgen.random_raw(n * padded).reshape(n, padded)[:, :per_row]
    u = np.moveaxis(_open_unit(words).reshape(n, transform.n_draws, *prices.shape[1:]), 1, 0)
    return transform.apply(prices, u, log_moneyness, maturities)


def apply_to_dataset(transform: NoiseTransform, dataset: SurfaceDataset, seed: int) -> NDArray[
        np.float64]:
    """Noisy copy of ``dataset.prices``, row ``i`` drawn by global index ``dataset.index[i]``
    (:func:`apply_indexed`): the same noise for a row whether it comes from the full dataset,
    a split or a chunk. Use a seed other than the dataset's to get noise independent of a
    stored ``price_noisy`` column."""
    index = np.asarray(dataset.index, dtype=np.int64)
    prices = np.asarray(dataset.prices, dtype=np.float64)
    grid = np.broadcast_to(dataset.strike_grid(), prices.shape)
    log_m = np.log(grid) - np.multiply.outer(dataset.rates - dataset.dividends,
                                             dataset.maturities)[:, :, None]
    out = np.empty_like(prices)
    breaks = np.flatnonzero(np.diff(index) != 1) + 1
    for lo, hi in zip(np.r_[0, breaks], np.r_[breaks, index.size], strict=True):
        out[lo:hi] = apply_indexed(transform, prices[lo:hi], seed, int(index[lo]), log_m[lo:hi],
                                   dataset.maturities)
    return out


_NAMES: dict[str, Callable[[float], NoiseTransform]] = {
    "gaussian": lambda v: GaussianNoise(v),
    "relgaussian": lambda v: GaussianNoise(v, relative=True),
    "bidask": lambda v: BidAskNoise(rel_spread=v),
    "outliers": lambda v: Outliers(probability=v),
    "missing": lambda v: MissingQuotes(v),
}


def parse_noise(spec: str) -> Compose:
    """``"gaussian:1e-4,bidask:0.02,outliers:0.01,missing:0.05"`` -> a :class:`Compose`.

    Names: ``gaussian`` (absolute scale), ``relgaussian`` (relative scale), ``bidask``
    (relative spread), ``outliers`` (probability), ``missing`` (probability).
    """
    parts: list[NoiseTransform] = []
    for item in spec.split(","):
        name, _, value = item.strip().partition(":")
        if name not in _NAMES:
            raise ValueError(f"`noise` spec names unknown transform {name!r}; "
                             f"choose from {sorted(_NAMES)} as name:value")
        try:
            parts.append(_NAMES[name](float(value)))
        except ValueError as exc:
            if "must" in str(exc):
                raise
            raise ValueError(f"`noise` spec needs a number after {name}:; got {value!r}") from exc
    return Compose(tuple(parts))
