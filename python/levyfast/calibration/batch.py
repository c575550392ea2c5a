"""Calibration of many option chains (days, underlyings): in-process or on a Dask cluster.

Each chain is one task: a fresh copy of the given (unfitted) calibrator fits it, and one
summary row comes back. Chains given as CSV paths are read by the task itself, so on a cluster
only the path travels (the path must be readable by the workers); a failed chain is a row
with its error, not a failed batch.
"""

from __future__ import annotations

import copy
import math
import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["calibrate_chains"]

_OWNER = "calibrate_chains"


def _fit_one(label: str, chain: Any, calibrator: Any,
             chain_options: Mapping[str, Any]) -> dict[str, Any]:
    """Fit one chain (an OptionChain or a CSV path); a summary row, errors included."""
    from ..chain import OptionChain

    start = time.perf_counter()
    row: dict[str, Any] = {"chain": label}
    try:
        if not isinstance(chain, OptionChain):
            chain = OptionChain.from_csv(chain, **chain_options)
        cal = copy.deepcopy(calibrator).fit(chain)
    except (ValueError, TypeError, OSError) as exc:
        row.update(success=False, error=f"{type(exc).__name__}: {exc}",
                   time_s=time.perf_counter() - start)
        return row
    r = cal.result_
    row.update(success=bool(r.success), error="", rmse_iv_bp=r.rmse_iv_bp,
               inside_spread=r.inside_spread, n_quotes=r.n_quotes, verdict=r.verdict,
               time_s=time.perf_counter() - start)
    for name, value, se in zip(cal.model_cls.PARAM_NAMES, cal.params_, r.std_errors,
                               strict=True):
        row[name] = float(value)
        row[f"{name}_se"] = float(se)
    return row


def calibrate_chains(chains: Sequence[Any] | Mapping[str, Any], calibrator: Any, *,
                     client: Any = None, **chain_options: Any) -> Any:
    """Fit ``calibrator`` (an unfitted :class:`~levyfast.LeastSquaresCalibrator`; it is
    copied, never changed) to every chain; returns a pandas DataFrame, one row per chain in
    the given order: ``chain``, ``success``, ``error``, ``rmse_iv_bp``, ``inside_spread``,
    ``n_quotes``, ``verdict``, ``time_s`` and each parameter with its standard error.

    ``chains``: OptionChain objects or CSV paths (a mapping gives each its label);
    ``chain_options`` go to :meth:`OptionChain.from_csv` for paths. ``client``: a
    ``dask.distributed.Client`` to run one task per chain on its workers (default: in this
    process, one after the other).
    """
    import pandas as pd

    if not hasattr(calibrator, "fit") or not hasattr(calibrator, "model_cls"):
        raise TypeError(f"`calibrator` of {_OWNER} must be a levyfast calibrator (e.g. "
                        f"LeastSquaresCalibrator(...)); got {type(calibrator).__name__}")
    if isinstance(chains, Mapping):
        items = [(str(k), v) for k, v in chains.items()]
    elif isinstance(chains, (str, os.PathLike)) or not isinstance(chains, Sequence):
        raise TypeError(f"`chains` of {_OWNER} must be a sequence or mapping of OptionChain "
                        f"objects or CSV paths; got {type(chains).__name__}")
    else:
        items = [(str(c) if isinstance(c, (str, os.PathLike)) else f"chain {i}", c)
                 for i, c in enumerate(chains)]
    if not items:
        raise ValueError(f"`chains` of {_OWNER} is empty")
    if client is None:
        rows = [_fit_one(label, chain, calibrator, chain_options) for label, chain in items]
    else:
        futures = [client.submit(_fit_one, label, chain, calibrator, dict(chain_options),
                                 pure=False) for label, chain in items]
        rows = client.gather(futures)
    frame = pd.DataFrame(rows)
    for col in ("rmse_iv_bp", "inside_spread"):
        if col not in frame:
            frame[col] = math.nan
    return frame
