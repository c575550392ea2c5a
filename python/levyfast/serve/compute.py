"""What the routes compute, without HTTP: calibration and pricing of validated requests.

These functions are CPU-bound (the compiled core and ONNX Runtime release the GIL); the app
runs them in worker threads. They raise :class:`InputError` for a request the library cannot
serve and that a field can be blamed for, and let the library's own ``ValueError`` /
``TypeError`` (whose messages name the argument) through; the app turns both into 422.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ..calibration import LeastSquaresCalibrator
from ..calibrator import Calibrator
from ..implied_vol import implied_vol
from ..market import Market
from ..models import MODEL_REGISTRY, LevyModel
from ..pricers import price
from .schemas import CalibrateRequest, ChainIn, FitOut, PriceRequest, SurfaceIn

if TYPE_CHECKING:
    from ..chain import OptionChain

__all__ = ["InputError", "calibrate", "price_request", "MAX_FIT_BATCH"]

#: Most surfaces of one batched request fitted one by one (``hybrid``, ``least_squares``:
#: milliseconds to seconds each, where the network answers a whole batch in one call).
MAX_FIT_BATCH = 32

Loc = tuple[str | int, ...]


class InputError(ValueError):
    """A request the service cannot serve; ``loc`` is the path of the field to blame (as in
    Pydantic's errors, starting with ``"body"``)."""

    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(message)
        self.loc = loc


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _market(surface: SurfaceIn) -> Market:
    m = surface.market
    return Market(m.spot, m.rate, m.dividend)


def _quotes(surface: SurfaceIn) -> NDArray[np.float64]:
    return np.array(surface.prices, dtype=np.float64)  # null -> NaN (a missing quote)


def _errors(model: LevyModel, market: Market, quotes: NDArray[np.float64],
            strikes: NDArray[np.float64], maturities: NDArray[np.float64]
            ) -> tuple[float, float | None]:
    """Root-mean-square error of ``model``'s call prices over the quoted points, and the
    same in Black implied vol (basis points; over the points where both vols exist)."""
    fitted = np.asarray(price(model, market, strikes, maturities))
    ok = np.isfinite(quotes)
    rmse = float(np.sqrt(np.mean((fitted[ok] - quotes[ok]) ** 2)))
    market_iv = np.asarray(implied_vol(np.where(ok, quotes, fitted), market, strikes,
                                       maturities))
    model_iv = np.asarray(implied_vol(fitted, market, strikes, maturities))
    both = ok & np.isfinite(market_iv) & np.isfinite(model_iv)
    if not both.any():
        return rmse, None
    return rmse, float(np.sqrt(np.mean((model_iv[both] - market_iv[both]) ** 2)) * 1e4)


def _calibrator(calibrators: Mapping[str, Calibrator], name: str) -> Calibrator:
    if name not in calibrators:
        raise InputError(("body", "model"), f"no neural calibrator for `model` {name!r} is "
                         f"loaded (loaded: {sorted(calibrators)}); use method "
                         "'least_squares' or start the server with it in --models")
    return calibrators[name]


def _grid(request: CalibrateRequest, calibrators: Mapping[str, Calibrator], surface: SurfaceIn,
          loc: Loc) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The surface's absolute strikes and maturities: its own, or the model's calibrator
    grid (then ``prices`` must have its shape)."""
    if surface.strikes is not None and surface.maturities is not None:
        return np.array(surface.strikes), np.array(surface.maturities)
    if request.model not in calibrators:
        raise InputError((*loc, "strikes"), f"`strikes` and `maturities` are required: no "
                         f"neural calibrator (whose grid a surface may use) is loaded for "
                         f"{request.model!r}")
    cal = calibrators[request.model]
    shape = (len(cal.maturities), len(cal.strikes))
    got = (len(surface.prices), len(surface.prices[0]))
    if got != shape:
        raise InputError((*loc, "prices"), f"`prices` without `strikes`/`maturities` must be "
                         f"on the {request.model} calibrator's grid, shape [n_T, n_K] = "
                         f"{list(shape)} (see GET /models); got {list(got)}")
    return cal.strikes * surface.market.spot, cal.maturities.copy()


def _neural_fit(cal: Calibrator, hybrid: bool, surface: SurfaceIn, strikes: NDArray[np.float64],
                maturities: NDArray[np.float64]) -> FitOut:
    """``Calibrator.fit`` of one surface. ``fit`` stores its answer on the calibrator
    (scikit-learn style), so each request fits a shallow copy: it shares the ONNX session
    (whose ``run`` is thread-safe) and the per-thread I/O bindings, nothing else."""
    fitter = copy.copy(cal)
    fitter.hybrid = hybrid
    market, quotes = _market(surface), _quotes(surface)
    fitter.fit(quotes, market, strikes, maturities)
    rmse, iv_bp = _errors(fitter.model_, market, quotes, strikes, maturities)
    domain = fitter.result_.domain
    if domain is None:  # pragma: no cover - Calibrator.fit assesses every surface
        raise RuntimeError("Calibrator.fit returned no domain report for a surface")
    return FitOut(params=_named(cal.param_names, fitter.params_), rmse_price=rmse,
                  rmse_iv_bp=iv_bp, trustworthy=domain.trustworthy, verdict=str(domain),
                  reasons=list(domain.reasons), status=fitter.result_.status)


def _loc(batched: bool, i: int) -> Loc:
    return ("body", "surfaces", i) if batched else ("body", "surface")


def _on_grid(cal: Calibrator, surface: SurfaceIn) -> bool:
    """Whether ``surface`` is on the calibrator's grid: no strikes and maturities of its own,
    or the same ones (to 1e-9 relative)."""
    if surface.strikes is None or surface.maturities is None:
        return True
    ks, ts = np.array(surface.strikes), np.array(surface.maturities)
    grid_k = cal.strikes * surface.market.spot
    return (ks.shape == grid_k.shape and ts.shape == cal.maturities.shape
            and bool(np.all(np.abs(ks - grid_k) <= 1e-9 * grid_k))
            and bool(np.all(np.abs(ts - cal.maturities) <= 1e-9 * cal.maturities)))


def _neural_batch(cal: Calibrator, surfaces: Sequence[SurfaceIn], diagnostics: bool,
                  model: str, batched: bool) -> list[FitOut]:
    """Surfaces on the calibrator's grid through one ``Calibrator.predict`` of the stacked
    batch; with ``diagnostics``, each answer is assessed (the checks of
    ``Calibrator.assess``) and re-priced."""
    shape = (len(cal.maturities), len(cal.strikes))
    for i, s in enumerate(surfaces):
        if not _on_grid(cal, s):
            raise InputError((*_loc(batched, i), "strikes"), "batched or diagnostics-free "
                             f"neural calibration needs the surface on the {model} "
                             "calibrator's grid (see GET /models; or leave out `strikes` and "
                             "`maturities`)")
        if (len(s.prices), len(s.prices[0])) != shape:
            raise InputError((*_loc(batched, i), "prices"), f"`prices` must be on the {model} "
                             f"calibrator's grid, shape [n_T, n_K] = {list(shape)}; got "
                             f"{[len(s.prices), len(s.prices[0])]}")
    quotes = np.stack([_quotes(s) for s in surfaces])
    markets = [_market(s) for s in surfaces]
    # one Market for a batch of one: predict's I/O-binding fast path
    params = cal.predict(quotes, markets[0] if len(markets) == 1 else markets)
    if not diagnostics:
        return [FitOut(params=_named(cal.param_names, p), status="network") for p in params]
    out = []
    for x, market, p in zip(quotes, markets, params, strict=True):
        domain = cal._assess(x, market, p)
        strikes = cal.strikes * market.spot
        rmse, iv_bp = _errors(cal.family.from_array(p), market, x, strikes, cal.maturities)
        out.append(FitOut(params=_named(cal.param_names, p), rmse_price=rmse,
                          rmse_iv_bp=iv_bp, trustworthy=domain.trustworthy,
                          verdict=str(domain), reasons=list(domain.reasons),
                          status="network"))
    return out


def _least_squares(cls: type[LevyModel], target: str, data: NDArray[np.float64] | OptionChain,
                   surface: SurfaceIn | None = None, strikes: NDArray[np.float64] | None = None,
                   maturities: NDArray[np.float64] | None = None) -> FitOut:
    """:class:`LeastSquaresCalibrator` on a surface (``data`` its quotes) or a chain."""
    lsq = LeastSquaresCalibrator(cls, target=target)
    if surface is None:
        lsq.fit(data)
    else:
        lsq.fit(data, _market(surface), strikes, maturities)
    r = lsq.result_
    return FitOut(params=_named(cls.PARAM_NAMES, lsq.params_), rmse_price=r.rmse_price,
                  rmse_iv_bp=_finite_or_none(r.rmse_iv_bp),
                  trustworthy=r.fit_ok and r.identifiable, verdict=r.verdict,
                  reasons=[] if r.success and r.identifiable else [r.message],
                  status=r.message, fit_ok=r.fit_ok, identifiable=r.identifiable,
                  std_errors={n: _finite_or_none(float(e))
                              for n, e in zip(cls.PARAM_NAMES, r.std_errors, strict=True)})


def _chain(chain: ChainIn) -> OptionChain:
    import pandas as pd

    from ..chain import OptionChain

    frame = pd.DataFrame([q.model_dump(exclude_none=True) for q in chain.quotes])
    return OptionChain(frame, spot=chain.spot, rate=chain.rate, quote_date=chain.quote_date)


def _chain_fit(request: CalibrateRequest, calibrators: Mapping[str, Calibrator]) -> FitOut:
    assert request.chain is not None
    chain = _chain(request.chain)
    if request.method == "least_squares":
        return _least_squares(MODEL_REGISTRY[request.model], request.target or "iv", chain)
    fitter = copy.copy(_calibrator(calibrators, request.model))  # see _neural_fit
    fitter.hybrid = request.method == "hybrid"
    fitter.fit(chain)
    return FitOut(params=_named(fitter.param_names, fitter.params_),
                  rmse_iv_bp=fitter.result_.cost * 1e4, status=fitter.result_.status,
                  verdict="a chain's network answer is judged by its IV RMSE (rmse_iv_bp)")


def calibrate(request: CalibrateRequest, calibrators: Mapping[str, Calibrator]) -> list[FitOut]:
    """Answer a ``POST /calibrate``: one :class:`FitOut` per surface (or the chain)."""
    if request.chain is not None:
        return [_chain_fit(request, calibrators)]
    batched = request.surfaces is not None
    single = [] if request.surface is None else [request.surface]
    surfaces = request.surfaces if request.surfaces is not None else single
    if batched and request.method != "neural" and len(surfaces) > MAX_FIT_BATCH:
        raise InputError(("body", "surfaces"), f"method {request.method!r} fits surfaces one "
                         f"by one: at most {MAX_FIT_BATCH} per request; got {len(surfaces)}")
    if request.method == "neural":
        cal = _calibrator(calibrators, request.model)
        if batched or not request.diagnostics or _on_grid(cal, surfaces[0]):
            return _neural_batch(cal, surfaces, request.diagnostics, request.model, batched)
    fitter = None if request.method == "least_squares" else _calibrator(calibrators,
                                                                          request.model)
    out = []
    for i, surface in enumerate(surfaces):  # one surface off the grid (regridded), or fits
        strikes, maturities = _grid(request, calibrators, surface, _loc(batched, i))
        if fitter is None:
            out.append(_least_squares(MODEL_REGISTRY[request.model], request.target or "price",
                                      _quotes(surface), surface, strikes, maturities))
        else:
            out.append(_neural_fit(fitter, request.method == "hybrid", surface, strikes,
                                   maturities))
    return out


def _named(names: Sequence[str], values: NDArray[np.float64]) -> dict[str, float]:
    return {n: float(v) for n, v in zip(names, values, strict=True)}


def price_request(request: PriceRequest) -> tuple[NDArray[np.float64],
                                                  NDArray[np.float64] | None]:
    """Answer a ``POST /price``: prices ``[n_T, n_K]`` and, if asked, implied vols."""
    cls = MODEL_REGISTRY[request.model]
    unknown = sorted(set(request.params) - set(cls.PARAM_NAMES))
    if unknown:
        raise InputError(("body", "params", unknown[0]), f"{cls.__name__} has no parameter "
                         f"{unknown[0]!r}; its parameters are {list(cls.PARAM_NAMES)}")
    try:
        model = cls(**request.params)
    except TypeError as exc:  # a required parameter is missing
        raise InputError(("body", "params"), f"`params` of {cls.__name__} must name "
                         f"{list(cls.PARAM_NAMES)}: {exc}") from exc
    m = request.market
    market = Market(m.spot, m.rate, m.dividend)
    strikes, maturities = np.array(request.strikes), np.array(request.maturities)
    prices = np.asarray(price(model, market, strikes, maturities, kind=request.kind))
    vols = (np.asarray(implied_vol(prices, market, strikes, maturities, kind=request.kind))
            if request.implied_vol else None)
    return prices, vols
