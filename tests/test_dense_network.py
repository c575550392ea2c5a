"""levyfast._core.DenseNetwork (the native network of compact calibrator graphs) against a
float64 NumPy evaluation of the same layers, at widths that exercise its register blocks (64
columns), the transposed tail columns and input lengths off its 8-wide partial sums; and its
argument checks."""

from __future__ import annotations

import numpy as np
import pytest

from levyfast._core import DenseNetwork


def _reference(x, weights, biases, activations):
    h = x.astype(np.float64)
    for w, b, act in zip(weights, biases, activations, strict=True):
        z = h @ w.astype(np.float64) + b
        s = 1.0 / (1.0 + np.exp(-z))
        h = {"identity": z, "sigmoid": s, "silu": z * s}[act]
    return h


@pytest.mark.parametrize("widths", [(13, 67, 3), (296, 128, 128, 4, 5), (1, 1), (64, 64, 200)])
@pytest.mark.parametrize("last", ["identity", "sigmoid", "silu"])
def test_layers_match_a_float64_evaluation(widths, last) -> None:
    rng = np.random.default_rng(len(widths) * 100 + widths[0])
    weights = [(rng.standard_normal((a, b)) / np.sqrt(a)).astype(np.float32)
               for a, b in zip(widths[:-1], widths[1:], strict=True)]
    biases = [rng.normal(0.0, 0.5, b).astype(np.float32) for b in widths[1:]]
    activations = ["silu"] * (len(weights) - 1) + [last]
    network = DenseNetwork(weights, biases, activations)
    assert (network.n_inputs, network.n_outputs) == (widths[0], widths[-1])
    out = np.zeros(widths[-1], np.float32)
    for scale in (0.1, 1.0, 30.0):  # saturated sigmoids at the largest
        x = (scale * rng.standard_normal(widths[0])).astype(np.float32)
        network(x, out)
        want = _reference(x, weights, biases, activations)
        # float32 sums of up to 296 terms: a few units in the 7th digit of their magnitude
        np.testing.assert_allclose(out, want, rtol=2e-5, atol=2e-5 * max(1.0, scale))


def test_arguments_are_checked() -> None:
    w = np.ones((3, 2), np.float32)
    b = np.zeros(2, np.float32)
    with pytest.raises(ValueError, match="`weights` 0 must be a C-contiguous float32"):
        DenseNetwork([w.astype(np.float64)], [b], ["identity"])  # no silent rounding
    with pytest.raises(ValueError, match="a layer's inputs must be the previous layer's"):
        DenseNetwork([w, w], [b, b], ["silu", "identity"])
    with pytest.raises(ValueError, match="the bias must have n_out entries"):
        DenseNetwork([w], [np.zeros(3, np.float32)], ["identity"])
    with pytest.raises(ValueError, match="`activations` must be 'identity', 'sigmoid' or"):
        DenseNetwork([w], [b], ["relu"])
    with pytest.raises(ValueError, match="one entry per layer"):
        DenseNetwork([w], [b, b], ["identity"])
    network = DenseNetwork([w], [b], ["identity"])
    with pytest.raises(ValueError, match="`out` must be a writable C-contiguous float32"):
        network(np.ones(3, np.float32), np.zeros(2))
    with pytest.raises(ValueError, match="`x` must be a C-contiguous float32 array of n_inputs"):
        network(np.ones(4, np.float32), np.zeros(2, np.float32))
