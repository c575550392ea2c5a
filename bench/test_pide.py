"""PIDE solver: error-versus-time of American puts against our converged references with the
Bermudan COS + Richardson peer (tests/oracle/bermudan_cos.py) in the same groups, European PIDE
against COS (the peer in the same group), and the observed convergence orders (Richardson).

Run: ``pytest bench/test_pide.py -m bench --benchmark-enable``. The numbers are reported in
``docs/pide.md``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import levyfast as lf

from oracle.bermudan_cos import american_put_cos

pytestmark = pytest.mark.bench

_REFS = {
    e["id"]: e
    for e in json.loads(
        (Path(__file__).resolve().parents[1] / "tests" / "reference" / "pide" / "american.json")
        .read_text()
    )["entries"]
}
MERTON = _REFS["dHalluinForsythVetzal2005-Merton-American"]
CGMY = _REFS["AlmendralOosterlee2007-WangWanForsyth2007-CGMY-American"]
#: Our converged values (PIDE with Richardson and Bermudan COS with Richardson agree); the
#: errors below are against these, with the published values' errors in extra_info.
MERTON_REF = _REFS["levyfast-derived-Merton-American"]
CGMY_REF = _REFS["levyfast-derived-CGMY-American"]

#: (nx, nt, richardson, bound): the error-versus-time curves, each point asserting the error it
#: reached when measured (rounded up).
MERTON_GRIDS = [
    (512, 32, False, 1.5e-3), (1024, 64, False, 4e-4), (2048, 128, False, 1.2e-4),
    (4096, 256, False, 4e-5),
    (512, 32, True, 4e-5), (1024, 32, True, 2e-5), (2048, 64, True, 6e-6),
    (4096, 128, True, 3e-6),
]
CGMY_GRIDS = [
    (512, 32, False, 4e-4), (1024, 64, False, 1e-4), (2048, 128, False, 3e-5),
    (4096, 256, False, 1e-5),
    (512, 32, True, 2e-4), (1024, 64, True, 1.5e-5), (2048, 128, True, 2e-6),
    (4096, 256, True, 2e-6),
]
#: Bermudan COS peer: 4-point Richardson over 2^d..2^(d+3) dates, N = 1024 terms, width 8.
COS_DEPTHS = [(1, 2e-4), (2, 5e-5), (3, 1.5e-5)]


def _case(entry: dict) -> tuple:
    model = getattr(lf, entry["model"])(**entry["params"])
    return model, lf.Market(entry["spot"], entry["rate"], entry["dividend"])


def _american(benchmark, entry: dict, ref: dict, nx: int, nt: int, richardson: bool,
              bound: float) -> None:
    model, market = _case(entry)
    pricer = lf.PIDEPricer(nx=nx, nt=nt, richardson=richardson)
    value = benchmark(pricer.price, model, market, entry["strike"], entry["maturity"],
                      kind="put", exercise="american")
    error = abs(value - ref["value"])
    benchmark.extra_info.update(value=value, error=error, error_vs_published=abs(
        value - entry["value"]), nx=nx, nt=nt, richardson=richardson)
    assert error <= bound, f"{entry['id']} nx={nx} nt={nt}: error {error:.2e} > {bound:.1e}"


def _cos_peer(benchmark, entry: dict, ref: dict, d: int, bound: float) -> None:
    model, _ = _case(entry)
    value = benchmark.pedantic(
        american_put_cos, args=(model, entry["spot"], entry["strike"], entry["maturity"],
                                entry["rate"], entry["dividend"]),
        kwargs={"d": d, "n_terms": 1024, "width": 8.0}, rounds=3, iterations=1)
    error = abs(value - ref["value"])
    benchmark.extra_info.update(value=value, error=error, d=d)
    assert error <= bound, f"Bermudan COS d={d}: error {error:.2e} > {bound:.1e}"


@pytest.mark.parametrize(("nx", "nt", "richardson", "bound"), MERTON_GRIDS)
def test_american_merton(benchmark, nx: int, nt: int, richardson: bool, bound: float) -> None:
    benchmark.group = "American put, Merton (d'Halluin et al. 2005)"
    _american(benchmark, MERTON, MERTON_REF, nx, nt, richardson, bound)


@pytest.mark.parametrize(("d", "bound"), COS_DEPTHS)
def test_american_merton_cos_peer(benchmark, d: int, bound: float) -> None:
    benchmark.group = "American put, Merton (d'Halluin et al. 2005)"
    _cos_peer(benchmark, MERTON, MERTON_REF, d, bound)


@pytest.mark.parametrize(("nx", "nt", "richardson", "bound"), CGMY_GRIDS)
def test_american_cgmy(benchmark, nx: int, nt: int, richardson: bool, bound: float) -> None:
    benchmark.group = "American put, CGMY Y=0.5 (Almendral & Oosterlee 2007)"
    _american(benchmark, CGMY, CGMY_REF, nx, nt, richardson, bound)


@pytest.mark.parametrize(("d", "bound"), COS_DEPTHS)
def test_american_cgmy_cos_peer(benchmark, d: int, bound: float) -> None:
    benchmark.group = "American put, CGMY Y=0.5 (Almendral & Oosterlee 2007)"
    _cos_peer(benchmark, CGMY, CGMY_REF, d, bound)


EUROPEAN_MODELS = {
    "vg": lf.VarianceGamma(0.12, 0.2, -0.14),
    "cgmy_y15": lf.CGMY(1.0, 5.0, 5.0, 1.5),
    "nig": lf.NIG(15.0, -5.0, 0.5),
    "merton": lf.Merton(0.15, 0.1, -0.9, 0.45),
    "kou": lf.Kou(0.2, 1.0, 0.3, 10.0, 5.0),
}
MARKET = lf.Market(100.0, 0.03, 0.01)
STRIKES = np.linspace(80.0, 120.0, 20)


@pytest.mark.parametrize("name", sorted(EUROPEAN_MODELS))
@pytest.mark.parametrize("method", ["pide", "cos"])
def test_european_one_maturity(benchmark, name: str, method: str) -> None:
    """20 strikes at T = 1 by one PIDE rollback (default grid) and by COS, the peer."""
    model = EUROPEAN_MODELS[name]
    benchmark.group = f"European puts, 20 strikes, {name}"
    prices = benchmark(lf.price, model, MARKET, STRIKES, 1.0, kind="put", method=method)
    ref = lf.price(model, MARKET, STRIKES, 1.0, kind="put", method="cos", tolerance=1e-11)
    error = float(np.abs(prices - ref).max())
    benchmark.extra_info["max_abs_error_over_spot"] = error / MARKET.spot
    assert error <= 1e-4 * MARKET.spot


ORDER_MODELS = {
    "merton": lf.Merton(0.15, 0.1, -0.9, 0.45),
    "kou": lf.Kou(0.2, 1.0, 0.3, 10.0, 5.0),
    "vg": lf.VarianceGamma(0.12, 0.2, -0.14),
    "cgmy_y05": lf.CGMY(1.0, 5.0, 5.0, 0.5),
    "cgmy_y15": lf.CGMY(1.0, 5.0, 5.0, 1.5),
    "nig": lf.NIG(15.0, -5.0, 0.5),
}


def _order(v: list[float]) -> float:
    return math.log2(abs((v[0] - v[1]) / (v[1] - v[2])))


@pytest.mark.parametrize("name", sorted(ORDER_MODELS))
def test_convergence_orders(name: str) -> None:
    """Richardson orders of the at-the-money put (T = 0.5) in space (nt = 400) and time
    (nx = 512), printed for the report; asserted >= 1.8 as in tests/test_pide.py."""
    model = ORDER_MODELS[name]
    space = [lf.PIDEPricer(nx=nx, nt=400).price(model, MARKET, 100.0, 0.5, kind="put")
             for nx in (256, 512, 1024, 2048)]
    time = [lf.PIDEPricer(nx=512, nt=nt).price(model, MARKET, 100.0, 0.5, kind="put")
            for nt in (16, 32, 64, 128)]
    ps = [_order(space[i:i + 3]) for i in range(2)]
    pt = [_order(time[i:i + 3]) for i in range(2)]
    print(f"\n{name}: space orders {ps[0]:.2f} {ps[1]:.2f}; time orders {pt[0]:.2f} {pt[1]:.2f}")
    assert min(ps[0], pt[0], pt[1]) >= 1.8
