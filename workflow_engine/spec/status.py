"""Workflow and node status in Argo's shape, with the legal node phase transitions.

The status is the single source of truth of a run: a restarted controller rebuilds
everything from it plus the pods it observes. Node statuses are frozen; they change
through the verbs below, which enforce the transition table.
"""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType
from typing import Any, Literal

from pydantic import Field

from workflow_engine import vocabulary
from workflow_engine.errors import WorkflowEngineError
from workflow_engine.spec.artifacts import ArtifactRepositoryRefStatus
from workflow_engine.spec.base import ArgoModel, KubeObject, Time
from workflow_engine.spec.params import Inputs, Outputs, TemplateRef
from workflow_engine.vocabulary import NodePhase as NodePhase
from workflow_engine.vocabulary import NodeType as NodeType

WorkflowPhase = Literal["", "Pending", "Running", "Succeeded", "Failed", "Error"]

FULFILLED_PHASES: frozenset[str] = frozenset({"Succeeded", "Failed", "Error", "Skipped", "Omitted"})
FAILED_OR_ERROR: frozenset[str] = frozenset({"Failed", "Error"})
# Argo's Completed(): the run of the node ended (skipped and omitted nodes never ran).
COMPLETED_PHASES = vocabulary.COMPLETED_PHASES

# Which phase may follow which. A terminal phase is final; going back is an engine bug.
NODE_TRANSITIONS: dict[str, frozenset[str]] = {
    "Pending": frozenset({"Running", "Succeeded", "Failed", "Error", "Skipped", "Omitted"}),
    "Running": frozenset({"Succeeded", "Failed", "Error"}),
    "Succeeded": frozenset(),
    "Failed": frozenset(),
    "Error": frozenset(),
    "Skipped": frozenset(),
    "Omitted": frozenset(),
}


class ArtifactGCStatus(ArgoModel):
    """Argo's ArtGCStatus: which `artifactGC` strategies were carried out."""

    model_config = ArgoModel.model_config | {"extra": "ignore"}

    strategies_processed: dict[str, bool] | None = None
    pods_recouped: dict[str, bool] | None = None
    not_specified: bool | None = None

    def processed(self, strategy: str) -> bool:
        return bool((self.strategies_processed or {}).get(strategy))


class IllegalTransition(WorkflowEngineError):
    """A node was asked to move to a phase its current phase cannot reach."""


def is_fulfilled(phase: str) -> bool:
    """Argo's Fulfilled(): the node will not change any more."""
    return phase in FULFILLED_PHASES


class NodeFlag(ArgoModel):
    hooked: bool | None = None
    retried: bool | None = None


class NodeStatus(ArgoModel):
    model_config = ArgoModel.model_config | {"extra": "ignore"}

    id: str
    name: str
    display_name: str
    type: NodeType
    phase: NodePhase = "Pending"
    template_name: str | None = None
    template_ref: TemplateRef | None = None
    template_scope: str | None = None
    boundary_id: str | None = Field(default=None, alias="boundaryID")
    message: str | None = None
    started_at: Time | None = None
    finished_at: Time | None = None
    estimated_duration: int | None = None
    progress: str | None = None
    resources_duration: dict[str, int] | None = None
    pod_ip: str | None = Field(default=None, alias="podIP")
    daemoned: bool | None = None
    node_flag: NodeFlag | None = None
    inputs: Inputs | None = None
    outputs: Outputs | None = None
    children: list[str] | None = None
    outbound_nodes: list[str] | None = None
    host_node_name: str | None = None
    memoization_status: KubeObject | None = None
    synchronization_status: KubeObject | None = None

    @classmethod
    def new(cls, **fields: Any) -> NodeStatus:
        """A node from trusted values (the engine's own, by field name), unvalidated as
        `model_construct`'s are but without its per-field default lookups: the engine
        makes one per iteration of a loop. The fields set are the ones not None."""
        values = {**_NODE_DEFAULTS, **fields}
        if len(values) != len(_NODE_DEFAULTS):
            unknown = sorted(set(fields) - set(_NODE_DEFAULTS))
            raise TypeError(f"NodeStatus has no field {unknown[0]!r}")
        node = cls.__new__(cls)
        set_attr = object.__setattr__  # the model is frozen: as pydantic itself sets these
        set_attr(node, "__dict__", values)
        set_attr(node, "__pydantic_fields_set__", {k for k, v in fields.items() if v is not None})
        set_attr(node, "__pydantic_extra__", None)
        set_attr(node, "__pydantic_private__", None)
        return node

    @property
    def fulfilled(self) -> bool:
        return self.phase in FULFILLED_PHASES

    @property
    def failed_or_error(self) -> bool:
        return self.phase in FAILED_OR_ERROR

    def with_phase(self, phase: NodePhase, now: datetime, message: str | None = None) -> NodeStatus:
        """Move to `phase` (legal moves only), stamping start and finish times."""
        if phase == self.phase:
            return self if message is None else self.model_copy(update={"message": message})
        if phase not in NODE_TRANSITIONS[self.phase]:
            raise IllegalTransition(f"node {self.name!r}: {self.phase} -> {phase} is not allowed")
        update: dict[str, Any] = {"phase": phase}
        if self.started_at is None:
            update["started_at"] = now
        if phase in FULFILLED_PHASES:
            update["finished_at"] = now
        if message is not None:
            update["message"] = message
        return self.model_copy(update=update)

    def with_message(self, message: str | None) -> NodeStatus:
        return self.model_copy(update={"message": message})

    def with_outputs(self, outputs: Outputs | None) -> NodeStatus:
        return self.model_copy(update={"outputs": outputs})

    def with_child(self, child_id: str) -> NodeStatus:
        children = list(self.children or ())
        if child_id in children:
            return self
        return self.model_copy(update={"children": [*children, child_id]})


# Every NodeStatus field's default, in declaration order (all are immutable: None or
# a phase string), for `NodeStatus.new`.
_NODE_DEFAULTS = MappingProxyType(
    {
        name: None if field.is_required() else field.get_default()
        for name, field in NodeStatus.model_fields.items()
    }
)


class Condition(ArgoModel):
    type: str | None = None
    status: str | None = None
    message: str | None = None


class WorkflowStatus(ArgoModel):
    model_config = ArgoModel.model_config | {"extra": "ignore"}

    phase: WorkflowPhase = ""
    started_at: Time | None = None
    finished_at: Time | None = None
    estimated_duration: int | None = None
    progress: str | None = None
    message: str | None = None
    compressed_nodes: str | None = None
    nodes: dict[str, NodeStatus] | None = None
    offload_node_status_version: str | None = None
    stored_templates: dict[str, Any] | None = None
    persistent_volume_claims: list[KubeObject] | None = None
    outputs: Outputs | None = None
    conditions: list[Condition] | None = None
    resources_duration: dict[str, int] | None = None
    stored_workflow_template_spec: dict[str, Any] | None = None
    artifact_repository_ref: ArtifactRepositoryRefStatus | None = None
    artifact_gc_status: ArtifactGCStatus | None = Field(default=None, alias="artifactGCStatus")
    task_results_completion_status: dict[str, bool] | None = None
    synchronization: dict[str, Any] | None = None
