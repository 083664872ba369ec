"""The server package's public surface is explicit and sorted, and it is all the CLI
needs from the server."""

from __future__ import annotations

import ast
from pathlib import Path

import workflow_engine.server as server

CLI = Path(__file__).parents[3] / "cli"


def test_all_is_sorted_and_importable() -> None:
    # isort's order (ruff RUF022): constants, classes, functions
    order = sorted(server.__all__, key=lambda n: (0 if n.isupper() else 1 + n[0].islower(), n))
    assert server.__all__ == order
    for name in server.__all__:
        assert hasattr(server, name), name


def test_the_cli_imports_only_the_packages_names() -> None:
    seen = 0
    for path in CLI.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "workflow_engine.server"
            ):
                assert node.module == "workflow_engine.server", (path.name, node.module)
                assert {a.name for a in node.names} <= set(server.__all__), path.name
                seen += 1
    assert seen >= 1
