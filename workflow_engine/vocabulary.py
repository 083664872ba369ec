"""The words every room shares: label and annotation keys, object kinds, the workflow
phases that end a run, and the one way a workflow is ended as `Error`.

Sits below everything (it imports nothing of ours at run time), so the engine, the
pod builder, the controller, the executor, the stores and the CLI all use these
names instead of keeping copies that could drift apart.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from workflow_engine.spec.status import WorkflowStatus

# -- node phases and types, as Argo spells them (the status models and the CLI's
# light node decoder both use these) ------------------------------------------------
NodePhase = Literal["Pending", "Running", "Succeeded", "Skipped", "Failed", "Error", "Omitted"]
NodeType = Literal[
    "Pod",
    "Container",
    "Steps",
    "StepGroup",
    "DAG",
    "TaskGroup",
    "Retry",
    "Skipped",
    "Suspend",
    "HTTP",
    "Plugin",
]

# -- API versions (spec.objects re-exports them; here so the executor needs no models) -----
API_GROUP = "wfengine.io"
API_VERSION = f"{API_GROUP}/v1alpha1"
ARGO_API_VERSION = "argoproj.io/v1alpha1"
ACCEPTED_API_VERSIONS = (API_VERSION, ARGO_API_VERSION)

# -- labels and annotations, as Argo spells them ----------------------------------------
WORKFLOW_LABEL = "workflows.argoproj.io/workflow"
PHASE_LABEL = "workflows.argoproj.io/phase"
COMPLETED_LABEL = "workflows.argoproj.io/completed"
# Pod names hash only the workflow's name: the uid tells a re-created workflow's pods
# from those its deleted namesake left behind.
WORKFLOW_UID_LABEL = "workflows.argoproj.io/workflow-uid"
NODE_ID_ANNOTATION = "workflows.argoproj.io/node-id"
NODE_NAME_ANNOTATION = "workflows.argoproj.io/node-name"
REPORT_COMPLETED_LABEL = "workflows.argoproj.io/report-outputs-completed"
# Set by `wf retry`: pods the controller must delete before it decides anything.
PODS_TO_DELETE = "wfengine.io/pods-to-delete"
# Set by `wf retry` on a cluster (one write): the reset the controller makes itself
# (engine/retry_request.py), JSON `{"nodeFieldSelector": ..., "restartSuccessful": ...}`.
RETRY_REQUEST = "wfengine.io/retry-request"
# A containerSet pod: the controller reports each container's state to the engine,
# whose Container nodes follow them (engine/container_set.py).
CONTAINER_SET_ANNOTATION = "wfengine.io/container-set"
# The containers the process runtime ends once the others have (its default: every
# container but `main`); the same key as runtime/process/containers.py reads.
SIDECARS_ANNOTATION = "workflows.argoproj.io/sidecars"
# The volume every container of a containerSet pod mounts: `<dir>/<name>/exitcode` is
# where a container's executor leaves its exit code for the containers that depend on it.
CONTAINER_SET_DIR = "/wf/containers"

# -- kinds ------------------------------------------------------------------------------
WORKFLOW_KIND = "Workflow"
TASK_RESULT_KIND = "WorkflowTaskResult"
WORKFLOW_TEMPLATE_KIND = "WorkflowTemplate"
CLUSTER_WORKFLOW_TEMPLATE_KIND = "ClusterWorkflowTemplate"
SECRET_KIND = "Secret"

# -- phases -----------------------------------------------------------------------------
# Argo's Completed(): the run ended; a workflow in one of these never changes again.
COMPLETED_PHASES: frozenset[str] = frozenset({"Succeeded", "Failed", "Error"})


def is_completed_phase(phase: str | None) -> bool:
    return phase in COMPLETED_PHASES


def phase_labels(phase: str | None) -> tuple[tuple[str, str], ...]:
    """The labels a workflow carries for its phase (what `wf list` selects on)."""
    return (
        (PHASE_LABEL, phase or "Pending"),
        (COMPLETED_LABEL, "true" if phase in COMPLETED_PHASES else "false"),
    )


def ended_as_error(status: WorkflowStatus, now: datetime, message: str) -> WorkflowStatus:
    """`status` ended as `Error` with `message` at `now` (started now if it never
    started): what a workflow becomes when it can never run (an unknown template, a
    bad repository reference, an engine fault that would repeat on every try)."""
    update: dict[str, Any] = {"phase": "Error", "message": message, "finished_at": now}
    if status.started_at is None:
        update["started_at"] = now
    return status.model_copy(update=update)
