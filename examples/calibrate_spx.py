"""Calibrate NIG to the S&P 500 chain of 24 January 2011 and print the fit (see data/README.md).

    python examples/calibrate_spx.py
"""

from pathlib import Path

import levyfast as lf

chain = lf.OptionChain.from_csv(Path(__file__).parent / "data" / "spx_20110124.csv",
                                spot=1290.59)
print(chain)
print(chain.expiries[["T", "forward", "discount", "n_pairs", "atm_vol"]])
cal = lf.LeastSquaresCalibrator(lf.NIG, target="iv", n_starts=4, global_samples=64).fit(chain)
r = cal.result_
print(cal.model_)
print(f"IV RMSE {r.rmse_iv_bp:.0f} bp, {r.inside_spread:.0%} of prices inside the bid/ask, "
      f"{r.n_quotes} quotes, {r.time_s:.2f} s; {r.verdict}")
