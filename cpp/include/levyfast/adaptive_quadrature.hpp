// Globally adaptive Gauss-Kronrod (7, 15) quadrature over given break points (Piessens et al.
// 1983, QUADPACK's QAG strategy): the panel with the largest error estimate is bisected until
// the summed estimate meets the tolerance. Used by the per-strike fallbacks of the pricers.
#pragma once

#include <cmath>
#include <cstdio>
#include <complex>
#include <queue>
#include <string>
#include <vector>

#include "levyfast/common.hpp"

namespace levyfast::quadrature {

// Nodes (positive half and 0) and weights of the 15-point Kronrod rule and its embedded
// 7-point Gauss rule on [-1, 1].
inline constexpr double kXgk[8] = {
    0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
    0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
    0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
    0.207784955007898467600689403773245, 0.0};
inline constexpr double kWgk[8] = {
    0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
    0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
    0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
    0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
inline constexpr double kWg[4] = {
    0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
    0.381830050505118944950369775488975, 0.417959183673469387755102040816327};

template <class Value>
struct Panel {
  double lo, hi;
  Value value;
  double error;
  bool operator<(const Panel& o) const { return error < o.error; }
};

template <class Value, class F>
Panel<Value> gauss_kronrod(const F& f, double lo, double hi) {
  const double c = 0.5 * (lo + hi), h = 0.5 * (hi - lo);
  const Value f0 = f(c);
  Value kron = kWgk[7] * f0, gauss = kWg[3] * f0;
  for (int j = 0; j < 7; ++j) {
    const Value s = f(c - h * kXgk[j]) + f(c + h * kXgk[j]);
    kron += kWgk[j] * s;
    if (j % 2 == 1) gauss += kWg[j / 2] * s;
  }
  return {lo, hi, kron * h, std::abs((kron - gauss) * h)};
}

// Integral of f (double or std::complex<double>) over [breaks.front(), breaks.back()], the
// panels starting at the break points, to an absolute error estimate <= abs_tol; throws
// invalid_argument naming `what` if that takes more than max_panels panels.
template <class Value, class F>
Value adaptive_integral(const F& f, const std::vector<double>& breaks, double abs_tol,
                        const char* what, int max_panels = 4000) {
  std::priority_queue<Panel<Value>> heap;
  Value total = 0.0;
  double error = 0.0;
  for (std::size_t i = 0; i + 1 < breaks.size(); ++i) {
    if (!(breaks[i + 1] > breaks[i])) continue;
    const Panel<Value> p = gauss_kronrod<Value>(f, breaks[i], breaks[i + 1]);
    total += p.value;
    error += p.error;
    heap.push(p);
  }
  int panels = static_cast<int>(heap.size());
  while (error > abs_tol && panels < max_panels) {
    const Panel<Value> worst = heap.top();
    heap.pop();
    const double mid = 0.5 * (worst.lo + worst.hi);
    if (!(mid > worst.lo && mid < worst.hi)) break;  // at the resolution of doubles
    const Panel<Value> a = gauss_kronrod<Value>(f, worst.lo, mid);
    const Panel<Value> b = gauss_kronrod<Value>(f, mid, worst.hi);
    total += a.value + b.value - worst.value;
    error += a.error + b.error - worst.error;
    heap.push(a);
    heap.push(b);
    ++panels;
  }
  if (!(error <= abs_tol && std::isfinite(std::abs(total)))) {
    char buf[160];
    std::snprintf(buf, sizeof buf, " could not certify the requested accuracy (error estimate "
                  "%.3g > %.3g after %d panels); raise `tolerance`", error, abs_tol, panels);
    throw std::invalid_argument(std::string(what) + buf);
  }
  return total;
}

}  // namespace levyfast::quadrature
