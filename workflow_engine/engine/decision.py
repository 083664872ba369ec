"""What `operate()` decides: the new workflow status and the actions to apply.

The controller applies a Decision once: one store write of `status` and the
`metadata` labels the engine sets, together; then the actions, in order (pods,
artifact collection, events). Every action is idempotent, so applying a Decision
twice (after a crash) is harmless.

A Decision with `needs_templates` decided nothing: the engine needs those
WorkflowTemplates fetched and asks to be called again with them (nothing is
written or applied).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from workflow_engine.engine.artifact_gc import CollectArtifacts
from workflow_engine.engine.claims import CreateClaims, DeleteClaims
from workflow_engine.engine.data_io import ListArtifact
from workflow_engine.engine.disruption import CreateDisruptionBudget, DeleteDisruptionBudget
from workflow_engine.engine.http_io import HTTPRequest
from workflow_engine.engine.memo import SaveMemo
from workflow_engine.engine.metrics import EmitMetrics
from workflow_engine.spec.models import Template, Workflow, WorkflowStatus
from workflow_engine.spec.resolver import TemplateKey
from workflow_engine.vocabulary import ended_as_error, phase_labels


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
    node_id: str | None = None  # the node a WorkflowNode<Phase> event is about


@dataclass(frozen=True)
class DeleteWorkflow:
    """Delete the workflow itself (its ttlStrategy ran out), after the actions before
    it (its artifact collection); its pods and task results go when the controller
    sees it gone. Deleting a workflow that is gone already is a no-op."""

    reason: str


Action = (
    CreatePod
    | DeletePod
    | RequeueAfter
    | EmitEvent
    | CollectArtifacts
    | SaveMemo
    | HTTPRequest
    | ListArtifact
    | EmitMetrics
    | DeleteWorkflow
    | CreateClaims
    | DeleteClaims
    | CreateDisruptionBudget
    | DeleteDisruptionBudget
)


@dataclass(frozen=True)
class Decision:
    status: WorkflowStatus
    actions: tuple[Action, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()  # metadata labels to set, e.g. phase
    needs_templates: tuple[TemplateKey, ...] = ()  # fetch these and call again
    needs_caches: tuple[str, ...] = ()  # memoization ConfigMaps to read, then call again

    @property
    def requeue_after(self) -> float | None:
        delays = [a.seconds for a in self.actions if isinstance(a, RequeueAfter)]
        return min(delays) if delays else None


def error_decision(wf: Workflow, now: datetime, message: str) -> Decision:
    """End `wf` as Error with `message`: the one way any layer gives up on a workflow
    that can never run (the status, its labels and the WorkflowFailed event)."""
    status = ended_as_error(wf.status or WorkflowStatus(), now, message)
    return Decision(
        status=status,
        actions=(EmitEvent("WorkflowFailed", message, "Warning"),),
        labels=phase_labels(status.phase),
    )
