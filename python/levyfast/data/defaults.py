"""Default grids, ranges and choices of generated datasets: constants only, so the command
line can show them without importing the generator (pyarrow, SciPy's samplers)."""

from __future__ import annotations

import numpy as np

__all__ = ["MONEYNESS", "STORE", "SAMPLERS", "DEFAULT_STRIKES", "DEFAULT_MATURITIES",
           "DEFAULT_RATE_RANGE", "DEFAULT_DIVIDEND_RANGE", "DEFAULT_SHARD_SIZE"]

MONEYNESS = ("strike", "log_forward", "delta")
STORE = ("price", "iv")
SAMPLERS = ("sobol", "uniform", "lhs")
DEFAULT_STRIKES = np.linspace(0.8, 1.2, 20)
DEFAULT_MATURITIES = np.linspace(0.1, 2.0, 10)
DEFAULT_RATE_RANGE = (0.0, 0.06)
DEFAULT_DIVIDEND_RANGE = (0.0, 0.03)
DEFAULT_SHARD_SIZE = 10_000
