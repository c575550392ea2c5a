"""The corners of the pricing domain where ``lf.price`` used to be silently wrong or refuse.

Each test names the mechanism it exercises (issue 16): the adaptive per-strike time change
(share-measure law, kink break points), the rotated-ray Lewis fallback, Black–Scholes in
closed form, Merton's series, the stable exponents at extreme parameters, and the clear
errors where no method is certified. References are the independent oracle (tests/oracle).
"""

from __future__ import annotations

import numpy as np
import pytest

import levyfast as lf

from oracle import bs_price, lewis_price, merton_series_price, mixture_price

MARKET = lf.Market(100.0, 0.03, 0.01)
STRIKES = np.array([50.0, 80.0, 95.0, 100.0, 105.0, 130.0, 200.0])
DEFAULT_TOL = 1e-6  # the promise at default settings, fraction of spot
HIGH_TOL = 1e-10  # the promise at lf.HIGH_ACCURACY


def assert_within(got: np.ndarray, expected: np.ndarray, tol: float, what: str) -> None:
    err = np.max(np.abs(np.asarray(got) - np.asarray(expected)))
    assert err <= tol, f"{what}: max error {err:.3e} > {tol:.1e}\ngot {got}\nexpected {expected}"


# Reproductions of issue 16 with their independently computed values (the issue quotes two
# agreeing references for each).
REPRODUCTIONS = [
    (lf.VarianceGamma(0.2, 1.0, 0.96), lf.Market(1.0, 0.0, 0.0), 1.2, 5.0, "put",
     1.199924357136859),
    (lf.CGMY(1.0, 5.0, 5.0, 0.01), lf.Market(100.0, 0.03), 100.0, 0.1, "call",
     1.98708622840838),
    (lf.NIG(3.48046, -2.67209, 0.00806705), lf.Market(1.0, 0.0726526, 0.0182795), 0.707597,
     0.0223261, "call", 0.293175807020177),
]


@pytest.mark.parametrize("tolerance", [lf.DEFAULT_TOLERANCE, lf.HIGH_ACCURACY])
@pytest.mark.parametrize("case", REPRODUCTIONS, ids=lambda c: type(c[0]).__name__)
def test_issue_reproductions(case: tuple, tolerance: float) -> None:
    model, market, strike, maturity, kind, expected = case
    got = lf.price(model, market, strike, maturity, kind=kind, tolerance=tolerance)
    limit = (DEFAULT_TOL if tolerance > 1e-9 else HIGH_TOL) * market.spot
    assert abs(got - expected) <= limit, (model, got, expected, limit)


def test_vg_near_moment_boundary_far_call() -> None:
    """1 - theta nu - sigma^2 nu / 2 = 0.0035: the share measure moves the gamma clock 280x."""
    model = lf.VarianceGamma(0.370605, 0.889764, 1.03723)
    market = lf.Market(2500.0, -0.000759458, 0.00434824)
    got = lf.price(model, market, 2856.6, 8.1144, tolerance=lf.HIGH_ACCURACY)
    expected = lewis_price(model, market, 2856.6, 8.1144, "call", tol=1e-12)[0, 0]
    assert abs(got - expected) <= HIGH_TOL * market.spot, (got, expected)


@pytest.mark.parametrize("sigma", [1e-8, 1e-4, 0.02])
@pytest.mark.parametrize("tolerance", [lf.DEFAULT_TOLERANCE, lf.HIGH_ACCURACY])
def test_vg_small_sigma_strong_drift(sigma: float, tolerance: float) -> None:
    """The conditional payoff is a near-step in the clock: the kink is a break point."""
    model = lf.VarianceGamma(sigma, 0.3, -0.15)
    got = lf.price(model, MARKET, STRIKES, 0.1, tolerance=tolerance)
    expected = mixture_price(model, MARKET, STRIKES, 0.1, "call")[0]
    tol = (DEFAULT_TOL if tolerance > 1e-9 else HIGH_TOL) * MARKET.spot
    assert_within(got, expected, tol, repr(model))


def test_vg_tiny_nu_is_black_scholes() -> None:
    """nu -> 0 is the Black-Scholes limit; ln(1 + nu z) by log1p keeps it exact."""
    model = lf.VarianceGamma(0.2, 1e-12, -0.15)
    got = lf.price(model, MARKET, STRIKES, 1.0, tolerance=lf.HIGH_ACCURACY)
    expected = bs_price(100.0, STRIKES, 1.0, 0.03, 0.01, 0.2, "call")[0]
    assert_within(got, expected, HIGH_TOL * MARKET.spot, repr(model))


@pytest.mark.parametrize(
    ("model", "maturity"),
    [
        (lf.CGMY(1.0, 5.0, 5.0, 0.01), 0.02),
        (lf.CGMY(0.1, 5.0, 1.05, 0.5), 1.7),  # M near 1 at HIGH_ACCURACY
        (lf.CGMY(0.011448, 28.0357, 1.10119, 1.01), 0.0456),  # Y > 1, small C T
        (lf.Kou(0.0173, 0.0209, 0.793, 1.037, 0.1476), 0.066),  # tiny sigma, heavy left tail
    ],
    ids=["cgmy_y001", "cgmy_m105", "cgmy_y101", "kou_small_sigma"],
)
@pytest.mark.parametrize("tolerance", [lf.DEFAULT_TOLERANCE, lf.HIGH_ACCURACY])
def test_slowly_decaying_characteristic_functions(
    model: lf.LevyModel, maturity: float, tolerance: float
) -> None:
    """COS would need more than max_terms here: the rotated-ray Lewis inversion prices it."""
    got = lf.price(model, MARKET, STRIKES, maturity, tolerance=tolerance)
    expected = lewis_price(model, MARKET, STRIKES, maturity, "call", tol=1e-12)[0]
    tol = (DEFAULT_TOL if tolerance > 1e-9 else HIGH_TOL) * MARKET.spot
    assert_within(got, expected, tol, repr(model))


@pytest.mark.parametrize("sigma", [1e-100, 1e-8, 0.2, 50.0, 1e6])
def test_black_scholes_closed_form_at_extremes(sigma: float) -> None:
    for kind in ("call", "put"):
        got = lf.price(lf.BlackScholes(sigma), MARKET, STRIKES, [0.02, 1.0, 10.0], kind=kind)
        expected = bs_price(100.0, STRIKES, [0.02, 1.0, 10.0], 0.03, 0.01, sigma, kind)
        assert_within(got, expected, 1e-12 * MARKET.spot, f"BlackScholes({sigma}) {kind}")


def test_black_scholes_vanishing_volatility_is_discounted_intrinsic() -> None:
    maturities = np.array([0.02, 1.0, 10.0])[:, None]
    forward = 100.0 * np.exp(0.02 * maturities)
    got = lf.price(lf.BlackScholes(1e-300), MARKET, STRIKES, maturities[:, 0])
    expected = np.exp(-0.03 * maturities) * np.maximum(forward - STRIKES, 0.0)
    assert_within(got, expected, 1e-12 * MARKET.spot, "BlackScholes(1e-300)")


@pytest.mark.parametrize(
    "model",
    [
        lf.Merton(1e-300, 1.0, 0.1, 1e-300),  # point-mass jumps, no diffusion
        lf.Merton(0.15, 0.1, -0.9, 1e-300),
        lf.Merton(0.0825, 40.56, -0.4787, 0.0209),  # |phi| revives between grid points
        lf.Merton(0.2, 1.0, 3.0, 0.1),
    ],
    ids=["point_mass", "point_mass_diffusion", "revivals", "big_up_jumps"],
)
def test_merton_where_fourier_methods_struggle(model: lf.Merton) -> None:
    maturities = [0.02, 0.3174, 2.0]
    got = lf.price(model, MARKET, STRIKES, maturities, tolerance=lf.HIGH_ACCURACY)
    expected = merton_series_price(model, MARKET, STRIKES, maturities, "call")
    assert_within(got, expected, HIGH_TOL * MARKET.spot, repr(model))


@pytest.mark.parametrize("kind", ["call", "put"])
def test_nig_huge_delta_prices_its_limit(kind: str) -> None:
    """delta = 1e6: sd(ln S_T) ~ 89 at T = 0.1, so the call is ~ S e^{-qT}, the put ~ K e^{-rT}."""
    model = lf.NIG(15.0, -5.0, 1e6)
    got = lf.price(model, MARKET, 120.0, 0.1, kind=kind)
    expected = lewis_price(model, MARKET, 120.0, 0.1, kind, tol=1e-10)[0, 0]
    assert abs(got - expected) <= DEFAULT_TOL * MARKET.spot, (got, expected)


@pytest.mark.parametrize(
    "model",
    [lf.NIG(15.0, -5.0, 1e300), lf.CGMY(1.0, 5.0, 5.0, 0.5, sigma=1e300),
     lf.CGMY(1e300, 5.0, 5.0, 0.5)],
    ids=["nig_delta", "cgmy_sigma", "cgmy_c"],
)
def test_absurd_variance_is_a_clear_error(model: lf.LevyModel) -> None:
    with pytest.raises(ValueError, match=r"variance of ln\(S_T\) at T = 1 is .* outside the"):
        lf.price(model, MARKET, STRIKES, 1.0)


def test_cgmy_huge_rate_gradients_agree_with_price() -> None:
    """CGMY(1, 1e300, 5, 0.5): G^Y differences by expm1 (they cancelled to 9.21 vs 11.77)."""
    model = lf.CGMY(1.0, 1e300, 5.0, 0.5)
    limit = lf.CGMY(1.0, 1e12, 5.0, 0.5)  # the same law to ~1e-12
    prices, grads = lf.price_and_grad(model, MARKET, STRIKES, 1.0)
    expected = lf.price(limit, MARKET, STRIKES, 1.0, tolerance=lf.HIGH_ACCURACY)
    assert_within(prices, expected, DEFAULT_TOL * MARKET.spot, repr(model))
    _, grads_limit = lf.price_and_grad(limit, MARKET, STRIKES, 1.0)
    for j in (0, 2, 3):  # C, M, Y (the G derivative vanishes in the limit)
        assert_within(grads[j], grads_limit[j], 1e-5, f"d price / d {model.PARAM_NAMES[j]}")


def test_sensitivities_refuse_rather_than_mislead() -> None:
    """Exact derivatives have no certified method for VG with sigma = 1e-8 at T = 0.1."""
    model = lf.VarianceGamma(1e-8, 0.3, -0.15)
    with pytest.raises(ValueError, match="cannot be trusted.*levyfast.price"):
        lf.price_and_grad(model, MARKET, 100.0, 0.1)


def test_price_batch_row_in_a_hard_corner_does_not_fail_the_batch() -> None:
    params = np.array([[1.0, 5.0, 5.0, 0.5, 0.0], [1.0, 5.0, 5.0, 0.01, 0.0]])
    got = lf.price_batch(lf.CGMY, params, MARKET, STRIKES, [0.1, 1.0])
    for row, p in zip(got, params, strict=True):
        expected = lewis_price(lf.CGMY(*p), MARKET, STRIKES, [0.1, 1.0], "call", tol=1e-11)
        assert_within(row, expected, DEFAULT_TOL * MARKET.spot, f"CGMY{tuple(p)}")
