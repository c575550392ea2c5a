"""Training of neural calibrators for levyfast (the ``[train]`` extra).

Depends on TensorFlow and on the public ``levyfast`` API; ``levyfast`` never imports it.
Modules: ``families`` (per-family parameter boxes and the default grid), ``dataset``
(synthetic surfaces), ``architectures`` (MLP, CNN, ResNet, Transformer, ensembles),
``pipeline`` (tf.data, noise and missing-quote augmentation), ``train``, ``export`` (ONNX with
metadata, verified against TensorFlow), ``evaluate`` and ``cli``.
"""

from __future__ import annotations

import os

# TensorFlow's C++ info/warning lines drown the CLI's progress; errors still show.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__all__: list[str] = []
