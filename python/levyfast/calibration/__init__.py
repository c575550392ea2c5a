"""Calibrators of Lévy models to quoted surfaces and option chains (scikit-learn contract,
DESIGN.md §9); :func:`calibrate_chains` fits many chains, optionally on a Dask cluster."""

from .batch import calibrate_chains
from .least_squares import CalibrationResult, LeastSquaresCalibrator

__all__ = ["LeastSquaresCalibrator", "CalibrationResult", "calibrate_chains"]
