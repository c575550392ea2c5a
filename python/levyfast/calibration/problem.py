"""One least-squares problem: free parameters, their box, residuals and the exact Jacobian.

Residuals over the quotes of a :class:`~levyfast.calibration.quotes.QuoteSet`:
``w_i (P_i(theta) - Q_i)`` (target "price") or ``w_i (IV_i(theta) - IV(Q_i))`` (target "iv",
Black implied volatilities with each maturity's forward and discount factor;
``dIV/dtheta = (dP/dtheta) / vega``). A price known only to the pricer's absolute tolerance
has no usable implied vol where its time value is of that order: below a floor of
:data:`IV_FLOOR` x tolerance x spot of time value the IV residual continues linearly from the
floor (value and slope continuous), so far-wing quotes whose model price is tiny at a trial
point neither give a garbage Jacobian (``dIV = dP / vega`` with a noise-dominated ``dP`` over a
vanishing vega) nor a jump. For that floor to lie below every quote, the IV target prices at a
tolerance of at most 1 / (2 :data:`IV_FLOOR`) of the smallest quote's time value (relative to
spot, not below 1e-12). With ``spread_tolerant`` a price inside its bid/ask
spread has a zero residual (a dead zone of half the spread around the mid, in price or its
first-order image in IV). Prices and their gradients come from the compiled core, one call per
maturity (one call for a rectangular surface under one flat market), planned at the price
tolerance (calls by parity from the puts of the same call,
``C = max(P + D (F - K), D (F - K)^+)``, as the core itself prices calls); user models from the
Numba COS kernel.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import OptimizeResult, least_squares

from .. import _core
from .._validation import Interval
from ..implied_vol import black_implied_vol, black_vega
from ..models import LevyModel
from ..pricers import COSPricer
from .quotes import QuoteSet

__all__ = ["Problem", "OUTSIDE_DOMAIN", "parameter_setup"]

#: Residual returned for parameters outside the model's domain (cross constraints such as
#: VG's 1 - theta nu - sigma^2 nu / 2 > 0) or that the pricer cannot price: the trust region
#: rejects such steps.
OUTSIDE_DOMAIN = 1e6
#: The IV target's floor of time value, in units of the pricing tolerance x spot (see above).
IV_FLOOR = 10.0
_MIN_IV_TOLERANCE = 1e-12
_OWNER = "LeastSquaresCalibrator"


def parameter_setup(model_cls: type[LevyModel], x0_arg: LevyModel | ArrayLike | None,
                    default_start: tuple[float, ...] | None,
                    bounds: Mapping[str, tuple[float, float]] | None,
                    fixed: Mapping[str, float] | None,
                    search_box: tuple[tuple[float, float], ...] | None,
                    ) -> tuple[NDArray[np.float64], NDArray[np.intp], NDArray[np.float64],
                               NDArray[np.float64], tuple[NDArray[np.float64],
                                                          NDArray[np.float64]] | None]:
    """(start, free indices, lower, upper, search box or None) from the calibrator's
    ``x0``, ``bounds`` and ``fixed``; raises ``ValueError`` naming what is wrong."""
    names: tuple[str, ...] = tuple(model_cls.PARAM_NAMES)
    n = len(names)
    fixed = dict(fixed or {})
    unknown = set(fixed) - set(names)
    if unknown:
        raise ValueError(f"`fixed` of {_OWNER} names unknown parameters {sorted(unknown)}; "
                         f"{model_cls.__name__} has {names}")
    if x0_arg is None:
        if default_start is None:
            raise ValueError(f"`x0` of {_OWNER} is required for {model_cls.__name__} (no "
                             "default start)")
        x0 = np.array(default_start, dtype=np.float64)
    elif isinstance(x0_arg, LevyModel):
        if not isinstance(x0_arg, model_cls):
            raise TypeError(f"`x0` of {_OWNER} must be a {model_cls.__name__}; got "
                            f"{type(x0_arg).__name__}")
        x0 = x0_arg.to_array()
    else:
        x0 = np.array(x0_arg, dtype=np.float64)
        if x0.shape != (n,):
            raise ValueError(f"`x0` of {_OWNER} must have shape ({n},) for {names}; got "
                             f"{x0.shape}")
    for name, value in fixed.items():
        x0[names.index(name)] = float(value)
    free = np.array([k for k, nm in enumerate(names) if nm not in fixed], dtype=np.intp)
    if free.size == 0:
        raise ValueError(f"`fixed` of {_OWNER} fixes every parameter; nothing to fit")
    lower, upper = np.empty(n), np.empty(n)
    user_bounds = dict(bounds or {})
    unknown = set(user_bounds) - set(names)
    if unknown:
        raise ValueError(f"`bounds` of {_OWNER} names unknown parameters {sorted(unknown)}; "
                         f"{model_cls.__name__} has {names}")
    for k, nm in enumerate(names):
        interval: Interval = model_cls.BOUNDS[nm]
        lo, hi = interval.low, interval.high
        if nm in user_bounds:
            ulo, uhi = (float(v) for v in user_bounds[nm])
            if not ulo < uhi:
                raise ValueError(f"`bounds` of {_OWNER} for `{nm}` must have low < high; got "
                                 f"({ulo!r}, {uhi!r})")
            lo, hi = max(lo, ulo), min(hi, uhi)
        lower[k], upper[k] = lo, hi
        if k in free and not lo <= x0[k] <= hi:
            raise ValueError(f"the start of {_OWNER} lies outside the bounds: `{nm}` = "
                             f"{float(x0[k])!r} not in [{lo!r}, {hi!r}]")
    try:
        model_cls.from_array(x0)
    except ValueError as exc:
        raise ValueError(f"the start of {_OWNER} is not a valid {model_cls.__name__}: "
                         f"{exc}") from exc
    box = None
    if search_box is not None:
        blo = np.maximum(np.array([b[0] for b in search_box]), lower)
        bhi = np.minimum(np.array([b[1] for b in search_box]), upper)
        box = (blo, bhi)
    return x0, free, lower, upper, box


@dataclass
class Problem:
    """Validated data of one fit and the residual/Jacobian functions of the free parameters."""

    model_cls: type[LevyModel]
    quotes: QuoteSet
    target: str
    settings: _core.COSSettings
    x0: NDArray[np.float64]
    free: NDArray[np.intp]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    box: tuple[NDArray[np.float64], NDArray[np.float64]] | None
    spread_tolerant: bool = False
    #: Price residuals are solved in units of ``unit`` (spot / 100 where the weighted
    #: residuals are prices, 1 where they are free of units: spread- or vega-weighted prices,
    #: implied vols). The optimiser's tolerances are absolute: in plain price units a spot of
    #: 1e-4 made the start satisfy gtol (the fit 'succeeded' at x0) and 1e60 overflowed.
    unit: float = 1.0
    quote_iv: NDArray[np.float64] | None = None
    _floor_cache: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]] | None = \
        field(default=None, repr=False)
    pricing_error: str | None = None  # the last trial point the core could not price
    _cache: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]] | None = \
        field(default=None, repr=False)
    #: the last :meth:`model_ivs` (its prices, its result): the fit's summary asks for the
    #: fitted prices' implied vols several times (RMSE, unresolved count, verdict)
    _ivs_cache: tuple[NDArray[np.float64], tuple[NDArray[np.float64], NDArray[np.float64],
                                                 NDArray[np.bool_]]] | None = \
        field(default=None, repr=False)
    _quote_iv_cache: NDArray[np.float64] | None = field(default=None, repr=False)
    _quote_vega_cache: NDArray[np.float64] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.free_list = [int(j) for j in self.free]
        if self.target == "iv":
            iv = self.implied_vols(self.quotes.quotes)
            keep = np.isfinite(iv) & (iv > 0.0)
            if not keep.all():  # a quote at its bound carries no implied volatility
                self._drop(~keep)
                iv = iv[keep]
            self.quote_iv = iv
            self._set_iv_floor()
        self.tolerance = float(self.settings.tolerance)
        if self.quotes.size < self.free.size:
            raise ValueError(f"`prices` of {_OWNER} must hold at least {self.free.size} usable "
                             f"quotes for {self.free.size} free parameters; got "
                             f"{self.quotes.size} (quotes without an implied volatility do "
                             "not count)")

    def _drop(self, bad: NDArray[np.bool_]) -> None:
        q = self.quotes
        keep = ~bad
        self._ivs_cache = self._quote_iv_cache = self._quote_vega_cache = None
        self.quotes = QuoteSet(
            strikes=q.strikes[keep], t_index=q.t_index[keep], maturities=q.maturities,
            is_put=q.is_put[keep], quotes=q.quotes[keep],
            spread=None if q.spread is None else q.spread[keep], weights=q.weights[keep],
            markets=q.markets, spot=q.spot, n_dropped=q.n_dropped + int(bad.sum()),
            grid_strikes=q.grid_strikes,
            grid_index=None if q.grid_index is None else q.grid_index[keep])

    def _set_iv_floor(self) -> None:
        """IV target: tighten the tolerance so that the floor lies at or below half the
        smallest quote's time value; drop quotes below it even at the smallest tolerance."""
        q = self.quotes
        if q.size == 0:
            return
        needed = float(np.min(q.quotes - self.intrinsic())) / (2.0 * IV_FLOOR * q.spot)
        if needed < self.settings.tolerance:
            self.settings.tolerance = max(needed, _MIN_IV_TOLERANCE)
        floor_price, floor_iv, _ = self._floor()
        bad = ~(np.isfinite(floor_iv) & (floor_iv > 0.0)) | (floor_price >= q.quotes)
        if bad.any():
            self._drop(bad)
            assert self.quote_iv is not None
            self.quote_iv = self.quote_iv[~bad]
            self._floor_cache = self._quote_vega_cache = None

    def _floor(self) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Per quote: the floor's price (intrinsic + IV_FLOOR x tolerance x spot), Black
        implied vol and vega."""
        if self._floor_cache is None:
            price = self.intrinsic() + IV_FLOOR * self.settings.tolerance * self.quotes.spot
            iv = self.implied_vols(price)
            self._floor_cache = (price, iv, self.vega(np.where(np.isfinite(iv), iv, 1.0)))
        return self._floor_cache

    def _quote_vega(self) -> NDArray[np.float64]:
        """Black vega at the quotes' implied vols (``quote_iv``; the floor's where there are
        none, i.e. for price targets), computed once: the quotes do not move."""
        if self._quote_vega_cache is None:
            if self.quote_iv is None:
                self._quote_vega_cache = self._floor()[2]
            else:
                iv = self.quote_iv
                self._quote_vega_cache = self.vega(np.where(np.isfinite(iv), iv, 1.0))
        return self._quote_vega_cache

    def intrinsic(self) -> NDArray[np.float64]:
        """Discounted intrinsic values ``D max(+-(F - K), 0)`` of the quotes."""
        q = self.quotes
        sign = np.where(q.is_put, -1.0, 1.0)
        return q.discounts * np.maximum(sign * (q.forwards - q.strikes), 0.0)

    # -- parameters --------------------------------------------------------------------------
    def full(self, x_free: NDArray[np.float64]) -> NDArray[np.float64]:
        x = self.x0.copy()
        x[self.free] = x_free
        return x

    def valid(self, x_free: NDArray[np.float64]) -> bool:
        try:
            self.model_cls.from_array(self.full(x_free))
        except ValueError:
            return False
        return True

    def search_box(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        if self.box is None:
            lo, hi = self.lower[self.free], self.upper[self.free]
            if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
                raise ValueError(
                    f"multi-start of {_OWNER} needs finite `bounds` for every free parameter "
                    f"of {self.model_cls.__name__} (no default search box)")
            return lo, hi
        return self.box[0][self.free], self.box[1][self.free]

    # -- prices ------------------------------------------------------------------------------
    def implied_vols(self, prices: NDArray[np.float64]) -> NDArray[np.float64]:
        """Black implied vols of prices ``[m]`` of the quotes (NaN outside the bounds); calls
        inverted as the puts of the same vol, ``P = C - D (F - K)``, in one call."""
        q = self.quotes
        put_prices = np.where(q.is_put, prices, prices - q.discounts * (q.forwards - q.strikes))
        ok = np.isfinite(put_prices)
        iv = black_implied_vol(np.where(ok, put_prices, 0.0), q.forwards, q.strikes,
                               q.quote_maturities, q.discounts, "put")
        return np.where(ok, iv, math.nan)

    def vega(self, vol: NDArray[np.float64]) -> NDArray[np.float64]:
        """Black vega ``D F phi(d1) sqrt(T)`` of the quotes at volatilities ``vol``."""
        q = self.quotes
        return black_vega(q.forwards, q.strikes, q.quote_maturities, vol, q.discounts)

    def model_ivs(self, prices: NDArray[np.float64]
                  ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
        """Model implied vols, their vegas ``dP/dIV`` and whether each is resolved. A price
        within the floor (IV_FLOOR x tolerance x spot of time value) is not resolved: its IV
        continues linearly from the floor's, ``IV_f + (P - P_f) / vega_f`` (an upper bound of
        the exact one where the price is positive); a price at or beyond the upper bound
        continues from the quote's."""
        if self._ivs_cache is not None and np.array_equal(self._ivs_cache[0], prices):
            return self._ivs_cache[1]
        q = self.quotes
        floor_price, floor_iv, floor_vega = self._floor()
        above = prices > floor_price
        iv = np.where(above, self.implied_vols(np.where(above, prices, q.quotes)), math.nan)
        resolved = above & np.isfinite(iv) & (iv > 0.0)
        over = above & ~resolved
        quote_iv = self.quote_iv if self.quote_iv is not None else floor_iv
        vega_q = self._quote_vega()
        model_iv = np.where(resolved, iv, np.where(
            over, quote_iv + (prices - q.quotes) / vega_q,
            floor_iv + (prices - floor_price) / floor_vega))
        vega = np.where(resolved, self.vega(np.where(resolved, iv, 1.0)),
                        np.where(over, vega_q, floor_vega))
        vega = np.maximum(vega, 1e-12 * q.discounts * q.forwards)
        self._ivs_cache = (np.array(prices, copy=True), (model_iv, vega, resolved))
        return model_iv, vega, resolved

    def prices_and_grad(
        self, x: NDArray[np.float64], with_grad: bool = True
    ) -> tuple[NDArray[np.float64], NDArray[np.float64] | None] | None:
        """Prices ``[m]`` and (``with_grad``) their gradient along the free parameters
        ``[p_free, m]`` at the full parameter vector ``x``, or None outside the model's domain
        or where the pricer cannot reach its tolerance."""
        model_id = self.model_cls.MODEL_ID
        try:
            if model_id is None:
                self.model_cls.from_array(x)
            else:
                _core.validate_model(model_id, x)
        except ValueError:
            return None
        q = self.quotes
        try:
            if q.grid_strikes is not None and q.grid_index is not None:
                p, g = self._price_grid(model_id, x, q.grid_strikes, q.maturities, 0,
                                        bool(q.is_put[0]), with_grad)
                return (p.reshape(-1)[q.grid_index],
                        None if g is None else g.reshape(g.shape[0], -1)[:, q.grid_index])
            prices = np.empty(q.size)
            grads = np.empty((self.free.size, q.size)) if with_grad else None
            for i, idx in q.groups:  # puts, and calls by parity (the core's own way)
                p, g = self._price_grid(model_id, x, q.strikes[idx], q.maturities[i:i + 1], i,
                                        True, with_grad)
                prices[idx] = p[0]
                if grads is not None and g is not None:
                    grads[:, idx] = g[:, 0, :]
            call = ~q.is_put
            if call.any():
                carry = q.discounts[call] * (q.forwards[call] - q.strikes[call])
                prices[call] = np.maximum(prices[call] + carry, np.maximum(carry, 0.0))
            return prices, grads
        except ValueError as exc:  # e.g. COS cannot reach the tolerance at this trial point
            at = dict(zip(self.model_cls.PARAM_NAMES, x.tolist(), strict=True))
            self.pricing_error = f"{exc} (at {at})"
            return None

    def _price_grid(self, model_id: int | None, x: NDArray[np.float64],
                    strikes: NDArray[np.float64], maturities: NDArray[np.float64], i: int,
                    put: bool, with_grad: bool
                    ) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
        m = self.quotes.markets[i]
        kind = "put" if put else "call"
        if model_id is None:  # a user model: the Numba kernel (Numba imported on first use)
            from ..pricers.numba_cos import price_and_grad_numba

            p, g = price_and_grad_numba(
                self.model_cls.from_array(x), m, strikes, maturities, kind,
                COSPricer(tolerance=self.tolerance, max_terms=self.settings.max_terms))
            return np.asarray(p), np.asarray(g)[self.free]
        p, grad, _ = _core.price_sensitivities(
            model_id, x, m.spot, m.rate, m.dividend, strikes, maturities, int(put),
            self.settings, with_grad, False, self.free_list, self.tolerance)
        return p, grad

    # -- residuals ---------------------------------------------------------------------------
    def _evaluate(self, x_free: NDArray[np.float64], with_jac: bool = True
                  ) -> tuple[NDArray[np.float64], NDArray[np.float64] | None] | None:
        """Residuals and (``with_jac``) Jacobian ``[m, p_free]``, or None outside the model's
        domain."""
        out = self.prices_and_grad(self.full(x_free), with_jac)
        if out is None:
            return None
        p, g = out
        q = self.quotes
        w = q.weights
        diff = p - q.quotes
        scale = np.ones(q.size)  # d residual / d price
        if self.target == "iv":
            assert self.quote_iv is not None
            vega_q = self._quote_vega()
            model_iv, vega, _ = self.model_ivs(p)
            scale = 1.0 / vega
            diff = model_iv - self.quote_iv
            half = None if q.spread is None else 0.5 * q.spread / vega_q
        else:
            half = None if q.spread is None else 0.5 * q.spread
        if self.spread_tolerant and half is not None:
            excess = np.abs(diff) - half
            scale = np.where(excess > 0.0, scale, 0.0)
            diff = np.sign(diff) * np.maximum(excess, 0.0)
        if self.target == "price":
            w = w / self.unit
        r = w * diff
        jac = None if g is None else (w * scale)[:, None] * g.T
        if not (np.all(np.isfinite(r)) and (jac is None or np.all(np.isfinite(jac)))):
            self.pricing_error = "non-finite residuals or Jacobian"
            return None
        return r, jac

    def residuals(self, x_free: NDArray[np.float64]) -> NDArray[np.float64]:
        if self._cache is not None and np.array_equal(self._cache[0], x_free):
            return self._cache[1]
        out = self._evaluate(x_free)
        if out is None:
            return np.full(self.quotes.size, OUTSIDE_DOMAIN)
        assert out[1] is not None  # with_jac=True
        self._cache = (np.array(x_free, copy=True), out[0], out[1])
        return out[0]

    def jacobian_at(self, x_free: NDArray[np.float64]) -> NDArray[np.float64]:
        if self._cache is None or not np.array_equal(self._cache[0], x_free):
            out = self._evaluate(x_free)
            if out is None or out[1] is None:
                raise ValueError("internal error: Jacobian requested outside the model's domain")
            self._cache = (np.array(x_free, copy=True), out[0], out[1])
        return self._cache[2]

    def cost(self, x_free: NDArray[np.float64]) -> float:
        """Half the sum of squared residuals, from prices alone (no gradient)."""
        out = self._evaluate(x_free, with_jac=False)
        r = np.full(self.quotes.size, OUTSIDE_DOMAIN) if out is None else out[0]
        return 0.5 * float(r @ r)

    def solve(self, x_start: NDArray[np.float64], max_nfev: int, xtol: float, ftol: float,
              gtol: float, method: str = "dogbox") -> Any:
        """A local least-squares fit from ``x_start``: SciPy's bounded dogbox, or (``"lm"``)
        MINPACK's Levenberg-Marquardt, which ignores the bounds but spends far less per
        iteration in Python; an ``lm`` answer that fails or leaves the box is redone by
        dogbox from the same start (``nfev`` counts both)."""
        lo, hi = self.lower[self.free], self.upper[self.free]
        # start and stay strictly inside the box: the optimiser projects steps onto its
        # bounds and asks for the Jacobian there, and an open end (sigma > 0) is no model
        span = np.where(np.isfinite(hi - lo), hi - lo, 1.0)
        lo, hi = lo + 1e-10 * span, hi - 1e-10 * span
        x = np.clip(x_start, lo, hi)
        r = self.residuals(x)  # cached: least_squares' first evaluation reuses the Jacobian
        if self._cache is None or not np.array_equal(self._cache[0], x):  # not priceable
            return OptimizeResult(x=x, fun=r, cost=0.5 * float(r @ r), nfev=1, njev=0,
                                  status=0, message="the start could not be priced")
        spent = 0
        if method == "lm":
            # steps into the model's invalid region price as OUTSIDE_DOMAIN: rejected
            fit = least_squares(self.residuals, x, jac=self.jacobian_at, method="lm",
                                x_scale="jac", xtol=xtol, ftol=ftol, gtol=gtol,
                                max_nfev=max_nfev)
            if fit.status > 0 and np.all((fit.x >= lo) & (fit.x <= hi)) and \
                    fit.cost < 0.5 * OUTSIDE_DOMAIN**2:
                return fit
            spent = int(fit.nfev)
            self.residuals(x)  # the start's Jacobian back in the cache
        fit = least_squares(self.residuals, x, jac=self.jacobian_at, bounds=(lo, hi),
                            method="dogbox", x_scale="jac", xtol=xtol, ftol=ftol, gtol=gtol,
                            max_nfev=max_nfev)
        fit.nfev += spent
        return fit

    # -- quality -----------------------------------------------------------------------------
    def verdict(self, model_prices: NDArray[np.float64], max_relative_rmse: float,
                min_inside_spread: float, max_rmse_iv_bp: float | None = None
                ) -> tuple[bool, str]:
        """Whether the fitted prices explain the quotes, and a one-line reason: the implied-vol
        RMSE against ``max_rmse_iv_bp`` where given (chains), else the bid/ask share, else the
        relative price RMSE."""
        q = self.quotes
        if not np.all(np.isfinite(model_prices)):
            return False, "the fitted model could not be priced on every quote"
        if max_rmse_iv_bp is not None:
            rmse = self.rmse_iv_bp(model_prices)
            inside = self.inside_spread(model_prices)
            spread_note = "" if math.isnan(inside) else f", {inside:.0%} inside the bid/ask"
            unresolved = self.n_unresolved(model_prices)
            if unresolved:
                spread_note += (f", {unresolved} fitted prices within the pricer's resolution "
                                "of their lower bound (their implied vols are upper bounds, the "
                                "RMSE a lower bound)")
            return rmse <= max_rmse_iv_bp, (
                f"implied-vol RMSE {rmse:.0f} bp (at most {max_rmse_iv_bp:.0f} bp "
                f"required){spread_note}")
        if q.spread is not None:
            inside = self.inside_spread(model_prices)
            return inside >= min_inside_spread, (
                f"{inside:.0%} of the fitted prices lie inside their bid/ask spreads "
                f"(at least {min_inside_spread:.0%} required)")
        s = q.spot  # squares in units of spot: no overflow at a spot of 1e154
        rms = s * float(np.sqrt(np.mean((q.quotes / s) ** 2)))
        relative = self.rmse_price(model_prices) / rms if rms > 0.0 else math.inf
        return relative <= max_relative_rmse, (
            f"the price RMSE is {relative:.2%} of the quotes' root mean square "
            f"(at most {max_relative_rmse:.2%} allowed)")

    def inside_spread(self, model_prices: NDArray[np.float64]) -> float:
        """Share of the fitted prices within their bid/ask spreads (NaN without spreads)."""
        q = self.quotes
        if q.spread is None:
            return math.nan
        slack = self.tolerance * q.spot
        return float(np.mean(np.abs(model_prices - q.quotes) <= 0.5 * q.spread + slack))

    def rmse_price(self, model_prices: NDArray[np.float64]) -> float:
        s = self.quotes.spot
        d = (model_prices - self.quotes.quotes) / s
        return s * float(np.sqrt(np.mean(d * d)))

    def rmse_iv_bp(self, model_prices: NDArray[np.float64]) -> float:
        """Implied-vol RMSE in basis points (model IVs as in :meth:`model_ivs`: where some are
        unresolved, a lower bound)."""
        model_iv = self.model_ivs(model_prices)[0]
        quote_iv = self.quote_iv
        if quote_iv is None:
            if self._quote_iv_cache is None:
                self._quote_iv_cache = self.implied_vols(self.quotes.quotes)
            quote_iv = self._quote_iv_cache
        ok = np.isfinite(model_iv) & np.isfinite(quote_iv)
        if not ok.any():
            return math.nan
        d = (model_iv - quote_iv)[ok] * 1e4
        return float(np.sqrt(np.mean(d * d)))

    def n_unresolved(self, model_prices: NDArray[np.float64]) -> int:
        """Number of fitted prices within the pricer's resolution of their lower bound."""
        return int(np.count_nonzero(~self.model_ivs(model_prices)[2]
                                    & np.isfinite(model_prices)))
