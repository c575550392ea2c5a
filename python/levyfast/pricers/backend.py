"""Which engine prices a model and what it can do: the one place that decides.

Built-in models (a ``MODEL_ID``) run on the compiled core; user models
(:func:`levyfast.user_model`, ``MODEL_ID`` None) on the Numba COS kernel. Each engine declares
its capabilities; every public entry point asks :func:`require` (or :func:`check_method`)
before it prices, so an unsupported combination is one clear error naming the argument, the
engine and what it offers, never a raw binding error deep inside.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import _core
from .._validation import check_choice
from ._common import code_names

__all__ = ["Backend", "COMPILED", "NUMBA", "METHODS", "METHOD_CODE", "backend_for", "require",
           "check_method"]

#: Fourier methods of :func:`levyfast.price` (see :mod:`levyfast.pricers.european`).
METHODS = code_names(_core.Method)
#: Their codes in the core's ``EuropeanSettings.method`` (``_core.Method``).
METHOD_CODE = {name: int(_core.Method[name.upper()]) for name in METHODS}


@dataclass(frozen=True)
class Backend:
    """An engine and its capabilities."""

    name: str
    description: str
    methods: tuple[str, ...]
    gradients: bool
    greeks: bool
    pide: bool

    def offers(self) -> str:
        extras = [w for w, ok in (("gradients", self.gradients), ("Greeks", self.greeks),
                                  ("the PIDE solver", self.pide)) if ok]
        return f"methods {', '.join(self.methods)}" + "".join(f"; {e}" for e in extras)


COMPILED = Backend("core", "the compiled core", METHODS, gradients=True, greeks=True, pide=True)
NUMBA = Backend("numba", "the Numba COS kernel", ("auto", "cos"), gradients=True, greeks=False,
                pide=False)

_CAPABILITIES = {"gradients": "parameter gradients", "greeks": "Greeks",
                 "pide": "the PIDE solver (American and barrier options)",
                 "fft": "Carr-Madan FFT pricing", "time_change": "time-change pricing"}


def backend_for(model: object) -> Backend:
    """The engine of a model instance or class."""
    cls = model if isinstance(model, type) else type(model)
    return NUMBA if getattr(cls, "MODEL_ID", None) is None else COMPILED


def require(owner: str, model: object, capability: str, argument: str = "model") -> Backend:
    """The engine of ``model`` if it has ``capability`` ("gradients", "greeks", "pide", or a
    method such as "fft"), else ``TypeError`` naming ``argument``, the model, its engine and
    what that engine offers."""
    backend = backend_for(model)
    has = capability in backend.methods if capability in METHODS else getattr(backend,
                                                                             capability)
    if not has:
        cls = model if isinstance(model, type) else type(model)
        raise TypeError(
            f"`{argument}` of {owner}: {_CAPABILITIES[capability]} is available for built-in "
            "models only; "
            f"{cls.__name__} is user-defined (MODEL_ID None), priced by {backend.description}, "
            f"which offers {backend.offers()}")
    return backend


def check_method(owner: str, model: object, method: str) -> Backend:
    """The engine of ``model`` if it runs ``method``, else ``ValueError`` naming ``method``."""
    check_choice(owner, "method", method, METHODS)
    backend = backend_for(model)
    if method not in backend.methods:
        cls = model if isinstance(model, type) else type(model)
        raise ValueError(
            f"`method` of {owner} must be one of {backend.methods} for the user-defined model "
            f"{cls.__name__} (MODEL_ID None: priced by {backend.description}); got {method!r}")
    return backend
