"""The one JIT policy of levyfast's Numba kernels, and the types of model callbacks.

Every kernel is compiled with ``cache=True`` (compiled code persists across processes),
``nogil=True`` (callers may run kernels on threads), ``fastmath=False`` (IEEE semantics: the
kernels are cross-checked against the C++ core to 1e-10 * S0) and ``error_model="numpy"``
(division by zero gives inf/nan like NumPy instead of raising, so inner loops stay branch-free).

Model callbacks are first-class function types: a kernel whose signature names
:data:`EXPONENT` accepts *any* ``@numba.njit`` function of that signature (built-in or user
defined) and is compiled, and cached, once. Passing a plain dispatcher costs ~20-50 us per
call (Numba builds its FunctionType and looks up the compiled address every time), so models
hand their functions to kernels as :class:`Callback` objects that carry both, computed once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numba
from numba import types
from numba.core.dispatcher import Dispatcher
from numba.experimental.function_type import _get_wrapper_address
from numba.extending import typeof_impl

__all__ = [
    "jit",
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
            return numba.njit(**options)(func)  # type: ignore[no-any-return]
        return numba.njit(signature, **options)(func)  # type: ignore[no-any-return]

    if callable(signature) and not isinstance(signature, types.Type):
        func, signature = signature, None
        return decorate(func)
    return decorate


class Callback(types.WrapperAddressProtocol):  # type: ignore[misc]
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
