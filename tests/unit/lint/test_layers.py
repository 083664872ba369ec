"""Lint sits above spec and expr and below the controller: it imports none of engine,
controller, store or runtime (import-linter's layers do not cover lint)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import workflow_engine.lint

LINT = Path(workflow_engine.lint.__file__).parent
FORBIDDEN = ("engine", "controller", "store", "runtime", "artifacts")


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("path", sorted(LINT.glob("*.py")), ids=lambda p: p.stem)
def test_lint_imports_only_spec_and_expr(path: Path) -> None:
    ours = [n for n in _imports(path) if n.startswith("workflow_engine.")]
    bad = [n for n in ours if n.split(".")[1] in FORBIDDEN]
    assert bad == []
