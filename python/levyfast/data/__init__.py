"""Training data at scale: sampled, exactly priced, checked, noisy, sharded surface datasets.

* :func:`generate_surfaces` / :func:`write_surfaces` — sample parameters and markets
  (:mod:`.sampling`), price through the C++ batch path, compute implied vols, check, store;
  the same as :func:`generate_dataset` run on a :class:`GenerationSpec` (:mod:`.spec`), the
  frozen, validated description of a dataset;
* :func:`load`, :func:`iter_chunks` — read a dataset back, each shard verified against its
  content digest; :func:`verify` — check a whole dataset (:mod:`.storage`);
* :func:`check_surface` — static-arbitrage checks for any call surface (:mod:`.checks`);
* :mod:`.noise` — composable market-noise transforms;
* :mod:`.distributed` — shards on a Dask cluster.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes
from .defaults import (
    DEFAULT_DIVIDEND_RANGE,
    DEFAULT_MATURITIES,
    DEFAULT_RATE_RANGE,
    DEFAULT_SHARD_SIZE,
    DEFAULT_STRIKES,
    MONEYNESS,
    SAMPLERS,
)

if TYPE_CHECKING:
    from . import noise
    from .checks import CHECKS, CheckResult, check_surface
    from .generate import generate_dataset, generate_surfaces, write_surfaces
    from .sampling import DEFAULT_BOXES
    from .spec import GenerationSpec
    from .stats import GenerationReport
    from .storage import (
        SPLITS,
        DatasetFormatError,
        SurfaceDataset,
        iter_chunks,
        load,
        split_of,
        verify,
    )

#: Names imported on first use (PEP 562): the generator and the store pull in pyarrow and
#: SciPy's samplers, which the defaults above (the command line's) do not need.
_LAZY = {
    "check_surface": ".checks", "CheckResult": ".checks", "CHECKS": ".checks",
    "GenerationReport": ".stats", "GenerationSpec": ".spec", "generate_dataset": ".generate",
    "generate_surfaces": ".generate", "write_surfaces": ".generate", "DEFAULT_BOXES": ".sampling",
    "SPLITS": ".storage", "DatasetFormatError": ".storage", "SurfaceDataset": ".storage",
    "iter_chunks": ".storage", "load": ".storage", "split_of": ".storage",
    "verify": ".storage",
}


__getattr__, __dir__ = lazy_attributes(__name__, globals(), _LAZY, ("noise",))


__all__ = [
    "GenerationSpec",
    "generate_dataset",
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
