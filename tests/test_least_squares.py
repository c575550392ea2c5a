"""LeastSquaresCalibrator: recovery of known parameters, masking, weights, errors, contract."""

from __future__ import annotations

import numba
import numpy as np
import pytest

import levyfast as lf
from levyfast._validation import Interval

MARKET = lf.Market(100.0, 0.03, 0.0)
K = np.linspace(80.0, 120.0, 20)
T = np.linspace(0.1, 2.0, 10)


@numba.njit
def _nig_exponent(u, p):
    a2 = p[0] * p[0]
    return p[2] * (np.sqrt(a2 - p[1] * p[1]) - np.sqrt(a2 - (p[1] + 1j * u) ** 2))


def _user_nig() -> type[lf.LevyModel]:
    """NIG written as a user model (its cross constraint |beta| < alpha - 1 left to the fit's
    domain check through the exponent)."""
    bounds = {"alpha": Interval(1.0), "beta": Interval(), "delta": Interval(0.0)}
    return lf.user_model("FitNIG", ("alpha", "beta", "delta"), bounds, _nig_exponent)


def _surface(model: lf.LevyModel) -> np.ndarray:
    return lf.price(model, MARKET, K, T, tolerance=lf.HIGH_ACCURACY)


@pytest.mark.parametrize(
    "true, fixed",
    [
        (lf.VarianceGamma(0.2, 0.3, -0.15), None),
        (lf.NIG(15.0, -5.0, 0.5), None),
        (lf.CGMY(1.0, 5.0, 5.0, 0.5), {"sigma": 0.0}),
        # trf stalled here (200 evaluations, 5e-3 off); dogbox recovers it
        (lf.CGMY(0.5, 3.0, 12.0, 1.2), {"sigma": 0.0}),
        (lf.Merton(0.15, 0.5, -0.2, 0.15), None),
        (lf.Meixner(0.12, -0.59, 3.36), None),
    ],
    ids=repr,
)
def test_recovers_parameters_from_noise_free_surface(true: lf.LevyModel, fixed) -> None:
    cal = lf.LeastSquaresCalibrator(type(true), fixed=fixed, tolerance=1e-10)
    out = cal.fit(_surface(true), MARKET, K, T)
    assert out is cal
    r = cal.result_
    assert r.success, r.message
    np.testing.assert_allclose(cal.params_, true.to_array(), rtol=1e-6, atol=1e-7)
    assert isinstance(cal.model_, type(true))
    assert r.rmse_price < 1e-6 and r.n_quotes == 200 and r.n_evaluations >= 1
    assert r.std_errors.shape == (len(true.PARAM_NAMES),)


@pytest.mark.parametrize("true, fixed, start", [
    (lf.VarianceGamma(0.2, 0.3, -0.15), None, [0.25, 0.4, -0.1]),
    (lf.NIG(15.0, -5.0, 0.5), None, [12.0, -3.0, 0.6]),
    (lf.CGMY(1.0, 5.0, 5.0, 1.5), {"sigma": 0.0}, [1.1, 5.2, 4.8, 1.45, 0.0]),
], ids=repr)
def test_levenberg_marquardt_recovers_what_dogbox_does(true, fixed, start) -> None:
    surface = _surface(true)
    fits = {m: lf.LeastSquaresCalibrator(type(true), fixed=fixed, x0=start, tolerance=1e-10,
                                         method=m).fit(surface, MARKET, K, T)
            for m in ("dogbox", "lm")}
    for cal in fits.values():
        assert cal.result_.success, cal.result_.message
        np.testing.assert_allclose(cal.params_, true.to_array(), rtol=1e-6, atol=1e-7)


def test_levenberg_marquardt_outside_the_bounds_is_redone_by_dogbox() -> None:
    """The best VG with nu capped at 0.25 lies on that cap, which LM (unbounded) would cross:
    dogbox takes over and the answer respects the bound."""
    true = lf.VarianceGamma(0.2, 0.3, -0.15)
    bounded = {"nu": (0.05, 0.25)}
    fits = {m: lf.LeastSquaresCalibrator(lf.VarianceGamma, x0=[0.2, 0.2, -0.15],
                                         bounds=bounded, method=m, max_relative_rmse=1.0)
            .fit(_surface(true), MARKET, K, T) for m in ("dogbox", "lm")}
    lm, dogbox = fits["lm"], fits["dogbox"]
    assert lm.params_[1] <= 0.25
    assert lm.result_.at_bound == ("nu",)
    np.testing.assert_allclose(lm.params_, dogbox.params_, rtol=1e-8)
    assert lm.result_.n_evaluations > dogbox.result_.n_evaluations  # LM's try counts


def test_missing_quotes_and_weights() -> None:
    true = lf.VarianceGamma(0.2, 0.3, -0.15)
    q = _surface(true)
    q[2, 5] = np.nan
    q[7, :] = np.nan
    q[0, 0] = 1e3  # an outlier with zero weight is ignored ...
    w = np.ones_like(q)
    w[0, 0] = 0.0
    cal = lf.LeastSquaresCalibrator(lf.VarianceGamma, tolerance=1e-10, on_arbitrage="drop")
    cal.fit(q, MARKET, K, T, weights=w)
    assert cal.result_.n_quotes == 200 - 1 - 20 - 1
    np.testing.assert_allclose(cal.params_, true.to_array(), rtol=1e-6)


def test_bid_ask_mid_and_spread_weights() -> None:
    true = lf.NIG(15.0, -5.0, 0.5)
    mid = _surface(true)
    spread = 0.01 + 0.02 * mid
    cal = lf.LeastSquaresCalibrator(lf.NIG, tolerance=1e-10)
    cal.fit(None, MARKET, K, T, bid=mid - spread / 2, ask=mid + spread / 2)
    np.testing.assert_allclose(cal.params_, true.to_array(), rtol=1e-6)
    assert cal.result_.success and cal.result_.fit_ok
    assert cal.result_.verdict.startswith("100% of the fitted prices lie inside")


def test_standard_errors_cover_the_truth_under_noise() -> None:
    true = lf.VarianceGamma(0.2, 0.3, -0.15)
    rng = np.random.default_rng(7)
    q = _surface(true) * (1.0 + 0.01 * rng.standard_normal((T.size, K.size)))
    cal = lf.LeastSquaresCalibrator(lf.VarianceGamma, on_arbitrage="drop").fit(q, MARKET, K, T)
    assert cal.result_.success
    z = np.abs(cal.params_ - true.to_array()) / cal.result_.std_errors
    assert np.all(np.isfinite(cal.result_.std_errors)) and np.all(z < 5.0), z


def test_multi_start_with_global_stage_finds_the_fit() -> None:
    true = lf.NIG(15.0, -5.0, 0.5)
    cal = lf.LeastSquaresCalibrator(lf.NIG, x0=[2.0, 0.5, 2.5], n_starts=3, global_samples=32,
                                    tolerance=1e-10)
    cal.fit(_surface(true), MARKET, K, T)
    assert cal.result_.success and cal.result_.n_starts == 3
    np.testing.assert_allclose(cal.params_, true.to_array(), rtol=1e-5)


def test_fit_does_not_mutate_inputs_and_init_stores_only() -> None:
    x0 = np.array([0.2, 0.2, -0.1])
    cal = lf.LeastSquaresCalibrator(lf.VarianceGamma, x0=x0, bounds={"nu": (0.0, 5.0)})
    assert cal.x0 is x0 and not hasattr(cal, "params_")
    q = _surface(lf.VarianceGamma(0.2, 0.3, -0.15))
    q0 = q.copy()
    cal.fit(q, MARKET, K, T)
    np.testing.assert_array_equal(q, q0)
    np.testing.assert_array_equal(x0, [0.2, 0.2, -0.1])


def test_invalid_inputs_raise_clear_errors() -> None:
    q = _surface(lf.VarianceGamma(0.2, 0.3, -0.15))
    cal = lf.LeastSquaresCalibrator(lf.VarianceGamma)
    with pytest.raises(ValueError, match=r"must have shape \[n_T, n_K\] = \[10, 20\]"):
        cal.fit(q[:, :5], MARKET, K, T)
    with pytest.raises(ValueError, match="no quote to fit"):
        cal.fit(np.full_like(q, np.nan), MARKET, K, T)
    bad = q.copy()
    bad[3, 4] = 150.0
    with pytest.raises(ValueError, match=r"K=88.42.*violates the no-arbitrage bounds"):
        cal.fit(bad, MARKET, K, T)
    with pytest.raises(ValueError, match="start of LeastSquaresCalibrator lies outside the bounds"):
        lf.LeastSquaresCalibrator(lf.VarianceGamma, bounds={"nu": (0.5, 2.0)}).fit(q, MARKET, K, T)
    with pytest.raises(ValueError, match="`method` of LeastSquaresCalibrator must be one of"):
        lf.LeastSquaresCalibrator(lf.VarianceGamma, method="trf").fit(q, MARKET, K, T)
    with pytest.raises(ValueError, match="`target` of LeastSquaresCalibrator must be one of"):
        lf.LeastSquaresCalibrator(lf.VarianceGamma, target="vol").fit(q, MARKET, K, T)
    with pytest.raises(ValueError, match="`fixed` of LeastSquaresCalibrator names unknown"):
        lf.LeastSquaresCalibrator(lf.VarianceGamma, fixed={"kappa": 1.0}).fit(q, MARKET, K, T)
    with pytest.raises(ValueError, match="`bid` and `ask`"):
        cal.fit(q, MARKET, K, T, bid=q)
    with pytest.raises(ValueError, match="`weights` of LeastSquaresCalibrator.fit must be finite"):
        cal.fit(q, MARKET, K, T, weights=-np.ones_like(q))


def test_failed_fit_reports_why() -> None:
    q = _surface(lf.VarianceGamma(0.2, 0.3, -0.15))
    cal = lf.LeastSquaresCalibrator(lf.VarianceGamma, x0=[0.5, 1.5, 0.2], max_nfev=2).fit(
        q, MARKET, K, T)
    assert not cal.result_.success
    assert cal.result_.message.startswith("fit failed:")


def test_user_model_is_calibrated_through_the_numba_kernel() -> None:
    """A user-defined model (MODEL_ID None) fits through price_and_grad_numba."""
    nig = lf.NIG(15.0, -5.0, 0.5)
    cal = lf.LeastSquaresCalibrator(_user_nig(), x0=[10.0, -3.0, 0.3], tolerance=1e-10)
    cal.fit(_surface(nig), MARKET, K, T)
    assert cal.result_.success, cal.result_.message
    np.testing.assert_allclose(cal.params_, nig.to_array(), rtol=1e-6, atol=1e-7)


def test_unpriceable_start_fails_with_the_pricer_message() -> None:
    """CGMY at Y = 0 cannot reach the tolerance by COS at T = 0.02: every evaluation fails,
    and result_ says so instead of returning the start as a fit."""
    short = np.array([0.02, 0.5])
    q = lf.price(lf.CGMY(2.0, 6.0, 9.0, 0.3), MARKET, K, short)
    cal = lf.LeastSquaresCalibrator(lf.CGMY, x0=[2.0, 6.0, 9.0, 0.0, 0.0], fixed={"Y": 0.0},
                                    max_nfev=5, tolerance=1e-12)
    cal.fit(q, MARKET, K, short)
    assert not cal.result_.success
    assert "fit failed" in cal.result_.message
    assert "COS cannot reach tolerance" in cal.result_.message


def test_fit_the_model_cannot_explain_is_not_a_success() -> None:
    """Random prices or half the quotes zeroed: the optimiser stops, but the fit is poor."""
    rng = np.random.default_rng(3)
    q = _surface(lf.VarianceGamma(0.2, 0.3, -0.15))
    garbage = np.sort(rng.uniform(0.5, 30.0, q.shape), axis=1)[:, ::-1]
    zeroed = q.copy()
    zeroed[:, ::2] = 0.0
    for quotes in (garbage, zeroed):
        cal = lf.LeastSquaresCalibrator(lf.VarianceGamma, on_arbitrage="drop")
        cal.fit(quotes, MARKET, K, T)
        r = cal.result_
        assert not r.success and not r.fit_ok, r
        assert r.verdict.startswith("the price RMSE is ") and "of the quotes' root" in r.verdict
        assert r.message.startswith(("poor fit: the price RMSE is ", "fit failed: ")), r.message


def test_fit_verdict_with_bid_ask_counts_quotes_inside_the_spread() -> None:
    """A Merton surface quoted with tight spreads: NIG cannot explain it (the NIG surface
    itself fits inside its spreads: test_bid_ask_mid_and_spread_weights)."""
    other = _surface(lf.Merton(0.15, 2.0, -0.2, 0.25))
    tight = 1e-4 * np.ones_like(other)
    cal = lf.LeastSquaresCalibrator(lf.NIG, tolerance=1e-10)
    cal.fit(None, MARKET, K, T, bid=other - tight, ask=other + tight)
    assert not cal.result_.success and not cal.result_.fit_ok, cal.result_
    assert "inside their bid/ask spreads (at least 50% required)" in cal.result_.message


# -- identifiability ---------------------------------------------------------------------------

def _noisy(model: lf.LevyModel, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return _surface(model) * (1.0 + 0.01 * rng.standard_normal((T.size, K.size)))


def test_well_posed_fit_is_identifiable() -> None:
    cal = lf.LeastSquaresCalibrator(lf.VarianceGamma, n_starts=2, on_arbitrage="drop").fit(
        _noisy(lf.VarianceGamma(0.2, 0.3, -0.15), 0), MARKET, K, T)
    r = cal.result_
    assert r.identifiable and r.poorly_identified == () and r.at_bound == ()
    assert 1.0 <= r.condition_number < 100.0
    assert "not identified" not in r.message


def test_cgmy_trade_off_is_reported_as_not_identified(caplog) -> None:
    # with 1% noise on 200 quotes, CGMY's C, G and Y trade off (the scaled Jacobian's
    # condition number is ~1e3): the fit may match the prices, the parameters are not pinned
    true = lf.CGMY(1.0, 5.0, 10.0, 0.7, 0.0)
    with caplog.at_level("WARNING", logger="levyfast.calibration.least_squares"):
        cal = lf.LeastSquaresCalibrator(lf.CGMY, n_starts=2, on_arbitrage="drop").fit(
            _noisy(true, 1), MARKET, K, T)
    r = cal.result_
    assert not r.identifiable and {"C", "Y"} <= set(r.poorly_identified), r
    assert "sigma" in r.at_bound and "sigma" not in r.poorly_identified
    assert r.condition_number > 100.0
    assert "are not identified by these quotes" in r.message
    assert any("not identified" in rec.getMessage() for rec in caplog.records)

