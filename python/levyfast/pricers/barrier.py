"""Knock-out barriers for the PIDE pricer: a small validated value."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .. import _core
from .._validation import Interval, check_choice, check_scalar
from ._common import code_names

__all__ = ["Barrier"]


@dataclass(frozen=True, slots=True)
class Barrier:
    """A knock-out barrier: the option dies (paying ``rebate``) when the spot crosses ``level``.

    Parameters
    ----------
    level
        Barrier level in price units.
    kind
        ``"down-and-out"`` (dies at or below ``level``) or ``"up-and-out"`` (at or above).
    monitoring
        ``"continuous"``, or the number ``m`` of equally spaced monitoring dates
        ``T/m, 2T/m, ..., T`` (the last one is the maturity).
    rebate
        Paid when knocked out (at the hitting time for continuous monitoring, at the
        monitoring date otherwise), in price units.
    """

    level: float
    kind: str = "down-and-out"
    monitoring: str | int = "continuous"
    rebate: float = 0.0

    KINDS: ClassVar[tuple[str, ...]] = tuple(
        name.replace("_", "-") for name in code_names(_core.BarrierKind) if name != "none")

    def __post_init__(self) -> None:
        level = check_scalar("Barrier", "level", self.level, Interval(0.0))
        object.__setattr__(self, "level", level)
        check_choice("Barrier", "kind", self.kind, self.KINDS)
        m = self.monitoring
        if isinstance(m, str):
            check_choice("Barrier", "monitoring", m, ("continuous",))
        elif isinstance(m, bool) or not isinstance(m, (int, np.integer)) or not 1 <= m <= 100_000:
            raise ValueError(
                "`monitoring` of Barrier must be 'continuous' or a number of dates in "
                f"[1, 100000]; got {m!r}"
            )
        else:
            object.__setattr__(self, "monitoring", int(m))
        rebate = check_scalar("Barrier", "rebate", self.rebate,
                              Interval(0.0, math.inf, closed_low=True))
        object.__setattr__(self, "rebate", rebate)

    @property
    def kind_code(self) -> int:
        """The core's code (``_core.BarrierKind``)."""
        return int(_core.BarrierKind[self.kind.replace("-", "_").upper()])

    @property
    def monitoring_dates(self) -> int:
        """0 for continuous monitoring, else the number of dates."""
        return 0 if self.monitoring == "continuous" else int(self.monitoring)
