"""Bad input raises ValueError/TypeError naming the parameter and constraint, never NaN."""

from __future__ import annotations

import numpy as np
import pytest

import levyfast as lf

M = lf.VarianceGamma(0.2, 0.3, -0.15)
MKT = lf.Market(100.0, 0.03)


@pytest.mark.parametrize(
    ("kwargs", "exc", "message"),
    [
        (dict(strikes=[100.0, -1.0]), ValueError,
         "`strikes` of price must be in (0.0, inf); got -1.0"),
        (dict(strikes=[100.0, np.nan]), ValueError, "`strikes` of price must be finite"),
        (dict(strikes=[]), ValueError, "`strikes` of price must not be empty"),
        (dict(strikes=[[100.0]]), ValueError, "`strikes` of price must have ndim"),
        (dict(maturities=0.0), ValueError, "`maturities` of price must be in (0.0, inf); got 0.0"),
        (dict(maturities=[1.0, np.inf]), ValueError, "`maturities` of price must be finite"),
        (dict(kind="straddle"), ValueError, "`kind` of price must be one of ('call', 'put')"),
        (dict(method="magic"), ValueError, "`method` of price must be one of"),
        (dict(tolerance=0.0), ValueError, "`tolerance` of price must be in"),
        (dict(strikes="abc"), TypeError, "`strikes` of price must be an array of real numbers"),
        (dict(strikes=[100.0 + 1e-3j, 90.0]), TypeError,
         "`strikes` of price must be an array of real numbers (float or int); got complex"),
        (dict(strikes=[True, True]), TypeError,
         "`strikes` of price must be an array of real numbers (float or int); got boolean"),
        (dict(strikes=True), TypeError, "got boolean"),
        (dict(strikes=["100", "90"]), TypeError, "got string"),
        (dict(strikes=[100.0, None]), TypeError, "got object"),
        (dict(maturities=np.array([1.0 + 0j])), TypeError,
         "`maturities` of price must be an array of real numbers (float or int); got complex"),
    ],
)
def test_price_rejects(kwargs, exc, message) -> None:
    args = dict(strikes=[90.0, 100.0], maturities=[0.5, 1.0])
    args.update(kwargs)
    with pytest.raises(exc) as err:
        lf.price(M, MKT, **args)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: lf.price_batch(lf.VarianceGamma, [[True, True, False]], MKT, 100.0, 1.0),
         "`params` of price_batch must be an array of real numbers"),
        (lambda: lf.price_and_grad(M, MKT, [100.0 + 1j], 1.0), "`strikes` of price_and_grad"),
        (lambda: lf.implied_vol(np.array([10.0 + 0j]), MKT, 100.0, 1.0),
         "must be an array of real numbers"),
    ],
    ids=["batch_bool_params", "grad_complex_strike", "iv_complex_price"],
)
def test_no_silent_coercion_anywhere(call, message: str) -> None:
    with pytest.raises(TypeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_wrong_object_types() -> None:
    with pytest.raises(TypeError, match="`model` of price must be a levyfast model"):
        lf.price("vg", MKT, 100.0, 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`market` of price must be a levyfast.Market"):
        lf.price(M, (100.0, 0.03), 100.0, 1.0)  # type: ignore[arg-type]


def test_time_change_needs_a_subordinated_model() -> None:
    with pytest.raises(ValueError, match="`method` 'time_change' needs"):
        lf.price(lf.Merton(0.2, 1.0, -0.1, 0.1), MKT, 100.0, 1.0, method="time_change")


def test_cos_reports_when_tolerance_is_out_of_reach() -> None:
    with pytest.raises(ValueError, match="COS cannot reach tolerance"):
        lf.price(lf.VarianceGamma(0.2, 1.0, -0.1), MKT, 100.0, 0.02, method="cos")


def test_auto_prices_where_cos_cannot_converge() -> None:
    """CGMY with small C T and Y: |phi(u)| decays so slowly at one week that COS needs more
    than max_terms; 'auto' prices that maturity by Lewis inversion on rotated rays (checked
    against FFT at 1e-11 and put-call parity), while method='cos' still says why it cannot."""
    model, strikes, maturities = lf.CGMY(0.3, 2.0, 2.0, 0.6), [60.0, 100.0, 160.0], [0.02, 0.5]
    with pytest.raises(ValueError, match=r"COS cannot reach tolerance 1e-08 \* spot at T = 0.02"
                                         r".*use method='auto'"):
        lf.price(model, MKT, strikes, maturities, method="cos", tolerance=1e-8)
    calls = lf.price(model, MKT, strikes, maturities, tolerance=1e-8)
    puts = lf.price(model, MKT, strikes, maturities, kind="put", tolerance=1e-8)
    ref = lf.price(model, MKT, strikes, maturities, method="fft", tolerance=1e-11)
    np.testing.assert_allclose(calls, ref, rtol=0, atol=1e-7 * MKT.spot)
    t = np.array(maturities)[:, None]
    parity = MKT.spot * np.exp(-MKT.dividend * t) - np.array(strikes) * np.exp(-MKT.rate * t)
    np.testing.assert_allclose(calls - puts, parity, rtol=0, atol=1e-12 * MKT.spot)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(n_terms=1), "`n_terms` of COSPricer must be in [2, 16777216]; got 1"),
        (dict(n_terms=2.5), "`n_terms` of COSPricer must be an integer"),
        (dict(truncation_width=-1.0), "`truncation_width` of COSPricer must be in (0.0, inf)"),
        (dict(tolerance=2.0), "`tolerance` of COSPricer must be in [1e-14, 1.0)"),
        (dict(max_terms=4), "`max_terms` of COSPricer must be in [16, 16777216]; got 4"),
    ],
)
def test_cos_settings(kwargs, message) -> None:
    with pytest.raises((ValueError, TypeError)) as err:
        lf.COSPricer(**kwargs)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(n=1000), "`n` of FFTPricer must be a power of two >= 16; got 1000"),
        (dict(eta=0.0), "`eta` of FFTPricer must be in (0.0, inf); got 0.0"),
        (dict(alpha=-1.0), "`alpha` of FFTPricer must be in (0.0, inf)"),
    ],
)
def test_fft_settings(kwargs, message) -> None:
    with pytest.raises(ValueError) as err:
        lf.FFTPricer(**kwargs)
    assert message in str(err.value)


def test_fft_alpha_outside_moment_strip_is_an_error() -> None:
    # CGMY with M = 3: E[S^(alpha+1)] is infinite for alpha >= 2.
    with pytest.raises(ValueError, match="alpha"):
        lf.FFTPricer(alpha=5.0).price(lf.CGMY(1.0, 5.0, 3.0, 0.5), MKT, 100.0, 1.0)


def test_batch_rejects_bad_rows_and_shapes() -> None:
    good = [[0.2, 0.3, -0.15], [0.25, 0.2, -0.1]]
    with pytest.raises(ValueError, match=r"must have shape \[n, 3\]"):
        lf.price_batch(lf.VarianceGamma, [[0.2, 0.3]], MKT, [100.0], [1.0])
    with pytest.raises(ValueError, match="`params` row 1: `nu` of VarianceGamma must be in"):
        lf.price_batch(lf.VarianceGamma, [good[0], [0.2, -0.3, 0.0]], MKT, [100.0], [1.0])
    with pytest.raises(ValueError, match="`params` row 0: `sigma` of VarianceGamma"):
        lf.price_batch(lf.VarianceGamma, [[np.nan, 0.3, 0.0]], MKT, [100.0], [1.0])
    with pytest.raises(TypeError, match="`model_cls` of price_batch"):
        lf.price_batch(M, good, MKT, [100.0], [1.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`n_threads` of price_batch"):
        lf.price_batch(lf.VarianceGamma, good, MKT, [100.0], [1.0], n_threads=0)


_FFT_DEGENERATE_VG = r"""
import numpy as np
import levyfast as lf

mkt = lf.Market(100.0, 0.03, 0.01)
for sigma in (1e-300, 1e-200, 1e-170, 1e-100):
    for theta in (-0.15, 0.15):
        try:
            p = lf.price(lf.VarianceGamma(sigma, 0.3, theta), mkt, [90.0, 100.0], 0.1,
                         method="fft")
        except ValueError as e:
            assert "FFT pricer" in str(e), e
            print("ValueError")
        else:
            assert np.all(np.isfinite(p)) and np.all(p >= 0.0), p
            print("price")
"""


def test_fft_degenerate_vg_sigma_prices_instead_of_crashing() -> None:
    """VG sigma <= 1e-200 used to segfault the FFT pricer (a NaN moment strip gave an infinite
    log-strike period and an out-of-range interpolation-table index); run in a subprocess so a
    crash fails this test instead of killing pytest."""
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-c", _FFT_DEGENERATE_VG], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, f"rc={res.returncode}\n{res.stdout}\n{res.stderr}"
    assert len(res.stdout.split()) == 8
    # With the moment strip in its stable form (2 / (nu (disc -+ theta)) for the root that
    # cancels) the FFT prices the degenerate law, and agrees with the certified 'auto' price.
    model, market = lf.VarianceGamma(1e-200, 0.3, -0.15), lf.Market(100.0, 0.03, 0.01)
    fft = lf.price(model, market, [90.0, 100.0], 0.1, method="fft")
    auto = lf.price(model, market, [90.0, 100.0], 0.1, tolerance=lf.HIGH_ACCURACY)
    np.testing.assert_allclose(fft, auto, rtol=0.0, atol=1e-6 * market.spot)
