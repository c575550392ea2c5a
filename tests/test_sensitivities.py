"""Exact sensitivities: exponent derivatives, parameter gradients and market Greeks.

References: closed-form Black–Scholes Greeks; fourth-order central differences of ``lf.price``
at ``tolerance=lf.HIGH_ACCURACY`` (or of the model's own NumPy exponent); the oracle's
quadrature of the differentiated Lewis integrand (``tests/oracle/lewis_grad.py``).

"Negligible" (not held to the relative tolerance): ``|dP/dtheta| <= 1e-8 * S0``. Elsewhere
gradients must agree to 1e-7 relative, plus an absolute allowance ``FD_NOISE`` for the
round-off of the finite-difference reference itself (price noise ~1e-13 * S0 divided by the
step ~1e-3).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

import levyfast as lf
from levyfast import _core

from conftest import MARKET, MODEL_CASES
from oracle import lewis_price_grad

REL = 1e-7
NEGLIGIBLE = 1e-8 * MARKET.spot
FD_NOISE = 2e-9 * MARKET.spot
K = MARKET.spot * np.array([0.6, 0.8, 0.95, 1.0, 1.05, 1.25, 1.6])
T = np.array([0.02, 0.1, 0.5, 2.0, 5.0])


def _stencil(f, x: float, h: float):
    return (8.0 * (f(x + h) - f(x - h)) - (f(x + 2 * h) - f(x - 2 * h))) / (12.0 * h)


def _maturities(model: lf.LevyModel) -> np.ndarray:
    """The grid's maturities where price_and_grad reaches HIGH_ACCURACY. Its COS/time-change
    path cannot for CGMY with small Y at the shortest ones (lf.price prices those by FFT),
    nor for d/dY at Y = 0 (test_cgmy_at_y0_short_maturity_raises_clearly)."""
    ok = []
    for t in T:
        try:
            lf.price_and_grad(model, MARKET, K, t, tolerance=lf.HIGH_ACCURACY)
        except ValueError:
            continue
        ok.append(t)
    return np.array(ok)


def _assert_close(got, ref, what: str, rel: float = REL, atol: float = FD_NOISE) -> None:
    got, ref = np.asarray(got), np.asarray(ref)
    relevant = np.abs(ref) > NEGLIGIBLE
    err = np.abs(got - ref)
    bad = relevant & (err > rel * np.abs(ref) + atol)
    assert not bad.any(), (
        f"{what}: {int(bad.sum())} entries off; worst at {np.argwhere(bad)[0]}: "
        f"got {got[bad][0]!r}, expected {ref[bad][0]!r}, tol {rel} rel + {atol} abs"
    )


# -- the exponent -----------------------------------------------------------------------------
EXPONENT_CASES = {**MODEL_CASES, "cgmy_y07": lf.CGMY(1.0, 5.0, 6.0, 0.7, 0.1)}


def _cgmy_dpsi_dy_mpmath(C: float, G: float, M: float, Y: float, u: complex) -> complex:
    """d psi/dY of CGMY from the general formula in 40-digit arithmetic (no cancellation
    trouble near the removable singularities Y = 0, 1)."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40

    def raw(y, z):
        return C * mpmath.gamma(-y) * ((M - 1j * z) ** y - M**y + (G + 1j * z) ** y - G**y)

    def psi(y):
        omega = -mpmath.re(raw(y, mpmath.mpc(0, -1)))
        return raw(y, mpmath.mpc(u)) + 1j * mpmath.mpc(u) * omega

    return complex(mpmath.diff(psi, mpmath.mpf(Y)))


@pytest.mark.parametrize("y", [4e-7, 2e-6, 1.0 - 3e-7, 1.0 + 2e-6, 0.5, 1.5])
def test_cgmy_y_derivative_near_removable_singularities(y: float) -> None:
    model = lf.CGMY(1.0, 5.0, 6.0, y, 0.1)
    u = np.array([0.3, 1.0, 7.0, 40.0, 2.0 - 0.5j, -3.0 - 1j], dtype=np.complex128)
    grad = _core.char_exponent_grad(model.MODEL_ID, model.to_array(), u)[3]
    ref = np.array([_cgmy_dpsi_dy_mpmath(1.0, 5.0, 6.0, y, complex(z)) for z in u])
    np.testing.assert_allclose(grad, ref, rtol=1e-9, atol=0)


@pytest.mark.parametrize("name", sorted(EXPONENT_CASES))
def test_exponent_gradient_matches_differences_of_the_numpy_exponent(name: str) -> None:
    model = EXPONENT_CASES[name]
    u = np.array([0.3, 1.0, 7.0, 40.0, 2.0 - 0.5j, -3.0 - 1j, -1j], dtype=np.complex128)
    grad = _core.char_exponent_grad(model.MODEL_ID, model.to_array(), u)
    x = model.to_array()
    cls = type(model)
    for j, pname in enumerate(cls.PARAM_NAMES):
        if x[j] == 0.0:
            continue  # at a closed bound a central difference leaves the domain
        if isinstance(model, lf.CGMY) and pname == "Y" and min(x[j], abs(x[j] - 1.0)) < 0.02:
            continue  # differences of the closed form cancel there: see the mpmath test below
        h = 1e-4 * max(abs(x[j]), 0.1)

        def psi(v: float, j: int = j) -> np.ndarray:
            y = x.copy()
            y[j] = v
            return cls.from_array(y).char_exponent(u)

        ref = _stencil(psi, x[j], h)
        err = np.abs(grad[j] - ref)
        assert np.all(err <= 1e-7 * np.abs(ref) + 1e-9), (name, pname, err, ref)
    # psi(-i) = 0 for every parameter value, so its gradient vanishes there.
    assert np.all(np.abs(grad[:, -1]) < 1e-10)


# -- parameter gradients against central differences of the pricer ------------------------------
@pytest.mark.parametrize("name", sorted(MODEL_CASES))
@pytest.mark.parametrize("kind", ["call", "put"])
def test_gradient_matches_central_differences_of_price(name: str, kind: str) -> None:
    model = MODEL_CASES[name]
    mats = _maturities(model)
    prices, grads = lf.price_and_grad(model, MARKET, K, mats, kind, tolerance=lf.HIGH_ACCURACY)
    ref_price = lf.price(model, MARKET, K, mats, kind, tolerance=lf.HIGH_ACCURACY)
    assert grads.shape == (len(model.PARAM_NAMES), mats.size, K.size)
    # Both promise 1e-10 * S0 at HIGH_ACCURACY.
    np.testing.assert_allclose(prices, ref_price, rtol=0, atol=2e-10 * MARKET.spot)
    x = model.to_array()
    cls = type(model)
    for j, pname in enumerate(cls.PARAM_NAMES):
        if x[j] == 0.0:
            # A closed bound at 0 (CGMY sigma, Y): sigma enters through sigma^2 only.
            if pname == "sigma":
                assert np.all(np.abs(grads[j]) < 1e-9 * MARKET.spot)
            continue
        h = 1e-3 * max(abs(x[j]), 0.1)
        if isinstance(model, lf.CGMY) and pname == "Y":
            h = min(h, 0.002 * (2.0 - x[j]))  # Gamma(-Y) has a pole at Y = 2

        def f(v: float, j: int = j) -> np.ndarray:
            y = x.copy()
            y[j] = v
            return _smooth_price(cls.from_array(y), mats, kind)

        # The reference's round-off grows as 1/h.
        noise = FD_NOISE * 1e-3 * max(abs(x[j]), 0.1) / h
        _assert_close(grads[j], _stencil(f, x[j], h), f"{name} d{kind}/d{pname}", atol=noise)


def _smooth_price(model: lf.LevyModel, mats: np.ndarray, kind: str) -> np.ndarray:
    """lf.price at HIGH_ACCURACY, one fixed method per maturity (COS where it reaches the
    tolerance, else the time change at 1e-13), so that the differences do not straddle a
    switch of method='auto' between the two (a jump of up to the tolerance)."""
    rows = []
    for t in mats:
        # The automatic number of terms steps with the parameters; at 1e-13 its steps stay
        # far below the stencil's resolution (at 1e-11 they reach ~1e-9 * S0 / h).
        for method, tol in (("cos", 1e-13), ("cos", lf.HIGH_ACCURACY), ("time_change", 1e-13)):
            try:
                rows.append(lf.price(model, MARKET, K, t, kind, method=method, tolerance=tol))
                break
            except ValueError:
                continue
    return np.array(rows)


@pytest.mark.parametrize(
    "model",
    [
        lf.Merton(0.15, 0.1, -0.9, 0.45),
        lf.NIG(15.0, -5.0, 0.5),
        lf.CGMY(1.0, 5.0, 5.0, 1.5),
        lf.VarianceGamma(0.2, 0.3, -0.15),
    ],
    ids=repr,
)
def test_gradient_matches_oracle_quadrature(model: lf.LevyModel) -> None:
    strikes, mats = [80.0, 100.0, 125.0], [1.0, 2.0]
    _, grads = lf.price_and_grad(model, MARKET, strikes, mats, tolerance=lf.HIGH_ACCURACY)
    for j, pname in enumerate(model.PARAM_NAMES):
        if model.to_array()[j] == 0.0:
            continue
        ref = lewis_price_grad(model, MARKET, strikes, mats, pname, tol=1e-11)
        _assert_close(grads[j], ref, f"{model!r} d/d{pname} vs Lewis", atol=1e-10 * MARKET.spot)


def test_time_change_regime_gradient() -> None:
    """VG at T/nu << 1, where method='auto' prices by the time change: the differentiated
    quadrature against differences of method='time_change' at 1e-13."""
    model = lf.VarianceGamma(0.3, 1.0, -0.3)
    mats = np.array([0.005, 0.02, 0.1])
    _, grads = lf.price_and_grad(model, MARKET, K, mats, tolerance=lf.HIGH_ACCURACY)
    x = model.to_array()
    for j, pname in enumerate(model.PARAM_NAMES):
        h = 1e-3 * max(abs(x[j]), 0.1)

        def f(v: float, j: int = j) -> np.ndarray:
            y = x.copy()
            y[j] = v
            return lf.price(lf.VarianceGamma.from_array(y), MARKET, K, mats,
                            method="time_change", tolerance=1e-13)

        _assert_close(grads[j], _stencil(f, x[j], h), f"VG time change d/d{pname}",
                      atol=1e-10 * MARKET.spot)


# -- market Greeks ----------------------------------------------------------------------------
def _bs_greeks(s0, k, t, r, q, sig, kind):
    k, t = np.meshgrid(k, t)
    sd = sig * np.sqrt(t)
    d1 = (np.log(s0 / k) + (r - q) * t) / sd + 0.5 * sd
    d2 = d1 - sd
    dq, dr = np.exp(-q * t), np.exp(-r * t)
    gamma = dq * norm.pdf(d1) / (s0 * sd)
    vega = s0 * dq * norm.pdf(d1) * np.sqrt(t)
    if kind == "call":
        delta = dq * norm.cdf(d1)
        theta = -s0 * dq * norm.pdf(d1) * sig / (2 * np.sqrt(t)) - r * k * dr * norm.cdf(d2) \
            + q * s0 * dq * norm.cdf(d1)
        rho = k * t * dr * norm.cdf(d2)
        drho = -t * s0 * dq * norm.cdf(d1)
    else:
        delta = -dq * norm.cdf(-d1)
        theta = -s0 * dq * norm.pdf(d1) * sig / (2 * np.sqrt(t)) + r * k * dr * norm.cdf(-d2) \
            - q * s0 * dq * norm.cdf(-d1)
        rho = -k * t * dr * norm.cdf(-d2)
        drho = t * s0 * dq * norm.cdf(-d1)
    return delta, gamma, theta, rho, drho, vega


@pytest.mark.parametrize("kind", ["call", "put"])
@pytest.mark.parametrize("market", [MARKET, lf.Market(100.0, -0.01, 0.04)], ids=["r>q", "r<q"])
def test_black_scholes_greeks_match_closed_form(kind: str, market: lf.Market) -> None:
    sig = 0.25
    model = lf.BlackScholes(sig)
    g = lf.greeks(model, market, K, T, kind, tolerance=lf.HIGH_ACCURACY)
    _, grads = lf.price_and_grad(model, market, K, T, kind, tolerance=lf.HIGH_ACCURACY)
    delta, gamma, theta, rho, drho, vega = _bs_greeks(market.spot, K, T, market.rate,
                                                      market.dividend, sig, kind)
    s0 = market.spot
    tol = 1e-10
    np.testing.assert_allclose(g.delta, delta, rtol=0, atol=tol)
    np.testing.assert_allclose(g.gamma, gamma, rtol=0, atol=tol / s0)
    np.testing.assert_allclose(g.theta, theta, rtol=0, atol=tol * s0)
    np.testing.assert_allclose(g.rho, rho, rtol=0, atol=tol * s0)
    np.testing.assert_allclose(g.dividend_rho, drho, rtol=0, atol=tol * s0)
    np.testing.assert_allclose(grads[0], vega, rtol=0, atol=tol * s0)


@pytest.mark.parametrize("name", ["vg_bench", "vg_heavy", "cgmy_15", "nig", "merton", "kou"])
@pytest.mark.parametrize("kind", ["call", "put"])
def test_levy_greeks_match_central_differences(name: str, kind: str) -> None:
    model = MODEL_CASES[name]
    # For VG, T/nu >= 1.5: below, the density of X_T has an integrable singularity at its
    # centre and differences in spot are not accurate references (see the time-change test).
    vg = isinstance(model, lf.VarianceGamma)
    mats = np.array([2.0, 5.0]) if vg else np.array([0.1, 0.5, 2.0])
    m = MARKET
    g = lf.greeks(model, m, K, mats, kind, tolerance=lf.HIGH_ACCURACY)

    def px(s0=m.spot, r=m.rate, q=m.dividend, t=mats):
        return lf.price(model, lf.Market(s0, r, q), K, t, kind, tolerance=lf.HIGH_ACCURACY)

    h = 1e-3
    delta = _stencil(lambda s: px(s0=s), m.spot, h * m.spot)
    gamma = (-px(s0=m.spot + 2 * h * m.spot) + 16 * px(s0=m.spot + h * m.spot) - 30 * px()
             + 16 * px(s0=m.spot - h * m.spot) - px(s0=m.spot - 2 * h * m.spot)) / (
        12 * (h * m.spot) ** 2)
    rho = _stencil(lambda r: px(r=r), m.rate, h)
    drho = _stencil(lambda q: px(q=q), m.dividend, h)
    theta = -_stencil(lambda dt: px(t=mats + dt), 0.0, h * 0.1)
    _assert_close(g.delta, delta, f"{name} delta", atol=1e-9)
    # Second differences amplify the pricer's round-off (~1e-13 S0 / (0.1)^2).
    _assert_close(g.gamma, gamma, f"{name} gamma", rel=1e-5, atol=1e-8)
    _assert_close(g.rho, rho, f"{name} rho")
    _assert_close(g.dividend_rho, drho, f"{name} dividend rho")
    _assert_close(g.theta, theta, f"{name} theta", atol=2e-8 * m.spot)
    np.testing.assert_allclose(g.price, px(), rtol=0, atol=1e-10 * m.spot)


def test_time_change_regime_greeks() -> None:
    model = lf.VarianceGamma(0.3, 1.0, -0.3)
    mats = np.array([0.02, 0.1])
    g = lf.greeks(model, MARKET, K, mats, "put", tolerance=lf.HIGH_ACCURACY)

    def px(s0=MARKET.spot, r=MARKET.rate, t=mats):
        return lf.price(model, lf.Market(s0, r, MARKET.dividend), K, t, "put",
                        method="time_change", tolerance=1e-13)

    # The density of X_T is singular at its centre for T/nu < 1/2: compare away from it.
    away = np.abs(np.log(K / MARKET.spot)) > 0.1
    _assert_close(g.delta[:, away], _stencil(lambda s: px(s0=s), MARKET.spot, 0.01)[:, away],
                  "delta", atol=1e-8)
    _assert_close(g.rho, _stencil(lambda r: px(r=r), MARKET.rate, 1e-3), "rho")
    _assert_close(g.theta, -_stencil(lambda dt: px(t=mats + dt), 0.0, 1e-4), "theta",
                  atol=1e-7 * MARKET.spot)


# -- contracts --------------------------------------------------------------------------------
def test_shapes_and_scalar_squeezing() -> None:
    model = lf.VarianceGamma(0.2, 0.3, -0.15)
    p, g = lf.price_and_grad(model, MARKET, 100.0, 1.0)
    assert isinstance(p, float) and g.shape == (3,)
    p, g = lf.price_and_grad(model, MARKET, K, 1.0)
    assert p.shape == (K.size,) and g.shape == (3, K.size)
    gr = lf.greeks(model, MARKET, 100.0, 1.0)
    assert isinstance(gr.delta, float) and 0.0 < gr.delta < 1.0 and gr.gamma > 0.0


def test_batch_matches_single_surfaces() -> None:
    params = np.array([[0.2, 0.3, -0.15], [0.12, 0.2, -0.14], [0.3, 1.0, -0.3]])
    mats = np.array([0.05, 0.5, 2.0])
    prices, grads = lf.price_and_grad_batch(lf.VarianceGamma, params, MARKET, K, mats,
                                            n_threads=2)
    assert prices.shape == (3, 3, K.size) and grads.shape == (3, 3, 3, K.size)
    for row, x in enumerate(params):
        p, g = lf.price_and_grad(lf.VarianceGamma.from_array(x), MARKET, K, mats)
        np.testing.assert_array_equal(prices[row], p)
        np.testing.assert_array_equal(grads[row], g)


def test_invalid_inputs_raise_clear_errors() -> None:
    model = lf.NIG(15.0, -5.0, 0.5)
    with pytest.raises(ValueError, match="`strikes` of price_and_grad must be in"):
        lf.price_and_grad(model, MARKET, [-1.0], [1.0])
    with pytest.raises(ValueError, match="`kind` of greeks must be one of"):
        lf.greeks(model, MARKET, K, T, kind="straddle")
    with pytest.raises(ValueError, match="`tolerance` of price_and_grad"):
        lf.price_and_grad(model, MARKET, K, T, tolerance=0.0)
    with pytest.raises(TypeError, match="`market` of greeks"):
        lf.greeks(model, "market", K, T)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="row 1"):
        lf.price_and_grad_batch(lf.NIG, [[15.0, -5.0, 0.5], [1.0, 5.0, 0.5]], MARKET, K, T)
    with pytest.raises(ValueError, match=r"shape \[n, 3\]"):
        lf.price_and_grad_batch(lf.NIG, [[15.0, -5.0]], MARKET, K, T)


def test_an_object_that_is_not_a_model_is_refused_with_a_type_error() -> None:
    class UserModel:
        MODEL_ID = None
        PARAM_NAMES = ("a",)

    with pytest.raises(TypeError, match="`model` of price_and_grad must be a levyfast model"):
        lf.price_and_grad(UserModel(), MARKET, K, T)  # type: ignore[arg-type]
    assert math.isfinite(float(lf.greeks(lf.BlackScholes(0.2), MARKET, 100.0, 1.0).theta))


def test_cgmy_at_y0_short_maturity_raises_clearly() -> None:
    with pytest.raises(ValueError, match="CGMY near Y = 0 .* at short maturities"):
        lf.price_and_grad(lf.CGMY(2.0, 6.0, 9.0, 0.0), MARKET, K, 0.02,
                          tolerance=lf.HIGH_ACCURACY)


# -- the core's options used by the calibrator ------------------------------------------------
@pytest.mark.parametrize("name", sorted(MODEL_CASES))
def test_direction_subset_equals_the_matching_rows_of_the_full_gradient(name: str) -> None:
    """directions=[...] returns exactly those rows (same plan, same arithmetic) in that order."""
    model = MODEL_CASES[name]
    mats = _maturities(model)
    settings = _core.COSSettings()
    args = (model.MODEL_ID, model.to_array(), MARKET.spot, MARKET.rate, MARKET.dividend, K,
            mats, 0, settings, True, False)
    p_all, g_all, _ = _core.price_sensitivities(*args)
    dirs = list(range(len(model.PARAM_NAMES)))[::-2]
    p_sub, g_sub, _ = _core.price_sensitivities(*args, directions=dirs)
    assert g_sub.shape == (len(dirs), mats.size, K.size)
    np.testing.assert_allclose(p_sub, p_all, rtol=1e-14, atol=1e-14 * MARKET.spot)
    np.testing.assert_allclose(g_sub, g_all[dirs], rtol=1e-12, atol=1e-13 * MARKET.spot)
    with pytest.raises(ValueError, match="parameter direction 9 out of range"):
        _core.price_sensitivities(*args, directions=[9])


@pytest.mark.parametrize("name", ["cgmy", "nig", "vg"])
def test_price_grade_derivative_plan_stays_within_a_loose_tolerance(name: str) -> None:
    """derivative_tolerance = the price tolerance (the calibrator's plan): prices still meet
    it and gradients agree with the default (tighter) plan to a few times 1e-4 relative."""
    model = next(m for k, m in MODEL_CASES.items() if k.startswith(name))
    mats = _maturities(model)
    settings = _core.COSSettings()
    args = (model.MODEL_ID, model.to_array(), MARKET.spot, MARKET.rate, MARKET.dividend, K,
            mats, 0, settings, True, False)
    p_tight, g_tight, _ = _core.price_sensitivities(*args)
    p_loose, g_loose, _ = _core.price_sensitivities(*args, derivative_tolerance=1e-7)
    ref = lf.price(model, MARKET, K, mats, tolerance=lf.HIGH_ACCURACY)
    assert np.max(np.abs(p_loose - ref)) < 1e-7 * MARKET.spot
    assert np.max(np.abs(g_loose - g_tight)) < 1e-4 * max(1.0, np.max(np.abs(g_tight)))
