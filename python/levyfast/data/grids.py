"""Strike grids of the forward frames, shared by the generator and the store.

``moneyness="log_forward"``: the values are k = ln(K / F_T), the same for every maturity;
``moneyness="delta"``: the values are forward call deltas Delta = N(d1), turned into strikes
with a reference volatility ``delta_vol``:
ln(K / F_T) = delta_vol^2 T / 2 - delta_vol sqrt(T) N^-1(Delta) (Black 1976).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

__all__ = ["forward_strike_grid"]


def forward_strike_grid(
    moneyness: str, values: NDArray[np.float64], maturities: NDArray[np.float64],
    delta_vol: float,
) -> NDArray[np.float64]:
    """K / F_T ``[n_T, n_K]`` of a ``log_forward`` or ``delta`` grid (see the module doc)."""
    if moneyness == "log_forward":
        return np.broadcast_to(np.exp(values), (maturities.size, values.size)).copy()
    sd = delta_vol * np.sqrt(maturities)[:, None]
    return np.exp(0.5 * sd * sd - sd * ndtri(values)[None, :])
