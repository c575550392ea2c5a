"""The calibration service: a FastAPI app over the calibrators and the pricer.

Routes: ``POST /calibrate``, ``POST /price``, ``GET /models``, ``GET /health``, ``GET
/metrics`` (Prometheus text format) and FastAPI's OpenAPI schema and docs (``/openapi.json``,
``/docs``). The neural calibrators are loaded and warmed once, at start-up (the app's
lifespan); the CPU-bound work of a request runs in a worker thread (the compiled core and
ONNX Runtime release the GIL), so the event loop keeps accepting requests.

One ASGI middleware in front of the app rejects bodies over ``max_body_bytes`` with 413
(from ``Content-Length``, or counting a chunked body), times every request (``Server-Timing``
header, the latency histogram of ``/metrics``) and writes one JSON access-log record per
request. With an API key configured, every route but ``/health``, ``/metrics`` and the docs
needs it in the ``X-API-Key`` header (401 otherwise).
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from fastapi import Depends, FastAPI, HTTPException, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyHeader
from starlette.concurrency import run_in_threadpool

from .. import __version__
from ..calibrator import Calibrator, pretrained_names
from ..market import Market
from ..models import MODEL_REGISTRY
from ..pricers import price
from . import compute
from .metrics import CONTENT_TYPE_LATEST, Metrics
from .schemas import (
    CalibrateRequest,
    CalibrateResponse,
    CalibratorInfo,
    HealthResponse,
    ModelsResponse,
    PriceRequest,
    PriceResponse,
    Timing,
)

__all__ = ["Settings", "create_app", "DEFAULT_MAX_BODY_BYTES"]

#: Default request-size limit: a batch of 512 surfaces of 11 x 7 quotes is ~0.5 MB of JSON.
DEFAULT_MAX_BODY_BYTES = 2_000_000
API_KEY_HEADER = "X-API-Key"
log = logging.getLogger("levyfast.serve")
access_log = logging.getLogger("levyfast.serve.access")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class Settings:
    """Configuration of one app.

    ``models``: the pretrained neural calibrators to load (default: every shipped one);
    ``api_key``: when set, required in the ``X-API-Key`` header; ``max_body_bytes``: the
    request-size limit; ``intra_op_num_threads``: ONNX Runtime threads per predict call.
    """

    models: tuple[str, ...] = field(default_factory=pretrained_names)
    api_key: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    intra_op_num_threads: int = 1

    def __post_init__(self) -> None:
        unknown = [m for m in self.models if m not in pretrained_names()]
        if unknown:
            raise ValueError(f"`models` of the service must be among the pretrained "
                             f"calibrators {list(pretrained_names())}; got {unknown}")
        if isinstance(self.max_body_bytes, bool) or not isinstance(self.max_body_bytes, int) \
                or self.max_body_bytes < 1:
            raise ValueError(f"`max_body_bytes` must be a positive integer; got "
                             f"{self.max_body_bytes!r}")
        if self.api_key is not None and not self.api_key:
            raise ValueError("`api_key` must be a non-empty string or None")


def _load(settings: Settings) -> dict[str, Calibrator]:
    """Load each calibrator and warm it: one predict, assess and pricing of a surface priced
    at the centre of its box, so the first request pays no lazy set-up (ONNX Runtime's
    bindings, Numba's compiled checks, the COS plans)."""
    calibrators = {}
    for name in settings.models:
        cal = Calibrator.load(name, intra_op_num_threads=settings.intra_op_num_threads)
        centre = [0.5 * sum(cal.bounds[n]) if n in cal.bounds else cal.fixed_params[n]
                  for n in cal.param_names]
        rate, dividend = (0.5 * sum(json.loads(cal.metadata["market_range"])[k])
                          for k in ("rate", "dividend"))
        market = Market(100.0, rate, dividend)
        surface = np.asarray(price(cal.family.from_array(np.array(centre)), market,
                                   cal.strikes * market.spot, cal.maturities))
        cal.assess(surface, market)
        cal.predict(surface[None], [market])
        calibrators[name] = cal
        log.info("loaded calibrator", extra={"calibrator": name, "family":
                                             cal.family.__name__})
    return calibrators


def _info(name: str, cal: Calibrator) -> CalibratorInfo:
    meta = cal.metadata
    metrics = json.loads(meta.get("training_metrics", "{}"))
    return CalibratorInfo(
        name=name, family=cal.family.__name__, param_names=list(cal.param_names),
        strikes=cal.strikes.tolist(), maturities=cal.maturities.tolist(),
        bounds={k: list(v) for k, v in cal.bounds.items()},
        market_range=json.loads(meta["market_range"]),
        max_missing_fraction=cal.max_missing_fraction,
        training_metrics={k: v for k, v in metrics.items() if isinstance(v, dict)},
        levyfast_version=meta.get("levyfast_version"), digest=meta.get("digest"))


def _json(body: CalibrateResponse | PriceResponse) -> Response:
    """A response already validated by its model, serialised by Pydantic's JSON encoder
    (the route's ``response_model`` documents it; FastAPI would validate it once more)."""
    return Response(body.model_dump_json(), media_type="application/json")


def _error(status: int, loc: list[str | int], message: str, kind: str) -> JSONResponse:
    """An error in FastAPI's validation-error format: ``{"detail": [{loc, msg, type}]}``."""
    return JSONResponse({"detail": [{"loc": loc, "msg": message, "type": kind}]}, status)


class _Gate:
    """ASGI middleware: request-size limit (413), timing, metrics and the access log."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, metrics: Metrics) -> None:
        self.app = app
        self.limit = max_body_bytes
        self.metrics = metrics

    async def _too_large(self, send: Send) -> None:
        body = json.dumps({"detail": [{
            "loc": ["body"], "type": "too_large",
            "msg": f"request body exceeds the limit of {self.limit} bytes"}]}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        try:
            length = dict(scope["headers"]).get(b"content-length")
            if length is not None and (not length.isdigit() or int(length) > self.limit):
                status = 413
                await self._too_large(send)
                return
            if length is None and scope["method"] in ("POST", "PUT", "PATCH"):
                body = await self._read_limited(receive)
                if body is None:
                    status = 413
                    await self._too_large(send)
                    return
                receive = _replay(body, receive)

            async def timed_send(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    ms = (time.perf_counter() - start) * 1e3
                    message["headers"] = [*message.get("headers", []),
                                          (b"server-timing", f"app;dur={ms:.3f}".encode())]
                await send(message)

            await self.app(scope, receive, timed_send)
        finally:
            seconds = time.perf_counter() - start
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.observe(route, scope["method"], status, seconds)
            access_log.info("request", extra={
                "method": scope["method"], "path": scope["path"], "route": route,
                "status": status, "duration_ms": round(seconds * 1e3, 3),
                "client": (scope.get("client") or ("", 0))[0]})

    async def _read_limited(self, receive: Receive) -> bytes | None:
        """A chunked body, or None once it exceeds the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service as a FastAPI app (run it with uvicorn; see :func:`levyfast.serve.serve`)."""
    settings = settings or Settings()
    metrics = Metrics()
    state: dict[str, dict[str, Calibrator]] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state["calibrators"] = await run_in_threadpool(_load, settings)
        log.info("service ready", extra={"calibrators": list(state["calibrators"]),
                                         "auth": settings.api_key is not None})
        yield
        log.info("service stopped")

    app = FastAPI(title="levyfast calibration service", version=__version__,
                  lifespan=lifespan,
                  description="Calibration and pricing of exponential Lévy models. With an "
                              "API key configured, send it in the `X-API-Key` header.")
    app.add_middleware(_Gate, max_body_bytes=settings.max_body_bytes,
                       metrics=metrics)
    key_header = APIKeyHeader(name=API_KEY_HEADER, auto_error=False,
                              description="required when the server has an API key")

    async def authorise(key: str | None = Security(key_header)) -> None:
        # async: FastAPI runs a plain-def dependency in the thread pool (one more hop)
        expected = settings.api_key
        if expected is not None and (key is None or not hmac.compare_digest(
                key.encode(), expected.encode())):
            raise HTTPException(401, f"missing or wrong `{API_KEY_HEADER}` header",
                                headers={"WWW-Authenticate": API_KEY_HEADER})

    @app.exception_handler(compute.InputError)
    async def input_error(request: Request, exc: compute.InputError) -> JSONResponse:
        return _error(422, list(exc.loc), str(exc), "value_error")

    @app.exception_handler(ValueError)
    async def library_error(request: Request, exc: Exception) -> JSONResponse:
        # the library's message names the argument (DESIGN.md section 5)
        return _error(422, ["body"], str(exc), "value_error")

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
                  for e in exc.errors()]  # without the echoed input (may be huge)
        return JSONResponse({"detail": detail}, 422)

    protected = [Depends(authorise)]

    @app.post("/calibrate", response_model=CalibrateResponse, dependencies=protected,
              responses={401: {}, 413: {}})
    async def calibrate(request: CalibrateRequest) -> Response:
        """Calibrate a model to one surface, a batch of surfaces (one stacked network call)
        or an option chain; parameters, fit errors and verdicts per surface."""
        start = time.perf_counter()
        results = await run_in_threadpool(compute.calibrate, request, state["calibrators"])
        metrics.surfaces.labels(request.model, request.method).inc(len(results))
        return _json(CalibrateResponse(
            model=request.model, method=request.method, results=results,
            timing=Timing(compute_ms=(time.perf_counter() - start) * 1e3)))

    @app.post("/price", response_model=PriceResponse, dependencies=protected,
              responses={401: {}, 413: {}})
    async def price_route(request: PriceRequest) -> Response:
        """Call or put prices of a model on a strike x maturity grid, optionally with Black
        implied vols."""
        start = time.perf_counter()
        prices, vols = await run_in_threadpool(compute.price_request, request)
        return _json(PriceResponse(
            prices=prices.tolist(),
            implied_vols=None if vols is None else
            [[v if np.isfinite(v) else None for v in row] for row in vols.tolist()],
            timing=Timing(compute_ms=(time.perf_counter() - start) * 1e3)))

    @app.get("/models", response_model=ModelsResponse, dependencies=protected,
             responses={401: {}})
    async def models() -> ModelsResponse:
        """The loaded neural calibrators with their grid, box and training metrics, and the
        models least squares and pricing accept."""
        return ModelsResponse(
            calibrators=[_info(n, c) for n, c in state["calibrators"].items()],
            models=sorted(MODEL_REGISTRY), methods=["neural", "hybrid", "least_squares"])

    @app.get("/health", response_model=HealthResponse)
    async def health() -> HealthResponse:
        return HealthResponse(status="ok", version=__version__,
                              calibrators=list(state["calibrators"]))

    @app.get("/metrics", response_class=Response,
             responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
    async def prometheus() -> Response:
        """Request counts and latency histograms in the Prometheus text format."""
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return app
