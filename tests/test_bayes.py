"""Bayesian calibration (levyfast_train.bayes): the core as a TF op, bijections, NUTS recovery,
diagnostics against a reference implementation, non-convergence, errors and the CLI."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

import levyfast as lf

pytest.importorskip("tensorflow_probability")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402
from scipy.stats import norm, rankdata  # noqa: E402

from levyfast.calibration.quotes import QuoteSet  # noqa: E402
from levyfast_train.bayes.calibrator import BayesianCalibrator  # noqa: E402
from levyfast_train.bayes.diagnostics import diagnose, inference_data  # noqa: E402
from levyfast_train.bayes.likelihood import QuotePricer, price_op  # noqa: E402
from levyfast_train.bayes.parameterisation import LINKS, Parameterisation  # noqa: E402
from levyfast_train.bayes.predictive import plot, predictive_iv_bands  # noqa: E402

MARKET = lf.Market(100.0, 0.02, 0.01)
STRIKES = np.array([85.0, 95.0, 100.0, 105.0, 115.0])
MATURITIES = np.array([0.25, 0.5, 1.0])
POINTS = {
    lf.BlackScholes: (0.2,),
    lf.VarianceGamma: (0.2, 0.3, -0.15),
    lf.CGMY: (1.0, 5.0, 8.0, 0.6, 0.1),
    lf.NIG: (12.0, -4.0, 0.3),
    lf.Merton: (0.15, 0.5, -0.1, 0.15),
    lf.Kou: (0.15, 1.0, 0.4, 10.0, 8.0),
}


def _quotes(model: lf.LevyModel, market: lf.Market | lf.TermStructure, kind: str = "call"
            ) -> QuoteSet:
    prices = np.asarray(lf.price(model, market, STRIKES, MATURITIES, kind))
    return QuoteSet.from_surface("test", prices, market, STRIKES, MATURITIES, None, None, None,
                                 kind, False)


@pytest.mark.parametrize("model_cls", list(POINTS), ids=lambda c: c.__name__)
def test_price_op_matches_core_and_finite_differences(model_cls: type) -> None:
    base = np.array(POINTS[model_cls])
    rows = np.stack([base, base * 1.03])
    models = [model_cls.from_array(r) for r in rows]
    # a term structure (not one flat grid): one core call per maturity and type
    market = lf.TermStructure.flat(MARKET, MATURITIES) if model_cls is lf.VarianceGamma \
        else MARKET
    qs = _quotes(models[0], market, "put" if model_cls is lf.Kou else "call")
    pricer = QuotePricer(model_cls, qs)
    x = tf.constant(rows)
    weights = tf.constant(np.linspace(0.5, 1.5, qs.size))
    with tf.GradientTape() as tape:
        tape.watch(x)
        prices, valid = price_op(pricer, x)
        total = tf.reduce_sum(prices * weights)
    grad = tape.gradient(total, x).numpy()
    assert valid.numpy().all()
    kind = "put" if model_cls is lf.Kou else "call"
    for i, model in enumerate(models):
        p_core, g_core = lf.price_and_grad(model, market, STRIKES, MATURITIES, kind)
        np.testing.assert_allclose(prices.numpy()[i], np.asarray(p_core).reshape(-1),
                                   rtol=0, atol=1e-9 * MARKET.spot)
        expected = np.asarray(g_core).reshape(len(base), -1) @ weights.numpy()
        np.testing.assert_allclose(grad[i], expected, rtol=1e-10, atol=1e-12)
    # central differences of the TF function along each parameter
    for k in range(len(base)):
        h = 1e-5 * max(abs(base[k]), 1e-2)
        up, down = base.copy(), base.copy()
        up[k] += h
        down[k] -= h
        p_up, p_down = (price_op(pricer, tf.constant(r[None, :]))[0].numpy()[0] @ weights.numpy()
                        for r in (up, down))
        fd = (p_up - p_down) / (2 * h)
        assert fd == pytest.approx(grad[0, k], rel=1e-4, abs=1e-6 * MARKET.spot), \
            f"{model_cls.__name__}.{model_cls.PARAM_NAMES[k]}: FD {fd} vs TF {grad[0, k]}"


def test_pricer_marks_invalid_rows() -> None:
    qs = _quotes(lf.VarianceGamma(0.2, 0.3, -0.15), MARKET)
    rows = np.array([[0.2, 0.3, -0.15], [0.2, 0.3, 5.0]])  # 1 - theta nu - ... < 0
    prices, grads, valid = QuotePricer(lf.VarianceGamma, qs)(rows)
    assert valid.tolist() == [True, False]
    np.testing.assert_array_equal(prices[1], qs.quotes)
    assert not grads[1].any()


@pytest.mark.parametrize("model_cls", list(LINKS), ids=lambda c: c.__name__)
def test_parameterisation_round_trip_and_constraints(model_cls: type) -> None:
    param = Parameterisation(model_cls)
    u = np.random.default_rng(1).normal(0.0, 1.5, size=(500, param.n_free))
    x, logdet = param.forward(tf.constant(u))
    x = x.numpy()
    for row in x:
        model_cls.from_array(row)  # raises ValueError outside the domain
    np.testing.assert_allclose(param.inverse(x), u, rtol=1e-6, atol=1e-6)
    # log |det dx/du| against the autodiff Jacobian (triangular map)
    ut = tf.constant(u[:20])
    with tf.GradientTape() as tape:
        tape.watch(ut)
        xs, ld = param.forward(ut)
    jac = tape.batch_jacobian(xs, ut).numpy()
    np.testing.assert_allclose(ld.numpy(), np.linalg.slogdet(jac)[1], rtol=1e-8, atol=1e-8)


def test_parameterisation_with_fixed_parameter_keeps_nig_constraint() -> None:
    param = Parameterisation(lf.NIG, fixed={"beta": -6.0})
    u = np.linspace(-8.0, 8.0, 50)
    x, _ = param.forward(tf.constant(np.stack([u, u[::-1]], axis=1)))
    for row in x.numpy():
        lf.NIG.from_array(row)
    with pytest.raises(ValueError, match="`fixed` names unknown parameters"):
        Parameterisation(lf.NIG, fixed={"gamma": 1.0})


# -- sampling --------------------------------------------------------------------------------

VG_TRUTH = lf.VarianceGamma(0.2, 0.3, -0.15)


@pytest.fixture(scope="module")
def vg_fit() -> BayesianCalibrator:
    prices = np.asarray(lf.price(VG_TRUTH, MARKET, STRIKES, MATURITIES))
    rng = np.random.default_rng(7)
    quotes = prices * (1.0 + 0.01 * rng.standard_normal(prices.shape))
    quotes[1, 2] = math.nan  # a missing quote
    return BayesianCalibrator(lf.VarianceGamma, n_chains=4, n_draws=400, n_warmup=200,
                              seed=3).fit(quotes, MARKET, STRIKES, MATURITIES)


def test_nuts_recovers_vg_truth_within_its_interval(vg_fit: BayesianCalibrator) -> None:
    assert vg_fit.quotes_.size == STRIKES.size * MATURITIES.size - 1
    assert vg_fit.converged_, vg_fit.diagnostics_.reasons
    assert vg_fit.diagnostics_.divergences == 0
    post = vg_fit.posterior_.posterior
    for name in VG_TRUTH.PARAM_NAMES:
        lo, hi = np.quantile(post[name].values, [0.005, 0.995])
        assert lo <= getattr(VG_TRUTH, name) <= hi, (name, lo, hi)
    assert 0.004 < float(post["tau"].mean()) < 0.02  # the 1 % noise scale
    for col in ("mean", "sd", "q5", "q50", "q95", "ess_bulk", "ess_tail", "r_hat"):
        assert col in vg_fit.summary_.columns


def test_predictive_bands_and_plots(vg_fit: BayesianCalibrator) -> None:
    bands = predictive_iv_bands(vg_fit, n_samples=100)
    assert len(bands) == vg_fit.quotes_.size
    assert (bands["iv_low"] <= bands["iv_median"]).all()
    assert (bands["iv_median"] <= bands["iv_high"]).all()
    inside = (bands["quote_iv"] >= bands["iv_low"]) & (bands["quote_iv"] <= bands["iv_high"])
    assert inside.mean() >= 0.75
    for kind in ("trace", "rank", "smile"):
        assert len(plot(vg_fit, kind).axes) >= 3


def _reference_rank_rhat(draws: np.ndarray) -> float:
    """Rank-normalised split R-hat (Vehtari et al. 2021, eqs. 14-15), written out."""
    def split_rhat(x: np.ndarray) -> float:
        n = x.shape[1] // 2
        s = np.concatenate([x[:, :n], x[:, n:2 * n]])
        w = s.var(axis=1, ddof=1).mean()
        b = n * s.mean(axis=1).var(ddof=1)
        return math.sqrt(((n - 1) / n * w + b / n) / w)

    def z(x: np.ndarray) -> np.ndarray:
        r = rankdata(x, method="average").reshape(x.shape)
        return norm.ppf((r - 0.375) / (x.size + 0.25))

    folded = np.abs(draws - np.median(draws))
    return max(split_rhat(z(draws)), split_rhat(z(folded)))


def test_diagnostics_agree_with_reference_rhat_and_ess() -> None:
    rng = np.random.default_rng(0)
    n = 1000
    iid = rng.standard_normal((4, n))
    ar = np.empty((4, n))
    ar[:, 0] = rng.standard_normal(4)
    for t in range(1, n):
        ar[:, t] = 0.9 * ar[:, t - 1] + math.sqrt(1 - 0.81) * rng.standard_normal(4)
    shifted = iid + np.array([0.0, 0.0, 0.0, 0.5])[:, None]
    d = diagnose(inference_data({"iid": iid, "ar": ar, "shifted": shifted}, {}))
    for name, x in (("iid", iid), ("ar", ar), ("shifted", shifted)):
        assert d.r_hat[name] == pytest.approx(_reference_rank_rhat(x), abs=2e-3)
    assert d.ess_bulk["iid"] == pytest.approx(4 * n, rel=0.15)
    assert d.ess_bulk["ar"] == pytest.approx(4 * n * 0.1 / 1.9, rel=0.3)  # n (1-rho)/(1+rho)
    assert not d.converged
    assert any("R-hat of shifted" in r for r in d.reasons)
    assert any("ESS of ar" in r for r in d.reasons)


def test_short_run_is_flagged_not_converged() -> None:
    prices = np.asarray(lf.price(VG_TRUTH, MARKET, STRIKES, MATURITIES))
    # the static-path HMC kernel (NUTS runs short in the CLI test)
    cal = BayesianCalibrator(lf.VarianceGamma, n_chains=2, n_draws=10, n_warmup=10,
                             kernel="hmc", n_leapfrog=4)
    with pytest.warns(UserWarning, match="has not converged"):
        cal.fit(prices * 1.001, MARKET, STRIKES, MATURITIES)
    assert cal.converged_ is False
    assert any("ESS" in r for r in cal.diagnostics_.reasons)
    assert cal.posterior_.posterior["sigma"].shape == (2, 10)


# -- errors ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "fit_args", "error", "match"), [
    ({"model_cls": lf.UserModel}, "surface", TypeError, "`model_cls`"),
    ({"model_cls": "vg"}, "surface", TypeError, "`model_cls`"),
    ({"noise": "cauchy"}, "surface", ValueError, "`noise`"),
    ({"n_chains": 1}, "surface", ValueError, "`n_chains`"),
    ({}, "none", ValueError, "`prices`"),
    ({}, "nan", ValueError, "`prices`.*no quote"),
    ({}, "market", TypeError, "`market`"),
    ({"noise": "spread"}, "surface", ValueError, "bid and ask"),
])
def test_bad_inputs_raise_naming_the_argument(kwargs: dict, fit_args: str, error: type,
                                              match: str) -> None:
    prices = np.asarray(lf.price(VG_TRUTH, MARKET, STRIKES, MATURITIES))
    args = {"surface": (prices, MARKET, STRIKES, MATURITIES),
            "none": (None, MARKET, STRIKES, MATURITIES),
            "nan": (np.full_like(prices, np.nan), MARKET, STRIKES, MATURITIES),
            "market": (prices, 100.0, STRIKES, MATURITIES)}[fit_args]
    kw = {"model_cls": lf.VarianceGamma, **kwargs}
    with pytest.raises(error, match=match):
        BayesianCalibrator(**kw).fit(*args)


def test_cli_posterior_synthetic_and_error(tmp_path, capsys) -> None:
    from levyfast.cli import main

    out = tmp_path / "post"
    rc = main(["posterior", "--model", "vg", "--synthetic", "--chains", "2", "--draws", "40",
               "--warmup", "40", "--no-plots", "--out", str(out)])
    printed = capsys.readouterr().out
    assert rc == 0
    assert "r_hat" in printed and "NOT CONVERGED" in printed  # 2 x 40 draws: ESS < 400
    assert (out / "summary.csv").exists() and (out / "diagnostics.json").exists()
    rc = main(["posterior", "--model", "vg", "--chain", str(tmp_path / "missing.csv"),
               "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and err.startswith("levyfast posterior: error:") and "\n" not in err


def test_coverage_study_writes_report(tmp_path) -> None:
    from levyfast_train.bayes.study import coverage_study, write_report

    result = coverage_study(lf.VarianceGamma, 2, n_draws=40, n_warmup=40, n_ranks=19, seed=5)
    assert len(result.covered) + result.failed == 2 and result.covered
    ranks = np.array(result.ranks)
    assert ranks.shape[1] == 3 and ranks.min() >= 0 and ranks.max() <= 19
    c = np.array(result.covered)  # [surface, level, parameter]: a wider interval covers more
    assert (c[:, 0] <= c[:, 2]).all() and (c[:, 1] <= c[:, 2]).all()
    report = write_report(result, tmp_path)
    assert "90% interval" in report.read_text()
    assert (tmp_path / "coverage.png").exists() and (tmp_path / "ranks.png").exists()


def test_implied_vol_quotes_become_the_same_prices() -> None:
    prices = np.asarray(lf.price(VG_TRUTH, MARKET, STRIKES, MATURITIES))
    ivs = np.array([lf.implied_vol(prices[i], MARKET, STRIKES, t) for i, t in
                    enumerate(MATURITIES)])
    ivs[0, 0] = math.nan
    from_prices, _ = BayesianCalibrator(lf.VarianceGamma)._quotes(
        prices, MARKET, STRIKES, MATURITIES, None, None)
    from_ivs, _ = BayesianCalibrator(lf.VarianceGamma, quote_type="iv")._quotes(
        ivs, MARKET, STRIKES, MATURITIES, None, None)
    assert from_ivs.size == from_prices.size - 1  # the NaN vol is a missing quote
    np.testing.assert_allclose(from_ivs.quotes, from_prices.quotes[1:], rtol=1e-9)
