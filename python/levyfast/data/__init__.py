"""Training data at scale: sampled, exactly priced, checked, noisy, sharded surface datasets.

* :func:`generate_surfaces` / :func:`write_surfaces` — sample parameters and markets
  (:mod:`.sampling`), price through the C++ batch path, compute implied vols, check, store;
* :func:`load`, :func:`iter_chunks` — read a dataset back, each shard verified against its
  content digest; :func:`verify` — check a whole dataset (:mod:`.storage`);
* :func:`check_surface` — static-arbitrage checks for any call surface (:mod:`.checks`);
* :mod:`.noise` — composable market-noise transforms;
* :mod:`.distributed` — shards on a Dask cluster.
"""

from . import noise
from .checks import CHECKS, CheckResult, check_surface
from .generate import (
    DEFAULT_DIVIDEND_RANGE,
    DEFAULT_MATURITIES,
    DEFAULT_RATE_RANGE,
    DEFAULT_SHARD_SIZE,
    DEFAULT_STRIKES,
    MONEYNESS,
    GenerationReport,
    generate_surfaces,
    write_surfaces,
)
from .sampling import DEFAULT_BOXES, SAMPLERS
from .storage import (
    SPLITS,
    DatasetFormatError,
    SurfaceDataset,
    iter_chunks,
    load,
    split_of,
    verify,
)

__all__ = [
    "generate_surfaces",
    "write_surfaces",
    "load",
    "iter_chunks",
    "verify",
    "check_surface",
    "CheckResult",
    "CHECKS",
    "SurfaceDataset",
    "GenerationReport",
    "DatasetFormatError",
    "DEFAULT_BOXES",
    "DEFAULT_STRIKES",
    "DEFAULT_MATURITIES",
    "DEFAULT_RATE_RANGE",
    "DEFAULT_DIVIDEND_RANGE",
    "DEFAULT_SHARD_SIZE",
    "MONEYNESS",
    "SAMPLERS",
    "SPLITS",
    "split_of",
    "noise",
]
