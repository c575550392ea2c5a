"""Tests of the test oracle itself (tests/oracle): every method against an independent one.

The oracle is what every levyfast pricer is validated against, so it is checked here against
closed forms (Black–Scholes in 60-digit mpmath), series (Merton 1976), time-change mixtures
(VG, NIG), QuantLib's engines, a brute-force Gauss–Legendre inversion, the Lévy–Khintchine
formula and published values (tests/reference/*.json). Each assertion prints the inputs, the
expected and obtained values and the tolerance.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from levyfast import models as lf_models
from levyfast.market import Market
from levyfast.models import CGMY, NIG, BlackScholes, Kou, Merton, VarianceGamma

from oracle import (
    OracleAccuracyError,
    black_forward_price,
    bs_price,
    levy_khintchine_exponent,
    lewis_contour_price,
    lewis_price,
    load_references,
    maturity_days,
    merton_series_price,
    mixture_price,
    quantlib_merton_price,
    quantlib_vg_price,
    vg_mixture_price,
)

SPOT = 100.0
#: Accuracy the Lewis oracle certifies, as a fraction of spot.
LEWIS_TOL = 1e-11
#: Comparing two methods that each certify LEWIS_TOL * spot.
PAIR_TOL = 2.0 * LEWIS_TOL * SPOT

STRIKES = SPOT * np.array([0.5, 0.7, 0.9, 1.0, 1.1, 1.5, 2.0])
MATURITIES = np.array([0.02, 0.25, 1.0, 10.0])
MARKET = Market(SPOT, 0.03, 0.01)


def assert_close(
    got: NDArray[np.float64],
    expected: NDArray[np.float64],
    tol: float | NDArray[np.float64],
    context: str,
    strikes: NDArray[np.float64] | None = None,
    maturities: NDArray[np.float64] | None = None,
) -> None:
    """Assert ``|got - expected| <= tol`` elementwise; report the worst offender's inputs."""
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    tol_arr = np.broadcast_to(np.asarray(tol, dtype=np.float64), got.shape)
    err = np.abs(got - expected)
    bad = ~(err <= tol_arr)
    if not bad.any():
        return
    ratio = np.where(bad, err / np.maximum(tol_arr, 1e-300), -1.0)
    idx = np.unravel_index(int(np.argmax(ratio)), got.shape)
    where = ""
    if strikes is not None and maturities is not None and got.ndim == 2:
        where = f" at T={maturities[idx[0]]!r}, K={strikes[idx[1]]!r}"
    pytest.fail(
        f"{context}: {int(bad.sum())} of {bad.size} values out of tolerance; worst{where} "
        f"(index {tuple(int(i) for i in idx)}): expected={expected[idx]!r} "
        f"got={got[idx]!r} |diff|={err[idx]:.3e} tol={tol_arr[idx]:.3e}",
        pytrace=False,
    )


# --------------------------------------------------------------------------------------------
# Black–Scholes closed form
# --------------------------------------------------------------------------------------------


def _black_mpmath(fwd: float, strike: float, stdev: float, kind: str) -> float:
    mp = pytest.importorskip("mpmath")
    with mp.workdps(60):
        f, k, s = mp.mpf(fwd), mp.mpf(strike), mp.mpf(stdev)
        d1 = mp.log(f / k) / s + s / 2
        d2 = d1 - s
        if kind == "call":
            return float(f * mp.ncdf(d1) - k * mp.ncdf(d2))
        return float(k * mp.ncdf(-d2) - f * mp.ncdf(-d1))


@pytest.mark.parametrize("kind", ["call", "put"])
def test_black_forward_price_matches_60_digit_mpmath(kind: str) -> None:
    """Relative accuracy ~1e-12 even 100 standard deviations out of the money."""
    strikes = np.array([1.0, 10.0, 50.0, 80.0, 99.0, 100.0, 101.0, 120.0, 200.0, 1e3, 1e4])
    stdevs = np.array([1e-4, 1e-3, 1e-2, 0.05, 0.2, 1.0, 3.0, 10.0])
    got = black_forward_price(SPOT, strikes[None, :], stdevs[:, None], kind)
    expected = np.array([[_black_mpmath(SPOT, k, s, kind) for k in strikes] for s in stdevs])
    tol = 1e-11 * expected + 1e-300
    assert_close(got, expected, tol, f"Black {kind}, F={SPOT}, rows=stdev {stdevs}, cols=K")


def test_bs_price_reference_values_and_zero_maturity() -> None:
    got = bs_price(SPOT, [80.0, 100.0, 120.0, 100.0], [0.0, 0.1], 0.1, 0.0, 0.25, "call")
    expected = np.array(
        [[20.0, 0.0, 0.0, 0.0], [20.799226309, 3.659968453, 0.044577814, 3.659968453]]
    )
    assert_close(got, expected, 5e-10, "BS calls (Fang & Oosterlee 2008 GBM test), T=0 row")


def test_bs_put_call_parity() -> None:
    k, t = STRIKES, MATURITIES
    c = bs_price(SPOT, k, t, 0.03, 0.01, 0.3, "call")
    p = bs_price(SPOT, k, t, 0.03, 0.01, 0.3, "put")
    parity = SPOT * np.exp(-0.01 * t)[:, None] - k[None, :] * np.exp(-0.03 * t)[:, None]
    assert_close(c - p, parity, 1e-13 * SPOT, "BS put-call parity", k, t)


# --------------------------------------------------------------------------------------------
# Lewis versus closed forms and series
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sigma", [0.05, 0.3, 1.2])
def test_lewis_matches_black_scholes(sigma: float) -> None:
    """Lewis on the BlackScholes exponent vs the closed form, K/S0 in [0.5, 2], T in [0.02, 10]."""
    model = BlackScholes(sigma)
    for kind in ("call", "put"):
        got = lewis_price(model, MARKET, STRIKES, MATURITIES, kind)
        expected = bs_price(SPOT, STRIKES, MATURITIES, 0.03, 0.01, sigma, kind)
        assert_close(
            got, expected, PAIR_TOL, f"Lewis vs BS {kind}, {model}, {MARKET}", STRIKES, MATURITIES
        )


MERTONS = [Merton(0.1, 1.0, -0.1, 0.2), Merton(0.3, 0.2, 0.05, 0.4), Merton(0.05, 5.0, -0.02, 0.05)]


@pytest.mark.parametrize("model", MERTONS, ids=repr)
def test_lewis_matches_merton_series(model: Merton) -> None:
    for kind in ("call", "put"):
        got = lewis_price(model, MARKET, STRIKES, MATURITIES, kind)
        expected = merton_series_price(model, MARKET, STRIKES, MATURITIES, kind)
        assert_close(
            got, expected, PAIR_TOL, f"Lewis vs Merton series {kind}, {model}", STRIKES, MATURITIES
        )


# --------------------------------------------------------------------------------------------
# Lewis versus the time-change (mixture) representations
# --------------------------------------------------------------------------------------------

MIXTURE_CASES = [
    # T/nu = 0.04 and 0.1 at the two short maturities: |phi| ~ |u|^(-0.08), |u|^(-0.2).
    (VarianceGamma(0.2, 0.5, -0.1), [0.02, 0.05, 1.0, 10.0]),
    (VarianceGamma(0.12, 0.2, -0.14), [0.02, 1.0]),
    (NIG(10.0, -3.0, 0.2), [0.02, 1.0, 10.0]),
    # Tiny delta: deep out-of-the-money prices come from rare large clock values.
    (NIG(4.712434264101795, 0.7520608901023715, 0.05), [0.02, 0.25]),
]


@pytest.mark.parametrize(("model", "maturities"), MIXTURE_CASES, ids=lambda x: repr(x))
def test_lewis_matches_mixture(model: Any, maturities: list[float]) -> None:
    t = np.array(maturities)
    for kind in ("call", "put"):
        got = lewis_price(model, MARKET, STRIKES, t, kind)
        expected = mixture_price(model, MARKET, STRIKES, t, kind)
        assert_close(got, expected, PAIR_TOL, f"Lewis vs mixture {kind}, {model}", STRIKES, t)


def test_cgmy_with_y0_matches_vg_mixture_at_short_maturity() -> None:
    """CGMY at Y = 0 is VG with C = 1/nu, G, M = (sqrt(theta^2 + 2 sigma^2/nu) +- theta)/sigma^2:
    an independent check of the slowly decaying (|phi| ~ |u|^(-2CT)) CGMY branch."""
    sigma, nu, theta = 0.2, 0.5, -0.1
    root = math.sqrt(theta * theta + 2.0 * sigma * sigma / nu)
    g, m = (root + theta) / sigma**2, (root - theta) / sigma**2
    cgmy = CGMY(1.0 / nu, g, m, 0.0)
    t = np.array([0.02, 0.05, 0.5])
    got = lewis_price(cgmy, MARKET, STRIKES, t, "put")
    expected = vg_mixture_price(sigma, nu, theta, MARKET, STRIKES, t, "put")
    assert_close(got, expected, PAIR_TOL, f"Lewis {cgmy} vs VG mixture put", STRIKES, t)


def _gauss_legendre_lewis(
    model: Any, strikes: NDArray[np.float64], maturity: float, kind: str
) -> NDArray[np.float64]:
    """Brute-force Lewis integral: fixed 20-point Gauss–Legendre panels of width 1/4 on
    [0, U], U where |phi(u - i/2)| < 1e-20; only for exponents that decay that fast."""
    u_max = 16.0
    while np.abs(np.exp(maturity * model.char_exponent(u_max - 0.5j))) > 1e-20:
        u_max *= 2.0
        assert u_max < 1e5, "test helper only for fast-decaying characteristic functions"
    nodes, weights = np.polynomial.legendre.leggauss(20)
    left = np.arange(0.0, u_max, 0.25)
    u = (left[:, None] + 0.125 * (nodes[None, :] + 1.0)).ravel()
    w = np.tile(0.125 * weights, left.size)
    phi = np.exp(maturity * model.char_exponent(u - 0.5j))
    fwd = SPOT * math.exp((MARKET.rate - MARKET.dividend) * maturity)
    x = np.log(fwd / strikes)
    integrand = (np.exp(1j * np.outer(x, u)) * phi).real / (u * u + 0.25)
    integral = integrand @ w
    base = fwd if kind == "call" else strikes
    disc = math.exp(-MARKET.rate * maturity)
    return disc * (base - np.sqrt(fwd * strikes) / math.pi * integral)


@pytest.mark.parametrize(
    "model",
    [
        CGMY(1.0, 5.0, 5.0, 1.98),
        CGMY(1.0, 5.0, 5.0, 1.5),
        CGMY(0.5, 3.0, 8.0, 1.2, 0.1),
        Kou(0.2, 3.0, 0.3, 20.0, 10.0),
        NIG(15.0, 2.0, 1.0),
    ],
    ids=repr,
)
def test_lewis_matches_brute_force_gauss_legendre(model: Any) -> None:
    """Adaptive QAWO chunks vs a fixed dense rule where the latter is safe (fast decay)."""
    t = np.array([0.02, 1.0])
    got = lewis_price(model, MARKET, STRIKES, t, "call")
    expected = np.array([_gauss_legendre_lewis(model, STRIKES, ti, "call") for ti in t])
    assert_close(got, expected, PAIR_TOL, f"Lewis vs Gauss-Legendre, {model}", STRIKES, t)


@pytest.mark.parametrize("contour", [0.3, 0.8])
@pytest.mark.parametrize(
    "model",
    [
        BlackScholes(0.3),
        CGMY(1.0, 5.0, 5.0, 0.01),
        CGMY(0.1, 2.0, 1.05, 1.5),
        Kou(0.1, 30.0, 0.4, 1.05, 0.5),
    ],
    ids=repr,
)
def test_lewis_on_another_contour_matches_lewis(model: Any, contour: float) -> None:
    """Lewis on Im z = v (v != 1/2) is a different integrand with the same value."""
    t = np.array([0.02, 1.0])
    for kind in ("call", "put"):
        got = lewis_contour_price(model, MARKET, STRIKES, t, kind, contour=contour)
        expected = lewis_price(model, MARKET, STRIKES, t, kind)
        assert_close(
            got, expected, PAIR_TOL, f"Lewis Im z={contour} vs 1/2 {kind}, {model}", STRIKES, t
        )
    if isinstance(model, BlackScholes):
        expected = bs_price(SPOT, STRIKES, t, 0.03, 0.01, model.sigma, "call")
        got = lewis_contour_price(model, MARKET, STRIKES, t, "call", contour=contour)
        assert_close(got, expected, PAIR_TOL, f"Lewis Im z={contour} vs BS", STRIKES, t)


# --------------------------------------------------------------------------------------------
# QuantLib
# --------------------------------------------------------------------------------------------

QL_DAYS = np.array([7, 91, 365, 3650])
QL_MATURITIES = QL_DAYS / 365.0


@pytest.mark.parametrize("model", MERTONS[:1], ids=repr)
def test_lewis_matches_quantlib_merton(model: Merton) -> None:
    """QuantLib BatesEngine with vol-of-vol 1e-6 (= Merton to O(1e-12)), Laguerre order 192."""
    pytest.importorskip("QuantLib")
    for kind in ("call", "put"):
        got = lewis_price(model, MARKET, STRIKES, QL_MATURITIES, kind)
        expected = quantlib_merton_price(model, MARKET, STRIKES, QL_MATURITIES, kind)
        assert_close(
            got,
            expected,
            1e-10 * SPOT,
            f"Lewis vs QuantLib Bates/Merton {kind}, {model}",
            STRIKES,
            QL_MATURITIES,
        )


@pytest.mark.parametrize(
    ("model", "days"),
    [(VarianceGamma(0.12, 0.2, -0.14), [73, 365, 3650]), (VarianceGamma(0.25, 0.5, 0.1), [365])],
    ids=repr,
)
def test_lewis_matches_quantlib_variance_gamma(model: VarianceGamma, days: list[int]) -> None:
    """QuantLib's VarianceGammaEngine integrates to its default absolute error 1e-5 and only
    handles 1 <= T/nu <= 170 (see oracle.quantlib_engines): tolerance 1e-5."""
    pytest.importorskip("QuantLib")
    t = np.array(days) / 365.0
    for kind in ("call", "put"):
        got = lewis_price(model, MARKET, STRIKES, t, kind)
        expected = quantlib_vg_price(model, MARKET, STRIKES, t, kind)
        assert_close(got, expected, 1e-5, f"Lewis vs QuantLib VG {kind}, {model}", STRIKES, t)


def test_quantlib_maturities_must_be_whole_days() -> None:
    assert maturity_days(3650 / 365.0) == 3650
    with pytest.raises(ValueError, match="integer number of days"):
        maturity_days(0.1)


# --------------------------------------------------------------------------------------------
# Published values
# --------------------------------------------------------------------------------------------

REFERENCES = load_references()


def test_reference_files_are_complete() -> None:
    files = {entry["file"] for entry in REFERENCES}
    assert "fang_oosterlee_2008.json" in files, files
    assert all(entry["citation"] for entry in REFERENCES)
    assert len(REFERENCES) >= 8, [entry["id"] for entry in REFERENCES]


@pytest.mark.parametrize("entry", REFERENCES, ids=lambda e: e["id"])
def test_lewis_matches_reference_values(entry: dict[str, Any]) -> None:
    model = getattr(lf_models, entry["model"])(**entry["params"])
    market = Market(entry["spot"], entry["rate"], entry["dividend"])
    got = lewis_price(model, market, [entry["strike"]], [entry["maturity"]], entry["kind"])
    tol = entry["accuracy"] + 2.0 * LEWIS_TOL * entry["spot"]
    assert_close(
        got[0, 0],
        np.float64(entry["value"]),
        tol,
        f"Lewis vs {entry['id']} ({entry['citation']}): {model}, {market}, "
        f"K={entry['strike']}, T={entry['maturity']}, {entry['kind']}",
    )


# --------------------------------------------------------------------------------------------
# The oracle's own contracts
# --------------------------------------------------------------------------------------------

PARITY_MODELS = [
    CGMY(1.0, 5.0, 5.0, 0.1),
    CGMY(1.0, 5.0, 5.0, 1.98),
    Kou(0.1, 3.0, 0.3, 20.0, 10.0),
]


@pytest.mark.parametrize("model", PARITY_MODELS, ids=repr)
def test_lewis_put_call_parity_and_no_arbitrage(model: Any) -> None:
    """C - P = e^{-rT}(F - K); calls decreasing and convex in K, within [(F-K)^+ D, S e^{-qT}]."""
    k, t = STRIKES, np.array([0.02, 1.0])
    c = lewis_price(model, MARKET, k, t, "call")
    p = lewis_price(model, MARKET, k, t, "put")
    disc = np.exp(-MARKET.rate * t)[:, None]
    fwd = SPOT * np.exp((MARKET.rate - MARKET.dividend) * t)[:, None]
    assert_close(c - p, disc * (fwd - k[None, :]), 1e-12 * SPOT, f"parity {model}", k, t)
    slack = PAIR_TOL
    lower, upper = disc * np.maximum(fwd - k[None, :], 0.0), disc * fwd
    assert np.all(c >= lower - slack) and np.all(c <= upper + slack), (model, c, lower, upper)
    slopes = np.diff(c, axis=1) / np.diff(k)[None, :]
    assert np.all(slopes <= slack) and np.all(np.diff(slopes, axis=1) >= -slack), (model, c)


CASES_LK: list[tuple[Any, float]] = [
    (VarianceGamma(0.12, 0.2, -0.14), 0.0),
    (NIG(10.0, -3.0, 0.2), 0.0),
    (CGMY(1.0, 5.0, 5.0, 0.0), 0.0),
    (CGMY(1.0, 5.0, 5.0, 0.5), 0.0),
    (CGMY(1.0, 5.0, 5.0, 1.0), 0.0),
    (CGMY(0.5, 3.0, 8.0, 1.5, 0.2), 0.2),
    (CGMY(1.0, 5.0, 5.0, 1.9), 0.0),
    (Merton(0.1, 1.0, -0.1, 0.2), 0.1),
    (Kou(0.1, 3.0, 0.3, 20.0, 10.0), 0.1),
]


@pytest.mark.parametrize(("model", "diffusion"), CASES_LK, ids=lambda x: repr(x))
def test_char_exponent_matches_levy_khintchine(model: Any, diffusion: float) -> None:
    """The closed-form exponent equals the one rebuilt from ``levy_density`` (martingale
    normalised), on and off the real axis."""
    u = np.array([0.5, 3.0, 2.0 - 0.5j, -1.0 + 0.3j])
    got = model.char_exponent(u)
    expected = levy_khintchine_exponent(model, u, diffusion)
    tol = 1e-8 * np.maximum(1.0, np.abs(expected))
    assert_close(
        np.abs(got - expected),
        np.zeros(u.size),
        tol,
        f"|char_exponent - Lévy–Khintchine| for {model} at u={u}",
    )


def test_lewis_fails_loudly_when_accuracy_cannot_be_certified() -> None:
    with pytest.raises(OracleAccuracyError, match="quad failed"):
        lewis_price(VarianceGamma(0.2, 0.5, -0.1), MARKET, [100.0], [0.02], "call", tol=1e-19)


@pytest.mark.parametrize(
    "call",
    [
        lambda: lewis_price(BlackScholes(0.2), MARKET, [100.0], [1.0], "straddle"),
        lambda: lewis_price(BlackScholes(0.2), MARKET, [-1.0], [1.0], "call"),
        lambda: bs_price(SPOT, [100.0], [-1.0], 0.0, 0.0, 0.2, "call"),
        lambda: mixture_price(BlackScholes(0.2), MARKET, [100.0], [1.0], "call"),
    ],
)
def test_invalid_inputs_raise(call: Callable[[], object]) -> None:
    with pytest.raises((ValueError, TypeError)):
        call()


def test_zero_maturity_is_intrinsic() -> None:
    got = lewis_price(NIG(10.0, -3.0, 0.2), MARKET, STRIKES, [0.0], "put")
    assert_close(got[0], np.maximum(STRIKES - SPOT, 0.0), 0.0, "Lewis at T=0 (put)")
