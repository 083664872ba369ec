"""The errors of the CLI's operations (`operations`): kept apart from them so the CLI's
error handling (`cli.errors`) can name them without importing the engine."""

from __future__ import annotations

from workflow_engine.errors import WorkflowEngineError


class OperationError(WorkflowEngineError):
    """The operation makes no sense for the workflow's state (CLI exit code 1)."""


class WaitTimedOut(OperationError):
    """A wait gave up before the workflow finished (`wf submit --wait --timeout`,
    CLI exit code 4); the workflow goes on."""
