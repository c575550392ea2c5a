"""Request and response bodies of the calibration service (Pydantic v2 models).

Every number in a request is finite (JSON has no NaN; a missing quote is ``null``), every
array has a bounded length (:data:`MAX_GRID`, :data:`MAX_BATCH`, :data:`MAX_QUOTES`), and the
shapes of a surface are checked against each other, so a malformed request is a 422 whose
``detail[].loc`` names the field. What only the library can judge (parameters outside a
model's domain, quotes with static arbitrage, a surface off a calibrator's grid) is a 422
from the route with the library's message, which names the argument.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "MAX_GRID", "MAX_BATCH", "MAX_QUOTES", "MODEL_NAMES", "MarketIn", "SurfaceIn", "QuoteRow",
    "ChainIn", "CalibrateRequest", "FitOut", "CalibrateResponse", "PriceRequest",
    "PriceResponse", "CalibratorInfo", "ModelsResponse", "HealthResponse", "Timing",
]

#: Most strikes or maturities of one surface (and rows / columns of its prices).
MAX_GRID = 128
#: Most surfaces in one batched /calibrate request.
MAX_BATCH = 512
#: Most quote rows of one option chain.
MAX_QUOTES = 5000
#: The model names the service accepts (``levyfast.models.MODEL_REGISTRY``).
MODEL_NAMES = ("bs", "vg", "cgmy", "nig", "merton", "kou")
ModelName = Literal["bs", "vg", "cgmy", "nig", "merton", "kou"]

Finite = Annotated[float, Field(allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Quote = Annotated[float | None, Field(ge=0.0, allow_inf_nan=False)]
_STRICT = ConfigDict(extra="forbid")


class MarketIn(BaseModel):
    """Flat market: spot, continuously compounded rate and dividend yield."""

    model_config = _STRICT
    spot: Positive
    rate: Annotated[float, Field(ge=-1.0, le=1.0, allow_inf_nan=False)] = 0.0
    dividend: Annotated[float, Field(ge=-1.0, le=1.0, allow_inf_nan=False)] = 0.0


class SurfaceIn(BaseModel):
    """Call prices ``[n_T][n_K]`` (``null`` = missing quote) with their market.

    ``strikes`` (absolute) and ``maturities`` (years) may be left out when the model has a
    loaded neural calibrator: the surface is then on its grid (``strikes = grid K/S0 x spot``).
    """

    model_config = _STRICT
    prices: Annotated[list[Annotated[list[Quote], Field(min_length=1, max_length=MAX_GRID)]],
                      Field(min_length=1, max_length=MAX_GRID)]
    strikes: Annotated[list[Positive], Field(min_length=1, max_length=MAX_GRID)] | None = None
    maturities: Annotated[list[Positive], Field(min_length=1,
                                                max_length=MAX_GRID)] | None = None
    market: MarketIn

    @model_validator(mode="after")
    def _shapes(self) -> SurfaceIn:
        widths = {len(row) for row in self.prices}
        if len(widths) != 1:
            raise ValueError(f"`prices` must be a rectangular [n_T][n_K] array; its rows have "
                             f"{sorted(widths)} entries")
        if (self.strikes is None) != (self.maturities is None):
            raise ValueError("`strikes` and `maturities` go together: give both or neither")
        if self.strikes is not None and self.maturities is not None:
            shape = (len(self.maturities), len(self.strikes))
            got = (len(self.prices), widths.pop())
            if got != shape:
                raise ValueError(f"`prices` must have shape [len(maturities), len(strikes)] = "
                                 f"{list(shape)}; got {list(got)}")
        return self


class QuoteRow(BaseModel):
    """One quote of an option chain (the columns of ``levyfast.OptionChain``)."""

    model_config = _STRICT
    strike: Positive
    option_type: Literal["call", "put", "C", "P", "c", "p"]
    quote_date: Annotated[str, Field(max_length=40)] | None = None
    expiry: Annotated[str, Field(max_length=40)] | None = None
    T: Positive | None = None
    bid: NonNegative | None = None
    ask: NonNegative | None = None
    mid: NonNegative | None = None
    settlement: NonNegative | None = None


class ChainIn(BaseModel):
    """An option chain: quote rows, optionally the spot, a known flat rate, the quote date."""

    model_config = _STRICT
    quotes: Annotated[list[QuoteRow], Field(min_length=1, max_length=MAX_QUOTES)]
    spot: Positive | None = None
    rate: Annotated[float, Field(ge=-1.0, le=1.0, allow_inf_nan=False)] | None = None
    quote_date: Annotated[str, Field(max_length=40)] | None = None


class CalibrateRequest(BaseModel):
    """Calibrate ``model`` to exactly one of ``surface``, ``surfaces`` (a batch) or ``chain``.

    ``method``: ``neural`` (the shipped ONNX network), ``hybrid`` (the network's answer
    polished by least squares) or ``least_squares``. ``target`` (least squares): residuals in
    ``price`` or implied vol (``iv``; the default for a chain). ``diagnostics=false`` skips the
    re-pricing checks of a neural answer (parameters only).
    """

    model_config = _STRICT
    model: ModelName
    method: Literal["neural", "hybrid", "least_squares"] = "neural"
    surface: SurfaceIn | None = None
    surfaces: Annotated[list[SurfaceIn], Field(min_length=1, max_length=MAX_BATCH)] | None = None
    chain: ChainIn | None = None
    target: Literal["price", "iv"] | None = None
    diagnostics: bool = True

    @model_validator(mode="after")
    def _one_input(self) -> CalibrateRequest:
        given = [name for name in ("surface", "surfaces", "chain")
                 if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of `surface`, `surfaces` or `chain`; got "
                             f"{given or 'none'}")
        return self


class FitOut(BaseModel):
    """One calibrated surface or chain.

    ``rmse_price``: root-mean-square error of the fitted model's prices over the quotes
    (price units); ``rmse_iv_bp``: the same in Black implied vol, basis points (null where not
    available). ``trustworthy``: the domain report of the network's answer
    (``Calibrator.assess``; for ``hybrid``, of the answer the polish started from) or, for
    least squares, ``fit_ok and identifiable``; ``verdict`` says why, ``reasons`` lists each
    failed check. ``fit_ok``, ``identifiable`` and ``std_errors`` come from least
    squares (null for the network).
    """

    params: dict[str, float]
    rmse_price: float | None = None
    rmse_iv_bp: float | None = None
    trustworthy: bool | None = None
    verdict: str | None = None
    reasons: list[str] = []
    status: str
    fit_ok: bool | None = None
    identifiable: bool | None = None
    std_errors: dict[str, float | None] | None = None


class Timing(BaseModel):
    """Server-side time of the route's computation (ms); the whole request's server time is
    in the ``Server-Timing`` response header."""

    compute_ms: float


class CalibrateResponse(BaseModel):
    model: str
    method: str
    results: list[FitOut]
    timing: Timing


class PriceRequest(BaseModel):
    """Price calls or puts of ``model`` with ``params`` (by name) on a strike x maturity grid."""

    model_config = _STRICT
    model: ModelName
    params: Annotated[dict[Annotated[str, Field(max_length=16)], Finite], Field(max_length=8)]
    strikes: Annotated[list[Positive], Field(min_length=1, max_length=MAX_GRID)]
    maturities: Annotated[list[Positive], Field(min_length=1, max_length=MAX_GRID)]
    market: MarketIn
    kind: Literal["call", "put"] = "call"
    implied_vol: bool = False


class PriceResponse(BaseModel):
    """Prices ``[n_T][n_K]`` and, if asked, Black implied vols (null where none exists)."""

    prices: list[list[float]]
    implied_vols: list[list[float | None]] | None = None
    timing: Timing


class CalibratorInfo(BaseModel):
    """A loaded neural calibrator: its grid (strikes as K/S0, maturities in years), parameter
    box, market range, and the training metrics recorded in the file."""

    name: str
    family: str
    param_names: list[str]
    strikes: list[float]
    maturities: list[float]
    bounds: dict[str, list[float]]
    market_range: dict[str, list[float]]
    max_missing_fraction: float
    training_metrics: dict[str, dict[str, float]]
    levyfast_version: str | None
    digest: str | None


class ModelsResponse(BaseModel):
    calibrators: list[CalibratorInfo]
    models: list[str]
    methods: list[str]


class HealthResponse(BaseModel):
    status: Literal["ok"]
    version: str
    calibrators: list[str]
