"""Black–Scholes implied volatility, vectorised over surfaces and batches, and Black prices.

The inversion is P. Jäckel's "Let's Be Rational" (Wilmott, January 2015, 40-53; revised 2016):
four price branches with rational-cubic initial guesses in transformed coordinates and
Householder(3) iterations on branch-wise objective functions, so that two iterations reach
machine precision. The normalised Black function uses Cody's ``erfcx`` and Jäckel's asymptotic
and small-``t`` expansions. Two independent implementations, cross-checked in the tests:

* ``backend="cpp"`` (default): the C++ core (``cpp/include/levyfast/implied_vol_simd.hpp``),
  one option per SIMD lane (8 with AVX-512, 4 with AVX2, 2 otherwise, picked at run time), with
  vectorised ``exp``/``log``/``erfcx``/normal quantile; threads for large batches.
* ``backend="numba"``: scalar Numba kernels (:mod:`levyfast._numba.lets_be_rational`,
  :mod:`levyfast._numba.black`), which ``@njit`` code can also call directly.

Conventions
-----------
A price is ``discount * Black(F, K, sigma, T)`` with the undiscounted Black (1976) call
``F N(d1) - K N(d2)`` (put ``K N(-d2) - F N(-d1)``). :func:`implied_vol` takes one
:class:`~levyfast.Market`, so ``F = S0 exp((r - q) T)`` and ``discount = exp(-r T)``;
:func:`black_implied_vol` takes forwards and discounts directly, broadcast together.

Bounds, degenerate prices and accuracy
--------------------------------------
* The no-arbitrage bounds of a price are ``[discount * intrinsic, discount * F)`` for a call and
  ``[discount * intrinsic, discount * K)`` for a put. A price outside gives NaN with
  ``errors="nan"`` (default), or a ``ValueError`` naming the first offending quote's index,
  price and bound with ``errors="raise"``. The upper bound is excluded: it is the price of an
  infinite volatility.
* A price exactly at intrinsic value gives 0.0.
* The result is accurate to about ``1e-15 * max(1, kappa)`` relative (tested: ``<= 1e-12``
  wherever ``kappa <= 1e3``), where ``kappa = price / (sigma dprice/dsigma)`` is the condition
  number of the inversion: a price known to one ulp determines the volatility only to about
  ``kappa`` ulp. ``kappa`` is large where the price carries little volatility information:
  deep in the money (the time value drowns in the intrinsic value; once it is below one ulp of
  the price the price is indistinguishable from intrinsic and gives 0.0, or NaN if rounding
  put it below) and at huge total volatility (the price is within rounding of its upper bound;
  a quote that is below the bound but rounds onto it after normalisation gives NaN, like one at
  the bound). Out-of-the-money time values are resolved down to the smallest positive double:
  the lowest branch is iterated on ``ln b`` computed without underflow.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _core
from ._validation import Interval, as_float64, check_array, check_choice
from .market import Market
from .term_structure import TermStructure, over_maturities

__all__ = [
    "implied_vol",
    "black_implied_vol",
    "black_price",
    "ERRORS",
    "BACKENDS",
    "PARALLEL_THRESHOLD",
]

KINDS = ("call", "put")
#: Allowed values of ``errors``.
ERRORS = ("nan", "raise")
#: Implementations of the inversion: the C++ SIMD kernel and the scalar Numba kernel.
BACKENDS = ("cpp", "numba")
#: Inputs with at least this many options are split over threads (numba.prange).
PARALLEL_THRESHOLD = 8192

_POSITIVE = Interval(0.0)
_NON_NEGATIVE = Interval(0.0, closed_low=True)
_REAL = Interval()


#: Status codes of the C++ kernels (levyfast::IvStatus): which input failed its check.
#: Status codes of the core's IvStatus and of the Numba kernels (``black_arrays.SURFACE_OK``...).
_IV_OK = 0
_CPP_BAD_INPUT = {1: "strikes", 2: "maturities", 3: "prices", 4: "forwards", 5: "discounts"}


def _numba_kernels() -> Any:
    """The Numba Black kernels, imported on first use (importing Numba costs ~0.2 s)."""
    from ._numba import black_arrays

    return black_arrays
_INTERVALS = {
    "prices": _REAL,
    "forwards": _POSITIVE,
    "strikes": _POSITIVE,
    "maturities": _POSITIVE,
    "discounts": _POSITIVE,
}


def _theta(owner: str, kind: str) -> float:
    return 1.0 if check_choice(owner, "kind", kind, KINDS) == "call" else -1.0


def _check_errors(owner: str, errors: str) -> bool:
    """True when out-of-bounds prices must raise."""
    return check_choice(owner, "errors", errors, ERRORS) == "raise"


def _use_cpp(owner: str, backend: str) -> bool:
    return check_choice(owner, "backend", backend, BACKENDS) == "cpp"


def _check_values(
    owner: str, name: str, arr: NDArray[np.float64], interval: Interval
) -> NDArray[np.float64]:
    """``arr`` if it is non-empty, finite and inside ``interval``; the fast path is two
    reductions, the message (naming the first bad index) comes from :func:`check_array`."""
    if arr.size:
        lo, hi = float(arr.min()), float(arr.max())
        if (
            math.isfinite(lo)
            and math.isfinite(hi)
            and interval.contains(lo)
            and interval.contains(hi)
        ):
            return arr
    return check_array(owner, name, np.atleast_1d(arr), interval, ndim=max(arr.ndim, 1))


def _broadcast(
    owner: str, named: dict[str, NDArray[np.float64]]
) -> tuple[tuple[int, ...], list[NDArray[np.float64]]]:
    """Broadcast the operands (NumPy rules) to flat C-contiguous arrays of one length."""
    arrays = list(named.values())
    shape = arrays[0].shape
    if all(a.shape == shape and a.flags.c_contiguous for a in arrays):  # views, no copies
        return shape, [a.reshape(-1) for a in arrays]
    try:
        shape = np.broadcast_shapes(*(a.shape for a in named.values()))
    except ValueError as exc:
        shapes = ", ".join(f"`{n}` {a.shape}" for n, a in named.items())
        raise ValueError(f"the inputs of {owner} must broadcast together; got {shapes}") from exc
    flat = [np.ascontiguousarray(np.broadcast_to(a, shape)).reshape(-1) for a in named.values()]
    return shape, flat


def _scalar_or_array(
    out: NDArray[np.float64], shape: tuple[int, ...]
) -> NDArray[np.float64] | float:
    return float(out[0]) if shape == () else out.reshape(shape)


def _bounds(forward: float, strike: float, discount: float, theta: float) -> tuple[float, float]:
    """Discounted no-arbitrage bounds [lower, upper) of a Black price."""
    lower = discount * max(theta * (forward - strike), 0.0)
    return lower, discount * (forward if theta > 0 else strike)


def _raise_out_of_bounds(
    owner: str,
    index: tuple[int, ...],
    price: float,
    forward: float,
    strike: float,
    maturity: float,
    discount: float,
    theta: float,
) -> None:
    lower, upper = _bounds(forward, strike, discount, theta)
    kind = "call" if theta > 0 else "put"
    quote = (
        f"`prices` of {owner} at index {index} ({kind}, strike {strike!r}, maturity {maturity!r}, "
        f"forward {forward!r}, discount {discount!r}) must lie in the no-arbitrage bounds "
        f"[{lower!r}, {upper!r}); got {price!r}"
    )
    if price < lower:
        raise ValueError(f"{quote}, below the lower bound (discounted intrinsic value)")
    if price >= upper:
        raise ValueError(f"{quote}, at or above the upper bound")
    raise ValueError(
        f"{quote}, which is within rounding of the upper bound: it carries no volatility "
        "information"
    )


def _raise_first_nan(
    owner: str,
    out: NDArray[np.float64],
    flat: list[NDArray[np.float64]],
    shape: tuple[int, ...],
    theta: float,
) -> None:
    """Raise for the first NaN volatility of :func:`black_implied_vol` (an out-of-bounds quote)."""
    bad = np.flatnonzero(np.isnan(out))
    if bad.size:
        i = int(bad[0])
        p, f, k, t, d = (float(a[i]) for a in flat)
        index = tuple(int(j) for j in np.unravel_index(i, shape)) if shape else ()
        _raise_out_of_bounds(owner, index, p, f, k, t, d, theta)


def black_price(
    forwards: ArrayLike,
    strikes: ArrayLike,
    maturities: ArrayLike,
    vols: ArrayLike,
    discounts: ArrayLike = 1.0,
    kind: str = "call",
) -> NDArray[np.float64] | float:
    """Black (1976) prices ``discount * E[(theta (F_T - K))^+]`` of lognormal forwards.

    All array arguments broadcast together (NumPy rules); scalars in give a float out. The time
    value is computed on the out-of-the-money side with the normalised Black function of
    Jäckel (2015) and added to the intrinsic value, so it keeps full relative accuracy deep in
    and out of the money.

    Parameters
    ----------
    forwards, strikes, maturities : array_like
        Positive and finite.
    vols : array_like
        Black volatilities, non-negative and finite (0 gives the discounted intrinsic value).
    discounts : array_like, default 1.0
        Positive discount factors.
    kind : {"call", "put"}
    """
    owner = "black_price"
    theta = _theta(owner, kind)
    named = {
        "forwards": _check_values(
            owner, "forwards", as_float64(owner, "forwards", forwards), _POSITIVE
        ),
        "strikes": _check_values(
            owner, "strikes", as_float64(owner, "strikes", strikes), _POSITIVE
        ),
        "maturities": _check_values(
            owner, "maturities", as_float64(owner, "maturities", maturities), _POSITIVE
        ),
        "vols": _check_values(owner, "vols", as_float64(owner, "vols", vols), _NON_NEGATIVE),
        "discounts": _check_values(
            owner, "discounts", as_float64(owner, "discounts", discounts), _POSITIVE
        ),
    }
    shape, flat = _broadcast(owner, named)
    out = np.empty(flat[0].size)
    kernels = _numba_kernels()
    run = (kernels.black_price_parallel if out.size >= PARALLEL_THRESHOLD
           else kernels.black_price_serial)
    run(flat[0], flat[1], flat[2], flat[3], flat[4], theta, out)
    return _scalar_or_array(out, shape)


def black_vega(forwards: ArrayLike, strikes: ArrayLike, maturities: ArrayLike, vols: ArrayLike,
               discounts: ArrayLike = 1.0) -> NDArray[np.float64]:
    """Black (1976) vega ``D F phi(d1) sqrt(T)``, ``d1 = ln(F/K) / (sigma sqrt T) + sigma
    sqrt(T) / 2``, elementwise (NumPy broadcasting; inputs assumed valid: an internal helper
    of the calibrators, which weight and scale implied-vol residuals with it)."""
    f, k, t, v, d = (np.asarray(a, dtype=np.float64)
                     for a in (forwards, strikes, maturities, vols, discounts))
    root_t = np.sqrt(t)
    sd = v * root_t
    d1 = np.log(f / k) / sd + 0.5 * sd
    return d * f * root_t * np.exp(-0.5 * d1 * d1) / math.sqrt(2.0 * math.pi)


def black_implied_vol(
    prices: ArrayLike,
    forwards: ArrayLike,
    strikes: ArrayLike,
    maturities: ArrayLike,
    discounts: ArrayLike = 1.0,
    kind: str = "call",
    *,
    errors: str = "nan",
    backend: str = "cpp",
) -> NDArray[np.float64] | float:
    """Black implied volatilities of ``prices = discount * Black(F, K, sigma, T)``.

    The elementwise kernel behind :func:`implied_vol`: every argument broadcasts with the
    others (NumPy rules), e.g. one discount and forward per surface row; scalars in give a float
    out. See the module docstring for bounds, degenerate prices and accuracy.

    Parameters
    ----------
    prices : array_like
        Discounted option prices, finite.
    forwards, strikes, maturities, discounts : array_like
        Positive and finite.
    kind : {"call", "put"}
    errors : {"nan", "raise"}
        What a price outside its no-arbitrage bounds gives: NaN, or a ``ValueError`` naming the
        first such quote (its broadcast index, price and bounds).
    backend : {"cpp", "numba"}
        The C++ SIMD kernel or the scalar Numba kernel (same algorithm, same results to a few
        ulp).
    """
    owner = "black_implied_vol"
    theta = _theta(owner, kind)
    raise_errors = _check_errors(owner, errors)
    if _use_cpp(owner, backend):
        cpp_named = {
            name: as_float64(owner, name, value)
            for name, value in (
                ("prices", prices),
                ("forwards", forwards),
                ("strikes", strikes),
                ("maturities", maturities),
                ("discounts", discounts),
            )
        }
        for name, arr in cpp_named.items():
            if arr.size == 0:  # let the declarative check name it
                check_array(owner, name, np.atleast_1d(arr), _INTERVALS[name])
        shape, flat = _broadcast(owner, cpp_named)
        threads = 0 if flat[0].size >= PARALLEL_THRESHOLD else 1
        status, out = _core.black_implied_vol(
            flat[0], flat[1], flat[2], flat[3], flat[4], theta, threads
        )
        if status:
            name = _CPP_BAD_INPUT[status]
            arr = cpp_named[name]
            check_array(owner, name, np.atleast_1d(arr), _INTERVALS[name], ndim=max(arr.ndim, 1))
        if raise_errors:
            _raise_first_nan(owner, out, flat, shape, theta)
        return _scalar_or_array(out, shape)
    named = {
        "prices": _check_values(owner, "prices", as_float64(owner, "prices", prices), _REAL),
        "forwards": _check_values(
            owner, "forwards", as_float64(owner, "forwards", forwards), _POSITIVE
        ),
        "strikes": _check_values(
            owner, "strikes", as_float64(owner, "strikes", strikes), _POSITIVE
        ),
        "maturities": _check_values(
            owner, "maturities", as_float64(owner, "maturities", maturities), _POSITIVE
        ),
        "discounts": _check_values(
            owner, "discounts", as_float64(owner, "discounts", discounts), _POSITIVE
        ),
    }
    shape, flat = _broadcast(owner, named)
    out = np.empty(flat[0].size)
    kernels = _numba_kernels()
    run = (kernels.black_implied_vol_parallel if out.size >= PARALLEL_THRESHOLD
           else kernels.black_implied_vol_serial)
    run(flat[0], flat[1], flat[2], flat[3], flat[4], theta, out)
    if raise_errors:
        _raise_first_nan(owner, out, flat, shape, theta)
    return _scalar_or_array(out, shape)


def _exp(x: float) -> float:
    """e^x, inf instead of OverflowError."""
    return math.exp(x) if x < 709.0 else math.inf


def implied_vol(
    prices: ArrayLike,
    market: Market | TermStructure,
    strikes: ArrayLike,
    maturities: ArrayLike,
    kind: str = "call",
    *,
    errors: str = "nan",
    backend: str = "cpp",
) -> NDArray[np.float64] | float:
    """Black–Scholes implied volatilities of a price surface or a batch of surfaces.

    Parameters
    ----------
    prices : array_like
        Discounted prices shaped like the output of :func:`levyfast.price`: ``[n_T, n_K]``, or
        a batch ``[..., n_T, n_K]`` of surfaces on the same grid; an axis is absent where the
        strike or maturity is a scalar (a scalar price with scalar strike and maturity gives a
        float).
    market : Market or TermStructure
        Spot, rate and dividend yield: ``F = S0 exp((r - q) T)``, ``discount = exp(-r T)``;
        or a forward and discount factor per maturity (then ``maturities`` is 1-d).
    strikes, maturities : array_like
        1-d (or scalar), positive and finite.
    kind : {"call", "put"}
    errors : {"nan", "raise"}
        What a price outside its no-arbitrage bounds gives: NaN, or a ``ValueError`` naming the
        first such quote (index, price, strike, maturity and bounds).
    backend : {"cpp", "numba"}
        The C++ SIMD kernel or the scalar Numba kernel (same algorithm, same results to a few
        ulp).

    Returns
    -------
    ndarray or float
        Implied volatilities, the shape of ``prices``. See the module docstring for bounds,
        degenerate prices and accuracy.
    """
    owner = "implied_vol"
    if isinstance(market, TermStructure):
        p_all = as_float64(owner, "prices", prices)
        t_axis = p_all.ndim - (1 if np.ndim(strikes) else 0) - 1
        if np.ndim(maturities) != 1 or t_axis < 0 or p_all.shape[t_axis] != np.size(maturities):
            raise ValueError(
                f"`prices` of {owner} must have shape [..., n_T, n_K] matching `maturities` "
                f"(1-d with a TermStructure); got prices {p_all.shape}, maturities "
                f"{np.shape(maturities)}")
        return over_maturities(owner, market, strikes, maturities, lambda i, m, t: implied_vol(
            np.take(p_all, [i], axis=t_axis), m, strikes, t, kind, errors=errors,
            backend=backend))
    if not isinstance(market, Market):
        raise TypeError(
            f"`market` of {owner} must be a levyfast.Market; got {type(market).__name__}"
        )
    theta = _theta(owner, kind)
    raise_errors = _check_errors(owner, errors)
    use_cpp = _use_cpp(owner, backend)
    k = as_float64(owner, "strikes", strikes)
    t = as_float64(owner, "maturities", maturities)
    p = as_float64(owner, "prices", prices)
    for name, arr in (("strikes", k), ("maturities", t)):
        if arr.ndim > 1 or arr.size == 0:
            raise ValueError(
                f"`{name}` of {owner} must be a scalar or a non-empty 1-d array; "
                f"got shape {arr.shape}"
            )
    grid = (() if t.ndim == 0 else (t.size,)) + (() if k.ndim == 0 else (k.size,))
    if p.ndim < len(grid) or p.shape[p.ndim - len(grid) :] != grid:
        raise ValueError(
            f"`prices` of {owner} must have shape [..., n_T, n_K] = "
            f"[..., {', '.join(map(str, grid))}] (an axis dropped where the maturity or strike is "
            f"a scalar); got shape {p.shape}"
        )
    threads = 0 if p.size >= PARALLEL_THRESHOLD else 1
    if use_cpp:  # takes prices of any shape [..., n_T, n_K] and returns that shape
        status, out = _core.implied_vol_surfaces(
            p, market.spot, market.rate, market.dividend, k, t, theta, threads
        )
        if status == _IV_OK and not raise_errors and p.ndim:
            return out
    k1 = k.reshape(-1)
    t1 = t.reshape(-1)
    if not use_cpp:
        surfaces = np.ascontiguousarray(p).reshape(-1, t1.size, k1.size)
        out = np.empty_like(surfaces)
        kernels = _numba_kernels()
        run = (kernels.surface_implied_vol_serial if threads == 1
               else kernels.surface_implied_vol_parallel)
        status = run(
            surfaces,
            market.spot,
            market.rate,
            market.dividend,
            np.ascontiguousarray(k1),
            np.ascontiguousarray(t1),
            theta,
            out,
        )
    if status != _IV_OK:
        # The kernel checked nothing else: let the declarative check name index and value.
        name = _CPP_BAD_INPUT[status]
        arr, interval = {"strikes": (k1, _POSITIVE), "maturities": (t1, _POSITIVE),
                         "prices": (p, _REAL)}[name]
        check_array(owner, name, np.atleast_1d(arr), interval, ndim=max(arr.ndim, 1))
    if raise_errors:
        bad = np.flatnonzero(np.isnan(out))
        if bad.size:
            flat = int(bad[0])  # C order: ..., maturity j, strike m
            m, j = flat % k1.size, (flat // k1.size) % t1.size
            maturity = float(t1[j])
            # math.exp raises OverflowError past e^709 (rate 2, T 400): inf in the message
            forward = market.spot * _exp((market.rate - market.dividend) * maturity)
            discount = _exp(-market.rate * maturity)
            index = np.unravel_index(flat, p.shape) if p.ndim else ()
            _raise_out_of_bounds(
                owner,
                tuple(int(i) for i in index),
                float(p.reshape(-1)[flat]),
                forward,
                float(k1[m]),
                maturity,
                discount,
                theta,
            )
    return float(out.reshape(-1)[0]) if p.ndim == 0 else out.reshape(p.shape)
