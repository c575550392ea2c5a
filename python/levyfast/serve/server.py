"""Running the service: :func:`serve` in the foreground (the ``levyfast serve`` command) and
:func:`background` in a thread of this process (tests, benchmarks, notebooks).

uvicorn handles SIGINT/SIGTERM in the foreground: it stops accepting connections, lets the
requests in flight finish (at most ``graceful_timeout`` seconds), then runs the app's
shutdown.
"""

from __future__ import annotations

import logging
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from .app import Settings, create_app
from .metrics import JsonFormatter

__all__ = ["serve", "background", "configure_logging"]


def configure_logging(level: str = "info") -> None:
    """JSON records on stderr for levyfast's and uvicorn's loggers (one object per line)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    for name in ("levyfast", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level.upper())
        logger.propagate = False


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000, *,
          log_level: str = "info", graceful_timeout: float = 10.0) -> None:
    """Run the service until SIGINT/SIGTERM, logging JSON records to stderr."""
    configure_logging(log_level)
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None,
                access_log=False, log_level=log_level,
                timeout_graceful_shutdown=int(graceful_timeout))


@contextmanager
def background(settings: Settings, host: str = "127.0.0.1",
               start_timeout: float = 120.0) -> Iterator[str]:
    """Run the service in a daemon thread on a free port of ``host``; yields its base URL
    (``http://host:port``) once it has started, and stops it on exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(settings), log_config=None, access_log=False,
                            lifespan="on", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name=f"levyfast-serve-{port}")
    thread.start()
    deadline = time.monotonic() + start_timeout
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the levyfast service did not start on {host}:{port}")
            time.sleep(0.02)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30.0)
        sock.close()
