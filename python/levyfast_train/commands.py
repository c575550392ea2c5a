"""The ``levyfast`` subcommands this package adds, found by the core CLI through the
``levyfast.commands`` entry-point group (``pyproject.toml``).

An entry point names a :class:`Subcommand`: its ``help`` is listed by ``levyfast --help``
and its ``run(argv)`` is called with the arguments after the command name. Loading one
imports only this module; a missing extra is one ``ImportError`` naming it, and TensorFlow
is imported only after the command's arguments are checked.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Subcommand", "evaluate", "pipeline", "posterior", "posterior_study", "train"]

#: What the ``[train]`` extra brings that the commands import when they run.
TRAIN_MODULES = ("tensorflow", "tensorflow_probability", "tf2onnx", "onnxruntime", "arviz")


@dataclass(frozen=True)
class Subcommand:
    """A ``levyfast <name>`` subcommand served by :mod:`levyfast_train.cli`."""

    name: str
    help: str

    def run(self, argv: Sequence[str]) -> int:
        """Exit status of ``levyfast <name> argv...``."""
        missing = [m for m in TRAIN_MODULES if importlib.util.find_spec(m) is None]
        if missing:
            raise ImportError("needs the training extra: pip install "
                              f"'levyfast[train]' (missing: {', '.join(missing)})")
        from .cli import main

        return main([self.name, *argv])


train = Subcommand("train", "train a neural calibrator and export it to ONNX (levyfast[train])")
evaluate = Subcommand("evaluate", "evaluation report of a neural calibrator on fresh surfaces "
                      "(levyfast[train])")
pipeline = Subcommand("pipeline", "end-to-end demo: data, training, ONNX, evaluation, "
                      "calibration (levyfast[train])")
posterior = Subcommand("posterior", "posterior of a model's parameters by NUTS, with "
                       "diagnostics and plots (levyfast[train])")
posterior_study = Subcommand("posterior-study", "coverage and simulation-based calibration "
                             "study of the posterior (levyfast[train])")
