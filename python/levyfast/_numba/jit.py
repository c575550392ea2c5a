"""The one JIT policy of levyfast's Numba kernels (DESIGN.md §6), and the types of model callbacks.

Every kernel is compiled with ``cache=True`` (compiled code persists across processes),
``nogil=True`` (callers may run kernels on threads), ``fastmath=False`` (IEEE semantics: the
kernels are cross-checked against the C++ core to 1e-10 * S0) and ``error_model="numpy"``
(division by zero gives inf/nan like NumPy instead of raising, so inner loops stay branch-free).

Model callbacks are first-class function types: a kernel whose signature names
:data:`EXPONENT` accepts *any* ``@numba.njit`` function of that signature (built-in or user
defined) and is compiled, and cached, once. Passing a plain dispatcher costs ~20-50 us per
call (Numba builds its FunctionType and looks up the compiled address every time), so models
hand their functions to kernels as :class:`Callback` objects that carry both, computed once.

Cache freshness: Numba stamps a cached kernel with the hash of the decorated function's own
file, not of the kernels it calls from other files, so after an edit or an upgrade of a callee
stale machine code could be loaded. Kernels of this package are therefore cached through
:class:`_PackageCache`, whose stamp also holds the hash of every source file of ``levyfast``
(the cache location, ``NUMBA_CACHE_DIR`` included, is Numba's usual choice).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numba
from numba import types
from numba.core import caching
from numba.core.dispatcher import Dispatcher
from numba.experimental.function_type import _get_wrapper_address
from numba.extending import typeof_impl

__all__ = [
    "jit",
    "kernel",
    "parallel_kernel",
    "PARAMS",
    "EXPONENT_SIGNATURE",
    "CUMULANTS_SIGNATURE",
    "STRIP_SIGNATURE",
    "EXPONENT",
    "CUMULANTS",
    "STRIP",
    "Callback",
]

F = TypeVar("F", bound=Callable[..., Any])

#: Parameters of one model in ``PARAM_NAMES`` order.
PARAMS = types.float64[::1]
#: ``psi_raw(u, params) -> complex``: the Lévy exponent without the martingale correction.
EXPONENT_SIGNATURE = types.complex128(types.complex128, PARAMS)
#: ``cumulants(params) -> (c1, c2, c4)`` of the raw process per unit time.
CUMULANTS_SIGNATURE = types.UniTuple(types.float64, 3)(PARAMS)
#: ``strip(params) -> (s_minus, s_plus)``: E[exp(s X_1)] < inf for s in (-s_minus, s_plus).
STRIP_SIGNATURE = types.UniTuple(types.float64, 2)(PARAMS)

EXPONENT = types.FunctionType(EXPONENT_SIGNATURE)
CUMULANTS = types.FunctionType(CUMULANTS_SIGNATURE)
STRIP = types.FunctionType(STRIP_SIGNATURE)


_PACKAGE_DIR = Path(__file__).resolve().parent.parent
#: Numba's default locator chain (``CacheImpl`` was ``_CacheImpl`` before Numba 0.61).
_NUMBA_LOCATORS = tuple(
    (caching.CacheImpl if hasattr(caching, "CacheImpl")
     else caching._CacheImpl)._locator_classes)  # type: ignore[attr-defined]


@functools.lru_cache(maxsize=1)
def _package_digest() -> str:
    """SHA-256 over the package's Python sources (paths and contents), computed once."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE_DIR.rglob("*.py")):
        digest.update(path.relative_to(_PACKAGE_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class _PackageStampedLocator(caching._CacheLocator):
    """Numba's own locator for a package file, with the package digest added to its stamp."""

    def __init__(self, inner: caching._CacheLocator) -> None:
        self._inner = inner

    def get_cache_path(self) -> str:
        return self._inner.get_cache_path()

    def get_source_stamp(self) -> Any:
        return (self._inner.get_source_stamp(), _package_digest())

    def get_disambiguator(self) -> str:
        return self._inner.get_disambiguator()

    @classmethod
    def from_function(cls, py_func: Any, py_file: str) -> _PackageStampedLocator | None:
        for locator_cls in _NUMBA_LOCATORS:
            inner = locator_cls.from_function(py_func, py_file)
            if inner is not None:
                return cls(inner)
        return None


class _PackageCacheImpl(caching.CompileResultCacheImpl):
    _locator_classes = [_PackageStampedLocator]  # type: ignore[list-item]


class _PackageCache(caching.FunctionCache):
    """Numba's function cache, invalidated when any source file of the package changes."""

    _impl_class = _PackageCacheImpl


def _with_package_cache(dispatcher: Any) -> Any:
    if Path(dispatcher.py_func.__code__.co_filename).resolve().is_relative_to(_PACKAGE_DIR):
        dispatcher._cache = _PackageCache(dispatcher.py_func)
    return dispatcher


def jit(signature: Any = None, *, parallel: bool = False) -> Any:
    """``numba.njit`` with levyfast's fixed flags (see the module docstring).

    ``@jit`` compiles lazily per argument types; ``@jit(signature)`` eagerly for one signature.
    """
    options: dict[str, Any] = {
        "cache": True,
        "nogil": True,
        "fastmath": False,
        "error_model": "numpy",
        "parallel": parallel,
    }

    def decorate(func: F) -> F:
        if signature is None:
            return _with_package_cache(numba.njit(**options)(func))
        # An eager signature compiles inside njit, before the cache could be swapped: compile
        # lazily with the package cache, then for the signature.
        dispatcher = _with_package_cache(numba.njit(**options)(func))
        dispatcher.compile(signature)
        dispatcher.disable_compile()
        return dispatcher

    if callable(signature) and not isinstance(signature, types.Type):
        func, signature = signature, None
        return decorate(func)
    return decorate


def kernel(func: F) -> F:
    """Compile ``func`` lazily with the package's flags (``@kernel`` is ``@jit``)."""
    return jit(func)


def parallel_kernel(func: F) -> F:
    """Like :func:`kernel`, with ``parallel=True`` so that ``numba.prange`` loops use threads."""
    return jit(parallel=True)(func)


class Callback(types.WrapperAddressProtocol):
    """An ``@njit`` function compiled for one signature, passed to kernels by address.

    Numba's wrapper-address protocol: the kernel receives the address of the compiled C
    wrapper (computed once here) instead of resolving the dispatcher on every call. Calling
    the object from Python calls the function.
    """

    def __init__(self, dispatcher: Dispatcher, signature: Any) -> None:
        if tuple(signature.args) not in dispatcher.overloads:
            dispatcher.compile(signature.args)
        self.dispatcher = dispatcher
        self._signature = signature
        self._address = _get_wrapper_address(dispatcher, signature)
        self.numba_type = types.FunctionType(signature)

    def __wrapper_address__(self) -> int:
        return int(self._address)

    def signature(self) -> Any:
        return self._signature

    def __call__(self, *args: Any) -> Any:
        return self.dispatcher(*args)

    def __repr__(self) -> str:
        return f"Callback({self.dispatcher.py_func.__qualname__}: {self._signature})"


@typeof_impl.register(Callback)
def _typeof_callback(value: Callback, context: Any) -> Any:
    return value.numba_type
