"""What the controller observed since the last decision, as operate() receives it.

The controller builds this from the runtime's pod observations and the store's
TaskResults; the engine never talks to either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from workflow_engine.engine.artifact_gc import Collected
from workflow_engine.engine.data_io import DataListing
from workflow_engine.engine.http_io import HTTPResponse
from workflow_engine.engine.sync import LockView
from workflow_engine.spec.models import Outputs

PodPhase = Literal["Pending", "Running", "Succeeded", "Failed", "Unknown"]


@dataclass(frozen=True)
class ContainerState:
    """One container of a containerSet pod, as its Container node follows it."""

    name: str
    state: Literal["waiting", "running", "terminated"]
    exit_code: int | None = None
    reason: str = ""
    message: str = ""


@dataclass(frozen=True)
class PodState:
    name: str
    phase: PodPhase
    exit_code: int | None = None  # of the main container, once terminated
    reason: str = ""  # e.g. "OOMKilled", "DeadlineExceeded", "ContainerCannotRun"
    message: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    pod_ip: str | None = None  # becomes the node's podIP, `{{steps.<name>.ip}}`
    host_node_name: str | None = None  # the cluster node it runs on: the node's hostNodeName
    # The pod's labels (podGC's labelSelector) and its node (podGC finds the node of a
    # pod without a pass over every node). Fixed for a pod's life, so not part of what
    # counts as a change; empty for a pod only noted as created, until it ends.
    labels: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)
    node_id: str | None = field(default=None, compare=False)
    # The containers of a containerSet pod (others: empty), in the pod's order.
    containers: tuple[ContainerState, ...] = ()


@dataclass(frozen=True)
class TaskResult:
    """Outputs reported by the executor of one node (Argo's WorkflowTaskResult)."""

    node_id: str
    outputs: Outputs
    message: str = ""
    # The executor's own verdict when it differs from the pod's exit code: "Error" when
    # it could not fetch inputs or collect/save outputs (Argo's NodeResult.phase).
    phase: str | None = None


@dataclass(frozen=True)
class Observed:
    pods: Mapping[str, PodState] = field(default_factory=dict)  # by pod name
    # The pods of `pods` still Pending or Running, when the observer keeps them apart
    # (then no call passes over every pod the workflow ever ran); None: found in `pods`.
    active: Mapping[str, PodState] | None = None
    results: Mapping[str, TaskResult] = field(default_factory=dict)  # by node id
    # The outcome of the last CollectArtifacts action, until a decision records it.
    collected: Collected | None = None
    # Locks (mutexes, semaphores) the controller grants this decision: engine/sync.py.
    locks: LockView = field(default_factory=LockView)
    # Memoization caches read for this decision: ConfigMap name -> its data (memo.py).
    caches: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # Responses to the HTTP templates' requests the controller made, by node id.
    http: Mapping[str, HTTPResponse] = field(default_factory=dict)
    # Listings of the data templates' sources the controller made, by node id.
    data: Mapping[str, DataListing] = field(default_factory=dict)
