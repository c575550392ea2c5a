"""Convergence diagnostics and summaries of a posterior sample, computed with ArviZ.

* rank-normalised split R-hat (the larger of bulk and folded, Vehtari et al. 2021, Bayesian
  Analysis 16, §4.2), bulk and tail effective sample sizes and the Monte Carlo standard error
  of the mean (ibid. §4.3, §4.4);
* divergent transitions and hits of the maximum tree depth (Betancourt 2017,
  arXiv:1701.02434, §6.2);
* the energy Bayesian fraction of missing information per chain,
  ``E-BFMI = sum (E_n - E_{n-1})^2 / sum (E_n - mean E)^2`` (Betancourt 2016,
  arXiv:1604.00695, eq. 3).

A run is converged when every R-hat is at most 1.01, every bulk and tail ESS at least 400
(Vehtari et al. 2021, §4.5), no transition diverged and every chain's E-BFMI is at least 0.3.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

with warnings.catch_warnings():  # ArviZ announces its refactor on import
    warnings.simplefilter("ignore", FutureWarning)
    import arviz as az

__all__ = ["Diagnostics", "THRESHOLDS", "inference_data", "diagnose", "summarize"]

#: Convergence thresholds (see the module docstring).
THRESHOLDS = {"r_hat": 1.01, "ess": 400.0, "divergences": 0, "e_bfmi": 0.3}


@dataclass(frozen=True)
class Diagnostics:
    """Per-parameter R-hat, ESS (bulk, tail) and MCSE of the mean; sampler statistics; the
    verdict ``converged`` and the reasons it is not."""

    r_hat: dict[str, float]
    ess_bulk: dict[str, float]
    ess_tail: dict[str, float]
    mcse_mean: dict[str, float]
    divergences: int
    max_tree_depth_hits: int
    mean_tree_depth: float
    e_bfmi: NDArray[np.float64]
    n_chains: int
    n_draws: int
    converged: bool
    reasons: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly form."""
        return {"r_hat": self.r_hat, "ess_bulk": self.ess_bulk, "ess_tail": self.ess_tail,
                "mcse_mean": self.mcse_mean, "divergences": self.divergences,
                "max_tree_depth_hits": self.max_tree_depth_hits,
                "mean_tree_depth": self.mean_tree_depth, "e_bfmi": self.e_bfmi.tolist(),
                "n_chains": self.n_chains, "n_draws": self.n_draws,
                "converged": self.converged, "reasons": list(self.reasons)}


def inference_data(posterior: dict[str, NDArray[np.float64]],
                   sample_stats: dict[str, NDArray[np.float64]]) -> az.InferenceData:
    """ArviZ ``InferenceData`` of arrays ``[n_chains, n_draws]``."""
    return az.from_dict(posterior=posterior, sample_stats=sample_stats)


def _per_var(dataset: object) -> dict[str, float]:
    return {str(k): float(v) for k, v in dataset.data_vars.items()}  # type: ignore[attr-defined]


def diagnose(idata: az.InferenceData, max_tree_depth: int | None = None) -> Diagnostics:
    """Diagnostics of ``idata`` (posterior and, where present, sample_stats ``diverging``,
    ``energy``, ``tree_depth``) against :data:`THRESHOLDS`."""
    post = idata["posterior"]
    n_chains, n_draws = int(post.sizes["chain"]), int(post.sizes["draw"])
    with warnings.catch_warnings():  # too few draws: ArviZ warns; we report it ourselves
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        r_hat = _per_var(az.rhat(idata, method="rank"))
        ess_bulk = _per_var(az.ess(idata, method="bulk"))
        ess_tail = _per_var(az.ess(idata, method="tail"))
        mcse = _per_var(az.mcse(idata, method="mean"))
    stats = idata.get("sample_stats")
    divergences = int(stats["diverging"].values.sum()) if stats is not None and \
        "diverging" in stats else 0
    depth_hits, mean_depth = 0, math.nan
    if stats is not None and "tree_depth" in stats:
        depth = stats["tree_depth"].values
        mean_depth = float(depth.mean())
        if max_tree_depth is not None:
            depth_hits = int((depth >= max_tree_depth).sum())
    e_bfmi = np.full(n_chains, math.nan)
    if stats is not None and "energy" in stats:
        energy = stats["energy"].values
        e_bfmi = np.sum(np.diff(energy, axis=1) ** 2, axis=1) / np.sum(
            (energy - energy.mean(axis=1, keepdims=True)) ** 2, axis=1)
    reasons = []
    for name, value in r_hat.items():
        if not value <= THRESHOLDS["r_hat"]:
            reasons.append(f"R-hat of {name} is {value:.3f} > {THRESHOLDS['r_hat']}")
    for label, ess in (("bulk", ess_bulk), ("tail", ess_tail)):
        for name, value in ess.items():
            if not value >= THRESHOLDS["ess"]:
                reasons.append(f"{label} ESS of {name} is {value:.0f} < {THRESHOLDS['ess']:.0f}")
    if divergences > THRESHOLDS["divergences"]:
        reasons.append(f"{divergences} divergent transitions")
    low = np.flatnonzero(~(e_bfmi >= THRESHOLDS["e_bfmi"]) & np.isfinite(e_bfmi))
    if low.size:
        reasons.append(f"E-BFMI below {THRESHOLDS['e_bfmi']} in chains {low.tolist()} "
                       f"(min {float(e_bfmi[low].min()):.2f})")
    if depth_hits:
        reasons.append(f"{depth_hits} transitions hit the maximum tree depth {max_tree_depth}")
    return Diagnostics(r_hat, ess_bulk, ess_tail, mcse, divergences, depth_hits, mean_depth,
                       e_bfmi, n_chains, n_draws, not reasons, tuple(reasons))


def summarize(idata: az.InferenceData, hdi_prob: float = 0.9,
              quantiles: tuple[float, ...] = (0.05, 0.5, 0.95)) -> pd.DataFrame:
    """One row per variable: mean, sd, quantiles, HDI bounds at ``hdi_prob``, MCSE of the
    mean, bulk and tail ESS and R-hat."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        table = az.summary(idata, hdi_prob=hdi_prob, round_to="none",
                           stat_funcs={f"q{round(100 * q):g}": (lambda a, q=q: float(
                               np.quantile(a, q))) for q in quantiles})
    return table
