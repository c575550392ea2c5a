"""The Meixner process, the seventh built-in (Schoutens & Teugels 1998): its C++ traits agree
with the user-model example's Numba exponent, and it is priced (COS, FFT, PIDE against the Lewis
quadrature oracle over random draws of its domain), validated and sampled like the other
built-ins. Differentiation and calibration run in test_sensitivities.py and test_least_squares.py
(MODEL_CASES, the calibration cases)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_numba_cos import MEIXNER  # examples/meixner.py, loaded once

import levyfast as lf
from levyfast import _core
from levyfast._numba import cos as kernels
from levyfast._numba.exponents import RAW_EXPONENTS

from oracle import levy_khintchine_exponent, lewis_price

MARKET = lf.Market(100.0, 0.03, 0.01)
K = np.array([70.0, 85.0, 95.0, 100.0, 105.0, 120.0, 150.0])
T = np.array([0.05, 0.5, 2.0])


def _draws(n: int, seed: int) -> list[lf.Meixner]:
    """Uniform draws of alpha in (0.02, 1.5), beta in (-3, pi - alpha - 0.05), delta in
    (0.05, 8), kept where the annual variance rate c2 is between 0.1% and 100%."""
    rng = np.random.default_rng(seed)
    out: list[lf.Meixner] = []
    while len(out) < n:
        a = rng.uniform(0.02, 1.5)
        m = lf.Meixner(a, rng.uniform(-3.0, math.pi - a - 0.05), rng.uniform(0.05, 8.0))
        if 1e-3 <= m.cumulants()[1] <= 1.0:
            out.append(m)
    return out


@pytest.mark.parametrize("model", _draws(6, seed=1) + [lf.Meixner(*lf.Meixner.EXAMPLE)], ids=repr)
def test_exponent_agrees_with_the_user_model_example(model: lf.Meixner) -> None:
    """C++ traits, the Numba table entry and NumPy against examples/meixner.py, 1e-12 relative
    to the size of the terms: near u = 0, psi_raw is a difference of two terms of size
    2 delta |ln cos(beta/2)|, and psi_raw and i u omega cancel."""
    p = model.to_array()
    u = np.concatenate([np.geomspace(1e-2, 3e3, 25), -np.geomspace(0.1, 100, 5),
                        np.linspace(-20, 20, 6) - 0.5j * (math.pi - abs(model.beta)) / model.alpha,
                        [-1j]]).astype(np.complex128)
    raw = np.array([MEIXNER.meixner_exponent(z, p) for z in u])
    omega = -MEIXNER.meixner_exponent(-1j, p).real
    expected = raw + 1j * u * omega
    terms = 2.0 * model.delta * abs(math.log(math.cos(0.5 * model.beta)))
    scale = np.abs(raw) + np.abs(u * omega) + terms
    table = np.empty_like(u)
    kernels.exponent_values(RAW_EXPONENTS[lf.Meixner.MODEL_ID], p, u, table)
    for got in (_core.char_exponent(lf.Meixner.MODEL_ID, p, u), model.char_exponent(u),
                table + 1j * u * omega):
        err = np.abs(got - expected) / scale
        assert np.all(err <= 1e-12), np.max(err)


@pytest.mark.parametrize("model", [lf.Meixner(0.12, -0.59, 3.36), lf.Meixner(1.0, 0.5, 0.4),
                                   lf.Meixner(0.3, -2.5, 1.0)], ids=repr)
def test_exponent_matches_levy_khintchine_of_the_density(model: lf.Meixner) -> None:
    """psi from the closed form equals the one rebuilt from the C++ Lévy density."""
    class CppDensity:
        def levy_density(self, x: np.ndarray) -> np.ndarray:
            return _core.levy_density(model.MODEL_ID, model.to_array(), np.asarray(x, float))

    u = np.array([0.5, 3.0, 2.0 - 0.5j, -1.0 + 0.3j])
    expected = levy_khintchine_exponent(CppDensity(), u, 0.0)
    np.testing.assert_allclose(model.char_exponent(u), expected, rtol=1e-8, atol=1e-8)
    x = np.array([-4.0, -0.3, -1e-7, 1e-7, 0.3, 4.0])
    np.testing.assert_allclose(_core.levy_density(model.MODEL_ID, model.to_array(), x),
                               model.levy_density(x), rtol=1e-14)
    # the textbook form where sinh does not overflow
    a, b, d = model.alpha, model.beta, model.delta
    np.testing.assert_allclose(model.levy_density(x),
                               d * np.exp(b * x / a) / (x * np.sinh(math.pi * x / a)), rtol=1e-13)


def test_moment_strip_is_where_the_exponent_is_analytic() -> None:
    """psi(-is) continues to 2 delta [ln cos(beta/2) - ln cos((alpha s + beta)/2)] + s omega,
    which is finite until cos vanishes at alpha s + beta = +-pi: the strip
    (-(pi + beta)/alpha, (pi - beta)/alpha)."""
    m = lf.Meixner(0.4, -0.7, 2.0)
    s_minus, s_plus = _core.moment_strip(m.MODEL_ID, m.to_array())
    assert s_minus == pytest.approx((math.pi - 0.7) / 0.4)
    assert s_plus == pytest.approx((math.pi + 0.7) / 0.4)
    omega = m.convexity_correction()
    for s in (-0.9999 * s_minus, -0.5, 0.5, 0.9999 * s_plus):
        closed = 2.0 * m.delta * (math.log(math.cos(0.5 * m.beta))
                                  - math.log(math.cos(0.5 * (m.alpha * s + m.beta)))) + s * omega
        for got in (m.char_exponent(-1j * s),
                    _core.char_exponent(m.MODEL_ID, m.to_array(), np.array([-1j * s]))[0]):
            assert got == pytest.approx(closed, rel=1e-11, abs=1e-11)


def test_parameters_outside_the_domain_name_the_violated_bound() -> None:
    with pytest.raises(ValueError, match="alpha \\+ beta < pi"):
        lf.Meixner(1.0, 2.2, 1.0)
    with pytest.raises(ValueError, match="`beta` of Meixner"):
        lf.Meixner(0.1, -3.2, 1.0)
    with pytest.raises(ValueError, match="`delta` of Meixner"):
        lf.Meixner(0.1, 0.0, 0.0)
    for params, match in (([1.0, 2.2, 1.0], "alpha \\+ beta < pi"), ([0.1, 3.5, 1.0], "`beta`"),
                          ([-0.1, 0.0, 1.0], "`alpha`"), ([0.1, 0.0, math.nan], "`delta`")):
        with pytest.raises(ValueError, match=match):
            _core.validate_model(lf.Meixner.MODEL_ID, np.array(params))


@pytest.mark.parametrize("model", _draws(5, seed=7), ids=repr)
def test_cos_and_fft_match_the_lewis_oracle(model: lf.Meixner) -> None:
    expected = lewis_price(model, MARKET, K, T, "call", tol=1e-10)
    for method, tol in (("auto", 1e-6), ("cos", 1e-6), ("fft", 1e-6)):
        got = lf.price(model, MARKET, K, T, "call", method=method)
        assert np.max(np.abs(got - expected)) <= tol * MARKET.spot, (method, got - expected)
    got = lf.price(model, MARKET, K, T, "put", tolerance=lf.HIGH_ACCURACY)
    expected_put = lewis_price(model, MARKET, K, T, "put", tol=1e-11)
    assert np.max(np.abs(got - expected_put)) <= 2e-10 * MARKET.spot


def test_pide_matches_the_oracle() -> None:
    model = lf.Meixner(*lf.Meixner.EXAMPLE)
    strikes, mats = np.array([90.0, 100.0, 110.0]), np.array([0.25, 1.0])
    got = lf.PIDEPricer(nx=2048, nt=400).price(model, MARKET, strikes, mats, kind="put")
    expected = lewis_price(model, MARKET, strikes, mats, "put", tol=1e-9)
    assert np.max(np.abs(got - expected)) <= 1e-4 * MARKET.spot, got - expected


def test_sampled_datasets_are_priced_and_inside_the_box() -> None:
    ds = lf.data.generate_surfaces(lf.Meixner, 16, seed=3, store=("price", "iv"))
    box = lf.Meixner.SAMPLING_BOX
    for j, name in enumerate(lf.Meixner.PARAM_NAMES):
        assert np.all((ds.params[:, j] >= box[name][0]) & (ds.params[:, j] <= box[name][1]))
    assert ds.check_flags is not None and not ds.check_flags.any()
    i = 5
    model = lf.Meixner.from_array(ds.params[i])
    market = lf.Market(100.0, ds.rates[i], ds.dividends[i])
    np.testing.assert_allclose(ds.prices[i], lf.price(model, market, 100 * ds.strikes,
                                                      ds.maturities) / 100, rtol=0, atol=1e-12)
