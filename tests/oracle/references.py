"""Loader for the published reference values in ``tests/reference/*.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["REFERENCE_DIR", "load_references"]

#: Folder of the reference files (one JSON document per publication).
REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"

_REQUIRED = (
    "id",
    "citation",
    "model",
    "params",
    "spot",
    "strike",
    "maturity",
    "rate",
    "dividend",
    "kind",
    "value",
    "accuracy",
    "derived",
)


def load_references(folder: Path = REFERENCE_DIR) -> list[dict[str, Any]]:
    """All entries of all ``*.json`` files in ``folder``, each with a ``"file"`` key added.

    Every entry must carry the fields of :data:`_REQUIRED` (a ``citation`` among them);
    ``ValueError`` names the file and entry otherwise.
    """
    entries: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for entry in document["entries"]:
            missing = [key for key in _REQUIRED if key not in entry]
            if missing:
                raise ValueError(f"{path.name}: entry {entry.get('id')!r} lacks {missing}")
            entries.append({**entry, "file": path.name})
    return entries
