"""The pure core: `operate(workflow, observed, now) -> Decision`, Argo's semantics
without I/O, plus the pure operations behind `retry` and `resume`."""

from workflow_engine.engine.decision import (
    Action,
    CreatePod,
    Decision,
    DeletePod,
    EmitEvent,
    RequeueAfter,
)
from workflow_engine.engine.naming import fnv32a, node_id, pod_name
from workflow_engine.engine.observed import Observed, PodState, TaskResult
from workflow_engine.engine.operate import operate

__all__ = [
    "Action",
    "CreatePod",
    "Decision",
    "DeletePod",
    "EmitEvent",
    "Observed",
    "PodState",
    "RequeueAfter",
    "TaskResult",
    "fnv32a",
    "node_id",
    "operate",
    "pod_name",
]
