"""Least-squares calibration of a Lévy model to a quoted surface with the analytic Jacobian.

The residuals ``r_i = w_i (P_i(theta) - Q_i)`` (prices) or ``w_i (IV_i(theta) - IV(Q_i))``
(implied volatilities) over the quoted, finite entries of the surface are minimised by
SciPy's rectangular trust-region dogleg method (``least_squares(method="dogbox")``; Voglis &
Lagaris 2004, WSEAS Int. Conf. on Applied Mathematics) with the exact Jacobian along the free
parameters from the compiled core (the one of :func:`levyfast.price_and_grad`, planned at the
price tolerance; ``dIV/dtheta = (dP/dtheta) / vega``). On random VG/NIG/CGMY surfaces it
needed fewer evaluations than the reflective ``"trf"`` and recovered CGMY surfaces on which
``"trf"`` stalled (docs/grad.md). Parameter standard
errors follow from the Gauss–Newton covariance ``s^2 (J^T J)^{-1}`` with the residual
variance ``s^2 = sum r_i^2 / (m - p)`` (e.g. Seber & Wild 2003, Nonlinear Regression, §2.1).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import OptimizeResult, least_squares
from scipy.stats import qmc

from .. import _core
from .._validation import Interval, as_float64, check_choice, check_scalar
from ..market import Market
from ..models import CGMY, NIG, BlackScholes, Kou, LevyModel, Merton, VarianceGamma
from ..pricers import DEFAULT_TOLERANCE, COSPricer
from ..pricers._common import KINDS, check_market, prepare_grid
from ..pricers.numba_cos import price_and_grad_numba
from ..pricers.sensitivities import cos_settings

__all__ = ["LeastSquaresCalibrator", "CalibrationResult", "DEFAULT_STARTS", "SEARCH_BOXES"]

#: Default starting points (``PARAM_NAMES`` order): typical equity-index values.
DEFAULT_STARTS: dict[type, tuple[float, ...]] = {
    BlackScholes: (0.2,),
    VarianceGamma: (0.2, 0.2, -0.1),
    CGMY: (1.0, 5.0, 5.0, 0.7, 0.05),
    NIG: (10.0, -3.0, 0.3),
    Merton: (0.2, 0.5, -0.1, 0.2),
    Kou: (0.2, 1.0, 0.4, 10.0, 8.0),
}
#: Boxes (``PARAM_NAMES`` order) from which multi-start points are drawn.
SEARCH_BOXES: dict[type, tuple[tuple[float, float], ...]] = {
    BlackScholes: ((0.01, 1.5),),
    VarianceGamma: ((0.02, 1.0), (0.01, 2.0), (-1.0, 0.5)),
    CGMY: ((0.05, 10.0), (0.5, 30.0), (1.5, 30.0), (0.0, 1.9), (0.0, 0.5)),
    NIG: ((1.0, 40.0), (-20.0, 5.0), (0.02, 3.0)),
    Merton: ((0.02, 1.0), (0.0, 5.0), (-1.0, 0.5), (0.02, 1.0)),
    Kou: ((0.02, 1.0), (0.0, 5.0), (0.0, 1.0), (2.0, 50.0), (1.0, 50.0)),
}

TARGETS = ("price", "iv")
ON_ARBITRAGE = ("raise", "drop")
log = logging.getLogger(__name__)

#: Residual returned for parameters outside the model's domain (cross constraints such as
#: VG's 1 - theta nu - sigma^2 nu / 2 > 0): the trust region rejects such steps.
_OUTSIDE_DOMAIN = 1e6


@dataclass(frozen=True, slots=True)
class CalibrationResult:
    """Outcome of one :meth:`LeastSquaresCalibrator.fit`.

    ``cost`` is ``sum r_i^2 / 2`` of the (weighted) residuals; ``rmse_price`` the unweighted
    root-mean-square price error over the fitted quotes; ``rmse_iv_bp`` the same in implied
    volatility, in basis points (NaN when :func:`levyfast.implied_vol` is unavailable or no
    quote carries an implied volatility). ``std_errors`` are in ``PARAM_NAMES`` order (NaN
    for fixed parameters and where ``J^T J`` is singular).

    ``success`` needs both the optimiser's convergence and a fit that explains the quotes:
    ``fit_ok`` says whether it does and ``verdict`` why (see :class:`LeastSquaresCalibrator`,
    ``max_relative_rmse`` and ``min_inside_spread``); a fit the model cannot explain is
    ``success=False`` with a "poor fit: ..." message, not a plain success.
    """

    success: bool
    message: str
    fit_ok: bool
    verdict: str
    cost: float
    rmse_price: float
    rmse_iv_bp: float
    n_evaluations: int
    n_jacobian_evaluations: int
    n_starts: int
    n_quotes: int
    n_dropped: int
    time_s: float
    std_errors: NDArray[np.float64] = field(repr=False)


def _implied_vol_function() -> Any:
    """``levyfast.implied_vol`` if this build has it (looked up at call time), else None."""
    import levyfast

    return getattr(levyfast, "implied_vol", None)


class LeastSquaresCalibrator:
    """Fits ``model_cls`` to a quoted ``[n_T, n_K]`` surface (scikit-learn style, DESIGN.md §9).

    Parameters
    ----------
    model_cls
        The model class to fit (built-in or any class with ``PARAM_NAMES``, ``BOUNDS`` and
        ``from_array`` that :func:`levyfast.price_and_grad` accepts).
    target
        ``"price"``: residuals in price; ``"iv"``: in Black–Scholes implied volatility (needs
        :func:`levyfast.implied_vol`).
    kind
        ``"call"`` or ``"put"``: what the quotes are.
    x0
        Starting point: a model instance or an array in ``PARAM_NAMES`` order (default:
        :data:`DEFAULT_STARTS`).
    bounds
        ``{name: (low, high)}`` limiting parameters beyond the model's ``BOUNDS`` (these also
        limit the multi-start box).
    fixed
        ``{name: value}`` of parameters held fixed (e.g. ``{"sigma": 0.0}`` for pure-jump CGMY).
    n_starts
        Number of local fits; beyond the first (from ``x0``) they start at scrambled Sobol
        points of the search box (:data:`SEARCH_BOXES` intersected with ``bounds``).
    global_samples
        If positive, a global first stage: the cost at ``x0`` and at this many Sobol points
        is evaluated, and the ``n_starts`` best points start the local fits.
    tolerance
        Pricing tolerance (fraction of spot) of :func:`levyfast.price_and_grad`.
    max_terms
        The most COS terms one evaluation may use (per maturity). A trial point that needs more
        is a rejected step: a step into a slowly decaying region (e.g. CGMY at small ``Y``)
        would otherwise cost tens of ordinary evaluations. Raise it for surfaces that need
        more at the solution (the failed fit names the limit).
    max_nfev, xtol, ftol, gtol
        Limits of each local trust-region fit (``scipy.optimize.least_squares``).
    on_arbitrage
        ``"raise"`` (default): a quote outside the static no-arbitrage bounds raises
        ``ValueError`` naming it; ``"drop"``: such quotes are left out (counted in
        ``result_.n_dropped``).
    seed
        Seed of the Sobol scrambling.
    max_relative_rmse, min_inside_spread
        The fit verdict (``result_.fit_ok``): with bid/ask quotes, at least
        ``min_inside_spread`` of the fitted prices must lie inside their spreads; without,
        the price RMSE must be at most ``max_relative_rmse`` of the quotes' root mean square.
        Otherwise the fit is reported as a poor fit (``success=False``, a logged warning).
    """

    def __init__(
        self,
        model_cls: type[LevyModel],
        *,
        target: str = "price",
        kind: str = "call",
        x0: LevyModel | ArrayLike | None = None,
        bounds: Mapping[str, tuple[float, float]] | None = None,
        fixed: Mapping[str, float] | None = None,
        n_starts: int = 1,
        global_samples: int = 0,
        tolerance: float = DEFAULT_TOLERANCE,
        max_terms: int = 8192,
        max_nfev: int = 200,
        xtol: float = 1e-10,
        ftol: float = 1e-10,
        gtol: float = 1e-10,
        on_arbitrage: str = "raise",
        seed: int = 0,
        max_relative_rmse: float = 0.02,
        min_inside_spread: float = 0.5,
    ) -> None:
        self.model_cls = model_cls
        self.target = target
        self.kind = kind
        self.x0 = x0
        self.bounds = bounds
        self.fixed = fixed
        self.n_starts = n_starts
        self.global_samples = global_samples
        self.tolerance = tolerance
        self.max_terms = max_terms
        self.max_nfev = max_nfev
        self.xtol = xtol
        self.ftol = ftol
        self.gtol = gtol
        self.on_arbitrage = on_arbitrage
        self.seed = seed
        self.max_relative_rmse = max_relative_rmse
        self.min_inside_spread = min_inside_spread

    # -- public ------------------------------------------------------------------------------
    def fit(
        self,
        prices: ArrayLike | None,
        market: Market,
        strikes: ArrayLike,
        maturities: ArrayLike,
        *,
        weights: ArrayLike | None = None,
        bid: ArrayLike | None = None,
        ask: ArrayLike | None = None,
    ) -> LeastSquaresCalibrator:
        """Fit to quotes ``prices [n_T, n_K]`` (NaN = missing); returns ``self``.

        With ``bid`` and ``ask`` (both ``[n_T, n_K]``), ``prices`` may be ``None`` (mid
        quotes are used) and the default weights are ``1 / (ask - bid)``. ``weights`` (``>= 0``,
        ``[n_T, n_K]``) multiply the residuals. Sets ``params_``, ``model_`` and ``result_``.
        """
        start_time = time.perf_counter()
        owner = "LeastSquaresCalibrator.fit"
        problem = _Problem.build(
            self, owner, prices, market, strikes, maturities, weights, bid, ask
        )
        starts = self._starts(problem)
        best: Any = None
        nfev = njev = 0
        for x_start in starts:
            fit = problem.solve(x_start, self)
            nfev += fit.nfev
            njev += fit.njev or 0
            if best is None or fit.cost < best.cost:
                best = fit
        assert best is not None
        params = problem.full(best.x)
        model = self.model_cls.from_array(params)
        std = np.full(len(params), math.nan)
        final = problem.prices_and_grad(params)
        priced = final is not None and best.cost < 0.5 * _OUTSIDE_DOMAIN**2
        if final is not None:
            prices_fit = final[0]
            if priced:
                std[problem.free] = _standard_errors(best.fun, problem.jacobian_at(best.x))
        else:
            prices_fit = np.full(problem.quotes.shape, math.nan)
        success = bool(best.status > 0 and np.isfinite(best.cost) and priced)
        message = str(best.message)
        if not priced and problem.pricing_error is not None:
            message = f"{message}; the pricer failed: {problem.pricing_error}"
        fit_ok, verdict = problem.verdict(
            np.asarray(prices_fit),
            check_scalar(owner, "max_relative_rmse", self.max_relative_rmse, Interval(0.0)),
            check_scalar(owner, "min_inside_spread", self.min_inside_spread,
                         Interval(0.0, 1.0, closed_low=True, closed_high=True)),
        )
        if not success:
            message = f"fit failed: {message}"
        elif not fit_ok:
            success = False
            message = f"poor fit: {verdict} (the optimiser: {message})"
            log.warning("%s of %s: %s", owner, self.model_cls.__name__, message)
        self.params_ = params
        self.model_ = model
        self.result_ = CalibrationResult(
            success=success,
            message=message,
            fit_ok=fit_ok,
            verdict=verdict,
            # in the units of the weighted prices (a product: ** raises OverflowError)
            cost=float(best.cost) * problem.unit * problem.unit,
            rmse_price=problem.rmse_price(np.asarray(prices_fit)),
            rmse_iv_bp=problem.rmse_iv_bp(np.asarray(prices_fit)),
            n_evaluations=int(nfev),
            n_jacobian_evaluations=int(njev),
            n_starts=len(starts),
            n_quotes=int(problem.mask.sum()),
            n_dropped=problem.n_dropped,
            time_s=time.perf_counter() - start_time,
            std_errors=std,
        )
        return self

    # -- starting points ---------------------------------------------------------------------
    def _starts(self, problem: _Problem) -> list[NDArray[np.float64]]:
        n_starts = _positive_int("n_starts", self.n_starts)
        n_global = _positive_int("global_samples", self.global_samples, allow_zero=True)
        first = problem.x0[problem.free]
        if n_starts == 1 and n_global == 0:
            return [first]
        lo, hi = problem.search_box()
        n_draw = max(n_global, n_starts - 1)
        sobol = qmc.Sobol(d=len(lo), scramble=True, seed=self.seed)
        m = int(2 ** math.ceil(math.log2(max(n_draw, 2))))
        points = lo + sobol.random(m)[:n_draw] * (hi - lo)
        candidates = [first] + [p for p in points if problem.valid(p)]
        if n_global > 0:
            costs = [problem.cost(p) for p in candidates]
            order = np.argsort(costs, kind="stable")
            return [candidates[i] for i in order[:n_starts]]
        return candidates[:n_starts]


def _positive_int(name: str, value: object, allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"`{name}` of LeastSquaresCalibrator must be an integer; got {value!r}")
    low = 0 if allow_zero else 1
    if int(value) < low:
        raise ValueError(f"`{name}` of LeastSquaresCalibrator must be >= {low}; got {value!r}")
    return int(value)


def _standard_errors(
    residuals: NDArray[np.float64], jac: NDArray[np.float64]
) -> NDArray[np.float64]:
    """sqrt(diag(s^2 (J^T J)^{-1})), s^2 = |r|^2 / (m - p); NaN where J^T J is singular."""
    m, p = jac.shape
    if m <= p:
        return np.full(p, math.nan)
    s2 = float(residuals @ residuals) / (m - p)
    _, sv, vt = np.linalg.svd(jac, full_matrices=False)
    if sv[-1] <= sv[0] * 1e-12:
        return np.full(p, math.nan)
    cov = (vt.T / sv**2) @ vt * s2
    return np.sqrt(np.diag(cov))


def _as_surface(
    owner: str, name: str, value: ArrayLike, shape: tuple[int, int]
) -> NDArray[np.float64]:
    # complex, boolean, string values: a TypeError naming the argument (np.array(.., float)
    # dropped an imaginary part with a ComplexWarning)
    arr = np.array(as_float64(owner, name, value), dtype=np.float64)
    if arr.shape != shape:
        raise ValueError(
            f"`{name}` of {owner} must have shape [n_T, n_K] = {list(shape)} matching "
            f"`maturities` and `strikes`; got {list(arr.shape)}"
        )
    if np.isinf(arr).any():
        idx = tuple(int(i) for i in np.argwhere(np.isinf(arr))[0])
        raise ValueError(f"`{name}` of {owner} must be finite or NaN (missing); got inf at {idx}")
    return arr


@dataclass
class _Problem:
    """Validated data of one fit and the residual/Jacobian functions of the free parameters."""

    model_cls: type[LevyModel]
    market: Market
    strikes: NDArray[np.float64]
    maturities: NDArray[np.float64]
    kind: str
    target: str
    tolerance: float
    quotes: NDArray[np.float64]
    weights: NDArray[np.float64]
    mask: NDArray[np.bool_]
    n_dropped: int
    x0: NDArray[np.float64]
    free: NDArray[np.intp]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    box: tuple[NDArray[np.float64], NDArray[np.float64]] | None
    quote_iv: NDArray[np.float64] | None
    settings: _core.COSSettings
    spread: NDArray[np.float64] | None = None  # ask - bid where both are quoted
    #: Price residuals are solved in units of ``unit`` (spot / 100 where they are prices,
    #: 1 where they are already free of units: spread-weighted or implied vols). The
    #: optimiser's tolerances are absolute: in plain price units a spot of 1e-4 made the
    #: start satisfy gtol (the fit 'succeeded' at x0) and a spot of 1e60 overflowed.
    unit: float = 1.0
    _cache_x: NDArray[np.float64] | None = None
    _cache_jac: NDArray[np.float64] | None = None
    _cache_r: NDArray[np.float64] | None = None

    def __post_init__(self) -> None:
        self.kind_code = KINDS.index(self.kind)
        self.free_list = [int(j) for j in self.free]
        self.pricing_error: str | None = None  # the last trial point the core could not price

    # -- construction and validation ---------------------------------------------------------
    @classmethod
    def build(
        cls,
        cal: LeastSquaresCalibrator,
        owner: str,
        prices: ArrayLike | None,
        market: Market,
        strikes: ArrayLike,
        maturities: ArrayLike,
        weights: ArrayLike | None,
        bid: ArrayLike | None,
        ask: ArrayLike | None,
    ) -> _Problem:
        model_cls = cal.model_cls
        if not (
            isinstance(model_cls, type)
            and hasattr(model_cls, "PARAM_NAMES")
            and hasattr(model_cls, "from_array")
        ):
            raise TypeError(
                f"`model_cls` of LeastSquaresCalibrator must be a levyfast model "
                f"class; got {model_cls!r}"
            )
        names: tuple[str, ...] = tuple(model_cls.PARAM_NAMES)
        target = check_choice("LeastSquaresCalibrator", "target", cal.target, TARGETS)
        kind = check_choice("LeastSquaresCalibrator", "kind", cal.kind, KINDS)
        on_arb = check_choice(
            "LeastSquaresCalibrator", "on_arbitrage", cal.on_arbitrage, ON_ARBITRAGE
        )
        market = check_market(owner, market)
        settings = cos_settings("LeastSquaresCalibrator", cal.tolerance)
        settings.max_terms = _positive_int("max_terms", cal.max_terms)
        if not 16 <= settings.max_terms <= 1 << 24:
            raise ValueError(
                f"`max_terms` of LeastSquaresCalibrator must be in [16, 16777216]; "
                f"got {cal.max_terms!r}"
            )
        strikes = as_float64(owner, "strikes", strikes)  # ragged lists: a named TypeError
        maturities = as_float64(owner, "maturities", maturities)
        if strikes.ndim != 1 or maturities.ndim != 1:
            raise ValueError(
                f"`strikes` and `maturities` of {owner} must be one-dimensional; "
                f"got shapes {strikes.shape} and {maturities.shape}"
            )
        grid = prepare_grid(owner, strikes, maturities)
        shape = (grid.maturities.size, grid.strikes.size)

        if (bid is None) != (ask is None):
            raise ValueError(
                f"`bid` and `ask` of {owner} must be given together; got only "
                f"`{'bid' if ask is None else 'ask'}`"
            )
        if bid is not None and ask is not None:
            b = _as_surface(owner, "bid", bid, shape)
            a = _as_surface(owner, "ask", ask, shape)
            both = np.isfinite(b) & np.isfinite(a)
            bad = both & ~((a >= b) & (b >= 0.0))
            if bad.any():
                i, j = (int(v) for v in np.argwhere(bad)[0])
                raise ValueError(
                    f"quotes of {owner} must satisfy 0 <= bid <= ask; got bid "
                    f"{float(b[i, j])!r}, ask {float(a[i, j])!r} at "
                    f"T={float(grid.maturities[i])!r}, "
                    f"K={float(grid.strikes[j])!r} (index {(i, j)})"
                )
            q = 0.5 * (a + b) if prices is None else _as_surface(owner, "prices", prices, shape)
            q = np.where(both, q, math.nan)
            spread = np.where(both, a - b, math.nan)
            tiny = 1e-4 * market.spot * 1e-4
            default_w = 1.0 / np.maximum(spread, tiny)
        else:
            if prices is None:
                raise ValueError(
                    f"`prices` of {owner} is required unless `bid` and `ask` are given"
                )
            q = _as_surface(owner, "prices", prices, shape)
            default_w = np.ones(shape)
            spread = None
        if weights is None:
            w = np.where(np.isfinite(default_w), default_w, 0.0)
        else:
            w = _as_surface(owner, "weights", weights, shape)
            if np.isnan(w).any() or (w < 0.0).any():
                idx = tuple(int(i) for i in np.argwhere(np.isnan(w) | (w < 0.0))[0])
                raise ValueError(
                    f"`weights` of {owner} must be finite and >= 0; got "
                    f"{float(w[idx])!r} at index {idx}"
                )
        mask = np.isfinite(q) & (w > 0.0)
        if not mask.any():
            raise ValueError(
                f"`prices` of {owner} has no quote to fit: every entry is NaN "
                f"(missing) or has zero weight"
            )

        # Static no-arbitrage bounds of European quotes.
        T = grid.maturities[:, None]
        K = grid.strikes[None, :]
        df0 = market.spot * np.exp(-market.dividend * T)
        dk = K * np.exp(-market.rate * T)
        if kind == "call":
            low, high = np.maximum(df0 - dk, 0.0), np.broadcast_to(df0, shape)
        else:
            low, high = np.maximum(dk - df0, 0.0), np.broadcast_to(dk, shape)
        slack = 1e-12 * market.spot
        violating = mask & ((q < low - slack) | (q > high + slack))
        n_dropped = int(violating.sum())
        if n_dropped and on_arb == "raise":
            i, j = (int(v) for v in np.argwhere(violating)[0])
            raise ValueError(
                f"quote of {owner} at T={float(grid.maturities[i])!r}, "
                f"K={float(grid.strikes[j])!r} (index {(i, j)}) violates the no-arbitrage "
                f"bounds of a European {kind}: {float(low[i, j])!r} <= price <= "
                f"{float(high[i, j])!r}; got {float(q[i, j])!r} "
                f"({n_dropped} such quotes; pass on_arbitrage='drop' to leave them out)"
            )
        mask &= ~violating

        # Parameters: start, fixed ones, bounds.
        n = len(names)
        fixed = dict(cal.fixed or {})
        unknown = set(fixed) - set(names)
        if unknown:
            raise ValueError(
                f"`fixed` of LeastSquaresCalibrator names unknown parameters "
                f"{sorted(unknown)}; {model_cls.__name__} has {names}"
            )
        if cal.x0 is None:
            if model_cls not in DEFAULT_STARTS:
                raise ValueError(
                    f"`x0` of LeastSquaresCalibrator is required for "
                    f"{model_cls.__name__} (no default start)"
                )
            x0 = np.array(DEFAULT_STARTS[model_cls], dtype=np.float64)
        elif isinstance(cal.x0, LevyModel):
            if not isinstance(cal.x0, model_cls):
                raise TypeError(
                    f"`x0` of LeastSquaresCalibrator must be a {model_cls.__name__}; "
                    f"got {type(cal.x0).__name__}"
                )
            x0 = cal.x0.to_array()
        else:
            x0 = np.array(cal.x0, dtype=np.float64)
            if x0.shape != (n,):
                raise ValueError(
                    f"`x0` of LeastSquaresCalibrator must have shape ({n},) for "
                    f"{names}; got {x0.shape}"
                )
        for name, value in fixed.items():
            x0[names.index(name)] = float(value)
        free = np.array([k for k, nm in enumerate(names) if nm not in fixed], dtype=np.intp)
        if free.size == 0:
            raise ValueError(
                "`fixed` of LeastSquaresCalibrator fixes every parameter; nothing to fit"
            )
        if int(mask.sum()) < free.size:
            raise ValueError(
                f"`prices` of {owner} must hold at least {free.size} usable quotes for "
                f"{free.size} free parameters; got {int(mask.sum())} (missing quotes and "
                "quotes dropped for arbitrage do not count)"
            )

        lower = np.empty(n)
        upper = np.empty(n)
        user_bounds = dict(cal.bounds or {})
        unknown = set(user_bounds) - set(names)
        if unknown:
            raise ValueError(
                f"`bounds` of LeastSquaresCalibrator names unknown parameters "
                f"{sorted(unknown)}; {model_cls.__name__} has {names}"
            )
        for k, nm in enumerate(names):
            interval: Interval = model_cls.BOUNDS[nm]
            lo, hi = interval.low, interval.high
            if nm in user_bounds:
                ulo, uhi = (float(v) for v in user_bounds[nm])
                if not ulo < uhi:
                    raise ValueError(
                        f"`bounds` of LeastSquaresCalibrator for `{nm}` must have "
                        f"low < high; got ({ulo!r}, {uhi!r})"
                    )
                lo, hi = max(lo, ulo), min(hi, uhi)
            lower[k], upper[k] = lo, hi
            if k in free and not lo <= x0[k] <= hi:
                raise ValueError(
                    f"the start of LeastSquaresCalibrator lies outside the bounds: "
                    f"`{nm}` = {float(x0[k])!r} not in [{lo!r}, {hi!r}]"
                )
        try:
            model_cls.from_array(x0)
        except ValueError as exc:
            raise ValueError(
                f"the start of LeastSquaresCalibrator is not a valid {model_cls.__name__}: {exc}"
            ) from exc

        box = None
        if model_cls in SEARCH_BOXES:
            blo = np.array([b[0] for b in SEARCH_BOXES[model_cls]])
            bhi = np.array([b[1] for b in SEARCH_BOXES[model_cls]])
            blo, bhi = np.maximum(blo, lower), np.minimum(bhi, upper)
            box = (blo, bhi)

        quote_iv = None
        problem = cls(
            model_cls,
            market,
            grid.strikes,
            grid.maturities,
            kind,
            target,
            settings.tolerance,
            q,
            w,
            mask,
            n_dropped,
            x0,
            free,
            lower,
            upper,
            box,
            quote_iv,
            settings,
            spread=spread,
            unit=market.spot / 100.0
            if target == "price" and (spread is None or weights is not None) else 1.0,
        )
        if target == "iv":
            iv = problem.implied_vols(q)
            if iv is None:
                raise ValueError(
                    "target='iv' of LeastSquaresCalibrator needs "
                    "levyfast.implied_vol, which this build does not provide"
                )
            no_iv = mask & ~np.isfinite(iv)
            problem.mask = mask & np.isfinite(iv)
            problem.n_dropped += int(no_iv.sum())
            problem.quote_iv = iv
            if int(problem.mask.sum()) < free.size:
                raise ValueError(
                    f"{owner} needs at least {free.size} quotes with an implied "
                    f"volatility; got {int(problem.mask.sum())}"
                )
        return problem

    # -- helpers -----------------------------------------------------------------------------
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
                    "multi-start of LeastSquaresCalibrator needs finite `bounds` for every free "
                    f"parameter of {self.model_cls.__name__} (no default search box)"
                )
            return lo, hi
        return self.box[0][self.free], self.box[1][self.free]

    def implied_vols(self, prices: NDArray[np.float64]) -> NDArray[np.float64] | None:
        implied_vol = _implied_vol_function()
        if implied_vol is None:
            return None
        safe = np.where(np.isfinite(prices), prices, 0.0)
        iv = np.asarray(
            implied_vol(safe, self.market, self.strikes, self.maturities, kind=self.kind),
            dtype=np.float64,
        )
        return np.where(np.isfinite(prices), iv, math.nan)

    def _vega(self, vol: NDArray[np.float64]) -> NDArray[np.float64]:
        """Black–Scholes vega S0 e^{-qT} phi(d1) sqrt(T) at volatility ``vol``."""
        T = self.maturities[:, None]
        sd = vol * np.sqrt(T)
        fwd = self.market.spot * np.exp((self.market.rate - self.market.dividend) * T)
        d1 = np.log(fwd / self.strikes[None, :]) / sd + 0.5 * sd
        return (
            self.market.spot
            * np.exp(-self.market.dividend * T)
            * np.sqrt(T)
            * np.exp(-0.5 * d1 * d1)
            / math.sqrt(2.0 * math.pi)
        )

    def prices_and_grad(
        self, x: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
        """Prices ``[n_T, n_K]`` and their gradient along the free parameters
        ``[p_free, n_T, n_K]`` at the full parameter vector ``x``, or None outside the model's
        domain. Built-in models go straight to the core, planned at the price tolerance (the
        optimiser needs the Jacobian to a few digits, not to the 1e-7 relative that
        :func:`levyfast.price_and_grad` promises); user models to the Numba COS kernel."""
        model_id = self.model_cls.MODEL_ID
        try:
            if model_id is None:
                model = self.model_cls.from_array(x)
            else:
                _core.validate_model(model_id, x)
        except ValueError:
            return None
        m = self.market
        try:
            if model_id is None:
                p, g = price_and_grad_numba(
                    model, m, self.strikes, self.maturities, self.kind,
                    COSPricer(tolerance=self.tolerance, max_terms=self.settings.max_terms),
                )
                return p, g[self.free]
            p, g, _ = _core.price_sensitivities(
                model_id, x, m.spot, m.rate, m.dividend, self.strikes, self.maturities,
                self.kind_code, self.settings, True, False, self.free_list, self.tolerance,
            )
        except ValueError as exc:  # e.g. COS cannot reach the tolerance at this trial point
            at = dict(zip(self.model_cls.PARAM_NAMES, x.tolist(), strict=True))
            self.pricing_error = f"{exc} (at {at})"
            return None
        assert g is not None  # requested with_grad=True
        return p, g

    def _evaluate(
        self, x_free: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
        """Residuals and Jacobian [m, p_free], or None outside the model's domain."""
        out = self.prices_and_grad(self.full(x_free))
        if out is None:
            return None
        p, g = out
        w = self.weights[self.mask]
        jac = g[:, self.mask].T
        if self.target == "price":
            w = w / self.unit
            return w * (p[self.mask] - self.quotes[self.mask]), w[:, None] * jac
        assert self.quote_iv is not None
        iv = self.implied_vols(p)
        assert iv is not None
        q_iv = self.quote_iv[self.mask]
        vega_q = self._vega(self.quote_iv)[self.mask]
        model_iv = iv[self.mask]
        # Where the model price carries no implied volatility (outside the bounds at this
        # trial point), use the first-order value around the quote's.
        linear = q_iv + (p[self.mask] - self.quotes[self.mask]) / vega_q
        model_iv = np.where(np.isfinite(model_iv), model_iv, linear)
        vega = np.where(
            np.isfinite(iv[self.mask]),
            self._vega(np.where(np.isfinite(iv), iv, 1.0))[self.mask],
            vega_q,
        )
        return w * (model_iv - q_iv), (w / vega)[:, None] * jac

    def residuals(self, x_free: NDArray[np.float64]) -> NDArray[np.float64]:
        if self._cache_x is not None and np.array_equal(self._cache_x, x_free):
            assert self._cache_r is not None
            return self._cache_r
        out = self._evaluate(x_free)
        if out is None:
            return np.full(int(self.mask.sum()), _OUTSIDE_DOMAIN)
        self._cache_x = np.array(x_free, copy=True)
        self._cache_r, self._cache_jac = out
        return out[0]

    def jacobian_at(self, x_free: NDArray[np.float64]) -> NDArray[np.float64]:
        if self._cache_x is None or not np.array_equal(self._cache_x, x_free):
            out = self._evaluate(x_free)
            if out is None:
                raise ValueError("internal error: Jacobian requested outside the model's domain")
            self._cache_x = np.array(x_free, copy=True)
            self._cache_r, self._cache_jac = out
        assert self._cache_jac is not None
        return self._cache_jac

    def cost(self, x_free: NDArray[np.float64]) -> float:
        r = self.residuals(x_free)
        return 0.5 * float(r @ r)

    def solve(self, x_start: NDArray[np.float64], cal: LeastSquaresCalibrator) -> Any:
        lo, hi = self.lower[self.free], self.upper[self.free]
        # Start and stay strictly inside the box: the optimiser projects steps onto its
        # bounds and asks for the Jacobian there, and an open end (sigma > 0) is no model.
        span = np.where(np.isfinite(hi - lo), hi - lo, 1.0)
        lo, hi = lo + 1e-10 * span, hi - 1e-10 * span
        x = np.clip(x_start, lo, hi)
        r = self.residuals(x)  # cached: least_squares' first evaluation reuses the Jacobian
        if self._cache_x is None or not np.array_equal(self._cache_x, x):  # not priceable
            return OptimizeResult(x=x, fun=r, cost=0.5 * float(r @ r), nfev=1, njev=0,
                                  status=0, message="the start could not be priced")
        return least_squares(
            self.residuals,
            x,
            jac=self.jacobian_at,
            bounds=(lo, hi),
            method="dogbox",
            x_scale="jac",
            xtol=cal.xtol,
            ftol=cal.ftol,
            gtol=cal.gtol,
            max_nfev=_positive_int("max_nfev", cal.max_nfev),
        )

    def verdict(self, model_prices: NDArray[np.float64], max_relative_rmse: float,
                min_inside_spread: float) -> tuple[bool, str]:
        """Whether the fitted prices explain the quotes, and a one-line reason (see
        :class:`LeastSquaresCalibrator`)."""
        fitted = model_prices[self.mask]
        if not np.all(np.isfinite(fitted)):
            return False, "the fitted model could not be priced on every quote"
        if self.spread is not None:
            half = 0.5 * self.spread[self.mask]
            slack = self.tolerance * self.market.spot
            inside = float(np.mean(np.abs(fitted - self.quotes[self.mask]) <= half + slack))
            return inside >= min_inside_spread, (
                f"{inside:.0%} of the fitted prices lie inside their bid/ask spreads "
                f"(at least {min_inside_spread:.0%} required)")
        s = self.market.spot  # squares in units of spot: no overflow at a spot of 1e154
        rms = s * float(np.sqrt(np.mean((self.quotes[self.mask] / s) ** 2)))
        relative = self.rmse_price(model_prices) / rms if rms > 0.0 else math.inf
        return relative <= max_relative_rmse, (
            f"the price RMSE is {relative:.2%} of the quotes' root mean square "
            f"(at most {max_relative_rmse:.2%} allowed)")

    def rmse_price(self, model_prices: NDArray[np.float64]) -> float:
        s = self.market.spot
        d = (model_prices - self.quotes)[self.mask] / s
        return s * float(np.sqrt(np.mean(d * d)))

    def rmse_iv_bp(self, model_prices: NDArray[np.float64]) -> float:
        model_iv = self.implied_vols(model_prices)
        quote_iv = self.quote_iv if self.quote_iv is not None else self.implied_vols(self.quotes)
        if model_iv is None or quote_iv is None:
            return math.nan
        ok = self.mask & np.isfinite(model_iv) & np.isfinite(quote_iv)
        if not ok.any():
            return math.nan
        d = (model_iv - quote_iv)[ok] * 1e4
        return float(np.sqrt(np.mean(d * d)))
