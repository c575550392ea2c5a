"""Scale-out on Dask: the shards of a run as tasks of a ``dask.distributed`` cluster.

Each task computes one shard from its row and raw-sequence range (so the values are the same
as on one machine) and, when the run writes a dataset, writes it atomically to the shared
(local or fsspec) path itself; only the small summary columns travel back to the client.
Dask is optional: ``pip install levyfast[distributed]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from .shards import Shard, run_shard
from .spec import GenerationSpec

__all__ = ["run_on_client", "connect"]


def connect(address: str) -> Any:
    """A ``dask.distributed.Client`` connected to the scheduler at ``address``."""
    try:
        from dask.distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("a Dask scheduler needs dask.distributed: "
                          "pip install 'levyfast[distributed]'") from exc
    return Client(address)


def run_on_client(client: Any, spec: GenerationSpec, plan: list[Shard],
                  target: tuple[Any, str] | None, compression: str) -> Iterator[pa.Table]:
    """Submit one task per shard (one pricing thread each) and yield their tables as they
    finish. The filesystem travels as its URI-free pyarrow object (picklable)."""
    from dask.distributed import as_completed

    if not plan:
        return
    futures = [client.submit(run_shard, spec, shard, target, 1, compression, pure=False,
                             key=f"levyfast-shard-{shard.shard}-{id(plan)}")
               for shard in plan]
    for future in as_completed(futures):
        yield future.result()
        future.release()
