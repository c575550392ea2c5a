"""Model values: bounds, cross constraints, array round trip, and the C++ exponent agreeing
with the independent NumPy exponent of each model (DESIGN.md §2)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import integrate

import levyfast as lf
from levyfast import _core

from conftest import MODEL_CASES


def test_model_ids_are_stable() -> None:
    ids = {cls.__name__: cls.MODEL_ID for cls in
           (lf.BlackScholes, lf.VarianceGamma, lf.CGMY, lf.NIG, lf.Merton, lf.Kou, lf.Meixner)}
    assert ids == {"BlackScholes": 0, "VarianceGamma": 1, "CGMY": 2, "NIG": 3, "Merton": 4,
                   "Kou": 5, "Meixner": 6}


@pytest.mark.parametrize("name", sorted(MODEL_CASES))
def test_round_trip_and_frozen(name: str) -> None:
    m = MODEL_CASES[name]
    arr = m.to_array()
    assert arr.shape == (len(m.PARAM_NAMES),)
    assert type(m).from_array(arr) == m
    assert _core.n_params(m.MODEL_ID) == len(m.PARAM_NAMES)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(m, m.PARAM_NAMES[0], 1.0)
    changed = dataclasses.replace(m, **{m.PARAM_NAMES[0]: float(arr[0]) * 1.01})
    assert changed != m and m.to_array()[0] == arr[0]


def test_cgmy_vectorised_exponent_on_real_grids_matches_numpy() -> None:
    """CGMY's exponent on a real grid (the COS pricer's) takes the vectorised closed form
    (fast_math's log1p, atan, exp, cos): it matches NumPy's complex closed form over random
    parameters outside the Taylor bands, from u = 1e-8 (cancellation) to 1e6."""
    rng = np.random.default_rng(18)
    u = np.concatenate([np.linspace(0.0, 5.0, 41), np.geomspace(1e-8, 1e6, 200)])
    u = np.concatenate([u, -u[1:60]]).astype(complex)
    checked = 0
    while checked < 200:
        y = rng.uniform(0.0, 1.99)
        if abs(y - 1.0) < 0.26 or y < 1e-5:
            continue
        m = lf.CGMY(10 ** rng.uniform(-2, 1), 10 ** rng.uniform(-1, 2.5),
                    1.0 + 10 ** rng.uniform(-2, 2.5), y, float(rng.choice([0.0, 0.3])))
        cpp = _core.char_exponent(m.MODEL_ID, m.to_array(), u)
        py = m.char_exponent(u)
        # To 1e-12 of |psi| plus the rounding of its terms, ~|C Gamma(-Y)| (M^Y + G^Y) eps
        # (NumPy's closed form cancels them as u -> 0) and u * omega's.
        scale = abs(m.C * math.gamma(-m.Y)) * (m.M**m.Y + m.G**m.Y) + 1.0
        excess = np.abs(cpp - py) / (1e-12 * np.abs(py) + 1e-15 * scale * (1.0 + np.abs(u)))
        worst = int(np.argmax(excess))
        assert excess[worst] <= 1.0, f"{m!r} at u = {u[worst]}: {cpp[worst]} vs {py[worst]}"
        checked += 1


def test_cgmy_vectorised_exponent_near_y_one_matches_numpy() -> None:
    """In the band 1e-6 <= |Y - 1| < 1/4 the exponent takes the O(Y - 1) form
    sum z expm1((Y-1) ln z) (Gamma(-Y) has its pole at Y = 1), vectorised on real grids as
    i u (e_G - e_M) + z_M M^d expm1(d l_M) + z_G G^d expm1(d l_G): it matches NumPy's scalar
    form of the band over random parameters, u from 1e-8 to 1e6, to a few units of rounding
    of its terms (C Gamma(2-Y)/Y (M + G) (1 + |ln M| + |ln G|) and u * omega)."""
    rng = np.random.default_rng(19)
    u = np.concatenate([np.linspace(0.0, 5.0, 41), np.geomspace(1e-8, 1e6, 200)])
    u = np.concatenate([u, -u[1:60]]).astype(complex)
    for _ in range(300):
        y = rng.uniform(0.75, 1.25)
        if abs(y - 1.0) < 1e-5:
            continue
        m = lf.CGMY(10 ** rng.uniform(-2, 1), 10 ** rng.uniform(-1, 2.5),
                    1.0 + 10 ** rng.uniform(-2, 2.5), y, float(rng.choice([0.0, 0.3])))
        cpp = _core.char_exponent(m.MODEL_ID, m.to_array(), u)
        py = m.char_exponent(u)
        scale = (abs(m.C * math.gamma(2.0 - m.Y) / m.Y) * (m.M + m.G)
                 * (1.0 + abs(math.log(m.M)) + abs(math.log(m.G)))
                 + abs(m.convexity_correction()) + 1.0)
        excess = np.abs(cpp - py) / (1e-12 * np.abs(py) + 2e-15 * scale * (1.0 + np.abs(u)))
        worst = int(np.argmax(excess))
        assert excess[worst] <= 1.0, f"{m!r} at u = {u[worst]}: {cpp[worst]} vs {py[worst]}"


def _random_cgmy(rng: np.random.Generator) -> lf.CGMY:
    """A random CGMY across Y in [0, 2), a third of the draws in the Y ~ 0 and Y ~ 1 bands."""
    y = float(rng.choice([rng.uniform(0.0, 1.99), rng.uniform(0.0, 2e-6),
                          rng.uniform(0.74, 1.26)]))
    return lf.CGMY(10 ** rng.uniform(-2, 1), 10 ** rng.uniform(-1, 2.5),
                   1.0 + 10 ** rng.uniform(-2, 2.5), y, float(rng.choice([0.0, 0.3])))


@pytest.mark.parametrize("family", ["cgmy", "vg", "nig", "kou", "merton", "meixner"])
def test_cumulant_generating_matches_numpy_exponent(family: str) -> None:
    """The COS planner's Chernoff ranges take ln E[e^{s X_1}] = psi(-is) in real arithmetic
    (CGMY: C Gamma(-Y) [M^Y expm1(Y ln(1 - s/M)) + G^Y expm1(Y ln(1 + s/G))] + sigma^2 s^2/2,
    with Gamma(-Y), M^Y, G^Y once per call): it matches NumPy's complex exponent at u = -is
    inside the moment strip (up to 98% of each side) and is +inf beyond it."""
    rng = np.random.default_rng(181)
    for _ in range(100):
        m = _random_cgmy(rng) if family == "cgmy" else _random_model(family, rng)
        s_minus, s_plus = _core.moment_strip(m.MODEL_ID, m.to_array())
        cap = 5.0 if math.isinf(s_minus) else 50.0  # Merton: e^{s mu + s^2 sj^2/2} in range
        lo, hi = 0.98 * min(s_minus, cap), 0.98 * min(s_plus, cap)
        s = np.concatenate([-np.geomspace(1e-3 * lo, lo, 12), np.geomspace(1e-3 * hi, hi, 12)])
        got = _core.cumulant_generating(m.MODEL_ID, m.to_array(), s)
        expected = m.char_exponent(-1j * s).real
        # 1e-11 of |k| plus the rounding of the terms NumPy's closed form cancels (as s -> 0)
        # and of s * omega.
        scale = abs(m.convexity_correction()) + _cancelled_terms(m) + 1.0
        if isinstance(m, lf.CGMY) and abs(m.Y) > 1e-5 and abs(m.Y - 1.0) > 1e-5:
            scale += abs(m.C * math.gamma(-m.Y)) * (m.M**m.Y + m.G**m.Y)
        excess = np.abs(got - expected) / (1e-11 * np.abs(expected) + 1e-14 * scale)
        worst = int(np.argmax(excess))
        assert excess[worst] <= 1.0, f"{m!r} at s = {s[worst]}: {got[worst]} vs {expected[worst]}"
        outside = np.array([-s_minus * 1.5, s_plus * 1.5])
        outside = outside[np.isfinite(outside)]
        if outside.size:
            assert np.all(_core.cumulant_generating(m.MODEL_ID, m.to_array(), outside) == math.inf)


def _random_model(family: str, rng: np.random.Generator) -> lf.LevyModel:
    """A random valid model of a family with a vectorised real-grid exponent."""
    while True:
        try:
            if family == "vg":
                return lf.VarianceGamma(10 ** rng.uniform(-2, 0), 10 ** rng.uniform(-3, 0.5),
                                        rng.uniform(-0.8, 0.5))
            if family == "nig":
                alpha = 10 ** rng.uniform(-0.5, 2.5)
                return lf.NIG(alpha, rng.uniform(-0.95, 0.95) * alpha, 10 ** rng.uniform(-2, 1))
            if family == "kou":
                return lf.Kou(rng.choice([0.0, 0.2]), 10 ** rng.uniform(-2, 1.5),
                              rng.uniform(0, 1), 1.0 + 10 ** rng.uniform(-2, 2.5),
                              10 ** rng.uniform(-1, 2.5))
            if family == "meixner":
                return lf.Meixner(10 ** rng.uniform(-1.5, 0.4), rng.uniform(-3.1, 1.5),
                                  10 ** rng.uniform(-1.5, 1))
            return lf.Merton(rng.choice([0.0, 0.2]), 10 ** rng.uniform(-2, 1.5),
                             rng.uniform(-1.5, 1.0), 10 ** rng.uniform(-3, 0))
        except ValueError:  # outside the moment strip (E[S_T] infinite): draw again
            continue


def _cancelled_terms(m: lf.LevyModel) -> float:
    """Size of the terms NumPy's closed form cancels as u -> 0."""
    if isinstance(m, lf.NIG):
        return m.delta * m.alpha
    if isinstance(m, lf.Meixner):
        return 2.0 * m.delta * (1.0 - math.log(math.cos(m.beta / 2)))
    return 0.0


@pytest.mark.parametrize("family", ["vg", "nig", "kou", "merton", "meixner"])
def test_vectorised_exponents_on_real_grids_match_numpy(family: str) -> None:
    """VG, NIG, Kou, Merton and Meixner take a vectorised closed form on real grids (the COS
    pricer's: fast_math's log1p, atan, expm1 and sincos, NIG's square roots without
    cancellation): each matches NumPy's complex closed form over random parameters, u from
    1e-8 to 1e6."""
    rng = np.random.default_rng(180)
    u = np.concatenate([np.linspace(0.0, 5.0, 41), np.geomspace(1e-8, 1e6, 200)])
    u = np.concatenate([u, -u[1:60]]).astype(complex)
    for _ in range(100):
        m = _random_model(family, rng)
        cpp = _core.char_exponent(m.MODEL_ID, m.to_array(), u)
        py = m.char_exponent(u)
        # 1e-12 of |psi| plus the rounding of u * omega and of the terms NumPy's closed form
        # cancels as u -> 0 (NIG's delta gamma - delta sqrt(.), Meixner's 2 delta ln cos(beta/2)
        # - 2 delta ln cosh(.); the kernels avoid it).
        terms = abs(m.convexity_correction()) + _cancelled_terms(m)
        bound = 1e-12 * np.abs(py) + 1e-15 * (1.0 + terms) * (1.0 + np.abs(u))
        excess = np.abs(cpp - py) / bound
        worst = int(np.argmax(excess))
        assert excess[worst] <= 1.0, f"{m!r} at u = {u[worst]}: {cpp[worst]} vs {py[worst]}"


@pytest.mark.parametrize("family", ["vg", "cgmy", "nig", "kou", "meixner"])
def test_share_dual_is_the_reflected_share_measure_law(family: str) -> None:
    """The core's dual parameters (put–call duality, Fajardo & Mordecki 2006) give the law of
    -X under e^{X_1} dQ: psi_dual(u) = psi(-u - i), both by NumPy's closed forms."""
    rng = np.random.default_rng(181)
    u = np.concatenate([np.linspace(0.0, 5.0, 21), np.geomspace(1e-3, 300.0, 60)])
    u = np.concatenate([u, -u[1:]]).astype(complex)
    for _ in range(100):
        if family == "cgmy":
            m = lf.CGMY(10 ** rng.uniform(-2, 1), 10 ** rng.uniform(-0.5, 1.5),
                        1.0 + 10 ** rng.uniform(-1.5, 1.5), rng.uniform(0.0, 1.9),
                        rng.choice([0.0, 0.2]))
        else:
            m = _random_model(family, rng)
        params = _core.share_dual(m.MODEL_ID, m.to_array())
        assert params is not None, repr(m)
        dual = type(m)(*params)
        expected = m.char_exponent(-u - 1j)
        got = dual.char_exponent(u)
        scale = np.abs(expected) + abs(m.convexity_correction()) * (1.0 + np.abs(u)) + 1.0
        excess = np.abs(got - expected) / (1e-9 * scale)
        worst = int(np.argmax(excess))
        assert excess[worst] <= 1.0, f"{m!r} -> {dual!r} at u = {u[worst]}"


def test_share_dual_is_absent_where_it_cannot_help() -> None:
    """Black–Scholes and Merton (closed form and series in `auto`) define no dual."""
    for m in (lf.BlackScholes(0.2), lf.Merton(0.2, 1.0, -0.1, 0.2)):
        assert _core.share_dual(m.MODEL_ID, m.to_array()) is None


@pytest.mark.parametrize("name", sorted(MODEL_CASES))
def test_martingale_and_cpp_exponent_match_numpy(name: str) -> None:
    m = MODEL_CASES[name]
    assert abs(m.char_exponent(-1j)) < 1e-13
    u = np.concatenate([[-1j, 0.0, -0.5j], np.geomspace(1e-3, 1e4, 40), -np.geomspace(0.1, 50, 7)])
    u = u.astype(complex) - 0.3j * (np.arange(u.size) % 2)
    py = m.char_exponent(u)
    cpp = _core.char_exponent(m.MODEL_ID, m.to_array(), u)
    np.testing.assert_allclose(cpp, py, rtol=1e-11, atol=1e-12,
                               err_msg=f"C++ vs NumPy exponent for {m!r}")


@pytest.mark.parametrize("name", sorted(MODEL_CASES))
def test_cumulants_match_exponent_derivatives(name: str) -> None:
    """c1, c2 are the first two derivatives of K(s) = psi(-i s) at 0 (5-point differences)."""
    m = MODEL_CASES[name]
    h = 1e-2
    k = np.arange(-4, 5)
    # Cumulant generating function K(s) = psi(-i s) is real and smooth at 0.
    kv = m.char_exponent(-1j * h * k).real
    c1 = (8 * (kv[5] - kv[3]) - (kv[6] - kv[2])) / (12 * h)
    c2 = (-(kv[6] + kv[2]) + 16 * (kv[5] + kv[3]) - 30 * kv[4]) / (12 * h * h)
    got = m.cumulants(1.0)
    assert got[0] == pytest.approx(c1, rel=1e-5, abs=1e-7)
    assert got[1] == pytest.approx(c2, rel=1e-5)
    cpp = _core.cumulants(m.MODEL_ID, m.to_array())
    np.testing.assert_allclose(cpp, got, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("name", [n for n in sorted(MODEL_CASES) if n != "bs"])
def test_levy_density_reproduces_jump_variance(name: str) -> None:
    """int x^2 k(x) dx is the jump part of c2 (the diffusion part is sigma^2)."""
    m = MODEL_CASES[name]
    diffusion = {lf.VarianceGamma: 0.0, lf.NIG: 0.0}.get(type(m), getattr(m, "sigma", 0.0) ** 2)
    # In y = ln|x| the integrand |x|^3 k(x) is smooth and decays at both ends.
    def g(y: float, sign: float) -> float:
        x = sign * np.exp(y)
        return float(x * x * abs(x) * m.levy_density(np.array([x]))[0])

    # Near 0, |x|^3 k(x) ~ C |x|^(2-Y) for CGMY: integrate down to e^lower and add that
    # piece's closed form C e^{lower (2-Y)}/(2-Y) per side (exp(-M|x|) = 1 there).
    lower, below = -40.0, 0.0
    if isinstance(m, lf.CGMY):
        lower = -200.0
        below = 2.0 * m.C * np.exp(lower * (2.0 - m.Y)) / (2.0 - m.Y)
    opts = dict(limit=1000, epsabs=0.0, epsrel=1e-9)
    total = below + sum(integrate.quad(g, lower, 6.0, args=(s,), **opts)[0] for s in (-1.0, 1.0))
    assert total == pytest.approx(m.cumulants(1.0)[1] - diffusion, rel=1e-6)
    x = np.array([-900.0, -0.7, -0.01, 0.02, 0.5, 900.0])
    np.testing.assert_allclose(_core.levy_density(m.MODEL_ID, m.to_array(), x), m.levy_density(x),
                               rtol=1e-10)


def test_cgmy_limits_are_continuous() -> None:
    u = np.array([0.5, 3.0, 40.0]) - 0.2j
    for y0 in (0.0, 1.0):
        at = lf.CGMY(1.0, 5.0, 7.0, y0).char_exponent(u)
        for d in (1e-7, 1e-5, 1e-3):
            near = lf.CGMY(1.0, 5.0, 7.0, y0 + d).char_exponent(u)
            assert np.all(np.abs(near - at) < 50 * d * np.abs(at) + 1e-12), (y0, d)


@pytest.mark.parametrize("Y", [1e-5, 3e-4, 0.2, 0.9, 1.0 - 2e-5, 1.0 + 3e-6, 1.0 + 7e-5, 1.1, 1.98])
def test_cgmy_exponent_against_mpmath_near_the_limits(Y: float) -> None:
    """No cancellation of Gamma(-Y) against B(Y) near Y = 0 and Y = 1 (to 1e-12 relative)."""
    mpmath = pytest.importorskip("mpmath")
    C, G, M = 1.0, 5.0, 7.0
    m = lf.CGMY(C, G, M, Y)
    u = np.array([0.01, 0.5, 3.0, 40.0, 2000.0]) - 0.3j
    with mpmath.workdps(50):
        y = mpmath.mpf(Y)

        def raw(z):
            zm, zg = M - 1j * z, G + 1j * z
            return C * mpmath.gamma(-y) * (zm**y - M**y + zg**y - G**y)

        omega = -raw(-1j).real
        exact = np.array([complex(raw(mpmath.mpc(z)) + 1j * z * omega) for z in u])
    for got in (m.char_exponent(u), _core.char_exponent(m.MODEL_ID, m.to_array(), u)):
        np.testing.assert_allclose(got, exact, rtol=1e-12, atol=1e-13)


CONSTRAINT_CASES = [
    (lf.BlackScholes, (0.0,), "`sigma` of BlackScholes must be in (0.0, inf); got 0.0"),
    (lf.BlackScholes, (float("nan"),), "`sigma` of BlackScholes"),
    (lf.VarianceGamma, (0.2, -0.1, -0.1), "`nu` of VarianceGamma must be in (0.0, inf); got -0.1"),
    (lf.VarianceGamma, (0.2, 2.0, 0.6), "1 - theta*nu - sigma**2*nu/2 > 0"),
    (lf.CGMY, (1.0, 5.0, 1.0, 0.5), "`M` of CGMY must be in (1.0, inf); got 1.0"),
    (lf.CGMY, (1.0, 5.0, 5.0, 2.0), "`Y` of CGMY must be in [0.0, 2.0); got 2.0"),
    (lf.CGMY, (1.0, 5.0, 5.0, -0.1), "`Y` of CGMY"),
    (lf.NIG, (2.0, 1.5, 0.5), "alpha > |beta + 1|"),
    (lf.NIG, (2.0, -2.5, 0.5), "|beta| < alpha"),
    (lf.Merton, (0.2, -1.0, 0.0, 0.1), "`lam` of Merton must be in [0.0, inf); got -1.0"),
    (lf.Kou, (0.2, 1.0, 0.4, 0.9, 5.0), "`eta1` of Kou must be in (1.0, inf); got 0.9"),
    (lf.Kou, (0.2, 1.0, 1.4, 2.0, 5.0), "`p` of Kou must be in [0.0, 1.0]; got 1.4"),
]


@pytest.mark.parametrize(("cls", "args", "message"), CONSTRAINT_CASES)
def test_invalid_parameters_raise_with_name_constraint_value(cls, args, message) -> None:
    with pytest.raises(ValueError, match=None) as err:
        cls(*args)
    assert message in str(err.value)
    # The C++ core enforces the same constraints independently.
    with pytest.raises(ValueError):
        _core.validate_model(cls.MODEL_ID, np.array(args, dtype=float))


def test_wrong_types_and_shapes() -> None:
    with pytest.raises(TypeError, match="`sigma` of BlackScholes must be a real number"):
        lf.BlackScholes("0.2")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"must have shape \(3,\)"):
        lf.VarianceGamma.from_array([0.1, 0.2])
    with pytest.raises(ValueError, match="`spot` of Market must be in"):
        lf.Market(-1.0, 0.01)
    with pytest.raises(ValueError, match="`rate` of Market"):
        lf.Market(100.0, float("inf"))
