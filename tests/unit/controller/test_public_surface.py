"""The controller package's public surface is explicit and sorted, and it is all the
CLI needs from the controller."""

from __future__ import annotations

import ast
from pathlib import Path

import workflow_engine.controller as controller

CLI = Path(__file__).parents[3] / "cli"


def test_all_is_sorted_and_importable() -> None:
    assert controller.__all__ == sorted(controller.__all__, key=lambda n: (n[0].islower(), n))
    for name in controller.__all__:
        assert hasattr(controller, name), name


def test_the_cli_imports_only_the_packages_names() -> None:
    for path in CLI.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "workflow_engine.controller"
            ):
                assert node.module == "workflow_engine.controller", (path.name, node.module)
                assert {a.name for a in node.names} <= set(controller.__all__), path.name
