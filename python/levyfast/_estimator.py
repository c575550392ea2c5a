"""scikit-learn's estimator conventions without depending on scikit-learn: ``get_params`` from
the named arguments of ``__init__`` (each kept as an attribute of the same name),
``set_params``, and a repr listing the arguments that differ from their defaults, as
scikit-learn prints its estimators."""

from __future__ import annotations

import inspect
from typing import Any, TypeVar

_E = TypeVar("_E", bound="EstimatorParams")


def _same(value: object, default: object) -> bool:
    try:
        return value is default or bool(value == default)
    except (TypeError, ValueError):  # e.g. arrays, whose == is elementwise
        return False


def _show(value: object) -> str:
    return value.__name__ if isinstance(value, type) else repr(value)


class ParamsRepr:
    """``get_params`` and the scikit-learn-style repr."""

    @classmethod
    def _parameters(cls) -> list[inspect.Parameter]:
        kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        return [p for p in inspect.signature(cls.__init__).parameters.values()
                if p.name != "self" and p.kind in kinds]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's arguments by name (``deep`` as in scikit-learn; there are no
        nested estimators)."""
        return {p.name: getattr(self, p.name) for p in self._parameters()}

    def __repr__(self) -> str:
        shown = [f"{p.name}={_show(getattr(self, p.name))}" for p in self._parameters()
                 if p.default is inspect.Parameter.empty
                 or not _same(getattr(self, p.name), p.default)]
        return f"{type(self).__name__}({', '.join(shown)})"


class EstimatorParams(ParamsRepr):
    """Adds ``set_params`` for estimators that read their arguments when they fit."""

    def set_params(self: _E, **params: Any) -> _E:
        """Set constructor arguments by name (checked when the estimator next fits)."""
        names = [p.name for p in self._parameters()]
        unknown = [name for name in params if name not in names]
        if unknown:
            raise ValueError(f"`{unknown[0]}` is not a parameter of {type(self).__name__}; "
                             f"its parameters are {names}")
        for name, value in params.items():
            setattr(self, name, value)
        return self
