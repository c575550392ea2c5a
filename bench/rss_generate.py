"""Peak resident memory of a dataset run: ``python bench/rss_generate.py N OUT [WORKERS]``.

Writes N VarianceGamma surfaces (prices + implied vols, default grid) to OUT with
:func:`levyfast.data.write_surfaces` and prints one JSON line: n, seconds, surfaces/s,
failed checks and the peak RSS of this process (``resource.getrusage``, kilobytes on Linux).
Run it in a fresh process (``bench/test_generate.py`` does) so the peak belongs to the run.
"""

from __future__ import annotations

import json
import resource
import sys
import time

import levyfast as lf
from levyfast.data import write_surfaces


def main() -> None:
    n, out = int(sys.argv[1]), sys.argv[2]
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else None
    start = time.perf_counter()
    report = write_surfaces(lf.VarianceGamma, n, out, workers=workers)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"n": n, "seconds": seconds, "surfaces_per_s": n / seconds,
                      "written": report.shards_written, "failed": report.n_failed,
                      "iv_nan": report.iv_nan, "peak_rss_mb": peak_kb / 1024}))


if __name__ == "__main__":
    main()
