"""The seven built-in exponential Lévy models (frozen values) and their registry.

:data:`BUILTIN` is the one list of the models the compiled core prices; every per-model table
of the package (the command line's names and defaults, the calibrators' starts and boxes, the
dataset sampler's boxes, the neural calibrators' model ids) is derived from it and from the
data each class carries (:class:`~levyfast.models.base.LevyModel`).
"""

from __future__ import annotations

from .base import LevyModel
from .black_scholes import BlackScholes
from .cgmy import CGMY
from .kou import Kou
from .meixner import Meixner
from .merton import Merton
from .nig import NIG
from .variance_gamma import VarianceGamma

__all__ = [
    "LevyModel",
    "BlackScholes",
    "VarianceGamma",
    "CGMY",
    "NIG",
    "Merton",
    "Kou",
    "Meixner",
    "BUILTIN",
    "MODEL_REGISTRY",
    "builtin_by_id",
]

#: The built-in models in ``MODEL_ID`` order (the ids the C++ core and the Numba tables use).
BUILTIN: tuple[type[LevyModel], ...] = (BlackScholes, VarianceGamma, CGMY, NIG, Merton, Kou,
                                         Meixner)
assert [cls.MODEL_ID for cls in BUILTIN] == list(range(len(BUILTIN)))

#: name -> class, for the command line and file formats (the library never dispatches on
#: names).
MODEL_REGISTRY: dict[str, type[LevyModel]] = {str(cls.NAME): cls for cls in BUILTIN}


def builtin_by_id(model_id: int) -> type[LevyModel]:
    """The built-in model class of ``model_id``; ``ValueError`` for an unknown id."""
    if not 0 <= model_id < len(BUILTIN):
        raise ValueError(f"unknown built-in model id {model_id!r}; the ids are 0.."
                         f"{len(BUILTIN) - 1} ({', '.join(c.__name__ for c in BUILTIN)})")
    return BUILTIN[model_id]
