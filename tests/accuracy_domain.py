"""The accuracy promise of ``levyfast.price`` and seeded samplers of its domain (issue 16).

The promise
-----------
For every model (BlackScholes, VarianceGamma, CGMY, NIG, Merton, Kou) with parameters anywhere
inside ``Model.BOUNDS`` (and the cross constraints), every European call and put with

* maturity ``T`` in ``[0.02, 10]`` years,
* strike ``K / S0`` in ``[0.5, 2]``,
* rate ``r`` in ``[-1%, 10%]``, dividend yield ``q`` in ``[0, 5%]``, any spot ``S0 > 0``,

is priced by ``lf.price`` without an exception, without NaN, to within ``1e-6 * S0`` at the
default settings and within ``1e-10 * S0`` with ``tolerance=lf.HIGH_ACCURACY``.

Sampling ranges
---------------
Most bounds are ``(0, inf)``, so the samplers draw from wide, documented ranges that cover what
users and calibrators reach ("logU[a, b]" is log-uniform, "U[a, b]" uniform):

=============  ===========================================================================
market         S0 ~ logU[1, 5000], r ~ U[-0.01, 0.10], q ~ U[0, 0.05]
maturities     2 per draw, T ~ logU[0.02, 10]
strikes        4 per draw, K/S0 ~ logU[0.5, 2]
BlackScholes   sigma ~ logU[0.005, 3]
VarianceGamma  sigma ~ logU[0.01, 1], nu ~ logU[0.005, 5], theta ~ U[-1.5, 1];
               kept if w = 1 - theta nu - sigma^2 nu / 2 >= 0.01
CGMY           C ~ logU[0.01, 20], G ~ logU[0.3, 50], M - 1 ~ logU[0.02, 50],
               Y ~ U[0, 1.98] (1 in 4 draws: Y from ``CGMY_Y_CORNERS``),
               sigma = 0 (1 in 2) or ~ logU[0.01, 0.5]
NIG            alpha ~ logU[0.6, 100], beta = -alpha + s (2 alpha - 1), s ~ U[0.01, 0.99]
               (so |beta| < alpha, |beta + 1| < alpha), delta ~ logU[0.005, 5]
Merton         sigma ~ logU[0.01, 1], lam = 0 (1 in 10) or ~ logU[0.01, 50],
               mu_j ~ U[-1, 0.5], sigma_j ~ logU[0.01, 1]
Kou            sigma ~ logU[0.01, 1], lam = 0 (1 in 10) or ~ logU[0.01, 50], p ~ U[0, 1],
               eta1 - 1 ~ logU[0.01, 100], eta2 ~ logU[0.2, 100]
=============  ===========================================================================

Every random draw is kept only if the annual variance of ``X_1`` (``model.cumulants(1)[1]``)
is at most ``MAX_ANNUAL_VARIANCE = 100`` (a 1000% volatility; CGMY(1, 5, 5, 1.98) of the test
zoo has 96): beyond that every option is worth its bound ``S0 e^{-qT}`` or intrinsic value.

Hard corners (each a sampler of its own, ``CORNERS``)
-----------------------------------------------------
* ``vg_short``: VG with ``T/nu <= 0.2`` (``|phi| ~ |u|^(-2T/nu)`` decays very slowly).
* ``vg_moment``: VG at the moment boundary, ``w = 1 - theta nu - sigma^2 nu/2`` in
  ``[0.01, 0.05]`` (theta solved from w), incl. ``T/nu <= 0.2`` for half the draws.
* ``vg_tiny_sigma``: VG with sigma ~ logU[1e-8, 1e-3] (an almost pure gamma process).
* ``cgmy_y``: CGMY with Y in ``CGMY_Y_CORNERS``, small ``C T`` (C ~ logU[0.01, 1],
  T ~ logU[0.02, 0.2]) and M - 1 ~ logU[0.02, 0.2] for half the draws (M near 1).
* ``nig_small_delta_t``: NIG with ``delta T`` ~ logU[1e-4, 1e-2].
* ``merton_big``: Merton with lam ~ U[5, 50], |mu_j| ~ U[0.3, 1], sigma_j ~ U[0.3, 1].
* ``kou_big``: Kou with lam ~ U[5, 50], eta1 - 1 ~ logU[0.01, 0.2], eta2 ~ logU[0.1, 1].

The corners are *not* subject to the variance cap: they are the promise's hard edges.

Each draw is a :class:`Draw` (model, market, maturities, strikes); samplers take a
``numpy.random.Generator`` so that a seed reproduces the draws exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import levyfast as lf

#: The promise: |lf.price - true| <= ABS_TOL[setting] * S0.
DEFAULT_PROMISE = 1e-6
HIGH_PROMISE = 1e-10

T_RANGE = (0.02, 10.0)
MONEYNESS_RANGE = (0.5, 2.0)
SPOT_RANGE = (1.0, 5000.0)
RATE_RANGE = (-0.01, 0.10)
DIVIDEND_RANGE = (0.0, 0.05)
MAX_ANNUAL_VARIANCE = 100.0
N_MATURITIES = 2
N_STRIKES = 4

#: The Y values where the CGMY exponent changes form or degenerates.
CGMY_Y_CORNERS = (0.0, 0.01, 0.5, 0.99, 1.0, 1.01, 1.5, 1.98)


@dataclass(frozen=True)
class Draw:
    """One sampled input: a model, a market, maturities and strikes (sorted)."""

    model: lf.LevyModel
    market: lf.Market
    maturities: np.ndarray
    strikes: np.ndarray

    def __repr__(self) -> str:
        return (
            f"Draw(model=lf.{self.model!r}, market=lf.{self.market!r}, "
            f"maturities={self.maturities.tolist()!r}, strikes={self.strikes.tolist()!r})"
        )


Sampler = Callable[[np.random.Generator], Draw]


def log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def sample_market(rng: np.random.Generator) -> lf.Market:
    return lf.Market(
        log_uniform(rng, *SPOT_RANGE),
        float(rng.uniform(*RATE_RANGE)),
        float(rng.uniform(*DIVIDEND_RANGE)),
    )


def sample_maturities(
    rng: np.random.Generator, lo: float = T_RANGE[0], hi: float = T_RANGE[1]
) -> np.ndarray:
    return np.sort([log_uniform(rng, lo, hi) for _ in range(N_MATURITIES)])


def sample_strikes(rng: np.random.Generator, spot: float) -> np.ndarray:
    return spot * np.sort([log_uniform(rng, *MONEYNESS_RANGE) for _ in range(N_STRIKES)])


def _draw(
    rng: np.random.Generator,
    make_model: Callable[[np.random.Generator], lf.LevyModel | None],
    *,
    capped: bool = True,
    t_range: tuple[float, float] = T_RANGE,
) -> Draw:
    """Rejection-sample a valid model (``make_model`` returns None to reject), then the rest."""
    for _ in range(10_000):
        model = make_model(rng)
        if model is None:
            continue
        if capped and not model.cumulants(1.0)[1] <= MAX_ANNUAL_VARIANCE:
            continue
        break
    else:  # pragma: no cover - the samplers accept a positive fraction of their draws
        raise RuntimeError("sampler rejected 10000 draws in a row")
    market = sample_market(rng)
    return Draw(model, market, sample_maturities(rng, *t_range), sample_strikes(rng, market.spot))


def _vg_or_none(sigma: float, nu: float, theta: float, w_min: float) -> lf.LevyModel | None:
    w = 1.0 - theta * nu - 0.5 * sigma * sigma * nu
    return lf.VarianceGamma(sigma, nu, theta) if w >= w_min else None


# -- random draws over the whole domain, one sampler per model ---------------------------------


def sample_black_scholes(rng: np.random.Generator) -> Draw:
    return _draw(rng, lambda g: lf.BlackScholes(log_uniform(g, 0.005, 3.0)))


def sample_variance_gamma(rng: np.random.Generator) -> Draw:
    return _draw(
        rng,
        lambda g: _vg_or_none(
            log_uniform(g, 0.01, 1.0), log_uniform(g, 0.005, 5.0), float(g.uniform(-1.5, 1.0)), 0.01
        ),
    )


def _cgmy(g: np.random.Generator) -> lf.LevyModel:
    y = float(g.choice(CGMY_Y_CORNERS)) if g.uniform() < 0.25 else float(g.uniform(0.0, 1.98))
    sigma = 0.0 if g.uniform() < 0.5 else log_uniform(g, 0.01, 0.5)
    return lf.CGMY(
        log_uniform(g, 0.01, 20.0),
        log_uniform(g, 0.3, 50.0),
        1.0 + log_uniform(g, 0.02, 50.0),
        y,
        sigma,
    )


def sample_cgmy(rng: np.random.Generator) -> Draw:
    return _draw(rng, _cgmy)


def _nig(g: np.random.Generator, delta: float | None = None) -> lf.LevyModel:
    alpha = log_uniform(g, 0.6, 100.0)
    beta = -alpha + float(g.uniform(0.01, 0.99)) * (2.0 * alpha - 1.0)
    return lf.NIG(alpha, beta, log_uniform(g, 0.005, 5.0) if delta is None else delta)


def sample_nig(rng: np.random.Generator) -> Draw:
    return _draw(rng, _nig)


def _intensity(g: np.random.Generator) -> float:
    return 0.0 if g.uniform() < 0.1 else log_uniform(g, 0.01, 50.0)


def sample_merton(rng: np.random.Generator) -> Draw:
    return _draw(
        rng,
        lambda g: lf.Merton(
            log_uniform(g, 0.01, 1.0),
            _intensity(g),
            float(g.uniform(-1.0, 0.5)),
            log_uniform(g, 0.01, 1.0),
        ),
    )


def sample_kou(rng: np.random.Generator) -> Draw:
    return _draw(
        rng,
        lambda g: lf.Kou(
            log_uniform(g, 0.01, 1.0),
            _intensity(g),
            float(g.uniform(0.0, 1.0)),
            1.0 + log_uniform(g, 0.01, 100.0),
            log_uniform(g, 0.2, 100.0),
        ),
    )


# -- hard corners ------------------------------------------------------------------------------


def sample_vg_short(rng: np.random.Generator) -> Draw:
    """VG with T/nu <= 0.2: nu ~ logU[0.1, 5], T ~ logU[0.02, 0.2 nu]."""
    sigma, nu = log_uniform(rng, 0.01, 1.0), log_uniform(rng, 0.1, 5.0)
    theta = float(rng.uniform(-1.0, 0.5))
    while 1.0 - theta * nu - 0.5 * sigma * sigma * nu < 0.01:
        theta = float(rng.uniform(-1.0, 0.5))
        sigma = log_uniform(rng, 0.01, 1.0)
    market = sample_market(rng)
    t = sample_maturities(rng, 0.02, 0.2 * nu)
    return Draw(lf.VarianceGamma(sigma, nu, theta), market, t, sample_strikes(rng, market.spot))


def sample_vg_moment(rng: np.random.Generator) -> Draw:
    """VG with w = 1 - theta nu - sigma^2 nu/2 ~ U[0.01, 0.05] (theta solved from w)."""
    sigma, nu = log_uniform(rng, 0.01, 1.0), log_uniform(rng, 0.1, 5.0)
    w = float(rng.uniform(0.01, 0.05))
    theta = (1.0 - w - 0.5 * sigma * sigma * nu) / nu
    market = sample_market(rng)
    t_hi = 0.2 * nu if rng.uniform() < 0.5 else T_RANGE[1]
    t = sample_maturities(rng, 0.02, t_hi)
    return Draw(lf.VarianceGamma(sigma, nu, theta), market, t, sample_strikes(rng, market.spot))


def sample_vg_tiny_sigma(rng: np.random.Generator) -> Draw:
    return _draw(
        rng,
        lambda g: _vg_or_none(
            log_uniform(g, 1e-8, 1e-3), log_uniform(g, 0.01, 2.0), float(g.uniform(-0.5, 0.3)), 0.01
        ),
    )


def sample_cgmy_corner(rng: np.random.Generator) -> Draw:
    """CGMY with Y from CGMY_Y_CORNERS, C T small, M near 1 for half the draws."""
    y = float(rng.choice(CGMY_Y_CORNERS))
    m = 1.0 + (log_uniform(rng, 0.02, 0.2) if rng.uniform() < 0.5 else log_uniform(rng, 1.0, 20.0))
    sigma = 0.0 if rng.uniform() < 0.7 else log_uniform(rng, 0.01, 0.3)
    model = lf.CGMY(log_uniform(rng, 0.01, 1.0), log_uniform(rng, 0.5, 20.0), m, y, sigma)
    market = sample_market(rng)
    t = sample_maturities(rng, 0.02, 0.2)
    return Draw(model, market, t, sample_strikes(rng, market.spot))


def sample_nig_small_delta_t(rng: np.random.Generator) -> Draw:
    """NIG with delta T ~ logU[1e-4, 1e-2] at T ~ logU[0.02, 1]."""
    market = sample_market(rng)
    t = sample_maturities(rng, 0.02, 1.0)
    delta = log_uniform(rng, 1e-4, 1e-2) / float(t[0])
    return Draw(_nig(rng, delta), market, t, sample_strikes(rng, market.spot))


def sample_merton_big(rng: np.random.Generator) -> Draw:
    mu_j = float(rng.uniform(0.3, 1.0)) * (1.0 if rng.uniform() < 0.3 else -1.0)
    model = lf.Merton(
        log_uniform(rng, 0.01, 0.5),
        float(rng.uniform(5.0, 50.0)),
        mu_j,
        float(rng.uniform(0.3, 1.0)),
    )
    return _draw(rng, lambda g: model, capped=False)


def sample_kou_big(rng: np.random.Generator) -> Draw:
    model = lf.Kou(
        log_uniform(rng, 0.01, 0.5),
        float(rng.uniform(5.0, 50.0)),
        float(rng.uniform(0.0, 1.0)),
        1.0 + log_uniform(rng, 0.01, 0.2),
        log_uniform(rng, 0.1, 1.0),
    )
    return _draw(rng, lambda g: model, capped=False)


@dataclass(frozen=True)
class Domain:
    """A named sampler with its fixed seed and its CI / nightly sizes (number of draws).

    The CI sizes are set from the measured oracle cost per draw (2 maturities x 4 strikes,
    two methods): about 0.07 s (BlackScholes), 0.2 s (NIG, Merton), 0.3 s (VG, Kou) and 1 s
    (CGMY) on one core, so the CI run takes about 3 minutes in all.
    """

    name: str
    sampler: Sampler
    seed: int
    n_ci: int
    n_nightly: int

    def draws(self, n: int) -> list[Draw]:
        rng = np.random.default_rng(self.seed)
        return [self.sampler(rng) for _ in range(n)]


#: Random draws over the whole domain, one per model (the seeds are arbitrary but fixed).
RANDOM_DOMAINS: tuple[Domain, ...] = (
    Domain("black_scholes", sample_black_scholes, 1601, 60, 300),
    Domain("variance_gamma", sample_variance_gamma, 1602, 80, 400),
    Domain("cgmy", sample_cgmy, 1603, 40, 300),
    Domain("nig", sample_nig, 1604, 80, 400),
    Domain("merton", sample_merton, 1605, 60, 300),
    Domain("kou", sample_kou, 1606, 50, 300),
)

#: Hard corners of the domain (see the module docstring).
CORNERS: tuple[Domain, ...] = (
    Domain("vg_short", sample_vg_short, 1611, 24, 120),
    Domain("vg_moment", sample_vg_moment, 1612, 24, 120),
    Domain("vg_tiny_sigma", sample_vg_tiny_sigma, 1613, 12, 60),
    Domain("cgmy_y", sample_cgmy_corner, 1614, 24, 120),
    Domain("nig_small_delta_t", sample_nig_small_delta_t, 1615, 24, 120),
    Domain("merton_big", sample_merton_big, 1616, 16, 80),
    Domain("kou_big", sample_kou_big, 1617, 16, 80),
)

#: Known failures reported against the pricer (issue 16) with their true values:
#: (model, market, strike, maturity, kind, tolerance setting, true value, its accuracy).
KNOWN_CASES: tuple[tuple[lf.LevyModel, lf.Market, float, float, str, float, float, float], ...] = (
    (
        lf.VarianceGamma(0.2, 1.0, 0.96),
        lf.Market(1.0, 0.0, 0.0),
        1.2,
        5.0,
        "put",
        lf.DEFAULT_TOLERANCE,
        1.199924357136859,
        1e-12,
    ),
    (
        lf.VarianceGamma(0.370605, 0.889764, 1.03723),
        lf.Market(2500.0, -0.000759458, 0.00434824),
        2856.6,
        8.1144,
        "call",
        lf.DEFAULT_TOLERANCE,
        2413.3296,
        5e-5,
    ),
    (
        lf.CGMY(1.0, 5.0, 5.0, 0.01),
        lf.Market(100.0, 0.03),
        100.0,
        0.1,
        "call",
        lf.DEFAULT_TOLERANCE,
        1.98708622840838,
        1e-12,
    ),
    (
        lf.NIG(3.48046, -2.67209, 0.00806705),
        lf.Market(1.0, 0.0726526, 0.0182795),
        0.707597,
        0.0223261,
        "call",
        lf.HIGH_ACCURACY,
        0.293175807020177,
        1e-14,
    ),
    (
        lf.VarianceGamma(1e-8, 0.3, -0.15),
        lf.Market(100.0, 0.03, 0.01),
        100.0,
        0.1,
        "call",
        lf.DEFAULT_TOLERANCE,
        0.9603,
        5e-5,
    ),
)
