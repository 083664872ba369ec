"""The two ways a gitops command ends badly, mapped onto the project's taxonomy.

SpecError
 └── Refused(path, reason)   bad input or a state that forbids the change (unknown
                             environment, missing YAML path, unreachable repository,
                             conflicting remote move, gate not passed): exit 2,
                             nothing pushed
WorkflowEngineError
 └── GateFailed              a verification ran and did not pass: exit 1
"""

from __future__ import annotations

from workflow_engine.errors import SpecError, WorkflowEngineError


class Refused(SpecError):
    """The change was refused before anything was pushed; `path` names the cause."""


class GateFailed(WorkflowEngineError):
    """A verification gate ran and failed."""
