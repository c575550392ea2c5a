"""Prometheus metrics and structured (JSON) logs of the service.

Each app owns its :class:`prometheus_client.CollectorRegistry` (no module-level state, so
two apps in one process, as in the tests, count separately). ``/metrics`` serves it in the
Prometheus text exposition format (version 0.0.4).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["Metrics", "JsonFormatter", "CONTENT_TYPE_LATEST", "LATENCY_BUCKETS"]

#: Upper bounds (seconds) of the latency histogram: 100 us to 10 s, roughly x2.5 apart.
LATENCY_BUCKETS = (1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25,
                   0.5, 1.0, 2.5, 10.0)


class Metrics:
    """Request counts (by route, HTTP method and status) and server-side latency histograms
    (by route), plus surfaces calibrated by model and method."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("levyfast_requests", "HTTP requests answered",
                                ("route", "method", "status"), registry=self.registry)
        self.latency = Histogram("levyfast_request_duration_seconds",
                                 "Server-side time from request to response start",
                                 ("route",), buckets=LATENCY_BUCKETS, registry=self.registry)
        self.surfaces = Counter("levyfast_calibrated_surfaces",
                                "Surfaces and chains calibrated", ("model", "method"),
                                registry=self.registry)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def exposition(self) -> bytes:
        """The registry in the Prometheus text format."""
        return generate_latest(self.registry)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ``time`` (UTC, ISO 8601), ``level``, ``logger``,
    ``message`` and the record's ``extra`` fields (those not on every LogRecord)."""

    _STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
        "message", "asctime", "taskName", "color_message"}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in self._STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
