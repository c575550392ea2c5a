"""Validation of neural calibrators: the ``levyfast report`` suite (out-of-sample accuracy,
robustness, Sobol sensitivity, residuals, speed; Markdown with PNG figures) and the Sobol
estimators it uses. Needs the ``calibrate`` and ``plot`` extras (ONNX Runtime, Matplotlib)."""

from __future__ import annotations

from .report import ReportConfig, write_report
from .sobol import SobolIndices, sobol_indices

__all__ = ["ReportConfig", "write_report", "SobolIndices", "sobol_indices"]
