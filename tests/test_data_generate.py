"""levyfast.data: sampling, generation, grids and checks against the pricer and the oracle."""

from __future__ import annotations

import numpy as np
import pytest

import levyfast as lf
from levyfast.data import check_surface, generate_surfaces, write_surfaces
from levyfast.data.sampling import DEFAULT_BOXES, SAMPLERS, admissible, unit_points

from oracle import lewis_price

ALL_MODELS = list(DEFAULT_BOXES)


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_unit_points_are_index_addressable(sampler: str) -> None:
    whole = unit_points(sampler, 7, 5, 0, 3000, 3000)
    assert whole.shape == (3000, 5) and np.all((whole > 0) & (whole < 1))
    for start, count in [(1, 10), (1023, 1000), (2999, 1)]:
        np.testing.assert_array_equal(unit_points(sampler, 7, 5, start, count, 3000),
                                      whole[start:start + count])
    assert not np.array_equal(unit_points(sampler, 8, 5, 0, 3000, 3000), whole)


def test_lhs_is_stratified() -> None:
    x = unit_points("lhs", 1, 3, 0, 500, 500)
    for j in range(3):  # one point per stratum of width 1/500 in every coordinate
        np.testing.assert_array_equal(np.sort((x[:, j] * 500).astype(int)), np.arange(500))


@pytest.mark.parametrize("model_cls", ALL_MODELS, ids=lambda c: c.__name__)
def test_default_box_corners_are_admissible(model_cls: type[lf.LevyModel]) -> None:
    box = DEFAULT_BOXES[model_cls]
    names = model_cls.PARAM_NAMES
    corners = np.array(np.meshgrid(*[box[p] for p in names], indexing="ij")).reshape(
        len(names), -1).T
    assert admissible(model_cls, corners).all()


def test_rejection_is_deterministic_and_admissible() -> None:
    box = {"theta": (-0.5, 2.0), "nu": (0.05, 1.0), "sigma": (0.05, 0.8)}
    a = generate_surfaces(lf.VarianceGamma, 700, seed=3, param_box=box, store=("price",),
                          maturities=[0.5, 1.0], shard_size=700)
    b = generate_surfaces(lf.VarianceGamma, 700, seed=3, param_box=box, store=("price",),
                          maturities=[0.5, 1.0], shard_size=97, workers=2)
    sigma, nu, theta = a.params.T
    assert np.all(1 - theta * nu - 0.5 * sigma**2 * nu > 0)
    # the box is partly infeasible: the sequence has to skip points
    raw = unit_points("sobol", 3, 5, 0, 700, 700)
    assert not admissible(lf.VarianceGamma, 0.05 + raw[:, :3] * [0.75, 0.95, 2.5]).all()
    np.testing.assert_array_equal(a.params, b.params)
    np.testing.assert_array_equal(a.prices, b.prices)


@pytest.mark.parametrize("model_cls", ALL_MODELS, ids=lambda c: c.__name__)
def test_default_datasets_match_pricer_and_pass_checks(model_cls: type[lf.LevyModel]) -> None:
    ds = generate_surfaces(model_cls, 64, seed=11, store=("price",))
    assert ds.prices.shape == (64, 10, 20)
    assert ds.check_flags is not None and not ds.check_flags.any()
    box = DEFAULT_BOXES[model_cls]
    for j, p in enumerate(model_cls.PARAM_NAMES):
        assert np.all((ds.params[:, j] >= box[p][0]) & (ds.params[:, j] <= box[p][1]))
    assert np.all((ds.rates >= 0) & (ds.rates <= 0.06))
    assert np.all((ds.dividends >= 0) & (ds.dividends <= 0.03))
    for i in (0, 37):
        model = model_cls.from_array(ds.params[i])
        market = lf.Market(100.0, ds.rates[i], ds.dividends[i])
        expected = lf.price(model, market, 100 * ds.strikes, ds.maturities) / 100
        np.testing.assert_allclose(ds.prices[i], expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("model_cls", [lf.VarianceGamma, lf.NIG, lf.Merton],
                         ids=lambda c: c.__name__)
def test_sampled_prices_agree_with_oracle(model_cls: type[lf.LevyModel]) -> None:
    ds = generate_surfaces(model_cls, 200, seed=5, store=("price",), maturities=[0.25, 1.0, 2.0],
                           strikes=[0.8, 0.95, 1.0, 1.1, 1.2])
    for i in np.random.default_rng(0).choice(200, 3, replace=False):
        market = lf.Market(1.0, ds.rates[i], ds.dividends[i])
        expected = lewis_price(model_cls.from_array(ds.params[i]), market, ds.strikes,
                               ds.maturities, "call", tol=1e-9)
        np.testing.assert_allclose(ds.prices[i], expected, rtol=0, atol=1e-6)


def test_log_forward_and_delta_grids() -> None:
    k = np.array([-0.2, -0.05, 0.0, 0.1, 0.3])
    t = np.array([0.2, 1.0])
    lf_ds = generate_surfaces(lf.NIG, 20, seed=2, store=("price",), strikes=k, maturities=t,
                              moneyness="log_forward")
    deltas = np.array([0.9, 0.75, 0.5, 0.25, 0.1])
    d_ds = generate_surfaces(lf.NIG, 20, seed=2, store=("price",), strikes=deltas,
                             maturities=t, moneyness="delta", delta_vol=0.3)
    assert not lf_ds.check_flags.any() and not d_ds.check_flags.any()
    for ds in (lf_ds, d_ds):
        grid = ds.strike_grid()
        assert grid.shape == (20, 2, 5)
        for i in (0, 13):
            market = lf.Market(1.0, ds.rates[i], ds.dividends[i])
            model = lf.NIG.from_array(ds.params[i])
            for it, ti in enumerate(t):
                expected = lf.price(model, market, grid[i, it], ti)
                # priced in the forward frame at r = q = 0, so not bit-equal: both within 1e-7
                np.testing.assert_allclose(ds.prices[i, it], expected, rtol=0, atol=2e-7)
    # the delta grid: Black forward delta at delta_vol of the computed strikes
    from scipy.stats import norm

    fk = d_ds.forward_strikes()
    d1 = (-np.log(fk) + 0.5 * 0.09 * t[:, None]) / (0.3 * np.sqrt(t[:, None]))
    np.testing.assert_allclose(norm.cdf(d1), np.broadcast_to(deltas, (2, 5)), atol=1e-12)


def test_check_surface_flags_each_arbitrage() -> None:
    ds = generate_surfaces(lf.VarianceGamma, 4, seed=1, store=("price",))
    good = ds.prices[0].copy()
    kw = dict(rates=ds.rates[0], dividends=ds.dividends[0])
    assert check_surface(good, ds.strikes, ds.maturities, **kw).ok

    def flagged(p: np.ndarray) -> set[str]:
        return {k for k, v in check_surface(p, ds.strikes, ds.maturities, **kw).counts.items()
                if v}

    bad = good.copy()
    bad[3, 10] += 1e-3  # a bump: not convex
    assert "convex" in flagged(bad)
    bad = good.copy()
    bad[3, 11] = bad[3, 10] + 1e-4  # rises with strike
    assert "monotone" in flagged(bad)
    bad = good.copy()
    bad[5, :] = good[4, :] - 2e-3  # longer maturity cheaper at the same strikes
    assert "calendar" in flagged(bad)
    bad = good.copy()
    bad[0, 0] = 0.0  # below intrinsic
    assert "lower_bound" in flagged(bad)
    bad = good.copy()
    bad[9, 0] = 1.5
    assert "upper_bound" in flagged(bad)
    bad = good.copy()
    bad[2, 4] = np.nan
    assert flagged(bad) == {"finite"}
    # market data in currency units with a missing quote: the rest still checked and clean
    result = check_surface(100 * bad, 100 * ds.strikes, ds.maturities, spot=100.0, **kw)
    assert result.counts["finite"] == 1 and result.counts["convex"] == 0
    bad = good.copy()
    bad[2, 5] = good[2, 4] - 1.05 * (ds.strikes[5] - ds.strikes[4])  # falls faster than D_r
    assert "slope_bound" in flagged(bad)


def test_check_surface_invalid_input() -> None:
    t, k = np.array([0.5, 1.0]), np.array([0.9, 1.0, 1.1])
    with pytest.raises(ValueError, match="strictly increasing"):
        check_surface(np.zeros((2, 3)), k[::-1], t)
    with pytest.raises(ValueError, match="grid"):
        check_surface(np.zeros((2, 4)), k, t)
    with pytest.raises(ValueError, match="`rates` of check_surface"):
        check_surface(np.zeros((5, 2, 3)), k, t, rates=np.zeros(4))
    with pytest.raises(ValueError, match="`frame` of check_surface"):
        check_surface(np.zeros((2, 3)), k, t, frame="delta")


class _UserVG(lf.VarianceGamma):
    """A user-defined model (here a VG subclass the core does not know by class)."""

    __slots__ = ()


def test_user_defined_model_with_pricer() -> None:
    calls = []

    def pricer(params, rates, dividends, strikes, maturities):  # type: ignore[no-untyped-def]
        calls.append(params.shape[0])
        return lf.price_batch(lf.VarianceGamma, params, lf.Market(1.0, 0.0), strikes,
                              maturities, rates=rates, dividends=dividends)

    box = DEFAULT_BOXES[lf.VarianceGamma]
    ds = generate_surfaces(_UserVG, 50, seed=4, param_box=box, pricer=pricer, store=("price",))
    ref = generate_surfaces(lf.VarianceGamma, 50, seed=4, store=("price",))
    np.testing.assert_array_equal(ds.prices, ref.prices)
    assert sum(calls) == 50
    with pytest.raises(TypeError, match="`pricer` of generate_surfaces is required"):
        generate_surfaces(_UserVG, 5, param_box=box)


def test_user_model_priced_by_numba_kernel() -> None:
    import numba

    @numba.njit
    def vg_exponent(u, p):  # type: ignore[no-untyped-def]
        s, nu, th = p[0], p[1], p[2]
        return -np.log(1.0 - 1j * u * th * nu + 0.5 * s * s * nu * u * u) / nu

    from levyfast._validation import Interval

    bounds = {"sigma": Interval(0.0), "nu": Interval(0.0), "theta": Interval()}
    MyVG = lf.user_model("MyVG", ("sigma", "nu", "theta"), bounds, vg_exponent)
    box = {"sigma": (0.1, 0.4), "nu": (0.1, 0.4), "theta": (-0.3, 0.0)}
    grid = dict(maturities=[0.5, 1.0, 2.0], strikes=[0.8, 0.9, 1.0, 1.1, 1.2])
    ds = generate_surfaces(MyVG, 40, seed=3, param_box=box, **grid)
    ref = generate_surfaces(lf.VarianceGamma, 40, seed=3, param_box=box, **grid)
    np.testing.assert_array_equal(ds.params, ref.params)
    np.testing.assert_allclose(ds.prices, ref.prices, rtol=0, atol=1e-6)
    assert ds.metadata["model"] == {**ref.metadata["model"], "name": "MyVG", "model_id": None,
                                    "builtin": False}
    assert not ds.check_flags.any()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(n=0), ValueError, "`n` of generate_surfaces must be a positive integer"),
        (dict(param_box={"nu": (-0.1, 0.5)}), ValueError, r"param_box\['nu'\].*bounds"),
        (dict(param_box={"kappa": (0, 1)}), ValueError, "unknown parameter 'kappa'"),
        (dict(param_box={"nu": (0.5, 0.1)}), ValueError, "low <= high"),
        (dict(sampler="halton"), ValueError, "`sampler` of generate_surfaces"),
        (dict(moneyness="vega"), ValueError, "`moneyness` of generate_surfaces"),
        (dict(strikes=[1.0, 0.9]), ValueError, "strictly increasing"),
        (dict(strikes=[0.2, 0.5], moneyness="delta"), ValueError, "decreasing"),
        (dict(strikes=[0.9, 1.5], moneyness="delta"), ValueError, r"in \(0.0, 1.0\)"),
        (dict(maturities=[0.0, 1.0]), ValueError, "`maturities` of generate_surfaces"),
        (dict(rate_range=(0.1, 0.0)), ValueError, "`rate_range`"),
        (dict(store=("price", "vega")), ValueError, "`store` of generate_surfaces"),
        (dict(seed=-1), ValueError, "`seed`"),
        (dict(workers=0), ValueError, "`workers`"),
        (dict(noise="gaussian"), TypeError, "`noise`"),
    ],
)
def test_generate_invalid_input(kwargs: dict, error: type[Exception], match: str) -> None:
    args = dict(n=4, store=("price",))
    args.update(kwargs)
    n = args.pop("n")
    with pytest.raises(error, match=match):
        generate_surfaces(lf.VarianceGamma, n, **args)


def test_generate_rejects_non_model() -> None:
    with pytest.raises(TypeError, match="`model_cls` of generate_surfaces"):
        generate_surfaces(dict, 3)  # type: ignore[arg-type]


def test_infeasible_box_is_reported() -> None:
    box = {"alpha": (1.0, 2.0), "beta": (5.0, 6.0)}  # alpha > |beta| never holds
    with pytest.raises(ValueError, match="admits too few points"):
        generate_surfaces(lf.NIG, 10, param_box=box, store=("price",))


@pytest.mark.parametrize("moneyness", ["strike", "log_forward"])
def test_implied_vols_reprice(moneyness: str) -> None:
    strikes = [0.8, 1.0, 1.2] if moneyness == "strike" else [-0.3, 0.0, 0.2]
    ds = generate_surfaces(lf.Kou, 300, seed=8, strikes=strikes, moneyness=moneyness,
                           maturities=[0.05, 0.5, 2.0])
    assert ds.ivs is not None and ds.ivs.shape == ds.prices.shape
    t = ds.maturities[:, None]
    forwards = np.exp(np.multiply.outer(ds.rates - ds.dividends, ds.maturities))[:, :, None]
    discounts = np.exp(-np.multiply.outer(ds.rates, ds.maturities))[:, :, None]
    known = ~np.isnan(ds.ivs)
    assert known.mean() > 0.9
    repriced = lf.black_price(forwards, ds.strike_grid(), t, np.where(known, ds.ivs, 0.2),
                              discounts, "call")
    np.testing.assert_allclose(repriced[known], ds.prices[known], rtol=0, atol=1e-13)
    # NaN exactly where the time value is below the accuracy (1e-6 of spot)
    time_value = ds.prices - discounts * np.maximum(forwards - ds.strike_grid(), 0.0)
    np.testing.assert_array_equal(~known, time_value < 1e-6)


def test_black_scholes_dataset_has_its_own_flat_smile() -> None:
    from scipy.stats import norm

    bs = generate_surfaces(lf.BlackScholes, 40, seed=1)
    sigma = bs.params[:, 0, None, None]
    t = bs.maturities[:, None]
    log_fk = np.multiply.outer(bs.rates - bs.dividends, bs.maturities)[:, :, None] - np.log(
        bs.strikes)
    d1 = (log_fk + 0.5 * sigma**2 * t) / (sigma * np.sqrt(t))
    vega = np.exp(-np.multiply.outer(bs.dividends, bs.maturities))[:, :, None] * norm.pdf(
        d1) * np.sqrt(t)
    known = ~np.isnan(bs.ivs)
    assert known.mean() > 0.9
    # the IV error is the price error (<= 1e-6 of spot) over vega
    assert np.all(np.abs(bs.ivs - sigma)[known] * vega[known] <= 1e-6)


def test_sizes_that_cannot_fit_are_refused_up_front(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`generate --n 1e12` used to allocate without bound; now the estimate is the error."""
    import time

    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"`n` of generate_surfaces = 1000000000000 needs about "
                                         r"[\d,.]+ GiB of memory .* bytes per surface"):
        generate_surfaces(lf.VarianceGamma, 10**12, seed=0)
    with pytest.raises(ValueError, match=r"GiB of disk .* the disk of"):
        write_surfaces(lf.VarianceGamma, 10**12, str(tmp_path / "huge"), seed=0)
    assert time.perf_counter() - start < 5.0
    assert not (tmp_path / "huge").exists()


def test_generation_spec_is_the_keyword_api_frozen(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    from levyfast.data import GenerationReport, GenerationSpec, generate_dataset

    spec = GenerationSpec(lf.VarianceGamma, 40, seed=3, param_box={"sigma": (0.1, 0.2)},
                          strikes=[0.9, 1.0, 1.1], maturities=[0.5, 1.0], store="iv",
                          shard_size=16)
    assert spec.store == ("price", "iv") and spec.strikes.dtype == np.float64
    assert set(spec.param_box or {}) == set(lf.VarianceGamma.PARAM_NAMES)
    assert spec.param_box is not None and spec.param_box["sigma"] == (0.1, 0.2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.n = 10  # type: ignore[misc]
    kwargs = dict(seed=3, param_box={"sigma": (0.1, 0.2)}, strikes=[0.9, 1.0, 1.1],
                  maturities=[0.5, 1.0], store="iv", shard_size=16)
    in_memory = generate_dataset(spec)
    np.testing.assert_array_equal(in_memory.prices,
                                  generate_surfaces(lf.VarianceGamma, 40, **kwargs).prices)
    report = generate_dataset(spec, str(tmp_path / "ds"))
    assert isinstance(report, GenerationReport) and report.n == 40 and report.n_shards == 3
    np.testing.assert_array_equal(lf.data.load(str(tmp_path / "ds")).prices, in_memory.prices)
    assert generate_dataset(dataclasses.replace(spec, shard_size=7)).metadata["n_shards"] == 6
    with pytest.raises(ValueError, match="`n` of generate_surfaces must be a positive integer"):
        dataclasses.replace(spec, n=0)
    with pytest.raises(TypeError, match="`spec` of generate_dataset must be a GenerationSpec"):
        generate_dataset(kwargs)  # type: ignore[call-overload]
