"""Running the service: :func:`serve` in the foreground (the ``levyfast serve`` command) and
:class:`ChildServer` in a child process on a free loopback port (tests, benchmarks).

uvicorn handles SIGINT/SIGTERM in the foreground: it stops accepting connections, lets the
requests in flight finish (at most ``graceful_timeout`` seconds), then runs the app's
shutdown.
"""

from __future__ import annotations

import logging
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import uvicorn

from .app import Settings, create_app
from .metrics import JsonFormatter

__all__ = ["serve", "ChildServer", "configure_logging"]


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


class ChildServer:
    """``levyfast serve`` in a child process on a free loopback port (tests, benchmarks):
    a client in another process measures the server as deployed, not competing for its GIL.

    ``args`` are extra ``levyfast serve`` options; the child's stderr (JSON logs) goes to
    ``log``. :meth:`wait_ready` polls ``/health``; :meth:`stop` sends SIGTERM (graceful
    shutdown) and returns the exit status.
    """

    def __init__(self, log: Path, *args: str) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = Path(log)
        with open(self.log, "wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "levyfast.cli", "serve", "--port", str(self.port),
                 *args], stdout=subprocess.DEVNULL, stderr=err)

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"levyfast serve exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=1.0) as response:
                    if response.status == 200:
                        return
            except OSError:  # not listening yet
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"levyfast serve did not start: {self.log.read_text()[-2000:]}")

    def stop(self, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)
