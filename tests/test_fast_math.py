"""The core's vectorised erfc kernels (cpp/include/levyfast/fast_math.hpp) against SciPy's erfc:
the relative kernel (Black-Scholes, Merton and the time change below the default tolerance), the
absolute one of Merton's series and the coarse one of the time change's sums at the default
tolerance."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import erfc

from levyfast import _core

#: The real line to past the kernels' clamp at 26, densely near 0, and signed zeros / infinities.
X = np.concatenate([np.linspace(-30.0, 30.0, 60_001), np.linspace(-6.0, 6.0, 60_001),
                    [0.0, -0.0, 1e-300, -1e-300, np.inf, -np.inf]])


def test_accurate_kernel_is_relatively_accurate() -> None:
    got, ref = _core.erfc_kernel(X, "accurate"), erfc(X)
    normal = ref > 1e-290
    assert np.max(np.abs(got[normal] - ref[normal]) / ref[normal]) < 1e-13
    assert np.max(np.abs(got - ref)) < 5e-14


@pytest.mark.parametrize(("kernel", "bound"), [("fast", 3e-13), ("coarse", 1e-10)])
def test_absolute_kernels(kernel: str, bound: float) -> None:
    got, ref = _core.erfc_kernel(X, kernel), erfc(X)
    assert np.all(np.isfinite(got))
    assert np.max(np.abs(got - ref)) < bound
    # erfc(-x) = 2 - erfc(x), and the values stay inside [0, 2].
    assert np.all((got >= 0.0) & (got <= 2.0))
    np.testing.assert_allclose(_core.erfc_kernel(-X, kernel), 2.0 - got, rtol=0, atol=1e-15)


def test_unknown_kernel_is_refused() -> None:
    with pytest.raises(ValueError, match="`kernel` of erfc_kernel must be"):
        _core.erfc_kernel(X, "exact")
