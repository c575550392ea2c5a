"""HTTP calibration service (``levyfast serve``; needs the ``serve`` extra: FastAPI, uvicorn,
prometheus_client). See :mod:`levyfast.serve.app` for the routes."""

from __future__ import annotations

from .app import DEFAULT_MAX_BODY_BYTES, Settings, create_app
from .server import ChildServer, configure_logging, serve

__all__ = ["Settings", "create_app", "serve", "ChildServer", "configure_logging",
           "DEFAULT_MAX_BODY_BYTES"]
