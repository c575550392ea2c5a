"""Randomised accuracy test of ``lf.price`` against the independent oracle (issue 16).

The promise and the sampled domain are documented in ``tests/accuracy_domain.py``: every
European price within ``1e-6 * S0`` at the default settings and ``1e-10 * S0`` with
``tolerance=lf.HIGH_ACCURACY``, for all six models over T in [0.02, 10], K/S0 in [0.5, 2], any
parameters inside the bounds, r in [-1%, 10%], q in [0, 5%].

Oracle (tests/oracle, which never imports levyfast's core)
---------------------------------------------------------
Each maturity row of a draw is certified by *two* methods that must agree to
``AGREE_TOL * S0`` (each certifies ``ORACLE_TOL * S0``):

* Lewis (2001) on the contour ``Im z = 1/2`` (QUADPACK, :func:`oracle.lewis_price`), against
* BlackScholes: the closed form; Merton: the Poisson series; VarianceGamma, NIG and CGMY with
  ``Y = 0, sigma = 0`` (a VG): the subordinator mixture integral; CGMY otherwise and Kou (no
  series or mixture form in the oracle), and VG/NIG where the mixture cannot certify itself:
  the Lewis formula on another contour, ``Im z = 0.3`` (:func:`oracle.lewis_contour_price`),
  a different integrand (other tail weighting and denominator), so the agreement checks the
  quadrature and truncation; the exponent itself is checked against the Lévy density in
  tests/test_oracle.py.

A row the oracle cannot certify (``OracleAccuracyError``, a floating-point warning, or the two
methods disagreeing) is not compared with the oracle but is counted; every test asserts a
minimum number of certified rows, and the other checks (no exception, no NaN, parity,
no-arbitrage) run on every row regardless.

Checks per draw, for both settings (default and ``HIGH_ACCURACY``) and both kinds: no exception
(an exception for a valid input is a failure), finite prices, ``|price - oracle| <= promise *
S0`` at the draw's strikes, put-call parity ``C - P = e^{-rT}(F - K)`` to ``1e-10 * S0``, and
on a 25-point strike grid plus the draw's strikes: calls non-increasing and puts non-decreasing
in K (slack ``2 * promise * S0``), convex in K (slack ``4 * promise * S0``) and within their
no-arbitrage bounds (slack ``promise * S0``) -- arbitrage within the promised accuracy.

Sizes: the default (CI) run draws ``Domain.n_ci`` parameter sets per domain (about 3 minutes
on 2 cores); the nightly run (``pytest -m slow_accuracy tests/test_random_accuracy.py``)
draws ``Domain.n_nightly`` (>= 300 per model, plus the corners). Both are seeded, so the k-th
draw of a domain is the same in both. Set ``LEVYFAST_ACCURACY_REPORT=path`` to append one JSON
line per domain (counts, worst errors, failures with copy-pasteable reproductions).
"""

from __future__ import annotations

import json
import math
import os
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from oracle_record import OracleCall, OracleRecord

import levyfast as lf

from accuracy_domain import (
    CORNERS,
    DEFAULT_PROMISE,
    HIGH_PROMISE,
    KNOWN_CASES,
    MONEYNESS_RANGE,
    RANDOM_DOMAINS,
    T_RANGE,
    Domain,
    Draw,
    sample_black_scholes,
)
from oracle import (
    OracleAccuracyError,
    bs_price,
    lewis_contour_price,
    lewis_price,
    merton_series_price,
    mixture_price,
    vg_mixture_price,
)

#: Accuracy each oracle method certifies, as a fraction of spot.
ORACLE_TOL = 1e-12
#: Largest allowed difference of the two oracle methods (fraction of spot).
AGREE_TOL = 2.5e-12
#: Put-call parity of lf.price, fraction of spot (both settings).
PARITY_TOL = 1e-10
#: Contour of the second Lewis quadrature.
SECOND_CONTOUR = 0.3
#: Strike grid (K/S0) for the monotonicity / convexity checks, besides the draw's strikes.
ARBITRAGE_GRID = np.linspace(MONEYNESS_RANGE[0], MONEYNESS_RANGE[1], 25)
#: Minimum fraction of certified maturity rows per domain (the rest is counted and reported).
MIN_CERTIFIED_FRACTION = 0.75
#: How many failures a message lists in full.
MAX_LISTED = 25

SETTINGS = (
    ("default", lf.DEFAULT_TOLERANCE, DEFAULT_PROMISE),
    ("high", lf.HIGH_ACCURACY, HIGH_PROMISE),
)

Pricer = Callable[..., Any]


class Uncertified(Exception):
    """The oracle could not certify a maturity row (reason in the message)."""


# --------------------------------------------------------------------------------------------
# Oracle: two independent methods that must agree
# --------------------------------------------------------------------------------------------


def _vg_from_cgmy_y0(model: lf.CGMY) -> tuple[float, float, float]:
    """CGMY(C, G, M, 0) = VG(sigma, nu, theta) with nu = 1/C, sigma^2 = 2/(nu G M),
    theta = sigma^2 (G - M)/2 (Madan, Carr & Chang 1998; Carr et al. 2002)."""
    nu = 1.0 / model.C
    s2 = 2.0 / (nu * model.G * model.M)
    return math.sqrt(s2), nu, 0.5 * s2 * (model.G - model.M)


def _second_method(
    model: lf.LevyModel, market: lf.Market, strikes: np.ndarray, t: float
) -> tuple[np.ndarray, str]:
    """Call prices at one maturity by a method independent of Lewis on Im z = 1/2."""
    tt = [t]
    try:
        if isinstance(model, lf.BlackScholes):
            row = bs_price(
                market.spot, strikes, tt, market.rate, market.dividend, model.sigma, "call"
            )
            return row[0], "closed form"
        if isinstance(model, lf.Merton):
            return merton_series_price(model, market, strikes, tt, "call")[0], "Merton series"
        if isinstance(model, (lf.VarianceGamma, lf.NIG)):
            return mixture_price(model, market, strikes, tt, "call", tol=ORACLE_TOL)[0], "mixture"
        if isinstance(model, lf.CGMY) and model.Y == 0.0 and model.sigma == 0.0:
            sigma, nu, theta = _vg_from_cgmy_y0(model)
            row = vg_mixture_price(sigma, nu, theta, market, strikes, tt, "call", tol=ORACLE_TOL)
            return row[0], "VG mixture"
    except (OracleAccuracyError, ValueError):
        # The mixture could not certify itself (e.g. VG at the moment boundary, where its
        # integrand overflows) or its conditional forward underflowed to 0 (NIG with a far
        # clock tail: black_forward_price rejects F = 0): fall back to the second contour.
        pass
    row = lewis_contour_price(
        model, market, strikes, tt, "call", contour=SECOND_CONTOUR, tol=ORACLE_TOL
    )
    return row[0], f"Lewis Im z={SECOND_CONTOUR}"


def oracle_calls(
    model: lf.LevyModel, market: lf.Market, strikes: np.ndarray, t: float
) -> tuple[np.ndarray, str]:
    """Certified call prices at one maturity and the name of the confirming method.

    Raises :class:`Uncertified` if either method cannot certify ``ORACLE_TOL * S0`` or they
    differ by more than ``AGREE_TOL * S0``.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            lewis = lewis_price(model, market, strikes, [t], "call", tol=ORACLE_TOL)[0]
            second, name = _second_method(model, market, strikes, t)
        except (OracleAccuracyError, ArithmeticError, RuntimeWarning) as exc:
            raise Uncertified(f"{type(exc).__name__}: {str(exc)[:300]}") from exc
    diff = float(np.max(np.abs(lewis - second)))
    if not diff <= AGREE_TOL * market.spot:
        raise Uncertified(
            f"disagree: Lewis vs {name} differ by {diff:.3e} > {AGREE_TOL * market.spot:.3e}"
        )
    return lewis, name


def _oracle_row(call: OracleCall) -> tuple[np.ndarray, str]:
    row, name = oracle_calls(call.model, call.market, np.asarray(call.strikes), call.maturities[0])
    return row[None, :], name


#: oracle_calls of the default (CI) run, recorded (tests/oracle_record.py).
RECORDED_ORACLE = OracleRecord("random_accuracy", _oracle_row, Uncertified)


def recorded_oracle_calls(
    model: lf.LevyModel, market: lf.Market, strikes: np.ndarray, t: float
) -> tuple[np.ndarray, str]:
    """:func:`oracle_calls` from the record where it holds these inputs."""
    rows, name = RECORDED_ORACLE(OracleCall.of(model, market, strikes, t))
    return rows[0], name


# --------------------------------------------------------------------------------------------
# Checking one draw
# --------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts, worst errors and failures of one domain."""

    domain: str
    draws: int = 0
    rows: int = 0
    certified_rows: int = 0
    certified_draws: int = 0
    uncertified: Counter[str] = field(default_factory=Counter)
    confirmed_by: Counter[str] = field(default_factory=Counter)
    failures: list[dict[str, Any]] = field(default_factory=list)
    worst: dict[str, float] = field(default_factory=lambda: {"default": 0.0, "high": 0.0})
    oracle_s: float = 0.0
    pricer_s: float = 0.0

    def fail(
        self,
        check: str,
        setting: str,
        draw: Draw,
        kind: str,
        k: Any,
        t: Any,
        tolerance: float,
        got: Any,
        expected: Any,
        tol: float,
        detail: str = "",
    ) -> None:
        err = (
            abs(got - expected)
            if isinstance(got, float) and isinstance(expected, float)
            else math.nan
        )
        repro = (
            f"lf.price(lf.{draw.model!r}, lf.{draw.market!r}, {k!r}, {t!r}, "
            f"kind={kind!r}, tolerance={tolerance!r})"
        )
        self.failures.append(
            {
                "domain": self.domain,
                "check": check,
                "setting": setting,
                "model": repr(draw.model),
                "market": repr(draw.market),
                "K": k,
                "T": t,
                "kind": kind,
                "got": got,
                "expected": expected,
                "tol": tol,
                "err": err,
                "err_over_spot": err / draw.market.spot,
                "detail": detail,
                "repro": repro,
            }
        )

    def summary(self) -> dict[str, Any]:
        checks = Counter(f"{f['check']}/{f['setting']}" for f in self.failures)
        return {
            "domain": self.domain,
            "draws": self.draws,
            "certified_draws": self.certified_draws,
            "rows": self.rows,
            "certified_rows": self.certified_rows,
            "uncertified": dict(self.uncertified),
            "confirmed_by": dict(self.confirmed_by),
            "failures": dict(checks),
            "worst_err_over_spot": self.worst,
            "oracle_s": round(self.oracle_s, 2),
            "pricer_s": round(self.pricer_s, 2),
        }

    def message(self) -> str:
        lines = [json.dumps(self.summary())]
        for f in self.failures[:MAX_LISTED]:
            got, exp = f["got"], f["expected"]
            lines.append(
                f"  [{f['check']}/{f['setting']}] model={f['model']} market={f['market']} "
                f"K={f['K']!r} T={f['T']!r} kind={f['kind']} got={got!r} expected={exp!r} "
                f"|diff|={f['err']:.3e} tol={f['tol']:.3e} {f['detail']}\n      {f['repro']}"
            )
        if len(self.failures) > MAX_LISTED:
            lines.append(f"  ... and {len(self.failures) - MAX_LISTED} more failures")
        return "\n".join(lines)


def _locate_exception(
    pricer: Pricer, draw: Draw, kind: str, tolerance: float
) -> tuple[float, float, str]:
    """The first (K, T) of the draw at which ``pricer`` raises alone (for the repro)."""
    for t in draw.maturities:
        for k in draw.strikes:
            try:
                pricer(draw.model, draw.market, float(k), float(t), kind=kind, tolerance=tolerance)
            except Exception as exc:  # noqa: BLE001 - any exception is the failure
                return float(k), float(t), f"{type(exc).__name__}: {exc}"
    return float(draw.strikes[0]), float(draw.maturities[0]), "only raises on the whole grid"


def check_draw(draw: Draw, tally: Tally, pricer: Pricer = lf.price) -> None:
    """Run every check of the module docstring on one draw; record failures in ``tally``."""
    model, market = draw.model, draw.market
    s0, r, q = market.spot, market.rate, market.dividend
    t_all = draw.maturities
    strikes = np.unique(np.concatenate([draw.strikes, s0 * ARBITRAGE_GRID]))
    at = np.searchsorted(strikes, draw.strikes)
    disc = np.exp(-r * t_all)[:, None]
    fwd = (s0 * np.exp((r - q) * t_all))[:, None]
    parity = disc * (fwd - strikes[None, :])

    # The oracle, row by row.
    tally.draws += 1
    start = time.perf_counter()
    expected_call: list[np.ndarray | None] = []
    for t in t_all:
        tally.rows += 1
        try:
            row, name = recorded_oracle_calls(model, market, draw.strikes, float(t))
        except Uncertified as exc:
            tally.uncertified[str(exc).split(":")[0]] += 1
            expected_call.append(None)
            continue
        tally.certified_rows += 1
        tally.confirmed_by[name] += 1
        expected_call.append(row)
    tally.oracle_s += time.perf_counter() - start
    if all(row is not None for row in expected_call):
        tally.certified_draws += 1

    for setting, tolerance, promise in SETTINGS:
        bound = promise * s0
        prices: dict[str, np.ndarray] = {}
        for kind in ("call", "put"):
            start = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error")
                    got = np.asarray(
                        pricer(model, market, strikes, t_all, kind=kind, tolerance=tolerance),
                        dtype=np.float64,
                    )
            except Exception:  # noqa: BLE001 - an exception for a valid input is a failure
                k, t, what = _locate_exception(pricer, draw, kind, tolerance)
                tally.fail(
                    "exception", setting, draw, kind, k, t, tolerance, None, None, bound, what[:300]
                )
                continue
            finally:
                tally.pricer_s += time.perf_counter() - start
            if got.shape != (t_all.size, strikes.size):
                tally.fail(
                    "shape",
                    setting,
                    draw,
                    kind,
                    strikes.tolist(),
                    t_all.tolist(),
                    tolerance,
                    None,
                    None,
                    bound,
                    f"shape {got.shape}",
                )
                continue
            bad = ~np.isfinite(got)
            if bad.any():
                i, j = np.argwhere(bad)[0]
                tally.fail(
                    "nan",
                    setting,
                    draw,
                    kind,
                    float(strikes[j]),
                    float(t_all[i]),
                    tolerance,
                    float(got[i, j]),
                    None,
                    bound,
                )
                continue
            prices[kind] = got
            for i, row in enumerate(expected_call):
                if row is None:
                    continue
                exp_row = row if kind == "call" else row - parity[i, at]
                err = np.abs(got[i, at] - exp_row) / s0
                tally.worst[setting] = max(tally.worst[setting], float(err.max()))
                for j in np.flatnonzero(~(err <= promise)):
                    tally.fail(
                        "accuracy",
                        setting,
                        draw,
                        kind,
                        float(draw.strikes[j]),
                        float(t_all[i]),
                        tolerance,
                        float(got[i, at[j]]),
                        float(exp_row[j]),
                        bound,
                    )
            _check_arbitrage(draw, tally, setting, tolerance, kind, got, strikes, disc, fwd, bound)
        if len(prices) == 2:
            gap = np.abs(prices["call"] - prices["put"] - parity)
            for i, j in np.argwhere(~(gap <= PARITY_TOL * s0))[:1]:
                tally.fail(
                    "parity",
                    setting,
                    draw,
                    "call-put",
                    float(strikes[j]),
                    float(t_all[i]),
                    tolerance,
                    float(prices["call"][i, j] - prices["put"][i, j]),
                    float(parity[i, j]),
                    PARITY_TOL * s0,
                    f"{int((~(gap <= PARITY_TOL * s0)).sum())} grid points off parity",
                )


def _check_arbitrage(
    draw: Draw,
    tally: Tally,
    setting: str,
    tolerance: float,
    kind: str,
    got: np.ndarray,
    strikes: np.ndarray,
    disc: np.ndarray,
    fwd: np.ndarray,
    bound: float,
) -> None:
    """Monotone and convex in K, within the no-arbitrage bounds (slack: the promise)."""
    sign = 1.0 if kind == "call" else -1.0
    slope_bad = sign * np.diff(got, axis=1) > 2.0 * bound
    # Convexity on a non-uniform grid: divided differences of the slope.
    slopes = np.diff(got, axis=1) / np.diff(strikes)[None, :]
    conv = np.diff(slopes, axis=1) * (strikes[2:] - strikes[:-2])[None, :] * 0.5
    conv_bad = conv < -4.0 * bound
    if kind == "call":
        lower, upper = disc * np.maximum(fwd - strikes, 0.0), disc * fwd
    else:
        lower, upper = disc * np.maximum(strikes - fwd, 0.0), disc * strikes[None, :]
    bounds_bad = (got < lower - bound) | (got > upper + bound)
    for name, bad, offset in (
        ("monotone", slope_bad, 0),
        ("convex", conv_bad, 1),
        ("bounds", bounds_bad, 0),
    ):
        if bad.any():
            i, j = np.argwhere(bad)[0]
            tally.fail(
                name,
                setting,
                draw,
                kind,
                float(strikes[j + offset]),
                float(draw.maturities[i]),
                tolerance,
                float(got[i, j + offset]),
                None,
                bound,
                f"{int(bad.sum())} grid points violate {name}",
            )


# --------------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------------


def _report(tally: Tally, size: str) -> None:
    path = os.environ.get("LEVYFAST_ACCURACY_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(
                json.dumps(
                    {"size": size, **tally.summary(), "failures_list": tally.failures}, default=repr
                )
                + "\n"
            )
    print(json.dumps({"size": size, **tally.summary()}))


def _run_domain(domain: Domain, size: str) -> None:
    n = domain.n_ci if size == "ci" else domain.n_nightly
    tally = Tally(domain.name)
    for draw in domain.draws(n):
        check_draw(draw, tally)
    _report(tally, size)
    assert tally.draws == n
    min_rows = math.ceil(MIN_CERTIFIED_FRACTION * tally.rows)
    assert tally.certified_rows >= min_rows, (
        f"{domain.name}: the oracle certified only {tally.certified_rows} of {tally.rows} "
        f"maturity rows (minimum {min_rows}); reasons {dict(tally.uncertified)}\n" + tally.message()
    )
    if tally.failures:
        pytest.fail(
            f"{domain.name} ({size}, seed {domain.seed}): {len(tally.failures)} "
            f"failures\n{tally.message()}",
            pytrace=False,
        )


def _sized(domains: tuple[Domain, ...]) -> list[Any]:
    return [pytest.param(d, "ci", id=f"{d.name}-ci") for d in domains] + [
        pytest.param(d, "nightly", id=f"{d.name}-nightly", marks=pytest.mark.slow_accuracy)
        for d in domains
    ]


@pytest.mark.parametrize(("domain", "size"), _sized(RANDOM_DOMAINS))
def test_random_draws_within_promise(domain: Domain, size: str) -> None:
    """Seeded random draws over the whole domain of one model."""
    _run_domain(domain, size)


@pytest.mark.parametrize(("domain", "size"), _sized(CORNERS))
def test_hard_corners_within_promise(domain: Domain, size: str) -> None:
    """Seeded draws from the hard corners (accuracy_domain.CORNERS)."""
    _run_domain(domain, size)


@pytest.mark.slow
def test_every_recorded_oracle_value_is_reproduced() -> None:
    """The record the default run reads is what the oracle computes (minutes)."""
    RECORDED_ORACLE.check_reproduced(RECORDED_ORACLE.calls())


def test_recorded_oracle_values_are_reproduced_on_a_sample() -> None:
    RECORDED_ORACLE.check_reproduced(RECORDED_ORACLE.sample(6))


@pytest.mark.parametrize(
    "case", KNOWN_CASES, ids=[f"{type(c[0]).__name__}-{i}" for i, c in enumerate(KNOWN_CASES)]
)
def test_known_reproductions(case: tuple[Any, ...]) -> None:
    """Reported failures: the oracle confirms the stated true value, lf.price must match it."""
    model, market, k, t, kind, tolerance, true_value, true_acc = case
    promise = DEFAULT_PROMISE if tolerance == lf.DEFAULT_TOLERANCE else HIGH_PROMISE
    call, _ = recorded_oracle_calls(model, market, np.array([k]), t)
    expected = float(call[0])
    if kind == "put":
        expected -= math.exp(-market.rate * t) * (
            market.spot * math.exp((market.rate - market.dividend) * t) - k
        )
    assert abs(expected - true_value) <= true_acc + 2 * ORACLE_TOL * market.spot, (
        f"oracle {expected!r} vs stated true value {true_value!r} for {model!r}, {market!r}, "
        f"K={k}, T={t}, {kind}"
    )
    repro = (
        f"lf.price(lf.{model!r}, lf.{market!r}, {k!r}, {t!r}, kind={kind!r}, "
        f"tolerance={tolerance!r})"
    )
    try:
        got = float(lf.price(model, market, k, t, kind=kind, tolerance=tolerance))
    except Exception as exc:  # noqa: BLE001 - an exception for a valid input is a failure
        pytest.fail(
            f"{repro} raised {type(exc).__name__}: {exc}; expected {expected!r}", pytrace=False
        )
    assert abs(got - expected) <= promise * market.spot, (
        f"{repro}: got={got!r} expected={expected!r} |diff|={abs(got - expected):.3e} "
        f"tol={promise * market.spot:.3e} (model={model!r}, market={market!r}, K={k}, T={t}, "
        f"kind={kind})"
    )


# --------------------------------------------------------------------------------------------
# The test can fail: the checker catches wrong, raising and NaN pricers
# --------------------------------------------------------------------------------------------


def _check_with(pricer: Pricer) -> Tally:
    tally = Tally("self-check")
    draw = sample_black_scholes(np.random.default_rng(7))
    check_draw(draw, tally, pricer)
    assert tally.certified_rows == tally.rows == draw.maturities.size, tally.summary()
    return tally


def test_checker_passes_the_exact_price() -> None:
    """Black–Scholes prices from the closed form pass every check."""

    def exact(model: Any, market: Any, k: Any, t: Any, kind: str, tolerance: float) -> Any:
        return bs_price(market.spot, k, t, market.rate, market.dividend, model.sigma, kind)

    tally = _check_with(exact)
    assert tally.failures == [], tally.message()


@pytest.mark.parametrize(
    ("perturb", "expected_checks"),
    [
        (lambda p, s0, kind, tol: p + 2e-6 * s0, {"accuracy/default", "accuracy/high"}),
        (
            lambda p, s0, kind, tol: p + (2e-10 * s0 if tol == lf.HIGH_ACCURACY else 0.0),
            {"accuracy/high"},
        ),
        (
            lambda p, s0, kind, tol: p + (1e-9 * s0 if kind == "put" else 0.0),
            {"parity/default", "parity/high"},
        ),
        (lambda p, s0, kind, tol: p * np.nan, {"nan/default", "nan/high"}),
        (lambda p, s0, kind, tol: 1 / 0, {"exception/default", "exception/high"}),
        (
            lambda p, s0, kind, tol: p + 1e-3 * s0 * np.sin(np.arange(p.shape[-1])),
            {"accuracy/default", "convex/default", "monotone/default"},
        ),
    ],
    ids=["off-by-2e-6", "off-by-2e-10-high", "parity", "nan", "raises", "wiggle"],
)
def test_checker_catches_wrong_prices(
    perturb: Callable[..., Any], expected_checks: set[str]
) -> None:
    def wrong(model: Any, market: Any, k: Any, t: Any, kind: str, tolerance: float) -> Any:
        p = bs_price(market.spot, k, t, market.rate, market.dividend, model.sigma, kind)
        return perturb(p, market.spot, kind, tolerance)

    tally = _check_with(wrong)
    found = {f"{f['check']}/{f['setting']}" for f in tally.failures}
    assert expected_checks <= found, (expected_checks, found, tally.message())
    assert all(f["repro"].startswith("lf.price(lf.BlackScholes(") for f in tally.failures)


def test_domains_sample_inside_the_promise() -> None:
    """Every sampled input is valid and inside the promised ranges; corners hit their edges."""
    for domain in RANDOM_DOMAINS + CORNERS:
        for draw in domain.draws(50):
            assert np.all((draw.maturities >= T_RANGE[0]) & (draw.maturities <= T_RANGE[1]))
            ratio = draw.strikes / draw.market.spot
            assert np.all((ratio >= MONEYNESS_RANGE[0]) & (ratio <= MONEYNESS_RANGE[1]))
            assert -0.01 <= draw.market.rate <= 0.10 and 0.0 <= draw.market.dividend <= 0.05
            model = draw.model
            for name in model.PARAM_NAMES:
                assert model.BOUNDS[name].contains(getattr(model, name)), (domain.name, draw)
            if domain.name == "vg_moment":
                w = 1.0 - model.theta * model.nu - 0.5 * model.sigma**2 * model.nu
                assert 0.01 <= w <= 0.05, draw
            if domain.name == "vg_short":
                assert np.all(draw.maturities / model.nu <= 0.2 + 1e-12), draw
            if domain.name == "nig_small_delta_t":
                assert model.delta * draw.maturities[0] <= 1e-2 * (1 + 1e-12), draw
    assert all(d.n_nightly >= 300 for d in RANDOM_DOMAINS)
    # Two runs of a domain draw the same inputs (failures reproduce from the seed).
    assert repr(RANDOM_DOMAINS[2].draws(3)) == repr(RANDOM_DOMAINS[2].draws(3))
