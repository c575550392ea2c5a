"""A bounded loopback load generator for the service (tests and ``bench/``): a fixed number
of POSTs of one pre-encoded body from a few client threads, each with its own keep-alive
connection; latencies end to end (client clock) and server-side (the ``Server-Timing``
header), throughput in requests and surfaces per second."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

import httpx
import numpy as np

__all__ = ["LoadResult", "run_load"]


@dataclass(frozen=True)
class LoadResult:
    """Latency percentiles in milliseconds; ``errors``: responses other than 200."""

    requests: int
    surfaces_per_request: int
    concurrency: int
    seconds: float
    requests_per_s: float
    surfaces_per_s: float
    p50_ms: float
    p99_ms: float
    server_p50_ms: float
    server_p99_ms: float
    errors: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _server_ms(response: httpx.Response) -> float:
    """The ``app;dur=<ms>`` entry of the Server-Timing header (NaN without one)."""
    for entry in response.headers.get("server-timing", "").split(","):
        name, _, value = entry.strip().partition(";dur=")
        if name == "app" and value:
            return float(value)
    return float("nan")


def run_load(url: str, path: str, body: dict[str, Any], n: int, *, concurrency: int = 1,
             surfaces_per_request: int = 1, headers: dict[str, str] | None = None,
             warmup: int = 10, timeout: float = 60.0) -> LoadResult:
    """POST ``body`` to ``url + path`` ``n`` times from ``concurrency`` threads (after
    ``warmup`` unrecorded requests per thread) and summarise the latencies."""
    if n < 1 or concurrency < 1:
        raise ValueError(f"`n` and `concurrency` must be >= 1; got {n}, {concurrency}")
    content = json.dumps(body).encode()
    send_headers = {"content-type": "application/json", **(headers or {})}
    nodelay = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
    shares = [n // concurrency + (i < n % concurrency) for i in range(concurrency)]
    total = np.full(n, np.nan)
    server = np.full(n, np.nan)
    errors = [0] * concurrency
    barrier = threading.Barrier(concurrency + 1)

    def worker(index: int, first: int, count: int) -> None:
        transport = httpx.HTTPTransport(socket_options=nodelay)
        with httpx.Client(base_url=url, transport=transport, timeout=timeout) as client:
            for _ in range(warmup):
                client.post(path, content=content, headers=send_headers)
            barrier.wait()
            for k in range(first, first + count):
                start = time.perf_counter()
                response = client.post(path, content=content, headers=send_headers)
                total[k] = time.perf_counter() - start
                server[k] = _server_ms(response)
                errors[index] += response.status_code != 200

    starts = np.concatenate([[0], np.cumsum(shares)[:-1]])
    threads = [threading.Thread(target=worker, args=(i, int(starts[i]), shares[i]))
               for i in range(concurrency)]
    for t in threads:
        t.start()
    barrier.wait()
    begin = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - begin
    return LoadResult(
        requests=n, surfaces_per_request=surfaces_per_request, concurrency=concurrency,
        seconds=seconds, requests_per_s=n / seconds,
        surfaces_per_s=n * surfaces_per_request / seconds,
        p50_ms=float(np.median(total) * 1e3), p99_ms=float(np.quantile(total, 0.99) * 1e3),
        server_p50_ms=float(np.nanmedian(server)),
        server_p99_ms=float(np.nanquantile(server, 0.99)), errors=sum(errors))
