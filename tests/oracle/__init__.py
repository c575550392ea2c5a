"""Independent, slow-but-right test oracle for levyfast (DESIGN.md §7).

Nothing here imports levyfast: models are used only through their public ``char_exponent``,
``convexity_correction``, ``cumulants`` and ``levy_density`` (and, for the model-specific
checks, their parameter fields), so the oracle checks the package rather than repeating it.

* :func:`bs_price`, :func:`black_forward_price` — closed-form Black–Scholes–Merton / Black.
* :func:`lewis_price` — Lewis (2001) Fourier inversion with certified QUADPACK quadrature.
* :func:`lewis_contour_price` — the same formula on another contour ``Im z = v`` (a second,
  independent quadrature for models without a series or mixture form).
* :func:`lewis_price_grad` — its parameter derivatives, by quadrature of the differentiated
  integrand.
* :func:`mixture_price` — VG and NIG as Black prices averaged over their subordinator.
* :func:`merton_series_price` — Merton (1976) Poisson series.
* :func:`bermudan_put_cos`, :func:`american_put_cos` — Bermudan COS (Fang & Oosterlee 2009)
  and its Richardson extrapolation to the American put.
* :func:`quantlib_vg_price`, :func:`quantlib_merton_price` — QuantLib engines (lazy import).
* :func:`levy_khintchine_exponent` — exponent rebuilt from the Lévy density.
* :func:`load_references` — published values in ``tests/reference/*.json``.
"""

from ._quad import OracleAccuracyError
from .bermudan_cos import american_put_cos, bermudan_put_cos
from .black_scholes import black_forward_price, bs_price
from .levy_khintchine import levy_khintchine_exponent
from .lewis import lewis_integral, lewis_price
from .lewis_contour import lewis_contour_price
from .lewis_grad import lewis_price_grad
from .merton_series import merton_series_price
from .mixture import mixture_price, nig_mixture_price, vg_mixture_price
from .quantlib_engines import maturity_days, quantlib_merton_price, quantlib_vg_price
from .references import REFERENCE_DIR, load_references

__all__ = [
    "OracleAccuracyError",
    "REFERENCE_DIR",
    "american_put_cos",
    "bermudan_put_cos",
    "black_forward_price",
    "bs_price",
    "levy_khintchine_exponent",
    "lewis_contour_price",
    "lewis_integral",
    "lewis_price",
    "lewis_price_grad",
    "load_references",
    "maturity_days",
    "merton_series_price",
    "mixture_price",
    "nig_mixture_price",
    "quantlib_merton_price",
    "quantlib_vg_price",
    "vg_mixture_price",
]
