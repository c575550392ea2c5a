"""Noise study of LeastSquaresCalibrator: 1% multiplicative price noise on the benchmark surface.

For ``n`` seeds, quotes ``Q = P(theta*) (1 + 0.01 eps)``, ``eps ~ N(0, 1)`` i.i.d., are fitted
from the default start (quotes outside the static no-arbitrage bounds, deep in-the-money calls
pushed below intrinsic by the noise, are dropped). Reports per parameter the RMS error, the
median |error| and the coverage of the reported standard errors (fraction of fits with
|theta - theta*| <= 1.96 SE; nominal 95%).

Run: ``python -m bench.noise_study [n] [model]`` from the repository root (model: vg, nig).
"""

from __future__ import annotations

import sys

import numpy as np

import levyfast as lf

from .conftest import MARKET, MATURITIES, STRIKES

MODELS = {"vg": lf.VarianceGamma(0.2, 0.3, -0.15), "nig": lf.NIG(15.0, -5.0, 0.5)}


def main(n: int = 200, name: str = "vg") -> None:
    true = MODELS[name]
    clean = lf.price(true, MARKET, STRIKES, MATURITIES, tolerance=lf.HIGH_ACCURACY)
    rng = np.random.default_rng(12345)
    errors, ses, failed, times, dropped = [], [], 0, [], []
    for _ in range(n):
        q = clean * (1.0 + 0.01 * rng.standard_normal(clean.shape))
        cal = lf.LeastSquaresCalibrator(type(true), on_arbitrage="drop").fit(
            q, MARKET, STRIKES, MATURITIES)
        if not cal.result_.success:
            failed += 1
            continue
        errors.append(cal.params_ - true.to_array())
        ses.append(cal.result_.std_errors)
        times.append(cal.result_.time_s)
        dropped.append(cal.result_.n_dropped)
    err, se = np.array(errors), np.array(ses)
    cover = np.mean(np.abs(err) <= 1.96 * se, axis=0)
    print(f"{true!r}: {n} surfaces, {failed} failed fits, median fit time "
          f"{1e3 * np.median(times):.1f} ms, median quotes dropped {np.median(dropped):.0f}")
    print(f"{'param':>8} {'true':>8} {'rms err':>10} {'median|err|':>12} {'median SE':>10} "
          f"{'coverage95':>10}")
    for j, p in enumerate(true.PARAM_NAMES):
        print(f"{p:>8} {true.to_array()[j]:8.3f} {np.sqrt(np.mean(err[:, j] ** 2)):10.2e} "
              f"{np.median(np.abs(err[:, j])):12.2e} {np.median(se[:, j]):10.2e} "
              f"{cover[j]:10.3f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, sys.argv[2] if len(sys.argv) > 2 else "vg")
