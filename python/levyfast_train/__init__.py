"""Training of neural calibrators for levyfast (the ``[train]`` extra).

Depends on TensorFlow and on the public ``levyfast`` API; ``levyfast`` never imports it.
Modules: ``families`` (per-family parameter boxes and the default grid), ``dataset``
(synthetic surfaces), ``architectures`` (MLP, CNN, ResNet, Transformer, ensembles),
``pipeline`` (tf.data, noise and missing-quote augmentation), ``train``, ``export`` (ONNX with
metadata, verified against TensorFlow), ``evaluate``, ``cli``, and ``commands`` (the
``levyfast`` subcommands, registered through the ``levyfast.commands`` entry-point group).
"""

from __future__ import annotations

__all__: list[str] = []
