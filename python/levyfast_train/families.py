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
  for COS at one week (e.g. C = 0.3, G = M = 2, Y = 0.6, T = 0.02 needs more than 2^16
  terms at tolerance 1e-8), so CGMY training surfaces are priced by Carr-Madan FFT, which
  reaches it on the whole box (1000 uniform draws: 0.31 s, max deviation 2.5e-9 x spot from
  FFT at 1e-11).

The grid is part of the family too. VG and NIG use :data:`DEFAULT_STRIKES` x
:data:`DEFAULT_MATURITIES`. On that grid CGMY's C is not identified: along one direction
(raise C, G and M, lower Y) a 0.1 x 0.8 ... 1.2 grid of 0.1 ... 2-year quotes barely moves,
and the linearised Cramer-Rao bound on R^2(C) over the box (1000 draws, quote noise 1e-3 x
the OTM price + 1e-6 x spot) is negative. Short maturities separate the jump activity Y from
diffusion-like behaviour (the at-the-money price scales as T^(1/Y) as T -> 0) and wide
strikes see the tails (an OTM price is ~T x the Levy tail mass): with 14 strikes in
[0.6, 1.6] and maturities from one week (0.02) the same bound is 0.994 for C and >= 0.9997
for G, M, Y (0.247 without the 0.02 maturity). CGMY surfaces are therefore trained and
shipped on :data:`CGMY_STRIKES` x :data:`CGMY_MATURITIES`, priced at tolerance 1e-8 so that
the small wing quotes the network reads through its log channel keep their digits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

import levyfast as lf
from levyfast import CGMY, NIG, LevyModel, VarianceGamma

__all__ = ["Family", "FAMILIES", "DEFAULT_STRIKES", "DEFAULT_MATURITIES", "CGMY_STRIKES",
           "CGMY_MATURITIES", "RATE_RANGE", "DIVIDEND_RANGE"]

#: Default network grid: K/S0 from 0.8 to 1.2 in steps of 0.04; seven maturities in years.
DEFAULT_STRIKES: NDArray[np.float64] = np.round(np.linspace(0.8, 1.2, 11), 10)
DEFAULT_MATURITIES: NDArray[np.float64] = np.array([0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0])
#: CGMY grid (see the module docstring): 14 strikes K/S0 in [0.6, 1.6], one week to two years.
CGMY_STRIKES: NDArray[np.float64] = np.array([0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1,
                                              1.15, 1.2, 1.3, 1.45, 1.6])
CGMY_MATURITIES: NDArray[np.float64] = np.array([0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0])
#: Ranges of the market inputs sampled with the parameters.
RATE_RANGE = (0.0, 0.06)
DIVIDEND_RANGE = (0.0, 0.03)


@dataclass(frozen=True)
class Family:
    """A model class, the box of its free parameters (``fixed`` parameters are constants), the
    network's grid (K/S0 x T) and the pricing method and tolerance (fraction of spot) of its
    training and test surfaces."""

    model_cls: type[LevyModel]
    low: dict[str, float]
    high: dict[str, float]
    fixed: dict[str, float] = field(default_factory=dict)
    strikes: NDArray[np.float64] = field(default_factory=lambda: DEFAULT_STRIKES)
    maturities: NDArray[np.float64] = field(default_factory=lambda: DEFAULT_MATURITIES)
    tolerance: float = lf.DEFAULT_TOLERANCE
    method: str = "auto"

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
                   {"C": 2.0, "G": 12.0, "M": 12.0, "Y": 1.5}, fixed={"sigma": 0.0},
                   strikes=CGMY_STRIKES, maturities=CGMY_MATURITIES, tolerance=1e-8,
                   method="fft"),
}
