"""Recorded oracle values, so the default test run does not redo minutes of quadrature.

The independent oracle (``tests/oracle``) certifies its prices to ``1e-12 * S0`` but its
adaptive quadratures cost minutes per run. A test that needs them wraps its oracle function in
an :class:`OracleRecord`; the record file ``tests/oracle_records/<name>.json`` holds, for
every call of the default run, the call's inputs (model class and parameters, flat market,
strikes, maturities) and the result (prices and the confirming method's name, or the reason
the oracle could not certify them).

* A call is looked up by its exact inputs (floats written by ``repr``, which round-trips): a
  changed input misses the record and is computed afresh, so a record never stands in for a
  different input.
* ``pytest -m slow`` recomputes every record (:func:`check_reproduced` over all calls); each
  default run recomputes a few records drawn at random, so a stale or corrupted file fails.
* ``LEVYFAST_RECORD_ORACLE=1 pytest`` (the whole default run) rewrites each file with the
  calls that run made; files are written atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import levyfast as lf

RECORD_DIR = Path(__file__).parent / "oracle_records"
#: Environment variable that makes the run rewrite the record files.
RECORD_ENV = "LEVYFAST_RECORD_ORACLE"
#: A recomputed value must match its record to this fraction of spot (the oracle certifies
#: 1e-12 * S0; quadrature results may differ in the last bits across BLAS/libm builds).
REPRODUCE_TOL = 2e-12

_ALL: list[OracleRecord] = []


@dataclass(frozen=True)
class OracleCall:
    """The inputs of one oracle evaluation."""

    model: lf.LevyModel
    market: lf.Market
    strikes: tuple[float, ...]
    maturities: tuple[float, ...]
    kind: str = "call"

    @classmethod
    def of(cls, model: lf.LevyModel, market: lf.Market, strikes: Any, maturities: Any,
           kind: str = "call") -> OracleCall:
        as_floats = lambda a: tuple(float(x) for x in np.atleast_1d(a))  # noqa: E731
        return cls(model, market, as_floats(strikes), as_floats(maturities), kind)

    def to_json(self) -> dict[str, Any]:
        if type(self.market) is not lf.Market:
            raise TypeError(f"only a flat lf.Market can be recorded; got {self.market!r}")
        return {
            "model": type(self.model).__name__,
            "params": self.model.to_array().tolist(),
            "market": [self.market.spot, self.market.rate, self.market.dividend],
            "strikes": list(self.strikes),
            "maturities": list(self.maturities),
            "kind": self.kind,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OracleCall:
        model = getattr(lf, data["model"]).from_array(np.asarray(data["params"], np.float64))
        return cls(model, lf.Market(*data["market"]), tuple(data["strikes"]),
                   tuple(data["maturities"]), data["kind"])

    def key(self) -> str:
        return json.dumps(self.to_json(), sort_keys=True)


@dataclass(frozen=True)
class Outcome:
    """An oracle result: prices [n_T, n_K] and the confirming method, or an error message."""

    prices: np.ndarray | None
    method: str = ""
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        if self.prices is None:
            return {"error": self.error}
        return {"prices": self.prices.tolist(), "method": self.method}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        if "error" in data:
            return cls(None, error=data["error"])
        return cls(np.asarray(data["prices"], np.float64), data["method"])


class OracleRecord:
    """Recorded outcomes of ``compute`` (an oracle evaluation) by their calls.

    ``compute(call)`` returns prices ``[n_T, n_K]`` and the name of the method, or raises
    ``error_type`` when the oracle cannot certify them; calling the record returns the same
    (re-raising ``error_type`` with the recorded message).
    """

    def __init__(self, name: str, compute: Callable[[OracleCall], tuple[np.ndarray, str]],
                 error_type: type[Exception]) -> None:
        self.path = RECORD_DIR / f"{name}.json"
        self.compute = compute
        self.error_type = error_type
        self._recorded: dict[str, Outcome] | None = None
        self._used: dict[str, tuple[OracleCall, Outcome]] = {}
        _ALL.append(self)

    def _load(self) -> dict[str, Outcome]:
        if self._recorded is None:
            self._recorded = {}
            if self.path.exists():
                with self.path.open(encoding="utf-8") as f:
                    for entry in json.load(f):
                        call = OracleCall.from_json(entry["call"])
                        self._recorded[call.key()] = Outcome.from_json(entry["outcome"])
        return self._recorded

    def evaluate(self, call: OracleCall) -> Outcome:
        """Compute ``call`` with the oracle itself (no record)."""
        try:
            prices, method = self.compute(call)
        except self.error_type as exc:
            return Outcome(None, error=str(exc))
        return Outcome(np.asarray(prices, np.float64), method)

    def __call__(self, call: OracleCall) -> tuple[np.ndarray, str]:
        key = call.key()
        outcome = None if os.environ.get(RECORD_ENV) else self._load().get(key)
        if outcome is None:
            outcome = self.evaluate(call)
        self._used[key] = (call, outcome)
        if outcome.prices is None:
            raise self.error_type(outcome.error)
        return outcome.prices.copy(), outcome.method

    def calls(self) -> list[OracleCall]:
        """Every recorded call, in file order."""
        return [OracleCall.from_json(json.loads(key)) for key in self._load()]

    def sample(self, n: int) -> list[OracleCall]:
        """``n`` recorded calls drawn at random (a fresh draw each run)."""
        calls = self.calls()
        picks = np.random.default_rng().choice(len(calls), min(n, len(calls)), replace=False)
        return [calls[i] for i in picks]

    def check_reproduced(self, calls: list[OracleCall]) -> None:
        """Recompute ``calls`` with the oracle and assert they match their records."""
        recorded = self._load()
        assert recorded, f"{self.path} holds no records"
        bad = []
        for call in calls:
            want, got = recorded[call.key()], self.evaluate(call)
            if (want.prices is None) != (got.prices is None):
                now = got.error or "prices"
                bad.append(f"{call}: recorded {want.error or 'prices'}, now {now}")
            elif want.prices is not None and got.prices is not None:
                diff = float(np.max(np.abs(want.prices - got.prices)))
                if not diff <= REPRODUCE_TOL * call.market.spot:
                    bad.append(f"{call}: differs from its record by {diff:.3e}")
        head = f"{len(bad)} of {len(calls)} records of {self.path.name} not reproduced:"
        assert not bad, "\n".join([head, *bad[:20]])

    def write(self) -> None:
        """Write the calls this run made (atomically)."""
        entries = [{"call": call.to_json(), "outcome": outcome.to_json()}
                   for call, outcome in self._used.values()]
        RECORD_DIR.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=RECORD_DIR, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(entries, f, separators=(",", ":"))
            f.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, self.path)


def write_records_if_asked() -> None:
    """Rewrite every record file the run used when ``LEVYFAST_RECORD_ORACLE`` is set."""
    if os.environ.get(RECORD_ENV):
        for record in _ALL:
            if record._used:
                record.write()
