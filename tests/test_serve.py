"""The calibration service on a real server: ``levyfast serve`` started as a child process on a
free loopback port, called over HTTP with httpx (routes, 422s naming the field, 413, the API
key, metrics, graceful shutdown), a schema-based property run (schemathesis) asserting no
5xx, and a bounded load run that reports latency and throughput (never asserted: timings
are measured, not tested; see bench/test_serve.py)."""

from __future__ import annotations

import json
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import levyfast as lf

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
pytest.importorskip("onnxruntime")
httpx = pytest.importorskip("httpx")
schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from levyfast.serve import ChildServer as Server  # noqa: E402
from levyfast.serve.loadtest import run_load  # noqa: E402

API_KEY = "test-key-123"
SMALL_LIMIT = 8192
MARKET = lf.Market(100.0, 0.03, 0.01)
MARKET_JSON = {"spot": 100.0, "rate": 0.03, "dividend": 0.01}
TRUE = lf.VarianceGamma(0.2, 0.3, -0.15)
CHAIN_CSV = Path(__file__).resolve().parents[1] / "examples" / "data" / "spx_20110124.csv"


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Server]]:
    """An open server (info logs) and one with an API key and a small body limit."""
    logs = tmp_path_factory.mktemp("serve")
    started = {"open": Server(logs / "open.log", "--models", "vg"),
               "auth": Server(logs / "auth.log", "--models", "vg", "--api-key", API_KEY,
                              "--max-body-bytes", str(SMALL_LIMIT), "--log-level", "warning")}
    try:
        for server in started.values():
            server.wait_ready()
        yield started
    finally:
        codes = {name: server.stop() for name, server in started.items()}
    # SIGTERM: uvicorn drains, runs the app's shutdown, then exits by the signal it caught
    assert set(codes.values()) <= {0, -signal.SIGTERM}, codes
    messages = [json.loads(line)["message"]
                for line in started["open"].log.read_text().splitlines()]
    assert messages[-3:-1] == ["service stopped", "Application shutdown complete."], messages


@pytest.fixture(scope="module")
def url(servers: dict[str, Server]) -> str:
    return servers["open"].url


@pytest.fixture(scope="module")
def cal() -> lf.Calibrator:
    return lf.Calibrator.load("vg")


def _surface(cal: lf.Calibrator, model: lf.LevyModel = TRUE,
             market: lf.Market = MARKET) -> list[list[float]]:
    prices = lf.price(model, market, cal.strikes * market.spot, cal.maturities)
    return np.asarray(prices).tolist()


def _body(cal: lf.Calibrator, **extra: object) -> dict[str, object]:
    return {"model": "vg", "surface": {"prices": _surface(cal), "market": MARKET_JSON}, **extra}


def test_health_and_models(url: str, cal: lf.Calibrator) -> None:
    assert httpx.get(url + "/health").json() == {"status": "ok", "version": lf.__version__,
                                                  "calibrators": ["vg"]}
    models = httpx.get(url + "/models").json()
    (info,) = models["calibrators"]
    assert info["name"] == "vg" and info["param_names"] == list(cal.param_names)
    np.testing.assert_array_equal(info["strikes"], cal.strikes)
    np.testing.assert_array_equal(info["maturities"], cal.maturities)
    assert info["bounds"] == {k: list(v) for k, v in cal.bounds.items()}
    assert set(info["training_metrics"]) == set(cal.param_names)
    assert all(m["r2"] > 0.99 for m in info["training_metrics"].values())
    assert set(models["models"]) == set(lf.models.MODEL_REGISTRY)
    assert "/calibrate" in httpx.get(url + "/openapi.json").json()["paths"]


def test_calibrate_neural(url: str, cal: lf.Calibrator) -> None:
    r = httpx.post(url + "/calibrate", json=_body(cal))
    assert r.status_code == 200, r.text
    assert re.fullmatch(r"app;dur=\d+\.\d+", r.headers["server-timing"])
    (fit,) = r.json()["results"]
    expected = cal.predict(np.array(_surface(cal)), MARKET)
    np.testing.assert_allclose(list(fit["params"].values()), expected, rtol=1e-6)
    np.testing.assert_allclose(list(fit["params"].values()), TRUE.to_array(), atol=5e-3)
    assert fit["trustworthy"] is True and fit["reasons"] == []
    assert fit["rmse_price"] < 0.05 and fit["rmse_iv_bp"] < 20.0
    assert r.json()["timing"]["compute_ms"] > 0.0


def test_calibrate_neural_off_grid_surface_is_regridded(url: str, cal: lf.Calibrator) -> None:
    strikes = np.linspace(75.0, 125.0, 41)
    maturities = np.array([0.05, 0.1, 0.25, 0.4, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5])
    prices = np.asarray(lf.price(TRUE, MARKET, strikes, maturities))
    body = {"model": "vg", "surface": {"prices": prices.tolist(), "strikes": strikes.tolist(),
                                       "maturities": maturities.tolist(),
                                       "market": MARKET_JSON}}
    r = httpx.post(url + "/calibrate", json=body)
    assert r.status_code == 200, r.text
    (fit,) = r.json()["results"]
    local = lf.Calibrator.load("vg").fit(prices, MARKET, strikes, maturities)
    np.testing.assert_allclose(list(fit["params"].values()), local.params_, rtol=1e-6)
    np.testing.assert_allclose(list(fit["params"].values()), TRUE.to_array(), atol=0.02)
    assert fit["rmse_price"] == pytest.approx(local.result_.cost * MARKET.spot)


@pytest.mark.parametrize("method", ["hybrid", "least_squares"])
def test_calibrate_polished(url: str, cal: lf.Calibrator, method: str) -> None:
    r = httpx.post(url + "/calibrate", json=_body(cal, method=method))
    assert r.status_code == 200, r.text
    (fit,) = r.json()["results"]
    np.testing.assert_allclose(list(fit["params"].values()), TRUE.to_array(), atol=1e-6)
    assert fit["rmse_price"] < 1e-6 and fit["trustworthy"] is True
    if method == "least_squares":
        assert fit["fit_ok"] is True and fit["identifiable"] is True
        assert set(fit["std_errors"]) == set(cal.param_names)


def test_calibrate_batch_is_one_stacked_predict(url: str, cal: lf.Calibrator) -> None:
    rng = np.random.default_rng(0)
    models = [lf.VarianceGamma(rng.uniform(0.1, 0.3), rng.uniform(0.1, 0.5),
                               rng.uniform(-0.25, -0.05)) for _ in range(8)]
    markets = [lf.Market(rng.uniform(50, 150), 0.02, 0.01) for _ in models]
    surfaces = [{"prices": _surface(cal, m, mk), "market": {"spot": mk.spot, "rate": 0.02,
                                                           "dividend": 0.01}}
                for m, mk in zip(models, markets, strict=True)]
    r = httpx.post(url + "/calibrate", json={"model": "vg", "surfaces": surfaces})
    assert r.status_code == 200, r.text
    got = np.array([list(f["params"].values()) for f in r.json()["results"]])
    stacked = np.array([s["prices"] for s in surfaces])
    np.testing.assert_allclose(got, cal.predict(stacked, markets), rtol=1e-6)
    np.testing.assert_allclose(got, [m.to_array() for m in models], atol=0.02)
    assert all(f["trustworthy"] for f in r.json()["results"])


def test_calibrate_chain(url: str) -> None:
    import pandas as pd

    frame = pd.read_csv(CHAIN_CSV)[["quote_date", "expiry", "strike", "option_type", "bid",
                                    "ask"]]
    body = {"model": "vg", "method": "neural",
            "chain": {"quotes": frame.to_dict(orient="records"), "spot": 1290.59}}
    r = httpx.post(url + "/calibrate", json=body)
    assert r.status_code == 200, r.text
    (fit,) = r.json()["results"]
    chain = lf.OptionChain(frame, spot=1290.59)
    local = lf.Calibrator.load("vg").fit(chain)
    np.testing.assert_allclose(list(fit["params"].values()), local.params_, rtol=1e-6)
    assert fit["rmse_iv_bp"] == pytest.approx(local.result_.cost * 1e4)


def test_price(url: str) -> None:
    strikes, maturities = [80.0, 100.0, 120.0], [0.25, 1.0]
    body = {"model": "vg", "params": {"sigma": 0.2, "nu": 0.3, "theta": -0.15},
            "strikes": strikes, "maturities": maturities, "market": MARKET_JSON,
            "kind": "put", "implied_vol": True}
    r = httpx.post(url + "/price", json=body)
    assert r.status_code == 200, r.text
    expected = lf.price(TRUE, MARKET, strikes, maturities, kind="put")
    np.testing.assert_allclose(r.json()["prices"], expected, rtol=1e-12)
    np.testing.assert_allclose(r.json()["implied_vols"], lf.implied_vol(
        expected, MARKET, strikes, maturities, kind="put"), rtol=1e-12)


def _surface_json(cal: lf.Calibrator) -> dict[str, object]:
    return {"prices": _surface(cal), "market": MARKET_JSON}


BAD_REQUESTS = {
    "missing market": ("/calibrate", lambda c: {"model": "vg", "surface": {
        "prices": _surface(c)}}, ["body", "surface", "market"], "Field required"),
    "negative spot": ("/calibrate", lambda c: {"model": "vg", "surface": {
        "prices": _surface(c), "market": {"spot": -1}}}, ["body", "surface", "market", "spot"],
        "greater than 0"),
    "unknown model": ("/calibrate", lambda c: {"model": "heston", "surface": _surface_json(c)},
                      ["body", "model"], "Input should be"),
    "nan quote": ("/calibrate", lambda c: {"model": "vg", "surface": {
        "prices": [[float("nan")] * 11] * 7, "market": MARKET_JSON}},
        ["body", "surface", "prices", 0, 0], "finite"),
    "wrong grid": ("/calibrate", lambda c: {"model": "vg", "surface": {
        "prices": [[1.0, 2.0], [3.0, 4.0]], "market": MARKET_JSON}},
        ["body", "surface", "prices"], "[7, 11]"),
    "off-grid batch": ("/calibrate", lambda c: {"model": "vg", "surfaces": [
        _surface_json(c), {"prices": [[1.0]], "market": MARKET_JSON}]},
        ["body", "surfaces", 1, "prices"], "grid"),
    "no calibrator": ("/calibrate", lambda c: {"model": "nig", "surface": _surface_json(c)},
                      ["body", "model"], "no neural calibrator"),
    "two inputs": ("/calibrate", lambda c: {"model": "vg", "surface": _surface_json(c),
                                            "surfaces": [_surface_json(c)]}, ["body"],
                   "exactly one of"),
    "market outside training range": ("/calibrate", lambda c: {"model": "vg", "surface": {
        "prices": _surface(c), "market": {"spot": 100, "rate": 0.5}}}, ["body"],
        "`market.rate`"),
    "unknown parameter": ("/price", lambda c: {"model": "vg", "params": {"sigma": 0.2,
                                                                         "kappa": 1.0},
                                               "strikes": [100], "maturities": [1],
                                               "market": MARKET_JSON},
                          ["body", "params", "kappa"], "no parameter 'kappa'"),
    "parameter outside domain": ("/price", lambda c: {"model": "vg", "params": {
        "sigma": 0.2, "nu": -0.3, "theta": -0.1}, "strikes": [100], "maturities": [1],
        "market": MARKET_JSON}, ["body"], "`nu`"),
    "too many fits": ("/calibrate", lambda c: {"model": "vg", "method": "least_squares",
                                               "surfaces": [_surface_json(c)] * 33},
                      ["body", "surfaces"], "at most 32"),
    "too many strikes": ("/price", lambda c: {"model": "bs", "params": {"sigma": 0.2},
                                              "strikes": [100.0] * 129, "maturities": [1],
                                              "market": MARKET_JSON},
                         ["body", "strikes"], "at most 128"),
}


@pytest.mark.parametrize("case", list(BAD_REQUESTS))
def test_422_names_the_field(url: str, cal: lf.Calibrator, case: str) -> None:
    path, make, loc, text = BAD_REQUESTS[case]
    r = httpx.post(url + path, content=json.dumps(make(cal)),
                   headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert any(d["loc"] == loc and text in d["msg"] for d in r.json()["detail"]), r.json()


def test_413_for_oversized_bodies(servers: dict[str, Server]) -> None:
    url, headers = servers["auth"].url, {"X-API-Key": API_KEY}
    big = {"model": "bs", "params": {"sigma": 0.2}, "strikes": [100.0] * 128,
           "maturities": [1.0] * 128, "market": MARKET_JSON}
    big["pad"] = "x" * SMALL_LIMIT
    r = httpx.post(url + "/price", json=big, headers=headers)
    assert r.status_code == 413 and str(SMALL_LIMIT) in r.json()["detail"][0]["msg"]
    chunked = (json.dumps(big)[i:i + 1000].encode() for i in range(0, SMALL_LIMIT + 4000, 1000))
    r = httpx.post(url + "/price", content=chunked, headers=headers)  # no Content-Length
    assert r.status_code == 413
    small = {"model": "bs", "params": {"sigma": 0.2}, "strikes": [100.0], "maturities": [1.0],
             "market": MARKET_JSON}
    assert httpx.post(url + "/price", json=small, headers=headers).status_code == 200


def test_api_key(servers: dict[str, Server], cal: lf.Calibrator) -> None:
    url = servers["auth"].url
    body = _body(cal)
    assert httpx.post(url + "/calibrate", json=body).status_code == 401
    wrong = httpx.post(url + "/calibrate", json=body, headers={"X-API-Key": "nope"})
    assert wrong.status_code == 401 and "X-API-Key" in wrong.json()["detail"]
    assert httpx.get(url + "/models").status_code == 401
    assert httpx.post(url + "/calibrate", json=body,
                      headers={"X-API-Key": API_KEY}).status_code == 200
    assert httpx.get(url + "/health").status_code == 200  # liveness probes need no key
    assert httpx.post(servers["open"].url + "/calibrate", json=body).status_code == 200


def test_metrics_and_access_log(servers: dict[str, Server], cal: lf.Calibrator) -> None:
    url = servers["open"].url
    for _ in range(3):
        httpx.post(url + "/calibrate", json=_body(cal, diagnostics=False))
    text = httpx.get(url + "/metrics").text
    count = re.search(r'levyfast_requests_total\{method="POST",route="/calibrate",'
                      r'status="200"\} (\d+)', text)
    assert count and int(float(count.group(1))) >= 3
    assert 'levyfast_request_duration_seconds_bucket{le="0.001",route="/calibrate"}' in text
    records = [json.loads(line) for line in servers["open"].log.read_text().splitlines()]
    access = [r for r in records if r["logger"] == "levyfast.serve.access"]
    assert {"route", "status", "duration_ms", "method"} <= set(access[-1])
    assert any(r["route"] == "/calibrate" and r["status"] == 200 for r in access)


@pytest.mark.parametrize("method,path", [("POST", "/calibrate"), ("POST", "/price"),
                                         ("GET", "/models"), ("GET", "/health")])
def test_no_server_errors(url: str, method: str, path: str) -> None:
    """Requests generated from the OpenAPI schema (schemathesis; valid and invalid bodies)
    never get a 5xx."""
    operation = schemathesis.openapi.from_url(url + "/openapi.json")[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=60, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def call(case: schemathesis.Case) -> None:
        response = case.call(base_url=url, timeout=60)
        case.validate_response(response, checks=[not_a_server_error])

    call()


@st.composite
def _calibrate_requests(draw: st.DrawFn) -> dict[str, object]:
    """Well-formed /calibrate bodies around the vg calibrator's domain: parameters in the
    training box widened by 20%, markets around its range, noisy prices with holes (some
    beyond what the network accepts), every method."""
    cal = lf.Calibrator.load("vg")
    params = [draw(st.floats(lo - 0.2 * (hi - lo), hi + 0.2 * (hi - lo)))
              for lo, hi in cal.bounds.values()]
    market = lf.Market(draw(st.floats(10.0, 1000.0)), draw(st.floats(-0.02, 0.08)),
                       draw(st.floats(0.0, 0.04)))
    try:
        prices = np.asarray(lf.price(lf.VarianceGamma(*params), market,
                                     cal.strikes * market.spot, cal.maturities))
    except ValueError:  # outside the model's domain: send the box centre instead
        prices = np.asarray(lf.price(TRUE, market, cal.strikes * market.spot, cal.maturities))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    prices = prices * (1.0 + draw(st.sampled_from([0.0, 1e-3, 3e-2])) *
                       rng.standard_normal(prices.shape))
    quotes: list[list[float | None]] = np.clip(prices, 0.0, None).tolist()
    for _ in range(draw(st.integers(0, 45))):
        quotes[int(rng.integers(7))][int(rng.integers(11))] = None
    return {"model": "vg", "method": draw(st.sampled_from(["neural", "hybrid",
                                                            "least_squares"])),
            "diagnostics": draw(st.booleans()),
            "surface": {"prices": quotes, "market": {"spot": market.spot, "rate": market.rate,
                                                     "dividend": market.dividend}}}


@given(body=_calibrate_requests())
@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_well_formed_calibrations_answer_200_or_a_named_422(url: str,
                                                             body: dict[str, object]) -> None:
    """Near the calibrator's domain every answer is a fit or a 422 with a message (no 5xx):
    the schema-based run above mostly exercises validation, this one the computations."""
    r = httpx.post(url + "/calibrate", content=json.dumps(body),
                   headers={"content-type": "application/json"}, timeout=60)
    assert r.status_code in (200, 422), r.text
    if r.status_code == 200:
        (fit,) = r.json()["results"]
        assert all(np.isfinite(v) for v in fit["params"].values())
    else:
        assert all(d["msg"] for d in r.json()["detail"])


def test_bounded_load(url: str, cal: lf.Calibrator, tmp_path: Path) -> None:
    """300 single and 50 batched (32 surfaces) neural /calibrate requests on loopback; the
    latencies and throughput are reported (stdout and load.json), not asserted."""
    single = run_load(url, "/calibrate", _body(cal), 300, concurrency=1)
    batch = {"model": "vg", "surfaces": [_surface_json(cal)] * 32}
    batched = run_load(url, "/calibrate", batch, 50, concurrency=2, surfaces_per_request=32)
    report = {"single": single.as_dict(), "batched_32": batched.as_dict()}
    (tmp_path / "load.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    assert single.errors == 0 and batched.errors == 0
    assert single.requests == 300 and batched.requests == 50
