"""The WorkflowTrigger kind (this project's, `wfengine.io/v1alpha1`): its model, and
the rules a spec must meet (one source with its required fields, `pollInterval`).

Sits beside `objects.py` in the pure spec layer; `lint` checks a WorkflowTrigger
document with these rules, and `workflow_engine.cron.triggers` (the poller's pure
decisions) and the controller's `triggerops` use the same functions, so there is one
source of truth for what a usable trigger is.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from workflow_engine.spec.objects import (
    GitSource,
    S3Source,
    WorkflowTrigger,
    WorkflowTriggerSpec,
)

TRIGGER_KIND = "WorkflowTrigger"  # the model is in objects.py, with the other kinds
DEFAULT_POLL = timedelta(seconds=60)
_UNITS = {"s": 1, "m": 60, "h": 3600}


class TriggerSpecError(ValueError):
    """A WorkflowTrigger spec that cannot be used; `path` is the field at fault."""

    def __init__(self, message: str, path: str = "spec") -> None:
        super().__init__(message)
        self.path = path


def poll_interval(spec: dict[str, Any]) -> timedelta:
    """`spec.pollInterval` (`30s`, `5m`, `1h`, bare seconds; default 60s, at least 1s)."""
    text = str(spec.get("pollInterval") or "").strip()
    if not text:
        return DEFAULT_POLL
    number, unit = (text[:-1], text[-1]) if text[-1] in _UNITS else (text, "s")
    where = "spec.pollInterval"
    try:
        seconds = float(number) * _UNITS[unit]
    except ValueError:
        raise TriggerSpecError(
            f"pollInterval {text!r}: expected a duration such as 30s", where
        ) from None
    if seconds < 1:
        raise TriggerSpecError(f"pollInterval {text!r}: at least 1s", where)
    return timedelta(seconds=seconds)


def source_of(spec: dict[str, Any]) -> str:
    """`git` or `s3`: exactly one must be given, with its required fields."""
    given = [k for k in ("git", "s3") if spec.get(k)]
    if len(given) != 1:
        raise TriggerSpecError("set exactly one of spec.git and spec.s3")
    source = given[0]
    required = ("repo", "branch") if source == "git" else ("endpoint", "bucket")
    for key in required:
        if not spec[source].get(key):
            raise TriggerSpecError(f"spec.{source}.{key} is required", f"spec.{source}.{key}")
    if not spec.get("workflowSpec") and not spec.get("workflowTemplateRef"):
        raise TriggerSpecError("set spec.workflowSpec or spec.workflowTemplateRef")
    return source


__all__ = [
    "DEFAULT_POLL",
    "TRIGGER_KIND",
    "GitSource",
    "S3Source",
    "TriggerSpecError",
    "WorkflowTrigger",
    "WorkflowTriggerSpec",
    "poll_interval",
    "source_of",
]
