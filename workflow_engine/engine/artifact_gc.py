"""Artifact garbage collection, decided: which stored output artifacts a workflow's
`artifactGC` strategies ask to delete, and what the status says once they are gone.

Part of the pure core. When a workflow completes, `operate()` asks (a
`CollectArtifacts` action, applied by the controller after the status write) for the
objects its `OnWorkflowCompletion` artifacts name; the controller deletes them and
hands the outcome back (`Observed.collected`), and the next `operate()` marks each
deleted artifact `deleted: true` and records the strategy in
`status.artifactGCStatus.strategiesProcessed`. A crash in between only repeats the
deletion, which is harmless (a missing object is not an error). `wf delete` uses the
same selection for `OnWorkflowDeletion` (`due_artifacts(..., "deletion")`).

An output artifact's own `artifactGC.strategy` overrides the workflow's
`spec.artifactGC.strategy`; `Never` (or nothing) keeps it. Only stored outputs are
collected (s3, local), each location once (a global output is the same object as its
node's output), and artifacts already marked `deleted` are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from workflow_engine.spec.models import Artifact, NodeStatus, WorkflowSpec, WorkflowStatus
from workflow_engine.spec.status import ArtifactGCStatus

GCEvent = Literal["completion", "deletion"]
ON_COMPLETION = "OnWorkflowCompletion"
ON_DELETION = "OnWorkflowDeletion"
NEVER = "Never"
STRATEGIES = (ON_COMPLETION, ON_DELETION, NEVER, "")
COLLECTING = frozenset({ON_COMPLETION, ON_DELETION})


@dataclass(frozen=True)
class StoredArtifact:
    """One output artifact held in a repository, and the strategy that applies to it."""

    node_id: str
    artifact: Artifact
    strategy: str


@dataclass(frozen=True)
class CollectArtifacts:
    """Delete these stored artifacts (after the status write); the controller hands
    the outcome back to the next `operate()` as `Observed.collected`."""

    artifacts: tuple[StoredArtifact, ...]
    event: GCEvent = "completion"


@dataclass(frozen=True)
class Collected:
    """What became of a CollectArtifacts: the (node id, artifact name) pairs deleted,
    and one line per artifact that could not be."""

    deleted: frozenset[tuple[str, str]] = frozenset()
    failed: tuple[str, ...] = ()


def _location(art: Artifact) -> tuple[str, str] | None:
    if art.s3 is not None:
        return ("s3", f"{art.s3.bucket or ''}/{art.s3.key or ''}")
    if art.local is not None:
        return ("local", art.local.key or "")
    return None


def stored_outputs(spec: WorkflowSpec, nodes: Mapping[str, NodeStatus]) -> Iterator[StoredArtifact]:
    """Every output artifact of every node that lives in a repository, with its
    strategy, each location once."""
    default = (spec.artifact_gc.strategy if spec.artifact_gc else None) or ""
    seen: set[tuple[str, str]] = set()
    for node_id in sorted(nodes):
        outputs = nodes[node_id].outputs
        for art in (outputs.artifacts if outputs else None) or ():
            where = _location(art)
            if where is None or art.deleted or where in seen:
                continue
            seen.add(where)
            own = (art.artifact_gc.strategy if art.artifact_gc else None) or ""
            yield StoredArtifact(node_id, art, own or default)


def due(item: StoredArtifact, event: GCEvent) -> bool:
    """Completion collects OnWorkflowCompletion; deletion collects both (a workflow
    deleted before it completed still owes its completion-time collection)."""
    if item.strategy == ON_COMPLETION:
        return True
    return item.strategy == ON_DELETION and event == "deletion"


def due_artifacts(
    spec: WorkflowSpec, nodes: Mapping[str, NodeStatus], event: GCEvent
) -> tuple[StoredArtifact, ...]:
    return tuple(item for item in stored_outputs(spec, nodes) if due(item, event))


def completion_gc(
    spec: WorkflowSpec,
    status: WorkflowStatus,
    nodes: Mapping[str, NodeStatus],
    collected: Collected | None,
) -> tuple[WorkflowStatus, CollectArtifacts | None, tuple[str, ...]]:
    """For a completed workflow: the status (marked when `collected` is given), the
    collection still to do, and the failures to report. Nothing at all for a
    workflow that asks for no collection, or whose completion GC is done."""
    gc = status.artifact_gc_status
    if gc is not None and gc.processed(ON_COMPLETION):
        return status, None, ()
    items = tuple(stored_outputs(spec, nodes))
    if not any(item.strategy in COLLECTING for item in items):
        return status, None, ()
    todo = tuple(item for item in items if due(item, "completion"))
    if todo and collected is None:
        return status, CollectArtifacts(todo), ()
    done = collected or Collected()
    return _marked(status, nodes, done), None, done.failed


def _marked(
    status: WorkflowStatus, nodes: Mapping[str, NodeStatus], done: Collected
) -> WorkflowStatus:
    marked = dict(nodes)
    for node_id, node in nodes.items():
        arts = node.outputs.artifacts if node.outputs else None
        if not arts or not any((node_id, a.name) in done.deleted for a in arts):
            continue
        new = [
            a.model_copy(update={"deleted": True}) if (node_id, a.name) in done.deleted else a
            for a in arts
        ]
        marked[node_id] = node.model_copy(
            update={"outputs": node.outputs.model_copy(update={"artifacts": new})}  # type: ignore[union-attr]
        )
    gc = status.artifact_gc_status or ArtifactGCStatus()
    processed = {**(gc.strategies_processed or {}), ON_COMPLETION: True}
    return status.model_copy(
        update={
            "nodes": marked or None,
            "compressed_nodes": None,
            "artifact_gc_status": gc.model_copy(update={"strategies_processed": processed}),
        }
    )
