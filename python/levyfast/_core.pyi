# Stub of the private compiled module levyfast._core (kept in sync by tests/test_core_stub.py).
import enum
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

class Method(enum.IntEnum):
    AUTO = 0
    COS = 1
    FFT = 2
    TIME_CHANGE = 3

class OptionKind(enum.IntEnum):
    CALL = 0
    PUT = 1

class Exercise(enum.IntEnum):
    EUROPEAN = 0
    AMERICAN = 1

class BarrierKind(enum.IntEnum):
    NONE = 0
    DOWN_AND_OUT = 1
    UP_AND_OUT = 2

class PIDEScheme(enum.IntEnum):
    IMEX_EULER = 0
    CNAB = 1
    BDF2 = 2

class TimeGrid(enum.IntEnum):
    AUTO = 0
    UNIFORM = 1
    QUADRATIC = 2

class COSSettings:
    n_terms: int
    truncation_width: float
    tolerance: float
    max_terms: int
    def __init__(self) -> None: ...

class FFTSettings:
    n: int
    eta: float
    alpha: float
    tolerance: float
    def __init__(self) -> None: ...

class EuropeanSettings:
    method: int
    cos: COSSettings
    fft: FFTSettings
    def __init__(self) -> None: ...

def validate_model(model_id: int, params: NDArray[np.float64]) -> None: ...
def n_params(model_id: int) -> int: ...
def char_exponent(
    model_id: int, params: NDArray[np.float64], u: NDArray[np.complex128]
) -> NDArray[np.complex128]: ...
def cumulants(model_id: int, params: NDArray[np.float64]) -> tuple[float, float, float]: ...
def cumulant_generating(
    model_id: int, params: NDArray[np.float64], s: NDArray[np.float64]
) -> NDArray[np.float64]: ...
def moment_strip(model_id: int, params: NDArray[np.float64]) -> tuple[float, float]: ...
def share_dual(model_id: int, params: NDArray[np.float64]) -> list[float] | None: ...
def levy_density(
    model_id: int, params: NDArray[np.float64], x: NDArray[np.float64]
) -> NDArray[np.float64]: ...
def validate_cos_settings(settings: COSSettings) -> None: ...
def validate_fft_settings(settings: FFTSettings) -> None: ...
def price_surface(
    model_id: int,
    params: NDArray[np.float64] | Sequence[float],
    spot: float,
    rate: float,
    dividend: float,
    strikes: NDArray[np.float64],
    maturities: NDArray[np.float64],
    kind: int,
    settings: EuropeanSettings,
) -> NDArray[np.float64]: ...
def price_surface_lean(
    model_id: object,
    params: object,
    spot: object,
    rate: object,
    dividend: object,
    strikes: object,
    maturities: object,
    kind: object,
    settings: object,
) -> NDArray[np.float64] | None: ...
def surface_plan(
    model_id: int,
    params: NDArray[np.float64],
    spot: float,
    rate: float,
    dividend: float,
    strikes: NDArray[np.float64],
    maturities: NDArray[np.float64],
    settings: EuropeanSettings,
) -> dict[str, Any]: ...
def price_batch(
    model_id: int,
    params: NDArray[np.float64],
    spot: float,
    rate: float,
    dividend: float,
    rates: NDArray[np.float64] | None,
    dividends: NDArray[np.float64] | None,
    strikes: NDArray[np.float64],
    maturities: NDArray[np.float64],
    kind: int,
    settings: EuropeanSettings,
    n_threads: int,
) -> NDArray[np.float64]: ...
def char_exponent_grad(
    model_id: int, params: NDArray[np.float64], u: NDArray[np.complex128]
) -> NDArray[np.complex128]: ...
def price_sensitivities(
    model_id: int,
    params: NDArray[np.float64],
    spot: float,
    rate: float,
    dividend: float,
    strikes: NDArray[np.float64],
    maturities: NDArray[np.float64],
    kind: int,
    settings: COSSettings,
    with_grad: bool,
    with_greeks: bool,
    directions: list[int] = ...,
    derivative_tolerance: float = ...,
) -> tuple[
    NDArray[np.float64],
    NDArray[np.float64] | None,
    tuple[NDArray[np.float64], ...] | None,
]: ...
def price_and_grad_batch(
    model_id: int,
    params: NDArray[np.float64],
    spot: float,
    rate: float,
    dividend: float,
    strikes: NDArray[np.float64],
    maturities: NDArray[np.float64],
    kind: int,
    settings: COSSettings,
    n_threads: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]: ...

class PIDESettings:
    scheme: int
    nx: int
    nt: int
    damping_steps: int
    width: float
    min_half_width: float
    tail_tolerance: float
    implicit_band: int
    time_grid: int
    richardson: bool
    def __init__(self) -> None: ...

def validate_pide_settings(settings: PIDESettings) -> None: ...
def pide_price_surface(
    model_id: int,
    params: NDArray[np.float64],
    spot: float,
    rate: float,
    dividend: float,
    strikes: NDArray[np.float64],
    maturities: NDArray[np.float64],
    kind: int,
    exercise: int,
    barrier_kind: int,
    barrier_level: float,
    barrier_monitoring: int,
    barrier_rebate: float,
    settings: PIDESettings,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]: ...

def implied_vol_surfaces(
    prices: NDArray[np.float64],
    spot: float,
    rate: float,
    dividend: float,
    strikes: NDArray[np.float64],
    maturities: NDArray[np.float64],
    theta: float,
    n_threads: int,
) -> tuple[int, NDArray[np.float64]]: ...
def black_implied_vol(
    prices: NDArray[np.float64],
    forwards: NDArray[np.float64],
    strikes: NDArray[np.float64],
    maturities: NDArray[np.float64],
    discounts: NDArray[np.float64],
    theta: float,
    n_threads: int,
    kernel: int = 0,
) -> tuple[int, NDArray[np.float64]]: ...
def iv_kernel_available(kernel: int) -> bool: ...
def instruction_set() -> tuple[str, str]: ...
def erfc_kernel(x: NDArray[np.float64], kernel: str) -> NDArray[np.float64]: ...
def scale_quotes(
    prices: NDArray[np.float64], spot: float, max_value: float, out: NDArray[np.float64]
) -> bool: ...
class CompactFeatures:
    def __init__(
        self, a: NDArray[np.float64], parity: NDArray[np.float64], fill: NDArray[np.float64],
        floor: float, center: NDArray[np.float64]
    ) -> None: ...
    @property
    def n_features(self) -> int: ...
    def __call__(
        self, x: NDArray[np.float64], rate: float, dividend: float, out: NDArray[np.float32]
    ) -> None: ...
class DenseNetwork:
    def __init__(
        self, weights: list[NDArray[np.float32]], biases: list[NDArray[np.float32]],
        activations: list[str]
    ) -> None: ...
    @property
    def n_inputs(self) -> int: ...
    @property
    def n_outputs(self) -> int: ...
    def __call__(self, x: NDArray[np.float32], out: NDArray[np.float32]) -> None: ...
