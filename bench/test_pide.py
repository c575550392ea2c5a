"""PIDE solver: error-versus-time of American puts against published values, European PIDE
against COS (the peer in the same group), and the observed convergence orders (Richardson).

Run: ``pytest bench/test_pide.py -m bench --benchmark-enable``. The numbers are reported in
``docs/pide.md``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import levyfast as lf
import numpy as np
import pytest

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

#: (nx, nt) grids of the error-versus-time curves, with the error each must reach (measured,
#: rounded up; CGMY's is against the published 0.112171, which our converged value 0.112152
#: does not reproduce — see the reference file).
MERTON_GRIDS = [(256, 32, 8e-3), (512, 64, 2.5e-3), (1024, 128, 7e-4), (2048, 256, 2e-4)]
CGMY_GRIDS = [(256, 32, 3e-4), (512, 64, 1e-4), (1024, 128, 5e-5), (2048, 256, 4e-5)]


def _american(benchmark, entry: dict, nx: int, nt: int, bound: float) -> None:
    cls = getattr(lf, entry["model"])
    model = cls(**entry["params"])
    market = lf.Market(entry["spot"], entry["rate"], entry["dividend"])
    pricer = lf.PIDEPricer(nx=nx, nt=nt)
    value = benchmark(pricer.price, model, market, entry["strike"], entry["maturity"],
                      kind="put", exercise="american")
    error = abs(value - entry["value"])
    benchmark.extra_info.update(value=value, error=error, nx=nx, nt=nt)
    assert error <= bound, f"{entry['id']} nx={nx} nt={nt}: error {error:.2e} > {bound:.1e}"


@pytest.mark.parametrize(("nx", "nt", "bound"), MERTON_GRIDS)
def test_american_merton(benchmark, nx: int, nt: int, bound: float) -> None:
    benchmark.group = "American put, Merton (d'Halluin et al. 2005)"
    _american(benchmark, MERTON, nx, nt, bound)


@pytest.mark.parametrize(("nx", "nt", "bound"), CGMY_GRIDS)
def test_american_cgmy(benchmark, nx: int, nt: int, bound: float) -> None:
    benchmark.group = "American put, CGMY Y=0.5 (Almendral & Oosterlee 2007)"
    _american(benchmark, CGMY, nx, nt, bound)


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
