"""Lint: every user error of workflow documents at once, each at a field path.

Above spec and expr, below the controller and the CLI (`wf lint`, `wf submit`).
"""

from workflow_engine.lint.files import lint_files
from workflow_engine.lint.run import lint_object, lint_text

__all__ = ["lint_files", "lint_object", "lint_text"]
