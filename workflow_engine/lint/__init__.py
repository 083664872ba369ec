"""Lint: every user error of workflow documents at once, each at a field path.

Above spec and expr, below the controller and the CLI (`wf lint`, `wf submit`).

Names load on first use (`workflow_engine.lazy`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workflow_engine.lazy import lazy_names

if TYPE_CHECKING:
    from workflow_engine.lint.files import lint_files, lint_files_warned, read_document
    from workflow_engine.lint.run import (
        document_warnings,
        lint_documents,
        lint_object,
        lint_text,
        lint_warnings,
        structural_errors,
    )
    from workflow_engine.lint.unhonoured import UNHONOURED, Unhonoured

__all__ = [
    "UNHONOURED",
    "Unhonoured",
    "document_warnings",
    "lint_documents",
    "lint_files",
    "lint_files_warned",
    "lint_object",
    "lint_text",
    "lint_warnings",
    "read_document",
    "structural_errors",
]

__getattr__ = lazy_names(
    __name__,
    {
        "lint_files": "files",
        "lint_files_warned": "files",
        "read_document": "files",
        "lint_documents": "run",
        "lint_object": "run",
        "lint_text": "run",
        "structural_errors": "run",
        "document_warnings": "run",
        "lint_warnings": "run",
        "UNHONOURED": "unhonoured",
        "Unhonoured": "unhonoured",
    },
)
