"""Shape-preserving rational cubic interpolation on one interval.

R. Delbourgo and J. A. Gregory, "Shape preserving piecewise rational interpolation",
SIAM J. Sci. Stat. Comput. 6 (1985) 967-976, eqs. (2.4)-(2.5), (3.8) and (3.18); used by
P. Jäckel, "Let's Be Rational" (2015), section 5, to map prices to initial volatilities. On
``[x_l, x_r]`` with values ``y_l, y_r``, slopes ``d_l, d_r``, ``h = x_r - x_l`` and
``u = (x - x_l)/h`` the interpolant is

    y(u) = [y_r u^3 + (r y_r - h d_r) u^2 (1-u) + (r y_l + h d_l) u (1-u)^2 + y_l (1-u)^3]
           / [1 + (r - 3) u (1-u)],

which is the cubic Hermite interpolant at ``r = 3`` and tends to the straight line as r -> inf.
The control parameter ``r`` is chosen to match a second derivative at one end and then raised to
the smallest value that keeps the interpolant monotone and convex/concave like the data.
"""

from __future__ import annotations

from .jit import kernel

__all__ = ["rational_cubic", "control_fit_left", "control_fit_right"]

_EPS = 2.220446049250313e-16
_TINY = 2.2250738585072014e-308
#: r must exceed -1 for a positive denominator; r_max stands for "linear".
_R_MIN = -(1.0 - 1.4901161193847656e-08)
_R_MAX = 2.0 / (_EPS * _EPS)


@kernel
def rational_cubic(
    x: float, x_l: float, x_r: float, y_l: float, y_r: float, d_l: float, d_r: float, r: float
) -> float:
    """The interpolant y(x) above (linear when r >= r_max)."""
    h = x_r - x_l
    if abs(h) <= 0.0:
        return 0.5 * (y_l + y_r)
    u = (x - x_l) / h
    if r >= _R_MAX:
        return y_r * u + y_l * (1.0 - u)
    v = 1.0 - u
    num = y_r * u * u * u + (r * y_r - h * d_r) * u * u * v + (r * y_l + h * d_l) * u * v * v
    return (num + y_l * v * v * v) / (1.0 + (r - 3.0) * u * v)


@kernel
def _shape_preserving_minimum(d_l: float, d_r: float, slope: float, prefer_shape: bool) -> float:
    """Smallest r keeping the data's monotonicity (3.8) and convexity (3.18)."""
    monotone = d_l * slope >= 0.0 and d_r * slope >= 0.0
    convex = d_l <= slope <= d_r
    concave = d_l >= slope >= d_r
    if not (monotone or convex or concave):
        return _R_MIN
    r_monotone = -1e308
    r_convex = -1e308
    if monotone:
        if abs(slope) >= _TINY:
            r_monotone = (d_r + d_l) / slope
        elif prefer_shape:
            r_monotone = _R_MAX
    if convex or concave:
        above = slope - d_l
        below = d_r - slope
        if abs(above) >= _TINY and abs(below) >= _TINY:
            spread = d_r - d_l
            r_convex = max(abs(spread / below), abs(spread / above))
        elif prefer_shape:
            r_convex = _R_MAX
    elif monotone and prefer_shape:
        r_convex = _R_MAX
    return max(_R_MIN, r_monotone, r_convex)


@kernel
def _control_from(numerator: float, denominator: float) -> float:
    if abs(numerator) < _TINY:
        return 0.0
    if abs(denominator) < _TINY:
        return _R_MAX if numerator > 0.0 else _R_MIN
    return numerator / denominator


@kernel
def control_fit_left(
    x_l: float,
    x_r: float,
    y_l: float,
    y_r: float,
    d_l: float,
    d_r: float,
    second_l: float,
    prefer_shape: bool,
) -> float:
    """Shape-preserving r whose interpolant has second derivative ``second_l`` at x_l."""
    h = x_r - x_l
    slope = (y_r - y_l) / h
    r = _control_from(0.5 * h * second_l + (d_r - d_l), slope - d_l)
    return max(r, _shape_preserving_minimum(d_l, d_r, slope, prefer_shape))


@kernel
def control_fit_right(
    x_l: float,
    x_r: float,
    y_l: float,
    y_r: float,
    d_l: float,
    d_r: float,
    second_r: float,
    prefer_shape: bool,
) -> float:
    """Shape-preserving r whose interpolant has second derivative ``second_r`` at x_r."""
    h = x_r - x_l
    slope = (y_r - y_l) / h
    r = _control_from(0.5 * h * second_r + (d_r - d_l), d_r - slope)
    return max(r, _shape_preserving_minimum(d_l, d_r, slope, prefer_shape))
