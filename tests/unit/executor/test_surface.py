"""The executor's public surface is pinned, and only its edge reads os.environ."""

from __future__ import annotations

import ast
from pathlib import Path

import executor


def test_all_is_pinned() -> None:
    assert executor.__all__ == [
        "EXECUTOR_FAILED",
        "ExecutorConfig",
        "LocalSandbox",
        "execute",
        "make_container_handler",
    ]


def test_environment_is_read_only_in_main() -> None:
    readers = sorted(
        p.name
        for p in Path(executor.__file__).parent.glob("*.py")
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.Attribute)
        and node.attr in ("environ", "getenv")
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )
    assert readers == ["__main__.py"]
