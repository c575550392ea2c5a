"""Module attributes imported on first use (PEP 562), for packages whose heavy parts (SciPy's
optimisers, pandas, pyarrow, Numba, ONNX Runtime) ``import levyfast`` must not load."""

from __future__ import annotations

import importlib
import types
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attributes(package: str, namespace: dict[str, Any], names: Mapping[str, str],
                    submodules: tuple[str, ...] = ()
                    ) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``: ``names`` maps an attribute to the
    relative module defining it (imported, then cached in ``namespace``); ``submodules`` are
    subpackages returned as modules. ``dir()`` lists the public API (``__all__`` where the
    package has one, else its names without a leading underscore) and its subpackages, not
    the helpers its ``__init__`` imports."""

    def getattr_(name: str) -> object:
        if name in submodules:
            return importlib.import_module(f".{name}", package)
        if name in names:
            value = getattr(importlib.import_module(names[name], package), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def dir_() -> list[str]:
        public = namespace.get("__all__") or [n for n in namespace if not n.startswith("_")]
        loaded = {n for n, v in namespace.items() if not n.startswith("_")
                  and isinstance(v, types.ModuleType) and v.__name__.startswith(f"{package}.")}
        return sorted(set(public) | set(names) | set(submodules) | loaded)

    return getattr_, dir_
