"""Synthetic training and test surfaces: the one place training draws its data from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import qmc

import levyfast as lf

from .families import DIVIDEND_RANGE, RATE_RANGE, Family

__all__ = ["Surfaces", "generate"]


@dataclass(frozen=True)
class Surfaces:
    """Call prices / spot ``[n, n_T, n_K]`` on a K/S0 x T grid, with their parameters
    (``PARAM_NAMES`` order, ``[n, k]``) and per-row market rates and dividends."""

    params: NDArray[np.float64]
    rates: NDArray[np.float64]
    dividends: NDArray[np.float64]
    strikes: NDArray[np.float64]
    maturities: NDArray[np.float64]
    prices: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.params.shape[0])


def generate(family: Family, n: int, *, seed: int, strikes: NDArray[np.float64],
             maturities: NDArray[np.float64], sobol: bool = True) -> Surfaces:
    """``n`` surfaces with parameters and market drawn uniformly on the family's box.

    ``sobol=True`` uses a scrambled Sobol sequence (training: even coverage); ``False`` uses
    independent uniform draws (test sets: no structure shared with a training design).
    """
    dim = len(family.free_names) + 2
    if sobol:
        m = max(int(np.ceil(np.log2(max(n, 2)))), 1)
        u = qmc.Sobol(dim, scramble=True, seed=seed).random_base2(m)[:n]
    else:
        u = np.random.default_rng(seed).random((n, dim))
    lo = np.concatenate([family.low_array, [RATE_RANGE[0], DIVIDEND_RANGE[0]]])
    hi = np.concatenate([family.high_array, [RATE_RANGE[1], DIVIDEND_RANGE[1]]])
    x = lo + (hi - lo) * u
    params = family.full_params(x[:, :-2])
    rates, dividends = x[:, -2].copy(), x[:, -1].copy()
    prices = lf.price_batch(family.model_cls, params, lf.Market(1.0, 0.0), strikes, maturities,
                            rates=rates, dividends=dividends)
    return Surfaces(params, rates, dividends, np.asarray(strikes, float),
                    np.asarray(maturities, float), prices)
