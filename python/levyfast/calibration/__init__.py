"""Calibrators of Lévy models to quoted surfaces (scikit-learn contract, DESIGN.md §9)."""

from .least_squares import CalibrationResult, LeastSquaresCalibrator

__all__ = ["LeastSquaresCalibrator", "CalibrationResult"]
