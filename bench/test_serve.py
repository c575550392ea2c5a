"""Calibration service on loopback: neural ``POST /calibrate`` latency (server-side from the
``Server-Timing`` header, end to end from the client) and throughput with single and batched
(32 surfaces) requests, against ``levyfast serve`` in a child process.

pytest-benchmark times one end-to-end request (p50 = its median; p99 and the server-side
percentiles in extra_info); the throughput runs use the loopback load generator
(``levyfast.serve.loadtest``) with 2 client threads. Every benchmark asserts its answer: the
parameters must equal ``Calibrator.predict`` on the same surface.

Run: ``pytest bench/test_serve.py -m bench --benchmark-enable -s``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pytest

import levyfast as lf

pytestmark = pytest.mark.bench

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")

from levyfast.serve import ChildServer  # noqa: E402
from levyfast.serve.loadtest import run_load  # noqa: E402

MARKET = lf.Market(100.0, 0.03, 0.01)
MARKET_JSON = {"spot": 100.0, "rate": 0.03, "dividend": 0.01}
TRUE = lf.VarianceGamma(0.2, 0.3, -0.15)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict, np.ndarray]]:
    cal = lf.Calibrator.load("vg")
    surface = np.asarray(lf.price(TRUE, MARKET, cal.strikes * MARKET.spot, cal.maturities))
    body = {"model": "vg", "surface": {"prices": surface.tolist(), "market": MARKET_JSON}}
    server = ChildServer(tmp_path_factory.mktemp("bench_serve") / "server.log", "--models",
                         "vg", "--log-level", "warning")
    try:
        server.wait_ready()
        yield server.url, body, cal.predict(surface, MARKET)
    finally:
        server.stop()


@pytest.mark.parametrize("diagnostics", [True, False])
@pytest.mark.benchmark(group="serve-calibrate-one-surface")
def test_calibrate_one_surface(benchmark, setup, diagnostics: bool) -> None:
    url, body, expected = setup
    content = json.dumps({**body, "diagnostics": diagnostics}).encode()
    server_ms: list[float] = []
    with httpx.Client(base_url=url) as client:
        def call() -> httpx.Response:
            response = client.post("/calibrate", content=content,
                                   headers={"content-type": "application/json"})
            server_ms.append(float(response.headers["server-timing"].split("dur=")[1]))
            return response

        response = benchmark.pedantic(call, rounds=2000, iterations=1, warmup_rounds=50)
    data = np.asarray(benchmark.stats.stats.data)
    benchmark.extra_info.update({
        "e2e_p50_ms": float(np.median(data) * 1e3),
        "e2e_p99_ms": float(np.quantile(data, 0.99) * 1e3),
        "server_p50_ms": float(np.median(server_ms)),
        "server_p99_ms": float(np.quantile(server_ms, 0.99))})
    print(f"\n/calibrate diagnostics={diagnostics}: {benchmark.extra_info}")
    got = list(response.json()["results"][0]["params"].values())
    np.testing.assert_allclose(got, expected, rtol=1e-6)


@pytest.mark.parametrize("batch,diagnostics", [(1, True), (1, False), (32, True), (32, False)])
def test_calibrate_throughput(setup, batch: int, diagnostics: bool) -> None:
    """Fixed request counts from 2 client threads: requests/s and surfaces/s."""
    url, body, expected = setup
    payload = ({**body, "diagnostics": diagnostics} if batch == 1 else
               {"model": "vg", "surfaces": [body["surface"]] * batch,
                "diagnostics": diagnostics})
    result = run_load(url, "/calibrate", payload, 2000 if batch == 1 else 200, concurrency=2,
                      surfaces_per_request=batch)
    print(f"\n/calibrate batch={batch} diagnostics={diagnostics}: "
          f"{json.dumps(result.as_dict())}")
    assert result.errors == 0
    response = httpx.post(url + "/calibrate", json=payload).json()
    got = [list(r["params"].values()) for r in response["results"]]
    np.testing.assert_allclose(got, np.tile(expected, (batch, 1)), rtol=1e-6)
