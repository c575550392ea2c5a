"""Training boxes of the neural calibrators: the parameter ranges a network is trained on.

The box is part of the trained artefact (written into the ONNX ``metadata_props``); nothing
at inference reads these constants. Ranges are chosen so that every point of the box
satisfies the model's cross constraints and prices to the pricer's default tolerance:

* VG (Madan, Carr & Chang 1998): sigma in [0.05, 0.5], nu in [0.05, 0.8], theta in [-0.4, 0.1];
  1 - theta nu - sigma^2 nu / 2 >= 0.82 on the whole box.
* NIG (Barndorff-Nielsen 1997): alpha in [5, 25], beta in [-4, 2], delta in [0.1, 0.8];
  alpha >= 5 > max |beta|, |beta + 1|.
* CGMY (Carr et al. 2002), pure jump (sigma = 0 fixed): C in [0.3, 2], G and M in [2, 12],
  Y in [0.6, 1.5]. For small C and Y near 0.5 the characteristic function decays too slowly
  for the COS and FFT pricers at T = 0.1 and default tolerance (measured: 6 of 69632 Sobol
  points of C in [0.1, 2], Y in [0.5, 1.5] fail).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from levyfast import CGMY, NIG, LevyModel, VarianceGamma
from numpy.typing import NDArray

__all__ = ["Family", "FAMILIES", "DEFAULT_STRIKES", "DEFAULT_MATURITIES", "RATE_RANGE",
           "DIVIDEND_RANGE"]

#: Default network grid: K/S0 from 0.8 to 1.2 in steps of 0.04; seven maturities in years.
DEFAULT_STRIKES: NDArray[np.float64] = np.round(np.linspace(0.8, 1.2, 11), 10)
DEFAULT_MATURITIES: NDArray[np.float64] = np.array([0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0])
#: Ranges of the market inputs sampled with the parameters.
RATE_RANGE = (0.0, 0.06)
DIVIDEND_RANGE = (0.0, 0.03)


@dataclass(frozen=True)
class Family:
    """A model class and the box of its free parameters; ``fixed`` parameters are constants."""

    model_cls: type[LevyModel]
    low: dict[str, float]
    high: dict[str, float]
    fixed: dict[str, float] = field(default_factory=dict)

    @property
    def free_names(self) -> tuple[str, ...]:
        return tuple(n for n in self.model_cls.PARAM_NAMES if n not in self.fixed)

    @property
    def low_array(self) -> NDArray[np.float64]:
        return np.array([self.low[n] for n in self.free_names])

    @property
    def high_array(self) -> NDArray[np.float64]:
        return np.array([self.high[n] for n in self.free_names])

    def full_params(self, free: NDArray[np.float64]) -> NDArray[np.float64]:
        """Rows of free parameters -> rows in ``PARAM_NAMES`` order with the fixed ones filled."""
        free = np.atleast_2d(free)
        out = np.empty((free.shape[0], len(self.model_cls.PARAM_NAMES)))
        j = 0
        for i, name in enumerate(self.model_cls.PARAM_NAMES):
            if name in self.fixed:
                out[:, i] = self.fixed[name]
            else:
                out[:, i] = free[:, j]
                j += 1
        return out


FAMILIES: dict[str, Family] = {
    "vg": Family(VarianceGamma, {"sigma": 0.05, "nu": 0.05, "theta": -0.4},
                 {"sigma": 0.5, "nu": 0.8, "theta": 0.1}),
    "nig": Family(NIG, {"alpha": 5.0, "beta": -4.0, "delta": 0.1},
                  {"alpha": 25.0, "beta": 2.0, "delta": 0.8}),
    "cgmy": Family(CGMY, {"C": 0.3, "G": 2.0, "M": 2.0, "Y": 0.6},
                   {"C": 2.0, "G": 12.0, "M": 12.0, "Y": 1.5}, fixed={"sigma": 0.0}),
}
