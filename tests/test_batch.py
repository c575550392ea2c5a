"""price_batch: identical to per-surface pricing, independent of the thread count."""

from __future__ import annotations

import numpy as np
import pytest

import levyfast as lf

from conftest import run_and_interrupt

MKT = lf.Market(100.0, 0.03, 0.0)
K = np.linspace(80, 120, 20)
T = np.linspace(0.1, 2.0, 10)


def _vg_params(n: int, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    p = np.column_stack([rng.uniform(0.05, 0.5, n), rng.uniform(0.05, 1.0, n),
                         rng.uniform(-0.5, 0.1, n)])
    ok = 1 - p[:, 2] * p[:, 1] - 0.5 * p[:, 0] ** 2 * p[:, 1] > 0
    return p[ok]


@pytest.mark.parametrize("kind", ["call", "put"])
def test_batch_matches_single_surfaces_and_threads(kind: str) -> None:
    params = _vg_params(64)
    one = lf.price_batch(lf.VarianceGamma, params, MKT, K, T, kind, n_threads=1)
    two = lf.price_batch(lf.VarianceGamma, params, MKT, K, T, kind, n_threads=2)
    assert one.shape == (len(params), T.size, K.size)
    np.testing.assert_array_equal(one, two)
    for i in (0, len(params) // 2, len(params) - 1):
        single = lf.price(lf.VarianceGamma.from_array(params[i]), MKT, K, T, kind)
        np.testing.assert_array_equal(one[i], single)


@pytest.mark.parametrize(
    "cls,params",
    [
        (lf.CGMY, [[1.0, 5.0, 5.0, 0.5, 0.0], [0.5, 4.0, 8.0, 1.5, 0.1]]),
        (lf.NIG, [[15.0, -5.0, 0.5], [8.0, 2.0, 1.0]]),
        (lf.Merton, [[0.15, 0.1, -0.9, 0.45], [0.2, 2.0, -0.05, 0.1]]),
        (lf.Kou, [[0.2, 1.0, 0.3, 10.0, 5.0], [0.1, 3.0, 0.6, 20.0, 15.0]]),
        (lf.BlackScholes, [[0.1], [0.4]]),
    ],
)
def test_batch_every_model(cls, params) -> None:
    out = lf.price_batch(cls, params, MKT, K, T)
    for i, row in enumerate(params):
        np.testing.assert_array_equal(out[i], lf.price(cls(*row), MKT, K, T))


def test_batch_per_row_rates_and_dividends() -> None:
    params = _vg_params(12)
    rng = np.random.default_rng(3)
    rates = rng.uniform(-0.01, 0.08, len(params))
    dividends = rng.uniform(0.0, 0.04, len(params))
    out = lf.price_batch(lf.VarianceGamma, params, MKT, K, T, "put", n_threads=2,
                         rates=rates, dividends=dividends)
    for i in range(len(params)):
        row_market = lf.Market(MKT.spot, rates[i], dividends[i])
        single = lf.price(lf.VarianceGamma.from_array(params[i]), row_market, K, T, "put")
        np.testing.assert_array_equal(out[i], single)
    only_rates = lf.price_batch(lf.VarianceGamma, params, MKT, K, T, rates=rates)
    single = lf.price(lf.VarianceGamma.from_array(params[1]), lf.Market(100.0, rates[1]), K, T)
    np.testing.assert_array_equal(only_rates[1], single)


@pytest.mark.parametrize(
    "name,value,match",
    [
        ("rates", np.zeros(3), r"`rates` of price_batch must have shape \[2\]"),
        ("dividends", [0.0, np.nan], r"`dividends` of price_batch must be finite"),
        ("rates", [[0.0, 0.0]], r"`rates` of price_batch must have ndim"),
    ],
)
def test_batch_per_row_market_validation(name: str, value, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        lf.price_batch(lf.VarianceGamma, _vg_params(2)[:2], MKT, K, T, **{name: value})


_THREADS_UNDER_MEMORY_LIMIT = r"""
import resource
import numpy as np
import levyfast as lf
from levyfast import _core

# 3 GiB of address space: far fewer than 1000 thread stacks (8 MiB each) fit, so thread
# creation fails part-way; the pool must fall back to the threads it has, not abort.
limit = 3 << 30
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
mkt = lf.Market(100.0, 0.03, 0.0)
params = np.tile([0.12, 0.2, -0.14], (3000, 1))
out = lf.price_batch(lf.VarianceGamma, params, mkt, [90.0, 100.0], [0.5], "put", n_threads=1000)
ref = lf.price(lf.VarianceGamma(0.12, 0.2, -0.14), mkt, [90.0, 100.0], [0.5], "put")
assert out.shape == (3000, 1, 2) and np.array_equal(out, np.broadcast_to(ref, out.shape))
# The implied-volatility runner (chunks of 4096 quotes): 1000 chunks on up to 1000 threads.
n = 1000 * 4096
prices = np.full(n, float(lf.black_price(100.0, 100.0, 1.0, 0.2, 1.0, "call")))
status, iv = _core.black_implied_vol(prices, np.full(n, 100.0), np.full(n, 100.0), np.ones(n),
                                     np.ones(n), 1.0, 1000)
assert status == 0 and np.allclose(iv, 0.2, atol=1e-12), (status, iv[:3])
print("OK")
"""


def test_thread_creation_failure_falls_back_instead_of_aborting() -> None:
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-c", _THREADS_UNDER_MEMORY_LIMIT],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, f"rc={res.returncode}\n{res.stdout}\n{res.stderr}"
    assert res.stdout.strip() == "OK"


def test_absurd_thread_count_raises() -> None:
    with pytest.raises(ValueError, match=r"`n_threads` of price_batch must be in \[1, 1024\]"
                                         r".*got 2000"):
        lf.price_batch(lf.VarianceGamma, _vg_params(4), MKT, K, T, "put", n_threads=2000)


_LONG_BATCH = r"""
import sys, time
import numpy as np
import levyfast as lf
params = np.tile([1.0, 5.0, 5.0, 0.5, 0.0], (50_000, 1))  # ~1 min of work per thread
print("start", flush=True)
t = time.time()
try:
    lf.price_batch(lf.CGMY, params, lf.Market(100.0, 0.03, 0.01), np.linspace(80, 120, 20),
                   np.linspace(0.1, 2.0, 10), tolerance=lf.HIGH_ACCURACY)
except KeyboardInterrupt:
    print("interrupted", round(time.time() - t, 2), flush=True)
    sys.exit(3)
print("finished", flush=True)
"""


@pytest.mark.parametrize("n_threads", [1, 2])
def test_long_batch_stops_on_ctrl_c(n_threads: int) -> None:
    """A batch of about a minute (GIL released) turns Ctrl-C into KeyboardInterrupt promptly."""
    script = _LONG_BATCH.replace("tolerance=", f"n_threads={n_threads}, tolerance=")
    returncode, out, latency = run_and_interrupt(script)
    assert returncode == 3 and out.startswith("interrupted"), out
    assert latency < 5.0
