"""The pure core: `operate(workflow, observed, now) -> Decision`, Argo's semantics
without I/O, plus the pure operations behind `retry` and `resume`."""

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
