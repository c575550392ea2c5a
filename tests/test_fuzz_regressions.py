"""Regression tests of the bugs the fuzz suite (tests/test_fuzz.py, and longer exploratory runs
of it) found: each was a wrong price with no error, a NaN, a foreign exception type or an
unbounded allocation."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

import levyfast as lf

MARKET = lf.Market(100.0, 0.03, 0.01)
K = np.array([50.0, 100.0, 200.0])
T = np.array([0.01, 1.0])


def _bs(total_variance_rate: float) -> np.ndarray:
    return lf.price(lf.BlackScholes(total_variance_rate**0.5), MARKET, K, T)


# -- many small jumps: the jump variance was rounded away --------------------------------------
@pytest.mark.parametrize("method", ["auto", "cos", "fft"])
@pytest.mark.parametrize(
    "model, variance_rate",
    [(lf.Merton(0.2, 1e20, 0.0, 1e-10), 0.04 + 1.0),  # lam sigma_j^2 = 1
     (lf.Merton(0.2, 1e14, 0.0, 1e-8), 0.04 + 0.01),
     (lf.Kou(0.2, 1e14, 0.5, 1e8, 1e8), 0.04 + 0.02)],  # lam (p 2/eta1^2 + (1-p) 2/eta2^2)
)
def test_many_tiny_jumps_keep_their_variance(model, variance_rate, method) -> None:
    """lam (e^z - 1) and lam (eta/(eta - iu) - 1) rounded to 0 for tiny jumps: Merton(0.2,
    lam 1e20, sigma_j 1e-10) was priced as Black-Scholes(0.2) (1.96 for a call worth 39.2).
    By the central limit theorem the law is Black-Scholes with the total variance."""
    got = lf.price(model, MARKET, K, T, method=method)
    np.testing.assert_allclose(got, _bs(variance_rate), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(lf.price_numba(model, MARKET, K, T), _bs(variance_rate),
                               rtol=1e-5, atol=1e-6)


def test_many_tiny_jumps_gradient() -> None:
    model = lf.Merton(0.2, 1e14, 0.0, 1e-8)
    prices, grads = lf.price_and_grad(model, MARKET, 100.0, 1.0)
    h = 1e12
    up = lf.price(lf.Merton(0.2, 1e14 + h, 0.0, 1e-8), MARKET, 100.0, 1.0)
    down = lf.price(lf.Merton(0.2, 1e14 - h, 0.0, 1e-8), MARKET, 100.0, 1.0)
    assert grads[1] == pytest.approx((up - down) / (2 * h), rel=1e-4)


# -- Merton's series: lam T beyond a long -------------------------------------------------------
def test_merton_series_with_astronomic_jump_counts() -> None:
    """lam T = 1e48 overflowed the long jump counts of the Poisson series: it summed nothing
    and priced Merton(0.2, 1e50, 0, 1e-300) as sigma = 0 (0.02 for a call worth 0.81).
    Beyond its term budget and weight precision the series now steps aside."""
    got = lf.price(lf.Merton(0.2, 1e50, 0.0, 1e-300), MARKET, K, T)
    np.testing.assert_allclose(got, _bs(0.04), rtol=1e-7, atol=1e-7)
    with pytest.raises(ValueError, match=r"the model's variance of ln\(S_T\) at T = 0.01"):
        lf.price(lf.Merton(0.2, 1e50, 0.0, 1e-10), MARKET, K, T)  # variance 1e28


def test_merton_series_with_huge_diffusion_stays_in_bounds() -> None:
    """omega T + sigma^2 T / 2 cancelled: sigma = 1e6 put every log-mean ~1e-4 off and calls
    above S e^{-qT}."""
    market = lf.Market(1.0, -0.0625, 0.0)
    got = lf.price(lf.Merton(1e6, 1.0, 0.0, 0.37), market, [0.5, 1.0, 2.0], 1.0)
    assert np.all(got <= 1.0) and np.all(got >= 1.0 - 1e-12)


def test_fft_refuses_what_cos_refuses() -> None:
    """FFT priced a law with variance 1e28 at 12.9 (the call is worth 99.99)."""
    with pytest.raises(ValueError, match=r"variance of ln\(S_T\)"):
        lf.price(lf.Merton(0.2, 1e50, 0.0, 1e-10), MARKET, K, T, method="fft")


# -- degenerate clocks ------------------------------------------------------------------------
def test_degenerate_nig_clock_is_an_error_not_a_memory_error() -> None:
    """NIG(alpha 1e300, delta 1e-300): the clock's shape overflowed, a zero width never
    doubled and the quadrature's break points grew until std::bad_alloc (MemoryError)."""
    for method in ("auto", "time_change"):
        with pytest.raises(ValueError, match="time-change clock at T = 0.01 is degenerate"):
            lf.price(lf.NIG(1e300, 0.0, 1e-300), MARKET, K, T, method=method)


def test_vg_gradient_in_the_black_scholes_limit() -> None:
    """VG nu = 1e-300: d psi / d nu = (ln(1+z) - z/(1+z)) / nu^2 was 0/0 ('internal error:
    non-finite gradient'), and the time-change gradient's terms O(T / nu^2) overflowed."""
    market = lf.Market(1.0, 0.0, 0.0)
    limit = lf.price_and_grad(lf.VarianceGamma(0.0498, 1e-300, 0.0), market, [1.3, np.e], 1.0)
    near = lf.price_and_grad(lf.VarianceGamma(0.0498, 1e-10, 0.0), market, [1.3, np.e], 1.0)
    assert np.all(np.isfinite(limit[1]))
    np.testing.assert_allclose(limit[1][:2], near[1][:2], rtol=1e-5, atol=1e-9)


# -- markets outside double precision -----------------------------------------------------------
@pytest.mark.parametrize("method", ["auto", "fft"])
def test_forward_or_discount_outside_double_precision(method: str) -> None:
    """q = 2 over 403 years: the forward underflowed to 0 ('internal error: non-finite
    price'); r = -1, q = -2: S e^{-qT} overflowed."""
    for market in (lf.Market(1.0, 0.0, 2.0), lf.Market(1.0, -1.0, -2.0)):
        with pytest.raises(ValueError, match=r"`market` .* outside double precision"):
            lf.price(lf.BlackScholes(1.0), market, 1.0, np.exp(6.0), method=method)
    with pytest.raises(ValueError, match=r"`market` .* outside double precision"):
        lf.price_and_grad(lf.BlackScholes(1.0), lf.Market(1.0, -1.0, -2.0), 1.0, np.exp(6.0))


def test_prices_stay_inside_their_static_bounds() -> None:
    """K / F = 1e22 (r = -1 over 55 years): the put's error scales with K e^{-rT} = 1e22 and
    its parity call came out at 3.9e13 with S e^{-qT} = 1."""
    market = lf.Market(1.0, -1.0, 0.0)
    call = lf.price_batch(lf.CGMY, [[1.0, 7.389, 1.284, 0.0, 0.0]], market, 0.0183, np.exp(4.0))
    assert 0.0 <= call.item() <= 1.0


def test_implied_vol_message_when_the_forward_overflows() -> None:
    """errors='raise' built its message with math.exp(806): OverflowError."""
    market = lf.Market(1.0, 2.0, 0.0)
    price = lf.price(lf.BlackScholes(1.0), lf.Market(1.0, 0.0, 0.0), 1.0, 1.0)
    with pytest.raises(ValueError, match="`prices` of implied_vol"):
        lf.implied_vol(price, market, 1.0, np.exp(6.0), errors="raise")


# -- argument handling ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call",
    [lambda: lf.price(lf.BlackScholes(0.2), MARKET, [[100.0, 90.0], [100.0]], 1.0),
     lambda: lf.price_and_grad(lf.BlackScholes(0.2), MARKET, [], [[1.0, 1.0], [1.0]]),
     lambda: lf.LeastSquaresCalibrator(lf.BlackScholes).fit(
         [[5.0, 4.0]], MARKET, [[100.0, 90.0], [100.0]], [1.0])],
)
def test_ragged_lists_name_the_argument(call) -> None:
    """np.ndim of a ragged list raised NumPy's own 'setting an array element with a
    sequence' ValueError, naming nothing."""
    with pytest.raises(TypeError, match="`(strikes|maturities)` of "):
        call()


def test_least_squares_rejects_complex_quotes() -> None:
    """np.array(..., float) dropped the imaginary part with a ComplexWarning."""
    with pytest.raises(TypeError, match="`prices` of LeastSquaresCalibrator.fit must be an "
                                        "array of real numbers"):
        lf.LeastSquaresCalibrator(lf.BlackScholes).fit(
            np.array([[5.0 + 1j, 4.0]]), MARKET, [100.0, 110.0], [1.0])


@pytest.mark.parametrize("spot", [1e-8, 1e-4, 1.0, 100.0, 1e30, 1e100])
def test_least_squares_is_scale_free(spot: float, caplog) -> None:
    """Residuals in plain price units: at spot 1e-4 the start already met the absolute gtol
    and the fit 'succeeded' at x0 = (0.2, 0.2, -0.1); at 1e60 scipy overflowed."""
    true = lf.VarianceGamma(0.2, 0.3, -0.15)
    market = lf.Market(spot, 0.02, 0.0)
    strikes = spot * np.array([0.8, 0.9, 1.0, 1.1, 1.2])
    maturities = np.array([0.5, 1.0])
    quotes = lf.price(true, market, strikes, maturities)
    with caplog.at_level(logging.WARNING):
        cal = lf.LeastSquaresCalibrator(lf.VarianceGamma).fit(quotes, market, strikes,
                                                              maturities)
    assert cal.result_.success, cal.result_.message
    np.testing.assert_allclose(cal.params_, true.to_array(), atol=1e-6)


def test_least_squares_stays_inside_open_bounds() -> None:
    """dogbox projects a step onto sigma = 0 (VG's open end) and asks for the Jacobian there:
    'internal error: Jacobian requested outside the model's domain'."""
    market = lf.Market(100.0, 0.03, 0.0)
    strikes, maturities = np.linspace(80.0, 120.0, 20), np.linspace(0.1, 2.0, 10)
    rng = np.random.default_rng(3)
    garbage = np.sort(rng.uniform(0.5, 30.0, (10, 20)), axis=1)[:, ::-1]
    cal = lf.LeastSquaresCalibrator(lf.VarianceGamma, on_arbitrage="drop")
    cal.fit(garbage, market, strikes, maturities)
    assert not cal.result_.success and cal.params_[0] > 0.0


def test_method_error_names_the_argument() -> None:
    with pytest.raises(ValueError, match="`method` 'time_change' needs"):
        lf.price(lf.BlackScholes(0.2), MARKET, 100.0, 1.0, method="time_change")


def test_pide_refuses_jumps_below_its_small_jump_resolution() -> None:
    """VG with nu = 1e-100 concentrates its jumps on a scale of 1e-50, below the PIDE's
    innermost small-jump interval (h 2^-81): the variance was lost and an ATM call worth 0.38
    came out 0 (nu = 1e-300 raised 'internal error: non-finite jump stencil': 0/0 in the
    density)."""
    market = lf.Market(1.0, 0.0, 0.0)
    for nu in (1e-100, 1e-300):
        with pytest.raises(ValueError, match="below what the PIDE's small-jump quadrature "
                                             "resolves"):
            lf.price(lf.VarianceGamma(1.0, nu, 0.0), market, 1.0, 1.0, method="pide")
    near = lf.price(lf.VarianceGamma(1.0, 1e-40, 0.0), market, 1.0, 1.0, method="pide")
    assert near == pytest.approx(lf.price(lf.BlackScholes(1.0), market, 1.0, 1.0), abs=1e-4)


# -- option chains (found by the chain fuzz test) ---------------------------------------------

def _vg_chain_frame() -> pd.DataFrame:
    market, model = lf.Market(100.0, 0.03, 0.01), lf.VarianceGamma(0.2, 0.3, -0.15)
    rows = []
    for days in (30, 91):
        for kind in ("call", "put"):
            strikes = np.linspace(80.0, 120.0, 9)
            p = np.asarray(lf.price(model, market, strikes, days / 365.0, kind))
            expiry = (pd.Timestamp("2024-01-02") + pd.Timedelta(days=days)).date().isoformat()
            rows += [{"quote_date": "2024-01-02", "expiry": expiry, "strike": k,
                      "option_type": kind, "bid": pk * 0.99, "ask": pk * 1.01}
                     for k, pk in zip(strikes, p, strict=True)]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("column", ["strike", "bid", "ask"])
@pytest.mark.parametrize("value", [True, 1j, np.complex128(2.0)])
def test_chain_cells_that_are_not_real_numbers_name_column_and_row(column, value) -> None:
    # complex cells were cast to real with only a ComplexWarning, booleans read as 1
    frame = _vg_chain_frame()
    frame[column] = frame[column].astype(object)
    frame.loc[3, column] = value
    with pytest.raises(ValueError, match=f"column `{column}` of OptionChain must hold real "
                                         r"numbers; got .* in row 3"):
        lf.OptionChain(frame)


def test_chain_date_beyond_the_nanosecond_range_is_a_clear_error() -> None:
    frame = _vg_chain_frame()
    frame["quote_date"] = frame["quote_date"].astype(object)
    frame.loc[0, "quote_date"] = "2999-01-01"
    frame.loc[1, "expiry"] = "1900-01-01"
    with pytest.raises(ValueError, match="OptionChain"):
        lf.OptionChain(frame, rate=0.03)
