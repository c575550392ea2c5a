"""Least-squares calibration of a Lévy model to a quoted surface or an option chain with the
analytic Jacobian.

The residuals ``r_i = w_i (P_i(theta) - Q_i)`` (prices) or ``w_i (IV_i(theta) - IV(Q_i))``
(implied volatilities; see :mod:`levyfast.calibration.problem`) over the quotes are minimised by
SciPy's rectangular trust-region dogleg method (``least_squares(method="dogbox")``; Voglis &
Lagaris 2004, WSEAS Int. Conf. on Applied Mathematics) with the exact Jacobian along the free
parameters from the compiled core (the one of :func:`levyfast.price_and_grad`, planned at the
price tolerance; ``dIV/dtheta = (dP/dtheta) / vega``). On random VG/NIG/CGMY surfaces it
needed fewer evaluations than the reflective ``"trf"`` and recovered CGMY surfaces on which
``"trf"`` stalled (docs/grad.md). ``method="lm"`` uses MINPACK's Levenberg-Marquardt (Moré
1978, Lecture Notes in Mathematics 630) instead, redone by dogbox where its answer leaves the
bounds: for starts near the answer (the hybrid calibrator's polish). Parameter standard
errors follow from the Gauss–Newton covariance ``s^2 (J^T J)^{-1}`` with the residual
variance ``s^2 = sum r_i^2 / (m - p)`` (e.g. Seber & Wild 2003, Nonlinear Regression, §2.1).
"""

from __future__ import annotations

import logging
import math
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import qmc

from .._estimator import EstimatorParams
from .._validation import Interval, check_choice, check_scalar
from ..market import Market
from ..models import LevyModel
from ..pricers import DEFAULT_TOLERANCE
from ..pricers._common import KINDS
from ..pricers.sensitivities import cos_settings
from ..term_structure import TermStructure
from .problem import OUTSIDE_DOMAIN, Problem, parameter_setup
from .quotes import CHAIN_WEIGHTS, QuoteSet

if TYPE_CHECKING:
    from ..chain import OptionChain

__all__ = ["LeastSquaresCalibrator", "CalibrationResult", "Identification", "MAX_VIF"]

TARGETS = ("price", "iv")
ON_ARBITRAGE = ("raise", "drop")
METHODS = ("dogbox", "lm")
log = logging.getLogger(__name__)

@dataclass(frozen=True, slots=True)
class CalibrationResult:
    """Outcome of one :meth:`LeastSquaresCalibrator.fit`.

    ``cost`` is ``sum r_i^2 / 2`` of the (weighted) residuals; ``rmse_price`` the unweighted
    root-mean-square price error over the fitted quotes; ``rmse_iv_bp`` the same in implied
    volatility, in basis points (NaN when no quote carries an implied volatility);
    ``inside_spread`` the share of fitted prices inside their bid/ask spreads (NaN without
    bid/ask). ``n_unresolved`` counts fitted prices within the pricer's resolution (``IV_FLOOR``
    x tolerance x spot) of their lower bound: their implied vols are not known, only bounded
    (see :mod:`levyfast.calibration.problem`). ``std_errors`` are in ``PARAM_NAMES`` order (NaN
    for fixed parameters and where ``J^T J`` is singular).

    ``condition_number``, ``at_bound`` and ``poorly_identified`` judge the parameters rather
    than the prices (see :class:`Identification`): a fit may explain the quotes while some
    parameters are not determined by them; it is then reported in ``message`` and a logged
    warning, and ``identifiable`` is False.

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
    inside_spread: float
    n_unresolved: int
    n_evaluations: int
    n_jacobian_evaluations: int
    n_starts: int
    n_quotes: int
    n_dropped: int
    time_s: float
    std_errors: NDArray[np.float64] = field(repr=False)
    condition_number: float = math.nan
    at_bound: tuple[str, ...] = ()
    poorly_identified: tuple[str, ...] = ()

    @property
    def identifiable(self) -> bool:
        """Whether the quotes pin down every free parameter off its bounds (see
        :class:`Identification`)."""
        return not self.poorly_identified


class LeastSquaresCalibrator(EstimatorParams):
    """Fits ``model_cls`` to a quoted ``[n_T, n_K]`` surface or an :class:`~levyfast.OptionChain`
    (scikit-learn style, DESIGN.md §9).

    Parameters
    ----------
    model_cls
        The model class to fit (built-in or any class with ``PARAM_NAMES``, ``BOUNDS`` and
        ``from_array`` that :func:`levyfast.price_and_grad` accepts).
    target
        ``"price"``: residuals in price; ``"iv"``: in Black implied volatility.
    kind
        ``"call"`` or ``"put"``: what the quotes are.
    x0
        Starting point: a model instance or an array in ``PARAM_NAMES`` order (default:
        the model class's ``DEFAULT_START``).
    bounds
        ``{name: (low, high)}`` limiting parameters beyond the model's ``BOUNDS`` (these also
        limit the multi-start box).
    fixed
        ``{name: value}`` of parameters held fixed (e.g. ``{"sigma": 0.0}`` for pure-jump CGMY).
    n_starts
        Number of local fits; beyond the first (from ``x0``) they start at scrambled Sobol
        points of the search box (the model class's ``SEARCH_BOX`` intersected with ``bounds``).
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
    max_rmse_iv_bp
        The verdict of a chain fit: an implied-vol RMSE above this (default 1000 bp, ten vol
        points) is a poor fit. One parameter set of a Lévy model rarely puts most prices of a
        many-expiry chain inside spreads of a few vol points (its smile flattens with maturity
        faster than real ones), so the bid/ask share is reported, not required.
    chain_weights
        Weights of chain quotes, one of :data:`~levyfast.calibration.quotes.CHAIN_WEIGHTS`
        (default: ``"uniform"`` in IV; in price ``"spread"`` where the chain has bid/ask,
        else ``"vega"``).
    min_price
        Chain quotes priced at or below ``min_price`` x forward are left out (default 0).
    spread_tolerant
        If True, a fitted price inside its bid/ask spread has a zero residual.
    method
        The local optimiser: ``"dogbox"`` (default; SciPy's bounded trust region) or ``"lm"``
        (MINPACK's Levenberg-Marquardt: it ignores ``bounds`` but costs far less Python per
        iteration — ~0.25 ms on a 98-quote surface; an answer outside the bounds, or a
        failed one, is redone by dogbox from the same start). ``"lm"`` suits starts near the
        answer (the hybrid :class:`~levyfast.Calibrator` polishes surfaces with it).
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
        max_rmse_iv_bp: float = 1000.0,
        chain_weights: str | None = None,
        min_price: float = 0.0,
        spread_tolerant: bool = False,
        method: str = "dogbox",
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
        self.max_rmse_iv_bp = max_rmse_iv_bp
        self.chain_weights = chain_weights
        self.min_price = min_price
        self.spread_tolerant = spread_tolerant
        self.method = method

    # -- public ------------------------------------------------------------------------------
    def fit(
        self,
        prices: ArrayLike | OptionChain | None,
        market: Market | TermStructure | None = None,
        strikes: ArrayLike | None = None,
        maturities: ArrayLike | None = None,
        *,
        weights: ArrayLike | None = None,
        bid: ArrayLike | None = None,
        ask: ArrayLike | None = None,
    ) -> LeastSquaresCalibrator:
        """Fit to quotes ``prices [n_T, n_K]`` (NaN = missing) or to an option chain; returns
        ``self``.

        A surface needs ``market`` (a flat :class:`~levyfast.Market` or a
        :class:`~levyfast.TermStructure`), ``strikes`` and ``maturities``. With ``bid`` and
        ``ask`` (both ``[n_T, n_K]``), ``prices`` may be ``None`` (mid quotes are used) and
        the default weights are ``1 / (ask - bid)``. ``weights`` (``>= 0``, ``[n_T, n_K]``)
        multiply the residuals.

        An :class:`~levyfast.OptionChain` brings its own forwards, discounts and scattered
        strikes: its usable out-of-the-money quotes are fitted (``chain_weights``,
        ``min_price``), and ``fitted_`` holds them with the model's prices and implied vols.
        Sets ``params_``, ``model_`` and ``result_``.
        """
        start_time = time.perf_counter()
        owner = "LeastSquaresCalibrator.fit"
        model_cls = self.model_cls
        if not (isinstance(model_cls, type) and hasattr(model_cls, "PARAM_NAMES")
                and hasattr(model_cls, "from_array")):
            raise TypeError(f"`model_cls` of LeastSquaresCalibrator must be a levyfast model "
                            f"class; got {model_cls!r}")
        target = check_choice("LeastSquaresCalibrator", "target", self.target, TARGETS)
        kind = check_choice("LeastSquaresCalibrator", "kind", self.kind, KINDS)
        method = check_choice("LeastSquaresCalibrator", "method", self.method, METHODS)
        on_arb = check_choice("LeastSquaresCalibrator", "on_arbitrage", self.on_arbitrage,
                              ON_ARBITRAGE)
        settings = cos_settings("LeastSquaresCalibrator", self.tolerance)
        settings.max_terms = _positive_int("max_terms", self.max_terms)
        if not 16 <= settings.max_terms <= 1 << 24:
            raise ValueError(f"`max_terms` of LeastSquaresCalibrator must be in [16, 16777216]; "
                             f"got {self.max_terms!r}")
        chain = _as_chain(prices)
        if chain is not None:
            for name, value in (("market", market), ("strikes", strikes),
                                ("maturities", maturities), ("weights", weights), ("bid", bid),
                                ("ask", ask)):
                if value is not None:
                    raise ValueError(f"`{name}` of {owner} must not be given with an "
                                     "OptionChain (the chain carries its quotes and market)")
            scheme = self.chain_weights
            if scheme is None:
                scheme = "uniform" if target == "iv" else (
                    "spread" if chain.has_spreads else "vega")
            check_choice("LeastSquaresCalibrator", "chain_weights", scheme, CHAIN_WEIGHTS)
            min_price = check_scalar("LeastSquaresCalibrator", "min_price", self.min_price,
                                     Interval(0.0, 1.0, closed_low=True))
            quotes = QuoteSet.from_chain(owner, chain, scheme, target, min_price)
            price_units = scheme == "uniform"
        else:
            if market is None or strikes is None or maturities is None:
                raise ValueError(f"{owner} needs `market`, `strikes` and `maturities` with a "
                                 "surface of prices (or an OptionChain alone)")
            if not isinstance(market, (Market, TermStructure)):
                raise TypeError(f"`market` of {owner} must be a levyfast.Market or "
                                f"TermStructure; got {type(market).__name__}")
            surface = cast("ArrayLike | None", prices)  # not a chain (checked above)
            quotes = QuoteSet.from_surface(owner, surface, market, strikes, maturities, weights,
                                           bid, ask, kind, on_arb == "drop")
            price_units = bid is None or weights is not None
        x0, free, lower, upper, box = parameter_setup(
            model_cls, self.x0, getattr(model_cls, "DEFAULT_START", None), self.bounds,
            self.fixed, getattr(model_cls, "SEARCH_BOX", None))
        if quotes.size < free.size:
            raise ValueError(f"`prices` of {owner} must hold at least {free.size} usable quotes "
                             f"for {free.size} free parameters; got {quotes.size} (missing "
                             "quotes and quotes dropped for arbitrage do not count)")
        unit = quotes.spot / 100.0 if target == "price" and price_units else 1.0
        problem = Problem(model_cls, quotes, target, settings, x0, free, lower, upper, box,
                          spread_tolerant=bool(self.spread_tolerant), unit=unit)
        max_nfev = _positive_int("max_nfev", self.max_nfev)
        starts = self._starts(problem)
        best: Any = None
        nfev = njev = 0
        for x_start in starts:
            fit = problem.solve(x_start, max_nfev, self.xtol, self.ftol, self.gtol, method)
            nfev += fit.nfev
            njev += fit.njev or 0
            if best is None or fit.cost < best.cost:
                best = fit
        assert best is not None
        params = problem.full(best.x)
        model = model_cls.from_array(params)
        std = np.full(len(params), math.nan)
        identification = Identification(math.nan, (), ())
        final = problem.prices_and_grad(params, with_grad=False)
        priced = final is not None and best.cost < 0.5 * OUTSIDE_DOMAIN**2
        if final is not None:
            prices_fit = final[0]
            if priced:
                jac = problem.jacobian_at(best.x)
                std[problem.free] = _standard_errors(best.fun, jac)
                identification = _identification(problem, best.x, jac, std[problem.free])
        else:
            prices_fit = np.full(problem.quotes.size, math.nan)
        success = bool(best.status > 0 and np.isfinite(best.cost) and priced)
        message = str(best.message)
        if not priced and problem.pricing_error is not None:
            message = f"{message}; the pricer failed: {problem.pricing_error}"
        fit_ok, verdict = problem.verdict(
            prices_fit,
            check_scalar(owner, "max_relative_rmse", self.max_relative_rmse, Interval(0.0)),
            check_scalar(owner, "min_inside_spread", self.min_inside_spread,
                         Interval(0.0, 1.0, closed_low=True, closed_high=True)),
            None if chain is None else check_scalar(owner, "max_rmse_iv_bp",
                                                    self.max_rmse_iv_bp, Interval(0.0)),
        )
        if identification.poorly_identified:
            note = identification.describe()
            message = f"{message}; {note}"
            log.warning("%s of %s: %s", owner, model_cls.__name__, note)
        if not success:
            message = f"fit failed: {message}"
        elif not fit_ok:
            success = False
            message = f"poor fit: {verdict} (the optimiser: {message})"
            log.warning("%s of %s: %s", owner, model_cls.__name__, message)
        self.params_ = params
        self.model_ = model
        self.result_ = CalibrationResult(
            success=success,
            message=message,
            fit_ok=fit_ok,
            verdict=verdict,
            # in the units of the weighted prices (a product: ** raises OverflowError)
            cost=float(best.cost) * problem.unit * problem.unit,
            rmse_price=problem.rmse_price(prices_fit),
            rmse_iv_bp=problem.rmse_iv_bp(prices_fit),
            inside_spread=problem.inside_spread(prices_fit),
            n_unresolved=problem.n_unresolved(prices_fit),
            n_evaluations=int(nfev),
            n_jacobian_evaluations=int(njev),
            n_starts=len(starts),
            n_quotes=problem.quotes.size,
            n_dropped=problem.quotes.n_dropped,
            time_s=time.perf_counter() - start_time,
            std_errors=std,
            condition_number=identification.condition_number,
            at_bound=identification.at_bound,
            poorly_identified=identification.poorly_identified,
        )
        if chain is not None:
            self.fitted_ = _fitted_table(problem, prices_fit)
        return self

    # -- starting points ---------------------------------------------------------------------
    def _starts(self, problem: Problem) -> list[NDArray[np.float64]]:
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


def _as_chain(value: object) -> OptionChain | None:
    """``value`` if it is an OptionChain (without importing pandas otherwise)."""
    chain_module = sys.modules.get("levyfast.chain.option_chain")
    if chain_module is not None and isinstance(value, chain_module.OptionChain):
        return value
    return None


def _fitted_table(problem: Problem, prices: NDArray[np.float64]) -> Any:
    """Per fitted quote: maturity, strike, type, quote, spread, model price, both IVs and
    whether the model's is resolved (:meth:`Problem.model_ivs`)."""
    import pandas as pd

    q = problem.quotes
    quote_iv = problem.quote_iv if problem.quote_iv is not None else problem.implied_vols(
        q.quotes)
    model_iv, _, resolved = problem.model_ivs(prices)
    return pd.DataFrame({
        "T": q.quote_maturities, "strike": q.strikes,
        "kind": np.where(q.is_put, "put", "call"), "forward": q.forwards,
        "quote": q.quotes, "spread": q.spread if q.spread is not None else math.nan,
        "model": prices, "iv_quote": quote_iv, "iv_model": model_iv,
        "resolved": resolved, "weight": q.weights,
    })


def _positive_int(name: str, value: object, allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"`{name}` of LeastSquaresCalibrator must be an integer; got {value!r}")
    low = 0 if allow_zero else 1
    if int(value) < low:
        raise ValueError(f"`{name}` of LeastSquaresCalibrator must be >= {low}; got {value!r}")
    return int(value)


@dataclass(frozen=True, slots=True)
class Identification:
    """Whether the quotes determine the fitted parameters, from the Jacobian ``J`` of the
    weighted residuals at the solution (Bates & Watts 1988, ch. 2; Belsley, Kuh & Welsch 1980
    for the variance inflation factor).

    Parameters within ``1e-6`` of the box span of a bound are ``at_bound`` (their standard
    errors mean nothing) and left out. Over the others, with the columns of ``J`` scaled to
    unit length, ``condition_number`` is ``s_max / s_min`` of the scaled ``J`` and the variance
    inflation factor of parameter ``j`` is ``[(J_s^T J_s)^{-1}]_jj``. A parameter is poorly
    identified when its factor exceeds :data:`MAX_VIF` (its effect on the quotes is matched to
    within 1% by the others), or its standard error is not finite or exceeds
    ``max(|theta_j|, 0.01)``.
    """

    condition_number: float
    at_bound: tuple[str, ...]
    poorly_identified: tuple[str, ...]

    def describe(self) -> str:
        return (f"parameters {', '.join(self.poorly_identified)} are not identified by these "
                f"quotes (scaled Jacobian condition number {self.condition_number:.3g}; see "
                "result_.std_errors)")


#: Variance inflation factor above which a parameter is poorly identified (R^2 > 0.9999).
MAX_VIF = 1e4


def _identification(problem: Problem, x_free: NDArray[np.float64], jac: NDArray[np.float64],
                    std: NDArray[np.float64]) -> Identification:
    names = [problem.model_cls.PARAM_NAMES[j] for j in problem.free]
    lo, hi = problem.lower[problem.free], problem.upper[problem.free]
    span = np.where(np.isfinite(hi - lo), hi - lo, np.maximum(np.abs(x_free), 1.0))
    edge = 1e-6 * span
    at_bound = (x_free - lo <= edge) | (hi - x_free <= edge)
    inner = np.flatnonzero(~at_bound)
    poor: list[str] = []
    kappa = math.nan
    if inner.size:
        cols = jac[:, inner]
        norms = np.linalg.norm(cols, axis=0)
        if np.all(norms > 0.0) and np.all(np.isfinite(norms)):
            # VIF_j = [(S^T S)^-1]_jj = sum_k V_jk^2 / s_k^2 for the SVD S = U diag(s) V^T
            _, sv, vt = np.linalg.svd(cols / norms, full_matrices=False)
            kappa = float(sv[0] / sv[-1]) if sv[-1] > 0.0 else math.inf
            vif = (vt.T**2 @ sv**-2.0) if math.isfinite(kappa) else \
                np.full(inner.size, math.inf)
        else:
            kappa, vif = math.inf, np.where(norms > 0.0, 1.0, math.inf)
        for k, j in enumerate(inner):
            se = std[j]
            if not (vif[k] <= MAX_VIF and math.isfinite(se)
                    and se <= max(abs(float(x_free[j])), 0.01)):
                poor.append(names[j])
    return Identification(kappa, tuple(names[j] for j in np.flatnonzero(at_bound)),
                          tuple(poor))


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
