"""The private module's .pyi stub lists exactly what the compiled module exports."""

from __future__ import annotations

import ast
from pathlib import Path

import levyfast
from levyfast import _core


def test_stub_in_sync_with_compiled_module() -> None:
    stub = Path(levyfast.__file__).with_name("_core.pyi")
    tree = ast.parse(stub.read_text())
    declared = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    exported = {n for n in dir(_core) if not n.startswith("_")}
    assert declared == exported
