"""The pod builder's public surface and its imports (it may use only the spec room)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import workflow_engine.podbuilder as podbuilder

ALLOWED = (
    "workflow_engine.spec",
    "workflow_engine.errors",
    "workflow_engine.podbuilder",
    "workflow_engine.vocabulary",
)


def test_all_is_pinned() -> None:
    assert podbuilder.__all__ == [
        "COMPLETED_LABEL",
        "MAIN",
        "NODE_ID_ANNOTATION",
        "NODE_NAME_ANNOTATION",
        "POD_TEMPLATE_KINDS",
        "SCRIPT_PATH",
        "WORKFLOW_LABEL",
        "PodConfig",
        "build_pod",
        "escape_env_value",
        "strategic_merge",
    ]


def test_imports_only_the_stdlib_the_spec_and_the_vocabulary() -> None:
    for path in Path(podbuilder.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                top = name.split(".")[0]
                ok = top in sys.stdlib_module_names or top == "__future__"
                assert ok or name.startswith(ALLOWED), f"{path.name} imports {name}"
