"""PIDE solver: European prices against COS, observed orders (Richardson), American and barrier
options against published and closed-form references, Greeks, invalid inputs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm

import levyfast as lf

from conftest import run_and_interrupt
from oracle.bermudan_cos import american_put_cos, bermudan_put_cos

REFERENCES = json.loads(
    (Path(__file__).parent / "reference" / "pide" / "american.json").read_text()
)["entries"]

MARKET = lf.Market(100.0, 0.03, 0.01)
STRIKES = np.array([80.0, 90.0, 100.0, 110.0, 125.0])

#: One case per model; the hard regimes (CGMY Y = 1.5 and 1.98, NIG) included.
SIX_MODELS = {
    "bs": lf.BlackScholes(0.25),
    "vg": lf.VarianceGamma(0.12, 0.2, -0.14),
    "cgmy_05": lf.CGMY(1.0, 5.0, 5.0, 0.5),
    "cgmy_15": lf.CGMY(1.0, 5.0, 5.0, 1.5),
    "cgmy_198": lf.CGMY(1.0, 5.0, 5.0, 1.98),
    "nig": lf.NIG(15.0, -5.0, 0.5),
    "merton": lf.Merton(0.15, 0.1, -0.9, 0.45),
    "kou": lf.Kou(0.2, 1.0, 0.3, 10.0, 5.0),
}


def _model_from(entry: dict) -> lf.LevyModel:
    cls = getattr(lf, entry["model"])
    return cls(**entry["params"])


@pytest.mark.parametrize("name", sorted(SIX_MODELS))
@pytest.mark.parametrize("kind", ["put", "call"])
def test_european_matches_cos_at_default_grid(name: str, kind: str) -> None:
    model = SIX_MODELS[name]
    maturities = np.array([0.25, 1.0])
    got = lf.price(model, MARKET, STRIKES, maturities, kind=kind, method="pide")
    ref = lf.price(model, MARKET, STRIKES, maturities, kind=kind, method="cos", tolerance=1e-10)
    err = np.abs(got - ref).max()
    assert err <= 1e-4 * MARKET.spot, f"{name} {kind}: max |PIDE - COS| = {err:.3e}"


def _observed_order(values: list[float]) -> float:
    """Richardson: p = log2((v_h - v_h/2) / (v_h/2 - v_h/4))."""
    d1, d2 = values[0] - values[1], values[1] - values[2]
    return math.log2(abs(d1 / d2))


@pytest.mark.parametrize(
    "name", ["merton", "kou", "vg", "cgmy_05", "cgmy_15"]
)
def test_observed_order_in_space(name: str) -> None:
    model = SIX_MODELS[name]
    values = [
        lf.PIDEPricer(nx=nx, nt=400).price(model, MARKET, 100.0, 0.5, kind="put")
        for nx in (256, 512, 1024)
    ]
    order = _observed_order(values)
    assert order >= 1.8, f"{name}: observed space order {order:.2f} from {values}"


@pytest.mark.parametrize("name", ["merton", "kou", "vg", "cgmy_15"])
@pytest.mark.parametrize("scheme", ["cnab", "bdf2"])
def test_observed_order_in_time(name: str, scheme: str) -> None:
    model = SIX_MODELS[name]
    values = [
        lf.PIDEPricer(scheme=scheme, nx=512, nt=nt).price(model, MARKET, 100.0, 0.5, kind="put")
        for nt in (16, 32, 64)
    ]
    order = _observed_order(values)
    assert order >= 1.8, f"{name} {scheme}: observed time order {order:.2f} from {values}"


def test_imex_euler_is_first_order_in_time() -> None:
    model = SIX_MODELS["merton"]
    values = [
        lf.PIDEPricer(scheme="imex_euler", nx=512, nt=nt).price(model, MARKET, 100.0, 0.5,
                                                                 kind="put")
        for nt in (16, 32, 64)
    ]
    assert 0.8 <= _observed_order(values) <= 1.3


@pytest.mark.parametrize("entry", REFERENCES, ids=lambda e: e["id"])
def test_american_put_matches_published_value(entry: dict) -> None:
    market = lf.Market(entry["spot"], entry["rate"], entry["dividend"])
    got = lf.PIDEPricer(nx=2048, nt=128, richardson=True).price(
        _model_from(entry), market, entry["strike"], entry["maturity"], kind=entry["kind"],
        exercise=entry["exercise"],
    )
    assert abs(got - entry["value"]) <= entry["accuracy"], (
        f"{entry['id']}: got {got:.7f}, published {entry['value']}, tol {entry['accuracy']}"
    )


@pytest.mark.parametrize(
    ("model", "spot", "maturity", "rate", "tol"),
    [
        (lf.Merton(0.15, 0.1, -0.9, 0.45), 100.0, 0.25, 0.05, 2e-5),
        (lf.CGMY(1.0, 5.0, 5.0, 0.5), 1.0, 1.0, 0.1, 1e-5),
        (lf.Kou(0.2, 1.0, 0.3, 10.0, 5.0), 100.0, 0.5, 0.05, 1e-4),
    ],
    ids=["merton", "cgmy", "kou"],
)
def test_american_put_matches_bermudan_cos_peer(model: lf.LevyModel, spot: float,
                                                maturity: float, rate: float,
                                                tol: float) -> None:
    """PIDE with Richardson against the independent Bermudan COS + Richardson oracle, at the
    money and 10% out of the money (in the money the 8-date Bermudan is exercised at once,
    which breaks the oracle's 1/M expansion at d = 3)."""
    market = lf.Market(spot, rate)
    strikes = spot * np.array([0.9, 1.0])
    got = lf.PIDEPricer(nx=1024, nt=64, richardson=True).price(
        model, market, strikes, maturity, kind="put", exercise="american")
    ref = np.array([american_put_cos(model, spot, k, maturity, rate, 0.0, d=3, n_terms=1024,
                                     width=8.0) for k in strikes])
    assert np.abs(got - ref).max() <= tol, f"PIDE {got} vs Bermudan COS {ref}"


def test_price_american_default_is_the_richardson_pricer() -> None:
    """lf.price(method="pide", exercise="american") uses AMERICAN_PIDE: within 1e-5 of the
    Bermudan COS oracle on the Merton case, where the plain default grid is 8e-5 off."""
    model, market = lf.Merton(0.15, 0.1, -0.9, 0.45), lf.Market(100.0, 0.05)
    got = lf.price(model, market, 100.0, 0.25, kind="put", method="pide", exercise="american")
    ref = american_put_cos(model, 100.0, 100.0, 0.25, 0.05, 0.0, d=3, n_terms=1024, width=8.0)
    assert abs(got - ref) <= 1e-5, (got, ref)
    assert got == lf.pricers.AMERICAN_PIDE.price(model, market, 100.0, 0.25, kind="put",
                                                 exercise="american")


def test_bermudan_cos_oracle_with_one_date_is_european() -> None:
    model, market = SIX_MODELS["cgmy_05"], lf.Market(1.0, 0.1)
    ref = lf.price(model, market, 1.0, 1.0, kind="put", method="cos", tolerance=1e-12)
    assert abs(bermudan_put_cos(model, 1.0, 1.0, 1.0, 0.1, 0.0, n_dates=1) - ref) < 1e-10


def test_quadratic_time_grid_restores_accuracy_of_american_cnab() -> None:
    """Uniform CNAB steps lose order at the early-exercise boundary near expiry (error ~
    dt^1.4); steps uniform in sqrt(tau) recover it (Reisinger & Whitley 2014)."""
    model, market = SIX_MODELS["merton"], lf.Market(100.0, 0.05)
    limit = lf.PIDEPricer(nx=512, nt=1024, time_grid="quadratic").price(
        model, market, 100.0, 0.25, kind="put", exercise="american")
    errors = {
        tg: abs(lf.PIDEPricer(nx=512, nt=32, time_grid=tg).price(
            model, market, 100.0, 0.25, kind="put", exercise="american") - limit)
        for tg in ("uniform", "quadratic")
    }
    assert errors["quadratic"] < 5e-5 < 1e-3 < errors["uniform"], errors


def test_richardson_cancels_the_second_order_error() -> None:
    model = SIX_MODELS["kou"]
    ref = lf.price(model, MARKET, STRIKES, 0.5, kind="put", method="cos", tolerance=1e-12)
    plain = lf.PIDEPricer(nx=512, nt=64).price(model, MARKET, STRIKES, 0.5, kind="put")
    extrapolated = lf.PIDEPricer(nx=512, nt=64, richardson=True).price(
        model, MARKET, STRIKES, 0.5, kind="put")
    err_plain, err_rich = np.abs(plain - ref).max(), np.abs(extrapolated - ref).max()
    assert err_rich < 0.1 * err_plain, (err_plain, err_rich)


@pytest.mark.parametrize("name", ["merton", "cgmy_05", "kou"])
def test_american_dominates_european_and_payoff(name: str) -> None:
    model = SIX_MODELS[name]
    pricer = lf.PIDEPricer(nx=1024, nt=100)
    am = pricer.price(model, MARKET, STRIKES, 1.0, kind="put", exercise="american")
    eu = pricer.price(model, MARKET, STRIKES, 1.0, kind="put")
    assert np.all(am >= eu - 1e-8)
    assert np.all(am >= np.maximum(STRIKES - MARKET.spot, 0.0) - 1e-8)
    assert am[-1] > eu[-1] + 1e-3  # deep in the money the early-exercise premium is real


def test_american_call_without_dividends_is_european() -> None:
    market = lf.Market(100.0, 0.05, 0.0)
    model = SIX_MODELS["kou"]
    pricer = lf.PIDEPricer(nx=1024, nt=100)
    am = pricer.price(model, market, STRIKES, 1.0, kind="call", exercise="american")
    ref = lf.price(model, market, STRIKES, 1.0, kind="call", method="cos")
    assert np.abs(am - ref).max() < 1e-3


def _bs_down_and_out_call(s: float, k: float, b: float, r: float, q: float, vol: float,
                          t: float) -> float:
    """Closed form for B <= K (Merton 1973; Reiner & Rubinstein 1991), no rebate."""
    sq = vol * math.sqrt(t)
    d1 = (math.log(s / k) + (r - q + 0.5 * vol**2) * t) / sq
    call = s * math.exp(-q * t) * norm.cdf(d1) - k * math.exp(-r * t) * norm.cdf(d1 - sq)
    lam = (r - q + 0.5 * vol**2) / vol**2
    y = math.log(b * b / (s * k)) / sq + lam * sq
    down_in = (s * math.exp(-q * t) * (b / s) ** (2 * lam) * norm.cdf(y)
               - k * math.exp(-r * t) * (b / s) ** (2 * lam - 2) * norm.cdf(y - sq))
    return call - down_in


def test_continuous_down_and_out_call_matches_closed_form() -> None:
    market = lf.Market(100.0, 0.05, 0.02)
    ref = _bs_down_and_out_call(100.0, 100.0, 90.0, 0.05, 0.02, 0.25, 1.0)
    values = [
        lf.PIDEPricer(nx=nx, nt=nx // 5).price(lf.BlackScholes(0.25), market, 100.0, 1.0,
                                               kind="call", barrier=lf.Barrier(90.0))
        for nx in (512, 1024)
    ]
    errors = [abs(v - ref) for v in values]
    assert errors[1] < 1e-4 * market.spot
    assert errors[0] / errors[1] > 3.0  # second order


def test_up_and_out_put_by_symmetry_and_barrier_properties() -> None:
    market = lf.Market(100.0, 0.03, 0.0)
    model = SIX_MODELS["merton"]
    pricer = lf.PIDEPricer(nx=1024, nt=200)
    vanilla = pricer.price(model, market, 100.0, 0.5, kind="put")
    far = pricer.price(model, market, 100.0, 0.5, kind="put",
                       barrier=lf.Barrier(400.0, kind="up-and-out"))
    near = pricer.price(model, market, 100.0, 0.5, kind="put",
                        barrier=lf.Barrier(110.0, kind="up-and-out"))
    rebated = pricer.price(model, market, 100.0, 0.5, kind="put",
                           barrier=lf.Barrier(110.0, kind="up-and-out", rebate=5.0))
    assert abs(far - vanilla) < 1e-4 * market.spot  # an unreachable barrier changes nothing
    assert 0.0 < near < vanilla
    assert near < rebated < near + 5.0


def test_discrete_monitoring_approaches_continuous() -> None:
    market = lf.Market(100.0, 0.05, 0.02)
    model = lf.BlackScholes(0.25)
    pricer = lf.PIDEPricer(nx=1024, nt=500)
    cont = pricer.price(model, market, 100.0, 1.0, kind="call", barrier=lf.Barrier(90.0))
    disc = [pricer.price(model, market, 100.0, 1.0, kind="call",
                         barrier=lf.Barrier(90.0, monitoring=m)) for m in (4, 12, 50)]
    assert disc[0] > disc[1] > disc[2] > cont
    # Broadie, Glasserman & Kou (1997): discrete ~ continuous with B shifted by
    # exp(-0.5826 sigma sqrt(T/m)); accurate to a few 1e-3 here.
    for m, value in zip((12, 50), disc[1:], strict=True):
        shifted = 90.0 * math.exp(-0.5826 * 0.25 * math.sqrt(1.0 / m))
        bgk = _bs_down_and_out_call(100.0, 100.0, shifted, 0.05, 0.02, 0.25, 1.0)
        assert abs(value - bgk) < 0.05


def test_knocked_out_at_start_returns_rebate() -> None:
    got = lf.PIDEPricer(nx=256, nt=20).price(
        SIX_MODELS["bs"], MARKET, 100.0, 1.0, kind="call",
        barrier=lf.Barrier(120.0, kind="down-and-out", rebate=3.0))
    assert got == 3.0


def test_greeks_match_bumped_cos_prices() -> None:
    model = SIX_MODELS["merton"]
    res = lf.PIDEPricer().solve(model, MARKET, STRIKES, 0.5, kind="call")
    bump = 0.5

    def cos(spot: float) -> np.ndarray:
        m = lf.Market(spot, MARKET.rate, MARKET.dividend)
        return np.asarray(lf.price(model, m, STRIKES, 0.5, kind="call", method="cos",
                                   tolerance=1e-12))

    up, mid, down = cos(100.0 + bump), cos(100.0), cos(100.0 - bump)
    delta = (up - down) / (2 * bump)
    gamma = (up - 2 * mid + down) / bump**2
    assert res.price.shape == (1, len(STRIKES))
    np.testing.assert_allclose(res.delta[0], delta, atol=2e-4)
    np.testing.assert_allclose(res.gamma[0], gamma, atol=2e-5)


def test_scalar_and_shape_contracts() -> None:
    pricer = lf.PIDEPricer(nx=256, nt=20)
    model = SIX_MODELS["kou"]
    assert isinstance(pricer.price(model, MARKET, 100.0, 1.0), float)
    assert pricer.price(model, MARKET, STRIKES, 1.0).shape == (len(STRIKES),)
    assert pricer.price(model, MARKET, STRIKES, [0.5, 1.0]).shape == (2, len(STRIKES))


def test_two_to_the_sixteen_space_points_run() -> None:
    got = lf.PIDEPricer(nx=1 << 16, nt=32).price(SIX_MODELS["merton"], MARKET, 100.0, 0.25,
                                                kind="put")
    ref = lf.price(SIX_MODELS["merton"], MARKET, 100.0, 0.25, kind="put", method="cos")
    assert abs(got - ref) < 1e-3


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"nx": 8}, ValueError, "`nx` of PIDEPricer must be in"),
        ({"nx": 100.5}, TypeError, "`nx` of PIDEPricer must be an integer"),
        ({"nt": 0}, ValueError, "`nt` of PIDEPricer must be in"),
        ({"damping_steps": 3}, ValueError, "`damping_steps` of PIDEPricer must be even"),
        ({"scheme": "rk4"}, ValueError, "`scheme` of PIDEPricer must be one of"),
        ({"width": -1.0}, ValueError, "`width` of PIDEPricer must be in"),
        ({"nx": 64, "implicit_band": 40}, ValueError, "`implicit_band` of PIDEPricer"),
        ({"tail_tolerance": 0.5}, ValueError, "`tail_tolerance` of PIDEPricer"),
        ({"time_grid": "log"}, ValueError, "`time_grid` of PIDEPricer must be one of"),
        ({"richardson": 1}, TypeError, "`richardson` of PIDEPricer must be a bool"),
        ({"nx": 20, "richardson": True}, ValueError, "`nx` of PIDEPricer must be >= 32"),
    ],
)
def test_invalid_settings_raise(kwargs: dict, exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        lf.PIDEPricer(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"level": -1.0}, ValueError, "`level` of Barrier must be in"),
        ({"level": 90.0, "kind": "down-and-in"}, ValueError, "`kind` of Barrier must be one of"),
        ({"level": 90.0, "monitoring": 0}, ValueError, "`monitoring` of Barrier must be"),
        ({"level": 90.0, "monitoring": "daily"}, ValueError, "`monitoring` of Barrier must be"),
        ({"level": 90.0, "rebate": -1.0}, ValueError, "`rebate` of Barrier must be in"),
    ],
)
def test_invalid_barrier_raises(kwargs: dict, exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        lf.Barrier(**kwargs)


def test_unsupported_combinations_raise() -> None:
    model = SIX_MODELS["bs"]
    with pytest.raises(ValueError, match="`method` of price must be 'pide'"):
        lf.price(model, MARKET, 100.0, 1.0, kind="put", method="cos", exercise="american")
    with pytest.raises(ValueError, match="`method` of price must be 'pide'"):
        lf.price(model, MARKET, 100.0, 1.0, method="auto", barrier=lf.Barrier(90.0))
    with pytest.raises(ValueError, match="American knock-out"):
        lf.price(model, MARKET, 100.0, 1.0, kind="put", method="pide", exercise="american",
                 barrier=lf.Barrier(90.0))
    with pytest.raises(ValueError, match="`exercise` of PIDEPricer must be one of"):
        lf.price(model, MARKET, 100.0, 1.0, method="pide", exercise="bermudan")
    with pytest.raises(TypeError, match="`barrier` of PIDEPricer must be a levyfast.Barrier"):
        lf.PIDEPricer().price(model, MARKET, 100.0, 1.0, barrier=90.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`method` of price must be one of"):
        lf.price(model, MARKET, 100.0, 1.0, method="pde")


def test_unstable_stepping_raises_instead_of_returning_garbage() -> None:
    pricer = lf.PIDEPricer(nx=2048, nt=20, implicit_band=1)
    with pytest.raises(ValueError, match="PIDE time stepping is unstable"):
        pricer.price(lf.CGMY(1.0, 5.0, 5.0, 1.9), MARKET, 100.0, 1.0, kind="put")


def test_price_pide_rejects_tolerance_it_cannot_honour() -> None:
    model = SIX_MODELS["bs"]
    with pytest.raises(ValueError, match=r"`tolerance` of price does not apply to method='pide'"
                                         r".*got 1e-13"):
        lf.price(model, MARKET, 100.0, 1.0, method="pide", tolerance=1e-13)
    # The default is accepted (and is what every method='pide' call passes implicitly).
    got = lf.price(model, MARKET, 100.0, 1.0, kind="call", method="pide",
                   tolerance=lf.pricers.cos.DEFAULT_TOLERANCE)
    ref = lf.price(model, MARKET, 100.0, 1.0, kind="call", method="cos", tolerance=1e-12)
    assert abs(got - ref) < 1e-3


# --- Extreme but valid inputs (issue 16): a correct price or a clear ValueError, never a wrong
# or negative price, never a hang. -------------------------------------------------------------

EXTREME_MARKET = lf.Market(100.0, 0.03, 0.01)


def _bs(spot: float, strike: float, t: float, r: float, q: float, vol: float, kind: str) -> float:
    sd = vol * math.sqrt(t)
    d1 = (math.log(spot / strike) + (r - q) * t) / sd + 0.5 * sd
    call = spot * math.exp(-q * t) * norm.cdf(d1) - strike * math.exp(-r * t) * norm.cdf(d1 - sd)
    return call if kind == "call" else call - spot * math.exp(-q * t) + strike * math.exp(-r * t)


@pytest.mark.parametrize(
    ("model", "maturity", "match"),
    [
        # sd(X_T) = 3e11: the domain would be absurd (was [20.14, 0.20, -19.74]).
        (lf.BlackScholes(1e12), 0.1, r"cannot resolve this distribution at maturity T = 0.1 "
                                     r"\(sd\(X_T\) = sqrt\(c2 T\) = 3.16228e\+11.*> 0.5"),
        # sd(X_T) = 3e-9, far below the grid step (was a negative put).
        (lf.BlackScholes(1e-8), 0.1, r"sd\(X_T\) is below the grid step h = .*nx = 2048"),
        # A maturity of 1e6 years: sd(X_T) = 200.
        (lf.BlackScholes(0.2), 1e6, r"at maturity T = 1e\+06 .*resolves sd\(X_T\) up to about"),
        # A left tail decaying like e^(-1e-9 |y|): sd(X_T) = 5e6.
        (lf.CGMY(1.0, 1e-9, 5.0, 0.5), 1.0, r"cannot resolve this distribution at maturity T = 1"),
    ],
)
@pytest.mark.parametrize("kind", ["put", "call"])
def test_unresolvable_distribution_raises(model: lf.LevyModel, maturity: float, match: str,
                                          kind: str) -> None:
    with pytest.raises(ValueError, match=match):
        lf.PIDEPricer().price(model, EXTREME_MARKET, [80.0, 100.0, 120.0], maturity, kind=kind)


@pytest.mark.parametrize("sigma_j", [1e-300, 1e-12, 1e-6])
def test_merton_point_mass_jumps_match_cos(sigma_j: float) -> None:
    """Jump sizes with a spread far below the grid step are a near point mass at mu_j: the cell
    integrals are exact (were 6.892 vs 9.837 at 1e-300, and no return at 1e-12)."""
    model = lf.Merton(0.15, 0.1, -0.9, sigma_j)
    strikes = np.array([80.0, 100.0, 120.0])
    for kind in ("put", "call"):
        got = lf.PIDEPricer().price(model, EXTREME_MARKET, strikes, 1.0, kind=kind)
        ref = lf.price(model, EXTREME_MARKET, strikes, 1.0, kind=kind, method="cos",
                       tolerance=1e-10)
        assert np.abs(got - ref).max() < 1e-4 * EXTREME_MARKET.spot, (kind, got, ref)


@pytest.mark.parametrize("sigma", [1e-6, 1e-9, 1e-12])
def test_variance_gamma_tiny_sigma_matches_cos(sigma: float) -> None:
    """sigma = 1e-6 used to run for many minutes (the density's length scale 1e-11 split every
    cell into 1e8 sub-cells) and the density lost all digits in theta y / sigma^2 - rate |y|."""
    model = lf.VarianceGamma(sigma, 0.3, -0.15)
    strikes = np.array([90.0, 100.0, 110.0])
    got = lf.PIDEPricer().price(model, EXTREME_MARKET, strikes, 1.0, kind="put")
    ref = lf.price(lf.VarianceGamma(1e-6, 0.3, -0.15), EXTREME_MARKET, strikes, 1.0, kind="put",
                   method="cos")  # sigma below 1e-6 changes the price by far less than 1e-6
    assert np.abs(got - ref).max() < 1e-4 * EXTREME_MARKET.spot, (got, ref)


def test_extreme_rates_price_within_no_arbitrage_bounds() -> None:
    """A rate of 800 made the put's far-field asymptote negative at the domain's end ('unstable'
    or 'internal error'); the answers are the bounds, which Black–Scholes gives in closed form."""
    model = lf.BlackScholes(0.2)
    market = lf.Market(100.0, 800.0, 0.0)
    strikes = [90.0, 100.0, 110.0]
    put = lf.PIDEPricer().price(model, market, strikes, 1.0, kind="put")
    call = lf.PIDEPricer().price(model, market, strikes, 1.0, kind="call")
    for k, p, c in zip(strikes, put, call, strict=True):
        assert p == pytest.approx(_bs(100.0, k, 1.0, 800.0, 0.0, 0.2, "put"), abs=1e-6)
        assert c == pytest.approx(_bs(100.0, k, 1.0, 800.0, 0.0, 0.2, "call"), abs=1e-6)


@pytest.mark.parametrize(
    ("model", "market", "maturity"),
    [
        (lf.VarianceGamma(1.47e-11, 0.0995, -0.66), lf.Market(100.0, -0.05, 0.02), 0.1),
        (lf.CGMY(0.174, 6.01, 14.86, 1.19), lf.Market(100.0, 0.03, 3.0), 0.1),
        (lf.Kou(0.00173, 1.249, 0.0533, 3687.0, 2330.0), lf.Market(100.0, -0.05, 0.02), 1.0),
        (lf.NIG(1.0095, 0.0, 0.004), lf.Market(100.0, 800.0, 0.02), 30.0),
    ],
)
@pytest.mark.parametrize("kind", ["put", "call"])
def test_prices_never_leave_the_no_arbitrage_range(model: lf.LevyModel, market: lf.Market,
                                                   maturity: float, kind: str) -> None:
    """Cases that returned -1e-14 calls (parity rounding) or 'internal error: non-finite jump
    stencil' (e^y overflowing beyond y = 700 in the NIG reach, times a density of 0)."""
    strikes = np.array([80.0, 100.0, 125.0])
    got = lf.PIDEPricer().price(model, market, strikes, maturity, kind=kind)
    disc = math.exp(-market.rate * maturity)
    fwd = market.spot * math.exp(-market.dividend * maturity)
    gap = fwd - strikes * disc
    lower = np.maximum(gap, 0.0) if kind == "call" else np.maximum(-gap, 0.0)
    upper = np.full(3, fwd) if kind == "call" else strikes * disc
    slack = 1e-12 * market.spot  # the bounds themselves, rounded differently
    assert np.all(got >= lower - slack) and np.all(got <= upper + slack), (got, lower, upper)
    assert np.all(got >= 0.0)


def test_work_budget_is_checked_before_solving() -> None:
    model = lf.VarianceGamma(0.12, 0.2, -0.14)
    barrier = lf.Barrier(80.0, monitoring=100_000)
    with pytest.raises(ValueError, match=r"PIDE solve would take about .* operations .*"
                                         r"100000 monitoring segment\(s\).*above the budget"):
        lf.PIDEPricer(nt=1).price(model, EXTREME_MARKET, 100.0, 1.0, barrier=barrier)
    with pytest.raises(ValueError, match=r"PIDE solve would .*reduce `nx`"):
        lf.PIDEPricer(nx=1 << 22, nt=1, implicit_band=4096).price(model, EXTREME_MARKET, 100.0, 1.0)


_HANG_CASES = r"""
import time
import levyfast as lf
mkt = lf.Market(100.0, 0.03, 0.01)
cases = [
    lambda: lf.PIDEPricer().price(lf.VarianceGamma(1e-6, 0.3, -0.15), mkt, 100.0, 1.0),
    lambda: lf.PIDEPricer().price(lf.CGMY(1.0, 1e-9, 5.0, 0.5), mkt, 100.0, 1.0),
    lambda: lf.PIDEPricer().price(lf.Merton(0.15, 0.1, -0.1, 1e-12), mkt, 100.0, 1.0),
    lambda: lf.PIDEPricer(nt=1).price(lf.BlackScholes(0.2), mkt, 100.0, 1.0,
                                      barrier=lf.Barrier(80.0, monitoring=100_000)),
]
for case in cases:
    t = time.time()
    try:
        out = case()
    except ValueError as e:
        out = "ValueError"
    print(type(out).__name__, round(time.time() - t, 1), flush=True)
"""


def test_former_hangs_return_promptly() -> None:
    """VG sigma=1e-6, CGMY G=1e-9, Merton sigma_j=1e-12 ran for > 14 minutes; in a subprocess
    with a bounded timeout so a hang fails the test instead of blocking the run."""
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-c", _HANG_CASES], capture_output=True, text=True,
                         timeout=240)
    assert res.returncode == 0, res.stderr
    kinds = [line.split()[0] for line in res.stdout.splitlines()]
    assert kinds == ["float", "str", "float", "float"], res.stdout


_INTERRUPTIBLE = r"""
import sys, time
import levyfast as lf
print("start", flush=True)
t = time.time()
try:
    lf.PIDEPricer(nt=1).price(lf.VarianceGamma(0.12, 0.2, -0.14), lf.Market(100.0, 0.03, 0.01),
                              100.0, 1.0, barrier=lf.Barrier(80.0, monitoring=50_000))
except KeyboardInterrupt:
    print("interrupted", round(time.time() - t, 2), flush=True)
    sys.exit(3)
print("finished", flush=True)
"""


def test_long_solve_stops_on_ctrl_c() -> None:
    returncode, out, latency = run_and_interrupt(_INTERRUPTIBLE)
    assert returncode == 3 and out.startswith("interrupted"), out
    assert latency < 10.0
