"""What `operate()` decides: the new workflow status and the actions to apply.

The controller applies a Decision once: one store write of `status` (plus any
`metadata` labels the engine sets), then the runtime calls, in order. Every
action is idempotent, so applying a Decision twice (after a crash) is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from workflow_engine.spec.models import Template, WorkflowStatus


@dataclass(frozen=True)
class CreatePod:
    """Run `template` (fully substituted: inputs, artifacts with their resolved
    locations) as pod `pod_name` for node `node_id`. The controller turns this into a
    manifest with `workflow_engine.pods.build_pod`."""

    node_id: str
    node_name: str
    pod_name: str
    template: Template
    deadline: datetime | None = None  # the pod's activeDeadline, absolute


@dataclass(frozen=True)
class DeletePod:
    pod_name: str
    reason: str = ""
    grace_seconds: float | None = None


@dataclass(frozen=True)
class RequeueAfter:
    """Call operate again after this many seconds even if nothing is observed
    (retry backoff, suspend duration, deadlines)."""

    seconds: float


@dataclass(frozen=True)
class EmitEvent:
    reason: str  # e.g. "WorkflowRunning", "WorkflowSucceeded", "WorkflowNodeFailed"
    message: str
    type: Literal["Normal", "Warning"] = "Normal"


Action = CreatePod | DeletePod | RequeueAfter | EmitEvent


@dataclass(frozen=True)
class Decision:
    status: WorkflowStatus
    actions: tuple[Action, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()  # metadata labels to set, e.g. phase

    @property
    def requeue_after(self) -> float | None:
        delays = [a.seconds for a in self.actions if isinstance(a, RequeueAfter)]
        return min(delays) if delays else None
