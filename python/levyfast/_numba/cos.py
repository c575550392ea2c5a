"""The COS kernel (Fang & Oosterlee 2008, SIAM J. Sci. Comput. 31(2)) for any exponent.

Convention (as ``levyfast.models.base``): ``ln S_T = ln F_T + X_T``, ``F_T = S0 e^{(r-q)T}``,
``E[e^{iuX_T}] = e^{T psi(u)}``, ``psi(u) = psi_raw(u) + i u omega``, ``omega = -psi_raw(-i)``.

Prices
------
Puts come from the cosine expansion of the density of ``X_T`` on ``[a, b]`` (W = b - a,
``u_n = n pi / W``, ``R_n = Re[phi_T(u_n) e^{-i u_n a}]``) with the put payoff coefficients
(Fang & Oosterlee eqs. 22-23); in units of ``F`` and with ``kappa = K/F``, ``k = ln kappa``,
``t_n = u_n (k - a)``:

    P/F = (2/W) [ (kappa (k - a) - kappa + e^a)/2
                  + sum_{n>=1} R_n (kappa (sin t_n / u_n - cos t_n) + e^a) / (1 + u_n^2) ].

Calls follow by put–call parity ``C = P + D (F - K)``. Strikes with ``k <= a`` (``k >= b``) get
the put value of the truncated density, 0 (``kappa - 1``).

Truncation range (tolerance ``eps`` as a fraction of spot): the expansion integrates the
density against the put payoff's even periodic extension on ``[a, b]``, which lies in
``[0, K]`` and is zero on ``(b, 2b - k_max)`` (``k_max = ln(K_max/F)``), so the error from
mass outside is at most ``K P(X_T < a) + K P(X_T > 2b - k_max)``; each probability is kept
below ``eps S0 / (4 max(K, F))`` by Chernoff bounds with the cumulant generating function
``k(s) = ln E[e^{s X_1}] = Re psi(-i s)``:

    P(X_T < a) <= exp(T k(s) - s a)          (s < 0),
    P(X_T > c) <= exp(T k(s) - s c)          (s > 0),

each minimised over a geometric grid of ``s`` inside the moment strip ``(-s_minus, s_plus)``,
and ``b`` is the midpoint of the right end ``c`` found this way and ``k_max``, raised where
needed to keep every kink inside (``b >= k_max + W/100``).
Built-in models know their strip; for a user model it is *estimated* by walking ``s``
outwards from 0 (left) and from 1 (right) and stopping at the first point where
``psi_raw(-i s)`` is non-finite, not real (|Im| > 1e-9 (1 + |Re|)) or breaks the convexity of
``k`` (continuing from its zeros ``k(0) = k(1) = 0``): all three happen when a formula is
continued past a singularity of the moment generating function. A tail without exponential
moments beyond 0 (left) or 1 (right) falls back to Fang & Oosterlee's cumulant range
``c1 T -+ 12 sqrt(c2 T + sqrt(c4 T))``. The range always contains ``mean +- sd``.

Number of terms: the smallest ``N`` with ``(2 K_max / pi) int_{u_N}^inf |phi_T(u)| / u^2 du
< eps S0 / 2`` (the series tail, ``|V_n| ~ 2 K / (W u_n^2)``), the integral bounded on a
quarter-octave grid of ``u`` from the top. With the automatic ``N``, maturities share one grid
``u_n = n pi / W_max`` (each range widened about its centre, its ``N`` scaled to keep
``u_N``), so ``psi`` is evaluated once per surface.

Cumulants (for the mean/sd guard and the fixed ``truncation_width`` override) come from the
model, or, where it gives none (NaN), from central differences of ``psi_raw`` on the real
axis (:func:`estimate_cumulants`).

Status codes (per surface/row): :data:`OK`, :data:`TOO_MANY_TERMS` (tolerance needs more
than ``max_terms``), :data:`NONFINITE` (the exponent or a price is NaN/inf),
:data:`BAD_CUMULANTS` (c2 <= 0 or non-finite); the second value returned is the maturity index.
"""

from __future__ import annotations

import cmath
import math

import numpy as np
from numba import prange, types

from .jit import CUMULANTS, EXPONENT, PARAMS, STRIP, jit

__all__ = [
    "OK",
    "TOO_MANY_TERMS",
    "NONFINITE",
    "BAD_CUMULANTS",
    "FALLBACK_WIDTH",
    "convexity_correction",
    "estimate_cumulants",
    "model_cumulants",
    "exponent_values",
    "exponent_rows",
    "cos_surface",
    "cos_batch",
    "cos_surface_grad",
]

OK = 0
TOO_MANY_TERMS = 1
NONFINITE = 2
BAD_CUMULANTS = 3

#: L of the cumulant range used for a tail without exponential moments.
FALLBACK_WIDTH = 12.0
_CHERNOFF_POINTS = 24
_S_LOW = 1e-2
_S_HIGH = 2e3
_DECAY_PER_OCTAVE = 4
_DECAY_POINTS = 40 * _DECAY_PER_OCTAVE  # u_j = _U0 * 2^(j/4)
_U0 = 0.25
_MIN_TERMS = 16
_RESYNC = 64  # exact cos/sin every _RESYNC terms of the rotation recurrence
_EXP_UNDERFLOW = -745.0
_PI = math.pi

_STATUS = types.UniTuple(types.int64, 2)
_VEC = types.float64[::1]


@jit(types.float64(EXPONENT, PARAMS))
def convexity_correction(exponent, p):
    """omega = -Re psi_raw(-i), making exp(X_t) a martingale."""
    return -exponent(-1j, p).real


@jit(types.UniTuple(types.float64, 3)(EXPONENT, PARAMS))
def estimate_cumulants(exponent, p):
    """Raw (c1, c2, c4) per unit time from psi_raw on the real axis.

    With ``psi_raw(h) = i c1 h - c2 h^2/2 - i c3 h^3/6 + c4 h^4/24 - ...``, Richardson's
    combination of ``h`` and ``2h`` gives ``c4 = 2 (Re psi(2h) - 4 Re psi(h)) / h^4``,
    ``c2 = -2 (Re psi(h) - c4 h^4/24) / h^2``, ``c1 = (8 Im psi(h) - Im psi(2h)) / (6 h)``,
    with ``h = 0.02 / sd`` from a first estimate of ``c2`` at ``h0 = 1e-3``. Accurate to
    about 1e-3 relative: enough for truncation ranges, not a substitute for exact cumulants.
    """
    h0 = 1e-3
    c2_0 = -2.0 * exponent(complex(h0, 0.0), p).real / (h0 * h0)
    if not (c2_0 > 0.0 and math.isfinite(c2_0)):
        return math.nan, math.nan, math.nan
    h = 0.02 / math.sqrt(c2_0)
    z1 = exponent(complex(h, 0.0), p)
    z2 = exponent(complex(2.0 * h, 0.0), p)
    h2 = h * h
    c4 = 2.0 * (z2.real - 4.0 * z1.real) / (h2 * h2)
    c2 = -2.0 * (z1.real - c4 * h2 * h2 / 24.0) / h2
    c1 = (8.0 * z1.imag - z2.imag) / (6.0 * h)
    return c1, c2, max(c4, 0.0)


@jit(types.UniTuple(types.float64, 3)(EXPONENT, CUMULANTS, PARAMS))
def model_cumulants(exponent, cumulants, p):
    """(c1, c2, c4) of the martingale-normalised X per unit time (estimated if not given)."""
    c1, c2, c4 = cumulants(p)
    if not (math.isfinite(c1) and math.isfinite(c2) and math.isfinite(c4)):
        c1, c2, c4 = estimate_cumulants(exponent, p)
    return c1 + convexity_correction(exponent, p), c2, c4


@jit(types.void(EXPONENT, PARAMS, types.complex128[::1], types.complex128[::1]))
def exponent_values(exponent, p, u, out):
    """out[j] = psi_raw(u[j]) (the Python model layer evaluates user exponents through it)."""
    for j in range(u.size):
        out[j] = exponent(u[j], p)


@jit(types.void(EXPONENT, types.float64[:, ::1], types.complex128, types.complex128[::1]))
def exponent_rows(exponent, params, u, out):
    """out[r] = psi_raw(u, params[r]) (validates batch rows: psi_raw(-i) must be finite)."""
    for r in range(params.shape[0]):
        out[r] = exponent(u, params[r])


@jit
def _cgf_walk(exponent, p, omega, origin, direction, limit, check, s_out, k_out):
    """k(s) = Re psi(-i s) = ln E[exp(s X_1)] at s = origin + direction * x, x geometric from
    about 1e-2 towards ``limit`` (the strip's distance from ``origin``; NaN if unknown, then
    up to 2e3). Returns how many leading points are valid: finite and, with ``check``, real
    and continuing the convexity of k from its zeros k(0) = k(1) = 0 (the chord slope 0)."""
    known = not math.isnan(limit)
    hi = min(0.98 * limit, _S_HIGH) if known else _S_HIGH
    if not hi > 0.0:
        return 0
    lo = min(_S_LOW, 0.5 * hi)
    ratio = (hi / lo) ** (1.0 / (_CHERNOFF_POINTS - 1))
    s_prev, k_prev, slope_prev = origin, 0.0, 0.0
    n = 0
    for j in range(_CHERNOFF_POINTS):
        s = origin + direction * lo * ratio**j
        z = exponent(complex(0.0, -s), p)
        k = z.real + s * omega
        if not math.isfinite(k):
            break
        if check:
            if not abs(z.imag) <= 1e-9 * (1.0 + abs(z.real)):
                break
            slope = (k - k_prev) / (s - s_prev)
            if direction * slope < direction * slope_prev - 1e-9 * (1.0 + abs(slope_prev)):
                break
            s_prev, k_prev, slope_prev = s, k, slope
        s_out[n] = s
        k_out[n] = k
        n += 1
    return n


@jit
def _decay_table(exponent, p, t_min, re_out):
    """re_out[j] = Re psi(u_j) = Re psi_raw(u_j), u_j = U0 2^(j/4), up to the first u_j where
    |phi_T| underflows for every T >= t_min (-inf beyond); False if one is NaN or +inf."""
    for j in range(_DECAY_POINTS):
        r = exponent(complex(_decay_u(j), 0.0), p).real
        if math.isnan(r) or r == math.inf:
            return False
        re_out[j] = r
        if t_min * r < _EXP_UNDERFLOW:
            re_out[j:] = -math.inf
            break
    return True


@jit
def _decay_u(j):
    return _U0 * 2.0 ** (j / _DECAY_PER_OCTAVE)


@jit
def _terms(T, width, strike_scale, abs_tol, re_psi, max_terms):
    """Smallest N whose series-tail estimate is below abs_tol (max_terms + 1 if none).

    |phi_T| is non-increasing in u, so the cell [u_j, u_j+1] adds at most
    |phi_T(u_j)| (1/u_j - 1/u_j+1) to int |phi_T(u)| / u^2 du, the top |phi_T(u_top)| / u_top.
    """
    scale = 2.0 * strike_scale / _PI
    top = _DECAY_POINTS - 1
    u_top = _decay_u(top)
    tail = math.exp(T * re_psi[top]) / u_top
    if not scale * tail < abs_tol:
        return max_terms + 1
    budget = abs_tol / scale
    u_star = _U0
    for j in range(top - 1, -1, -1):
        u, u_next = _decay_u(j), _decay_u(j + 1)
        phi = math.exp(T * re_psi[j])
        cell = phi * (1.0 / u - 1.0 / u_next)
        if tail + cell >= budget:
            # Inside [u, u_next] the part above u* adds at most phi (1/u* - 1/u_next): the
            # smallest u* within half the budget left (as the C++ planner, COSPlanner::terms).
            inv = 0.5 * (budget - tail) / phi + 1.0 / u_next
            u_star = min(u_next, max(u, 1.0 / inv))
            break
        tail += cell
    n = math.ceil(u_star * width / _PI) + 1.0
    if n > max_terms:
        return max_terms + 1
    return max(_MIN_TERMS, int(n))


@jit
def _plan(exponent, cumulants, strip, p, spot, rate, dividend, strikes, maturities,
          tolerance, n_terms, width_l, max_terms, a_out, w_out, n_out):
    """Range [a_i, a_i + w_i] and number of terms n_i per maturity; returns (status, index)."""
    omega = convexity_correction(exponent, p)
    if not math.isfinite(omega):
        return NONFINITE, 0
    c1, c2, c4 = model_cumulants(exponent, cumulants, p)
    if not (c2 > 0.0 and math.isfinite(c1) and math.isfinite(c2) and math.isfinite(c4)):
        return BAD_CUMULANTS, 0
    # Chernoff tables: s < 0 (left tail), 0 < s < 1 (right tail), s > 1 (right tail x e^x).
    s_tab = np.empty((3, _CHERNOFF_POINTS))
    k_tab = np.empty((3, _CHERNOFF_POINTS))
    n_tab = np.zeros(3, dtype=np.int64)
    if width_l <= 0.0:
        s_minus, s_plus = strip(p)
        known = not (math.isnan(s_minus) or math.isnan(s_plus))
        n_tab[0] = _cgf_walk(exponent, p, omega, 0.0, -1.0, s_minus, not known, s_tab[0], k_tab[0])
        n_tab[1] = _cgf_walk(exponent, p, omega, 0.0, 1.0, 1.0, False, s_tab[1], k_tab[1])
        n_tab[2] = _cgf_walk(exponent, p, omega, 1.0, 1.0, s_plus - 1.0, not known, s_tab[2],
                             k_tab[2])
    re_psi = np.empty(_DECAY_POINTS)
    if n_terms <= 0 and not _decay_table(exponent, p, maturities.min(), re_psi):
        return NONFINITE, 0
    k_max = strikes.max()
    abs_tol = tolerance * spot
    for i in range(maturities.size):
        T = maturities[i]
        fwd = spot * math.exp((rate - dividend) * T)
        mean, sd = c1 * T, math.sqrt(c2 * T)
        cum_half = math.sqrt(c2 * T + math.sqrt(c4 * T))
        if width_l > 0.0:
            a = mean - width_l * cum_half
            b = mean + width_l * cum_half
        else:
            log_eps = math.log(0.25 * abs_tol / max(k_max, fwd))
            # P(X < a) <= exp(T k(s) - s a), s < 0;  P(X > c) <= exp(T k(s) - s c), s > 0
            # (tables 1 and 2: s in (0, 1) and s > 1).
            a = -math.inf
            for j in range(n_tab[0]):
                a = max(a, (T * k_tab[0, j] - log_eps) / s_tab[0, j])
            b = math.inf
            for t in range(1, 3):
                for j in range(n_tab[t]):
                    b = min(b, (T * k_tab[t, j] - log_eps) / s_tab[t, j])
            if a == -math.inf:
                a = mean - FALLBACK_WIDTH * cum_half
            if b == math.inf:
                b = mean + FALLBACK_WIDTH * cum_half
            # The COS put integrates the density against the payoff's even periodic extension,
            # zero on (b, 2b - k_hi): the bound above is needed at 2b - k_hi only.
            k_hi = math.log(k_max / fwd)
            b = 0.5 * (b + k_hi)
            a = min(a, mean - sd)
            b = max(b, mean + sd)
            # Every kink inside (a put struck beyond b would need E[e^X; X > b] small).
            b = max(b, k_hi + 0.01 * (b - a))
        a_out[i] = a
        w_out[i] = b - a
        if n_terms > 0:
            n_out[i] = n_terms
        else:
            n_out[i] = _terms(T, b - a, k_max, 0.5 * abs_tol, re_psi, max_terms)
            if n_out[i] > max_terms:
                return TOO_MANY_TERMS, i
    if n_terms <= 0:
        # One shared grid u_n = n pi / W_max: widen each range about its centre, keep u_N.
        w_max = w_out.max()
        for i in range(maturities.size):
            a_out[i] -= 0.5 * (w_max - w_out[i])
            n_out[i] = int(math.ceil(n_out[i] * w_max / w_out[i]))
            w_out[i] = w_max
    return OK, 0


@jit
def _fill_exponent(exponent, p, omega, width, n, psi):
    """psi[m] = psi(m pi / width) for m < n; False if one is NaN or has Re = +inf."""
    for m in range(n):
        u = m * _PI / width
        z = exponent(complex(u, 0.0), p) + 1j * u * omega
        if math.isnan(z.real) or z.real == math.inf:
            return False
        psi[m] = z
    return True


@jit
def _density_coefficients(T, psi, n, a, width, r):
    """r[m] = Re[exp(T psi_m) e^{-i u_m a}] for m < n (0 where |phi| underflows)."""
    for m in range(n):
        z = T * psi[m]
        if z.real < _EXP_UNDERFLOW:
            r[m] = 0.0
        else:
            r[m] = math.exp(z.real) * math.cos(z.imag - m * _PI / width * a)


@jit
def _density_derivatives(T, psi, dpsi, n, a, width, r):
    """r[m] = Re[T dpsi_m exp(T psi_m) e^{-i u_m a}]: the derivative of the coefficients for a
    parameter with dpsi = d psi / d theta (range held fixed); r[0] = 0 since phi(0) = 1."""
    r[0] = 0.0
    for m in range(1, n):
        z = T * psi[m]
        if z.real < _EXP_UNDERFLOW:
            r[m] = 0.0
        else:
            r[m] = (T * dpsi[m] * cmath.exp(complex(z.real, z.imag - m * _PI / width * a))).real


@jit
def _put_series(r, n, a, width, kappas, out):
    """out[j] = the COS value of E[(kappa_j - e^X)^+] for coefficients r (see module docstring),
    linear in r; strikes outside (a, b) get r[0] * (0 or kappa - 1)."""
    b = a + width
    ea = math.exp(a)
    inside = np.empty(kappas.size, dtype=np.int64)
    m_in = 0
    for j in range(kappas.size):
        k = math.log(kappas[j])
        if k <= a:
            out[j] = 0.0
        elif k >= b:
            out[j] = r[0] * (kappas[j] - 1.0)
        else:
            inside[m_in] = j
            m_in += 1
    if m_in == 0:
        return
    g = np.empty(n)
    inv_u = np.empty(n)
    g_sum = 0.0
    for m in range(1, n):
        u = m * _PI / width
        g[m] = r[m] / (1.0 + u * u)
        inv_u[m] = 1.0 / u
        g_sum += g[m]
    theta = np.empty(m_in)
    rot_c = np.empty(m_in)
    rot_s = np.empty(m_in)
    zc = np.empty(m_in)
    zs = np.empty(m_in)
    acc = np.zeros(m_in)
    for t in range(m_in):
        th = _PI * (math.log(kappas[inside[t]]) - a) / width
        theta[t] = th
        rot_c[t] = math.cos(th)
        rot_s[t] = math.sin(th)
    for m in range(1, n):
        if (m - 1) % _RESYNC == 0:
            for t in range(m_in):
                zc[t] = math.cos(m * theta[t])
                zs[t] = math.sin(m * theta[t])
        gm, iu = g[m], inv_u[m]
        for t in range(m_in):
            c, s = zc[t], zs[t]
            acc[t] += gm * (s * iu - c)
            zc[t] = c * rot_c[t] - s * rot_s[t]
            zs[t] = s * rot_c[t] + c * rot_s[t]
    for t in range(m_in):
        j = inside[t]
        kap = kappas[j]
        k = math.log(kap)
        head = 0.5 * r[0] * (kap * (k - a) - kap + ea)
        out[j] = (2.0 / width) * (head + kap * acc[t] + ea * g_sum)


@jit
def _price_surface(exponent, p, spot, rate, dividend, strikes, maturities, is_call,
                   a_arr, w_arr, n_arr, out):
    """Discounted prices [n_T, n_K] for a planned surface; returns (status, index)."""
    omega = convexity_correction(exponent, p)
    n_max = n_arr.max()
    psi = np.empty(n_max, dtype=np.complex128)
    r = np.empty(n_max)
    kappas = np.empty(strikes.size)
    row = np.empty(strikes.size)
    grid_w, grid_n = -1.0, 0
    for i in range(maturities.size):
        T = maturities[i]
        if w_arr[i] != grid_w or n_arr[i] > grid_n:
            grid_w, grid_n = w_arr[i], (n_max if w_arr[i] == w_arr.max() else n_arr[i])
            if not _fill_exponent(exponent, p, omega, grid_w, grid_n, psi):
                return NONFINITE, i
        fwd = spot * math.exp((rate - dividend) * T)
        disc = math.exp(-rate * T)
        for j in range(strikes.size):
            kappas[j] = strikes[j] / fwd
        _density_coefficients(T, psi, n_arr[i], a_arr[i], w_arr[i], r)
        _put_series(r, n_arr[i], a_arr[i], w_arr[i], kappas, row)
        for j in range(strikes.size):
            gap = fwd - strikes[j]
            put = disc * max(fwd * row[j], max(-gap, 0.0))
            if is_call:
                # Parity, kept on the call's lower bound D (F - K)^+ against round-off.
                out[i, j] = max(put + disc * gap, disc * max(gap, 0.0))
            else:
                out[i, j] = put
            if not math.isfinite(out[i, j]):
                return NONFINITE, i
    return OK, 0


_SURFACE_SIG = _STATUS(
    EXPONENT, CUMULANTS, STRIP, PARAMS, types.float64, types.float64, types.float64, _VEC, _VEC,
    types.boolean, types.float64, types.int64, types.float64, types.int64,
    types.float64[:, ::1],
)


@jit(_SURFACE_SIG)
def cos_surface(exponent, cumulants, strip, p, spot, rate, dividend, strikes, maturities,
                is_call, tolerance, n_terms, width_l, max_terms, out):
    """Prices [n_T, n_K] of one parameter set into ``out``; returns (status, maturity index).

    ``n_terms > 0`` fixes N, ``width_l > 0`` fixes the cumulant range
    ``c1 T -+ L sqrt(c2 T + sqrt(c4 T))``; otherwise both follow from ``tolerance``.
    """
    nT = maturities.size
    a_arr = np.empty(nT)
    w_arr = np.empty(nT)
    n_arr = np.empty(nT, dtype=np.int64)
    status, index = _plan(exponent, cumulants, strip, p, spot, rate, dividend, strikes,
                          maturities, tolerance, n_terms, width_l, max_terms, a_arr, w_arr, n_arr)
    if status != OK:
        return status, index
    return _price_surface(exponent, p, spot, rate, dividend, strikes, maturities, is_call,
                          a_arr, w_arr, n_arr, out)


_BATCH_SIG = types.void(
    EXPONENT, CUMULANTS, STRIP, types.float64[:, ::1], types.float64, _VEC, _VEC, _VEC, _VEC,
    types.boolean, types.float64, types.int64, types.float64, types.int64,
    types.float64[:, :, ::1], types.int64[:, ::1],
)


@jit(_BATCH_SIG, parallel=True)
def cos_batch(exponent, cumulants, strip, params, spot, rates, dividends, strikes, maturities,
              is_call, tolerance, n_terms, width_l, max_terms, out, status):
    """Row r of ``params`` (with ``rates[r]``, ``dividends[r]``) priced into ``out[r]`` in
    parallel (``prange``); ``status[r] = (code, maturity index)``."""
    for row in prange(params.shape[0]):
        code, index = cos_surface(exponent, cumulants, strip, params[row], spot, rates[row],
                                  dividends[row], strikes, maturities, is_call, tolerance,
                                  n_terms, width_l, max_terms, out[row])
        status[row, 0] = code
        status[row, 1] = index


@jit
def _exponent_derivative(exponent, p, steps, k, u):
    """d psi_raw / d p_k at u by the fourth-order central difference
    (-f(2h) + 8 f(h) - 8 f(-h) + f(-2h)) / (12 h), h = steps[k]."""
    q = p.copy()
    h = steps[k]
    q[k] = p[k] + 2.0 * h
    fp2 = exponent(u, q)
    q[k] = p[k] + h
    fp1 = exponent(u, q)
    q[k] = p[k] - h
    fm1 = exponent(u, q)
    q[k] = p[k] - 2.0 * h
    fm2 = exponent(u, q)
    return (-fp2 + 8.0 * fp1 - 8.0 * fm1 + fm2) / (12.0 * h)


_GRAD_SIG = _STATUS(
    EXPONENT, CUMULANTS, STRIP, PARAMS, _VEC, types.float64, types.float64, types.float64, _VEC,
    _VEC, types.boolean, types.float64, types.int64, types.float64, types.int64,
    types.float64[:, ::1], types.float64[:, :, ::1],
)


@jit(_GRAD_SIG)
def cos_surface_grad(exponent, cumulants, strip, p, steps, spot, rate, dividend, strikes,
                     maturities, is_call, tolerance, n_terms, width_l, max_terms, out,
                     grad):
    """Prices into ``out`` [n_T, n_K] and their parameter derivatives into ``grad``
    [n_params, n_T, n_K], differentiating the COS sum term by term with the range and N held
    at their values for ``p``:

        d P / d theta = D F (2/W) sum_{n>=1} Re[T dpsi_n phi_T(u_n) e^{-i u_n a}] c_n(K),
        dpsi/dtheta (u) = dpsi_raw/dtheta (u) - i u Re dpsi_raw/dtheta (-i),

    ``dpsi_raw/dtheta`` by :func:`_exponent_derivative` (steps per parameter). Calls and puts
    share the derivative (parity: F does not depend on theta).
    """
    status, index = cos_surface(exponent, cumulants, strip, p, spot, rate, dividend, strikes,
                                maturities, is_call, tolerance, n_terms, width_l, max_terms, out)
    if status != OK:
        return status, index
    nT = maturities.size
    a_arr = np.empty(nT)
    w_arr = np.empty(nT)
    n_arr = np.empty(nT, dtype=np.int64)
    _plan(exponent, cumulants, strip, p, spot, rate, dividend, strikes, maturities, tolerance,
          n_terms, width_l, max_terms, a_arr, w_arr, n_arr)
    omega = convexity_correction(exponent, p)
    n_params = p.size
    domega = np.empty(n_params)
    for k in range(n_params):
        domega[k] = -_exponent_derivative(exponent, p, steps, k, -1j).real
    n_max = n_arr.max()
    psi = np.empty(n_max, dtype=np.complex128)
    dpsi = np.empty((n_params, n_max), dtype=np.complex128)
    r = np.empty(n_max)
    kappas = np.empty(strikes.size)
    row = np.empty(strikes.size)
    grid_w, grid_n = -1.0, 0
    for i in range(nT):
        T = maturities[i]
        if w_arr[i] != grid_w or n_arr[i] > grid_n:
            grid_w, grid_n = w_arr[i], (n_max if w_arr[i] == w_arr.max() else n_arr[i])
            _fill_exponent(exponent, p, omega, grid_w, grid_n, psi)
            for k in range(n_params):
                for m in range(grid_n):
                    u = m * _PI / grid_w
                    dpsi[k, m] = (_exponent_derivative(exponent, p, steps, k, complex(u, 0.0))
                                  + 1j * u * domega[k])
        fwd = spot * math.exp((rate - dividend) * T)
        disc = math.exp(-rate * T)
        for j in range(strikes.size):
            kappas[j] = strikes[j] / fwd
        for k in range(n_params):
            _density_derivatives(T, psi, dpsi[k], n_arr[i], a_arr[i], w_arr[i], r)
            _put_series(r, n_arr[i], a_arr[i], w_arr[i], kappas, row)
            for j in range(strikes.size):
                grad[k, i, j] = disc * fwd * row[j]
                if not math.isfinite(grad[k, i, j]):
                    return NONFINITE, i
    return OK, 0
