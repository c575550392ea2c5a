"""Sobol global sensitivity indices of a vector output by the Saltelli / Jansen estimators.

For ``Y = f(X)`` with independent inputs ``X_1..X_k`` uniform on a box, the first-order index
``S_i = V[E(Y | X_i)] / V(Y)`` and the total index ``S_Ti = E[V(Y | X_~i)] / V(Y)`` are
estimated from two independent sample matrices ``A``, ``B`` (``N x k``; here the two halves
of one scrambled Sobol sequence of dimension ``2k``) and the ``k`` matrices ``A_B^(i)`` (``A``
with column ``i`` from ``B``), ``N (k + 2)`` evaluations in all (Saltelli et al. 2010,
"Variance based sensitivity analysis of model output. Design and estimator for the total
sensitivity index", Comput. Phys. Commun. 181, Table 2):

* first order, Saltelli et al. (2010), estimator (b):
  ``V_i = (1/N) sum_j f(B)_j (f(A_B^(i))_j - f(A)_j)``;
* total, Jansen (1999), estimator (f):
  ``V_Ti = (1/(2N)) sum_j (f(A)_j - f(A_B^(i))_j)^2``;

each divided by the variance of ``Y`` over the ``2N`` points of ``A`` and ``B``. In (b)
``f(B)`` is centred by the mean over those points: unbiased all the same (``f(A_B^(i)) -
f(A)`` has mean zero), and far less variable for outputs with a large mean (Saltelli et al.
2010, §3). For an output
with ``m`` components (a price surface) the indices are computed per component, and
aggregated as variance-weighted means ``sum_m V_i,m / sum_m V(Y_m)`` (the generalised indices
of Gamboa, Janon, Klein & Lagnoux 2013, "Sensitivity indices for multivariate outputs",
C. R. Acad. Sci. Paris 351). Confidence intervals of the aggregated indices come from a
bootstrap over the ``N`` rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import qmc

__all__ = ["SobolIndices", "sobol_indices"]


@dataclass(frozen=True)
class SobolIndices:
    """``first``, ``total``: ``[k, m]`` per output component; ``first_agg``, ``total_agg``:
    ``[k]`` variance-weighted over the components, with 95% bootstrap intervals
    ``first_ci``, ``total_ci`` (``[k, 2]``); ``variance``: ``[m]``; ``n``: base samples."""

    names: tuple[str, ...]
    first: NDArray[np.float64]
    total: NDArray[np.float64]
    first_agg: NDArray[np.float64]
    total_agg: NDArray[np.float64]
    first_ci: NDArray[np.float64]
    total_ci: NDArray[np.float64]
    variance: NDArray[np.float64]
    n: int


def _aggregate(fa: NDArray[np.float64], fb: NDArray[np.float64],
               fab: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64],
                                                  NDArray[np.float64], NDArray[np.float64]]:
    """Per-component (V_i, V_Ti) ``[k, m]`` and V(Y) ``[m]``, and the aggregated indices."""
    both = np.concatenate([fa, fb])
    variance = both.var(axis=0)
    first = np.mean((fb - both.mean(axis=0))[None] * (fab - fa[None]), axis=1)
    total = 0.5 * np.mean((fa[None] - fab) ** 2, axis=1)
    return first, total, variance, np.array([first.sum(axis=1), total.sum(axis=1)])


def sobol_indices(f: Callable[[NDArray[np.float64]], NDArray[np.float64]],
                  bounds: Sequence[tuple[float, float]], names: Sequence[str], n: int,
                  seed: int = 0, n_bootstrap: int = 200) -> SobolIndices:
    """Sobol indices of ``f`` (rows of inputs ``[r, k]`` -> outputs ``[r, m]``) for inputs
    uniform on ``bounds``, from ``N = n`` base samples (rounded up to a power of 2)."""
    k = len(bounds)
    if k < 1 or len(names) != k:
        raise ValueError(f"`bounds` and `names` of sobol_indices must name the same k >= 1 "
                         f"inputs; got {len(bounds)} and {len(names)}")
    if n < 2:
        raise ValueError(f"`n` of sobol_indices must be >= 2; got {n}")
    m_log2 = int(np.ceil(np.log2(n)))
    lo, hi = np.array(bounds, dtype=float).T
    base = qmc.Sobol(2 * k, scramble=True, rng=np.random.default_rng(seed)).random_base2(m_log2)
    a = lo + (hi - lo) * base[:, :k]
    b = lo + (hi - lo) * base[:, k:]
    ab = np.repeat(a[None], k, axis=0)
    for i in range(k):
        ab[i, :, i] = b[:, i]
    size = a.shape[0]
    out = f(np.concatenate([a, b, ab.reshape(-1, k)]))
    out = out.reshape(out.shape[0], -1)
    fa, fb, fab = out[:size], out[size:2 * size], out[2 * size:].reshape(k, size, -1)
    first, total, variance, sums = _aggregate(fa, fb, fab)
    rng = np.random.default_rng(seed + 1)
    boot = np.empty((n_bootstrap, 2, k))
    for r in range(n_bootstrap):
        rows = rng.integers(0, size, size)
        _, _, var_r, sums_r = _aggregate(fa[rows], fb[rows], fab[:, rows])
        boot[r] = sums_r / var_r.sum()
    ci = np.quantile(boot, [0.025, 0.975], axis=0)  # [2, 2, k]
    with np.errstate(invalid="ignore", divide="ignore"):
        per_first = np.where(variance > 0, first / variance, np.nan)
        per_total = np.where(variance > 0, total / variance, np.nan)
    return SobolIndices(tuple(names), per_first, per_total, sums[0] / variance.sum(),
                        sums[1] / variance.sum(), ci[:, 0].T, ci[:, 1].T, variance, size)
