"""The pure core: `operate(workflow, observed, now) -> Decision`, Argo's semantics
without I/O, plus the pure operations behind `retry` and `resume`.

Names load on first use (`workflow_engine.lazy`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workflow_engine.lazy import lazy_names

if TYPE_CHECKING:
    from workflow_engine.engine.artifact_gc import CollectArtifacts, Collected
    from workflow_engine.engine.decision import (
        Action,
        CreatePod,
        Decision,
        DeletePod,
        DeleteWorkflow,
        EmitEvent,
        RequeueAfter,
        error_decision,
    )
    from workflow_engine.engine.naming import fnv32a, node_id, pod_name
    from workflow_engine.engine.nodeset import set_node
    from workflow_engine.engine.observed import Observed, PodState, TaskResult
    from workflow_engine.engine.operate import LABEL_COMPLETED, LABEL_PHASE, operate
    from workflow_engine.engine.ops import NotRetryable, resume_workflow, retry_workflow

__all__ = [
    "LABEL_COMPLETED",
    "LABEL_PHASE",
    "Action",
    "CollectArtifacts",
    "Collected",
    "CreatePod",
    "Decision",
    "DeletePod",
    "DeleteWorkflow",
    "EmitEvent",
    "NotRetryable",
    "Observed",
    "PodState",
    "RequeueAfter",
    "TaskResult",
    "error_decision",
    "fnv32a",
    "node_id",
    "operate",
    "pod_name",
    "resume_workflow",
    "retry_workflow",
    "set_node",
]

__getattr__ = lazy_names(
    __name__,
    {
        "CollectArtifacts": "artifact_gc",
        "Collected": "artifact_gc",
        "Action": "decision",
        "CreatePod": "decision",
        "Decision": "decision",
        "DeletePod": "decision",
        "DeleteWorkflow": "decision",
        "EmitEvent": "decision",
        "RequeueAfter": "decision",
        "error_decision": "decision",
        "fnv32a": "naming",
        "node_id": "naming",
        "pod_name": "naming",
        "set_node": "nodeset",
        "Observed": "observed",
        "PodState": "observed",
        "TaskResult": "observed",
        "LABEL_COMPLETED": "operate",
        "LABEL_PHASE": "operate",
        "operate": "operate",
        "NotRetryable": "ops",
        "resume_workflow": "ops",
        "retry_workflow": "ops",
    },
)
