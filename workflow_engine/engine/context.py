"""What every step of one `operate` call shares: the run state, the templates, the
global variables, the execution-control switches (shutdown, deadline, suspend) and
what was observed. Feature modules are free functions over this record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from workflow_engine.engine.observed import Observed
from workflow_engine.engine.run import Run
from workflow_engine.engine.sync import Locks
from workflow_engine.engine.templates import Scope, Templates
from workflow_engine.spec.models import (
    Artifact,
    NodeStatus,
    Parameter,
    Template,
    Workflow,
    WorkflowSpec,
)
from workflow_engine.spec.status import NodeFlag

DEADLINE_MESSAGE = "Step exceeded its deadline"
POD_DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"


@dataclass(frozen=True)
class Opts:
    """Argo's executeTemplateOpts."""

    boundary_id: str | None = None
    on_exit: bool = False
    flag: NodeFlag | None = None
    retries: int | None = None  # the attempt number inside a retry node


@dataclass
class Boundary:
    """A running Steps/DAG node's limits, for its children's start decisions."""

    parallelism: int | None
    blocked: bool = False  # failFast tripped: start nothing new


@dataclass
class Ctx:
    run: Run
    wf: Workflow
    spec: WorkflowSpec
    templates: Templates
    observed: Observed
    globals: dict[str, Any]
    shutdown: str | None = None
    deadline: datetime | None = None
    boundaries: dict[str, Boundary] = field(default_factory=dict)
    global_params: dict[str, Parameter] = field(default_factory=dict)
    global_artifacts: dict[str, Artifact] = field(default_factory=dict)
    locks: Locks | None = None  # set by operate(): engine/sync.py

    @property
    def name(self) -> str:
        return self.run.workflow_name

    @property
    def now(self) -> datetime:
        return self.run.now

    @property
    def deadline_passed(self) -> bool:
        return self.deadline is not None and self.now >= self.deadline

    def stop_message(self, on_exit: bool) -> str | None:
        """Why a new node may not start now, or None when it may."""
        if self.shutdown == "Terminate" or (self.shutdown == "Stop" and not on_exit):
            return f"Stopped with strategy '{self.shutdown}'"
        if self.deadline_passed and not on_exit:
            return DEADLINE_MESSAGE
        return None

    def waiting_on_pod(self, node: NodeStatus) -> bool:
        """A pod node whose pod exists and is not finished: nothing to decide for it
        beyond what pod reconciliation did, so callers skip re-resolving it."""
        if node.type != "Pod" or node.phase not in ("Pending", "Running"):
            return False
        if node.phase == "Running":
            return True
        from workflow_engine.engine.leaf import node_pod_name

        return node_pod_name(self.name, node) in self.observed.pods

    def may_start(self, boundary_id: str | None) -> bool:
        """Argo's checkParallelism for a node about to be created."""
        limit = self.spec.parallelism
        if limit is not None and self.run.active_pods >= limit:
            return False
        if not boundary_id:
            return True
        boundary = self.boundaries.get(boundary_id)
        if boundary is None:
            return True
        if boundary.blocked:
            return False
        return not (
            boundary.parallelism is not None
            and self.run.active_children[boundary_id] >= boundary.parallelism
        )


def is_exit_node(node: NodeStatus) -> bool:
    """Nodes of exit handlers (and everything under them) have `.onExit` in their name."""
    return ".onExit" in node.name


def scope_of(node: NodeStatus) -> Scope:
    scope = node.template_scope or ""
    return Scope("" if scope in ("", "local/") else scope)


FAIL_FAST_MESSAGE = "template has failed or errored children and failFast enabled"


def template_boundary(ctx: Ctx, node: NodeStatus, template: Template) -> Boundary | None:
    """Register a steps/dag node's limits for its children (Argo's checkParallelism).
    With the template's `failFast`, a failed child stops new children, and the node
    fails once nothing under it runs; None then."""
    blocked = bool(template.fail_fast) and ctx.run.failed_children[node.id] > 0
    if blocked and ctx.run.active_children[node.id] == 0:
        ctx.run.mark(node.id, "Failed", FAIL_FAST_MESSAGE)
        return None
    boundary = Boundary(parallelism=template.parallelism, blocked=blocked)
    ctx.boundaries[node.id] = boundary
    return boundary
