"""The one error taxonomy of the project.

Every layer raises these; edges (store, runtime, artifact drivers) translate the
errors of the libraries they wrap into them, and exactly one layer retries.

    WorkflowEngineError
     ├── SpecError(path, reason)       user input is wrong; CLI exit code 2
     │    ├── SpecErrors(errors)       several at once, from lint
     │    └── SpecWarning(path, reason) valid, but worth saying (never raised)
     ├── NotFound                      the object does not exist
     ├── AlreadyExists                 create of a name that is taken
     ├── Conflict                      update against a stale resourceVersion
     ├── Expired                       watch from a resourceVersion the store has compacted
     ├── TransientError                may work if retried (409/429/5xx, timeouts)
     └── PermanentError                will not work if retried (403, bad credentials)
"""

from __future__ import annotations

from collections.abc import Sequence


class WorkflowEngineError(Exception):
    """Base of every error this project raises on purpose."""


class SpecError(WorkflowEngineError):
    """A user error in a document, located by a field path such as `spec.templates[2].name`."""

    severity = "error"

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}" if path else reason)


class SpecWarning(SpecError):
    """Something lint reports but does not refuse (a field accepted but not honoured).
    Returned by lint's warning functions, never raised; printed as `warning: path: reason`."""

    severity = "warning"


class SpecErrors(SpecError):
    """Several user errors found at once (lint reports all of them)."""

    def __init__(self, errors: Sequence[SpecError]) -> None:
        self.errors = list(errors)
        first = self.errors[0] if self.errors else SpecError("", "invalid")
        super().__init__(first.path, first.reason)
        self.args = ("\n".join(str(e) for e in self.errors),)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class NotFound(WorkflowEngineError):
    """The object (workflow, template, pod, artifact) does not exist."""


class AlreadyExists(WorkflowEngineError):
    """Create was asked for a name that is already taken."""


class Conflict(WorkflowEngineError):
    """An update carried a stale resourceVersion: re-read and try again."""


class Expired(WorkflowEngineError):
    """A watch asked for changes after a resourceVersion older than the store keeps.

    Kubernetes answers 410 Gone. The caller lists again and watches from the
    list's resourceVersion.
    """


class TransientError(WorkflowEngineError):
    """Infrastructure trouble that may go away if the call is retried."""


class PermanentError(WorkflowEngineError):
    """Infrastructure trouble that retrying will not fix (e.g. credentials refused)."""
