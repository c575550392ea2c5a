"""``BayesianCalibrator``: the posterior of a model's parameters given a quoted surface or an
option chain (scikit-learn contract, DESIGN.md §9).

Pipeline of :meth:`BayesianCalibrator.fit`: quotes through
:class:`~levyfast.calibration.quotes.QuoteSet` (NaN = missing, bid/ask, chains with their
forwards and discounts); a least-squares fit (:class:`levyfast.LeastSquaresCalibrator`) and
the residual noise scale give a start ``u_hat``; the Laplace covariance ``S = L L^T`` at it
whitens the target (the sampler moves ``z`` with ``u = u_hat + L z``, a fixed dense metric on
which the warm-up adapts a diagonal one); chains start at ``z ~ N(0, jitter^2 I)``; NUTS or HMC
(:mod:`~levyfast_train.bayes.sampler`) samples; ArviZ diagnoses
(:mod:`~levyfast_train.bayes.diagnostics`).
A run that fails a diagnostic warns (``UserWarning``) and sets ``converged_ = False``.
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import tensorflow as tf
import tensorflow_probability as tfp
from numpy.typing import ArrayLike, NDArray

import levyfast as lf
from levyfast import LevyModel, Market, TermStructure
from levyfast._estimator import EstimatorParams
from levyfast.calibration.quotes import QuoteSet

from .diagnostics import Diagnostics, diagnose, inference_data, summarize
from .likelihood import QuotePricer, noise_model
from .noise_models import NOISE_MODELS
from .parameterisation import LINKS, Parameterisation
from .priors import resolve_priors
from .sampler import KERNELS, SamplerConfig, SamplerRun, run_sampler
from .target import PosteriorTarget, find_mode, laplace_covariance

if TYPE_CHECKING:
    import arviz as az

__all__ = ["BayesianCalibrator"]

log = logging.getLogger(__name__)
tfd = tfp.distributions
_OWNER = "BayesianCalibrator"


def _positive_int(name: str, value: object, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"`{name}` of {_OWNER} must be an integer >= {minimum}; got {value!r}")
    return int(value)


class BayesianCalibrator(EstimatorParams):
    """Posterior sampling of a built-in model's parameters (see the module docstring).

    Parameters
    ----------
    model_cls
        A built-in model class (``lf.VarianceGamma``, ``lf.NIG``, ``lf.CGMY``, ...).
    noise
        ``"relative"`` (default), ``"absolute"``, ``"iv"`` or ``"spread"`` (see
        :mod:`levyfast_train.bayes.likelihood`); its scale is sampled.
    priors
        Per-parameter replacements of :mod:`levyfast_train.bayes.priors`' defaults.
    fixed
        Parameters held at given values (e.g. ``{"sigma": 0.0}`` for pure-jump CGMY).
    quote_type
        ``"price"`` or ``"iv"`` (a surface of Black implied volatilities; converted to prices
        with each maturity's forward and discount factor).
    progress
        ``progress(phase, done, total)`` called during sampling (the CLI prints it).

    Attributes (after ``fit``)
    --------------------------
    posterior_ : arviz.InferenceData
        Draws of the free parameters and the noise scale ``tau`` (``posterior``) and the
        sampler statistics (``sample_stats``: ``diverging``, ``energy``, ``tree_depth``,
        ``n_steps``, ``lp``, ``acceptance_rate``).
    summary_ : pandas.DataFrame
        Mean, sd, quantiles, HDI, MCSE, ESS and R-hat per variable.
    diagnostics_ : Diagnostics
    converged_ : bool
    params_ : ndarray
        Posterior means in ``PARAM_NAMES`` order (fixed values included).
    start_ : LevyModel
        The least-squares fit the chains started from.
    quotes_ : QuoteSet
    timing_ : dict
        Seconds of the start, warm-up and sampling phases.
    """

    def __init__(
        self,
        model_cls: type[LevyModel],
        *,
        noise: str = "relative",
        priors: Mapping[str, tfp.distributions.Distribution] | None = None,
        fixed: Mapping[str, float] | None = None,
        n_chains: int = 4,
        n_draws: int = 1000,
        n_warmup: int = 500,
        kernel: str = "nuts",
        target_accept: float = 0.8,
        max_tree_depth: int = 10,
        n_leapfrog: int = 16,
        init_jitter: float = 0.5,
        kind: str = "call",
        quote_type: str = "price",
        tolerance: float = lf.DEFAULT_TOLERANCE,
        min_price: float = 0.0,
        on_arbitrage: str = "raise",
        hdi_prob: float = 0.9,
        seed: int = 0,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> None:
        self.model_cls = model_cls
        self.noise = noise
        self.priors = priors
        self.fixed = fixed
        self.n_chains = n_chains
        self.n_draws = n_draws
        self.n_warmup = n_warmup
        self.kernel = kernel
        self.target_accept = target_accept
        self.max_tree_depth = max_tree_depth
        self.n_leapfrog = n_leapfrog
        self.init_jitter = init_jitter
        self.kind = kind
        self.quote_type = quote_type
        self.tolerance = tolerance
        self.min_price = min_price
        self.on_arbitrage = on_arbitrage
        self.hdi_prob = hdi_prob
        self.seed = seed
        self.progress = progress

    # -- validation ----------------------------------------------------------------------------
    def _check(self) -> SamplerConfig:
        if not (isinstance(self.model_cls, type) and self.model_cls in LINKS):
            raise TypeError(f"`model_cls` of {_OWNER} must be a built-in levyfast model class "
                            f"({', '.join(c.__name__ for c in LINKS)}); got {self.model_cls!r}")
        if self.noise not in NOISE_MODELS:
            raise ValueError(f"`noise` of {_OWNER} must be one of {sorted(NOISE_MODELS)}; got "
                             f"{self.noise!r}")
        if self.kernel not in KERNELS:
            raise ValueError(f"`kernel` of {_OWNER} must be one of {KERNELS}; got "
                             f"{self.kernel!r}")
        for name, value, choices in (("kind", self.kind, ("call", "put")),
                                     ("quote_type", self.quote_type, ("price", "iv")),
                                     ("on_arbitrage", self.on_arbitrage, ("raise", "drop"))):
            if value not in choices:
                raise ValueError(f"`{name}` of {_OWNER} must be one of {choices}; got {value!r}")
        if not 0.5 <= float(self.target_accept) < 1.0:
            raise ValueError(f"`target_accept` of {_OWNER} must be in [0.5, 1); got "
                             f"{self.target_accept!r}")
        if not 0.0 <= float(self.init_jitter) <= 10.0:
            raise ValueError(f"`init_jitter` of {_OWNER} must be in [0, 10]; got "
                             f"{self.init_jitter!r}")
        if not 0.0 < float(self.hdi_prob) < 1.0:
            raise ValueError(f"`hdi_prob` of {_OWNER} must be in (0, 1); got {self.hdi_prob!r}")
        _positive_int("n_chains", self.n_chains, 2)
        return SamplerConfig(
            n_draws=_positive_int("n_draws", self.n_draws, 4),
            n_warmup=_positive_int("n_warmup", self.n_warmup, 0),
            kernel=self.kernel, target_accept=float(self.target_accept),
            max_tree_depth=_positive_int("max_tree_depth", self.max_tree_depth),
            n_leapfrog=_positive_int("n_leapfrog", self.n_leapfrog))

    def _quotes(self, prices: ArrayLike | lf.OptionChain | None,
                market: Market | TermStructure | None, strikes: ArrayLike | None,
                maturities: ArrayLike | None, bid: ArrayLike | None,
                ask: ArrayLike | None) -> tuple[QuoteSet, dict[str, Any]]:
        """QuoteSet and the arguments of the least-squares start."""
        owner = f"{_OWNER}.fit"
        if isinstance(prices, lf.OptionChain):
            for name, value in (("market", market), ("strikes", strikes),
                                ("maturities", maturities), ("bid", bid), ("ask", ask)):
                if value is not None:
                    raise ValueError(f"`{name}` of {owner} must not be given with an "
                                     "OptionChain (the chain carries its quotes and market)")
            if self.quote_type != "price":
                raise ValueError(f"`quote_type` of {owner} must be 'price' with an OptionChain "
                                 f"(its quotes are prices); got {self.quote_type!r}")
            qs = QuoteSet.from_chain(owner, prices, "uniform", "price", float(self.min_price))
            return qs, {"prices": prices, "target": "iv"}
        if prices is None and bid is None:
            raise ValueError(f"`prices` of {owner} is required (a [n_T, n_K] surface or an "
                             "OptionChain) unless `bid` and `ask` are given")
        if market is None or strikes is None or maturities is None:
            raise ValueError(f"{owner} needs `market`, `strikes` and `maturities` with a "
                             "surface of quotes (or an OptionChain alone)")
        if not isinstance(market, (Market, TermStructure)):
            raise TypeError(f"`market` of {owner} must be a levyfast.Market or TermStructure; "
                            f"got {type(market).__name__}")
        if self.quote_type == "iv" and prices is not None:
            prices = _iv_to_prices(owner, prices, market, strikes, maturities, self.kind)
        qs = QuoteSet.from_surface(owner, prices, market, strikes, maturities, None, bid, ask,
                                   self.kind, self.on_arbitrage == "drop")
        return qs, {"prices": prices, "market": market, "strikes": strikes,
                    "maturities": maturities, "bid": bid, "ask": ask, "target": "price"}

    # -- fit -------------------------------------------------------------------------------------
    def fit(
        self,
        prices: ArrayLike | lf.OptionChain | None,
        market: Market | TermStructure | None = None,
        strikes: ArrayLike | None = None,
        maturities: ArrayLike | None = None,
        *,
        bid: ArrayLike | None = None,
        ask: ArrayLike | None = None,
    ) -> BayesianCalibrator:
        """Sample the posterior given quotes ``prices [n_T, n_K]`` (NaN = missing; implied
        vols with ``quote_type="iv"``; may be None with ``bid`` and ``ask``: mid quotes) with
        ``market``, ``strikes`` and ``maturities``, or an :class:`~levyfast.OptionChain`
        alone; returns ``self``."""
        config = self._check()
        t0 = time.perf_counter()
        qs, start_args = self._quotes(prices, market, strikes, maturities, bid, ask)
        param = Parameterisation(self.model_cls, self.fixed)
        if qs.size < param.n_free + 1:
            raise ValueError(f"`prices` of {_OWNER}.fit must hold at least {param.n_free + 1} "
                             f"usable quotes for {param.n_free} parameters and the noise scale; "
                             f"got {qs.size}")
        noise = noise_model(self.noise, qs)
        pricer = QuotePricer(self.model_cls, qs, self.tolerance)
        target = PosteriorTarget(param, resolve_priors(self.model_cls, param.free_names,
                                                       self.priors), pricer, noise)
        start, u_ls = self._start(target, start_args)
        u_hat = find_mode(target, u_ls)
        try:
            cov = laplace_covariance(target, u_hat)
        except ValueError as exc:
            log.warning("no Laplace covariance at the start (%s); unit metric", exc)
            cov = np.eye(u_hat.size) * 1e-2
        chol = np.linalg.cholesky(cov + 1e-12 * np.eye(u_hat.size) * np.trace(cov))
        shift_t, chol_t = tf.constant(u_hat), tf.constant(chol.T)

        def log_prob(z: tf.Tensor) -> tf.Tensor:
            return target.log_prob(shift_t + z @ chol_t)

        rng = np.random.default_rng(self.seed)
        n_chains = int(self.n_chains)
        z0 = float(self.init_jitter) * rng.standard_normal((n_chains, u_hat.size))
        t_start = time.perf_counter() - t0
        run = run_sampler(log_prob, z0, config, seed=int(rng.integers(2**31)),
                          progress=self.progress)
        u = u_hat + run.draws @ chol.T
        x, tau = target.constrained(u)
        self._set_results(param, run, x, tau, qs, start, config, pricer, noise)
        self.timing_ = {"start": t_start, "warmup": run.seconds_warmup,
                        "sampling": run.seconds_sampling}
        return self

    def _start(self, target: PosteriorTarget, args: dict[str, Any]
               ) -> tuple[LevyModel, NDArray[np.float64]]:
        """Least-squares fit, the noise scale of its residuals, and their ``u``."""
        prices = args.pop("prices")
        target_kind = args.pop("target")
        ls = lf.LeastSquaresCalibrator(self.model_cls, target=target_kind, kind=self.kind,
                                       fixed=self.fixed, on_arbitrage=self.on_arbitrage,
                                       tolerance=self.tolerance, n_starts=4, global_samples=32)
        with warnings.catch_warnings():  # a poor fit is still a start
            warnings.simplefilter("ignore")
            ls.fit(prices, **{k: v for k, v in args.items() if v is not None})
        x_hat = ls.model_.to_array()
        p_hat, _, valid = target.pricer(x_hat[None, :])
        if not valid[0]:
            raise ValueError(f"the least-squares start {ls.model_!r} of {_OWNER} cannot be "
                             "priced on the quotes")
        base = target.noise.unit + (p_hat[0] if target.noise.relative else 0.0)
        tau = float(np.sqrt(np.mean(((target.pricer.quotes.quotes - p_hat[0]) / base) ** 2)))
        tau = min(max(tau, 1e-3 * target.noise.prior_median), 1e3 * target.noise.prior_median)
        u_hat = target.unconstrained(x_hat[None, :], np.array([tau]))[0]
        if not np.isfinite(target.log_prob(tf.constant(u_hat[None, :])).numpy()[0]):
            raise ValueError(f"the log posterior of {_OWNER} is not finite at the least-squares "
                             f"start {ls.model_!r}")
        return ls.model_, u_hat

    def _set_results(self, param: Parameterisation, run: SamplerRun, x: NDArray[np.float64],
                     tau: NDArray[np.float64], qs: QuoteSet, start: LevyModel,
                     config: SamplerConfig, pricer: QuotePricer, noise: Any) -> None:
        names = param.names
        posterior = {n: x[..., names.index(n)] for n in param.free_names}
        posterior["tau"] = tau
        self.posterior_: az.InferenceData = inference_data(posterior, run.stats)
        self.diagnostics_: Diagnostics = diagnose(
            self.posterior_, config.max_tree_depth if config.kernel == "nuts" else None)
        self.converged_ = self.diagnostics_.converged
        self.summary_: pd.DataFrame = summarize(self.posterior_, float(self.hdi_prob))
        self.params_ = x.reshape(-1, len(names)).mean(axis=0)
        self.start_ = start
        self.quotes_ = qs
        self.step_size_ = run.step_size
        self._pricer, self._noise = pricer, noise
        self._draws_x, self._draws_tau = x, tau
        if not self.converged_:
            warnings.warn(f"{_OWNER}: the {self.model_cls.__name__} posterior has not converged: "
                          + "; ".join(self.diagnostics_.reasons)
                          + " (do not trust its summary; see diagnostics_)", UserWarning,
                          stacklevel=3)

    # -- predictive ------------------------------------------------------------------------------
    def draws(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Full parameter rows ``[n_chains * n_draws, n_params]`` and noise scales."""
        self._require_fit()
        n = len(self.model_cls.PARAM_NAMES)
        return self._draws_x.reshape(-1, n), self._draws_tau.reshape(-1)

    def _require_fit(self) -> None:
        if not hasattr(self, "posterior_"):
            raise ValueError(f"{_OWNER} is not fitted: call fit first")


def _iv_to_prices(owner: str, ivs: ArrayLike, market: Market | TermStructure,
                  strikes: ArrayLike, maturities: ArrayLike, kind: str) -> NDArray[np.float64]:
    vols = np.asarray(ivs, dtype=np.float64)
    k = np.asarray(strikes, dtype=np.float64)
    t = np.asarray(maturities, dtype=np.float64)
    if vols.shape != (t.size, k.size):
        raise ValueError(f"`prices` of {owner} must have shape [n_T, n_K] = {[t.size, k.size]}; "
                         f"got {list(vols.shape)}")
    if np.any(vols[np.isfinite(vols)] <= 0.0):
        raise ValueError(f"`prices` of {owner} (implied vols) must be > 0 or NaN (missing)")
    out = np.full(vols.shape, math.nan)
    for i, ti in enumerate(t):
        m = market if isinstance(market, Market) else market.market_at(float(ti))
        fwd = m.spot * math.exp((m.rate - m.dividend) * ti)
        ok = np.isfinite(vols[i])
        out[i, ok] = lf.black_price(fwd, k[ok], ti, vols[i, ok], math.exp(-m.rate * ti), kind)
    return out
