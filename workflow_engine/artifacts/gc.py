"""Artifact garbage collection: deleting the objects a workflow stored, as Argo's
`artifactGC.strategy` asks (`OnWorkflowCompletion`, `OnWorkflowDeletion`).

Sits beside the controller: when a workflow completes (or is deleted) the controller
calls `collect_workflow(workflow, repository, secrets, event)` (that is
`collect_garbage` with the repository's drivers, then `mark_collected`) and writes the
status it returns. Knows no store: the workflow is its wire dict.

An output artifact's own `artifactGC.strategy` overrides the workflow's
`spec.artifactGC.strategy`; `Never` (or nothing) keeps it. Only stored outputs are
collected (s3, local; not raw, git or http inputs), each location once (a global
output is the same object as its node's output), and artifacts already marked
`deleted` are skipped. Deletion of a missing object is not an error.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from workflow_engine.artifacts.base import Drivers, describe, driver_for, location_kind
from workflow_engine.artifacts.repository import ArtifactRepository, default_drivers
from workflow_engine.artifacts.secrets import SecretResolver
from workflow_engine.errors import WorkflowEngineError
from workflow_engine.spec.models import Artifact

Event = Literal["completion", "deletion"]
ON_COMPLETION = "OnWorkflowCompletion"
ON_DELETION = "OnWorkflowDeletion"
STRATEGIES = (ON_COMPLETION, ON_DELETION, "Never", "")
_COLLECTABLE = ("s3", "local")


@dataclass(frozen=True)
class StoredArtifact:
    node_id: str
    artifact: Artifact
    strategy: str


@dataclass
class GCReport:
    deleted: list[StoredArtifact] = field(default_factory=list)
    failed: list[tuple[StoredArtifact, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def stored_outputs(workflow: Mapping[str, Any]) -> Iterator[StoredArtifact]:
    """Every output artifact of every node that lives in a store, with its strategy."""
    default = _strategy((workflow.get("spec") or {}).get("artifactGC"))
    seen: set[tuple[str, str]] = set()
    nodes = (workflow.get("status") or {}).get("nodes") or {}
    for node_id, node in sorted(nodes.items()):
        for raw in ((node or {}).get("outputs") or {}).get("artifacts") or ():
            try:
                art = Artifact.model_validate(raw)
            except ValidationError:
                continue
            kind = location_kind(art)
            if kind not in _COLLECTABLE or art.deleted:
                continue
            where = (kind, str(getattr(getattr(art, kind), "key", "")))
            if where in seen:
                continue
            seen.add(where)
            own = _strategy(art.artifact_gc.model_dump(by_alias=True) if art.artifact_gc else None)
            yield StoredArtifact(node_id, art, own or default)


def due(item: StoredArtifact, event: Event) -> bool:
    """Completion collects OnWorkflowCompletion; deletion collects both (a workflow
    deleted before it completed still owes its completion-time collection)."""
    if item.strategy == ON_COMPLETION:
        return True
    return item.strategy == ON_DELETION and event == "deletion"


def collect_garbage(workflow: Mapping[str, Any], drivers: Drivers, event: Event) -> GCReport:
    """Delete what is due for `event`; failures are reported, never raised."""
    report = GCReport()
    for item in stored_outputs(workflow):
        if not due(item, event):
            continue
        try:
            driver_for(drivers, item.artifact).delete(item.artifact)
        except WorkflowEngineError as exc:
            report.failed.append((item, f"{describe(item.artifact)}: {exc}"))
            continue
        report.deleted.append(item)
    return report


def collect_workflow(
    workflow: Mapping[str, Any],
    repository: ArtifactRepository | None,
    secrets: SecretResolver,
    event: Event,
) -> tuple[GCReport, dict[str, Any]]:
    """`collect_garbage` with the drivers of `repository`, and the status to write
    (`mark_collected`); the controller's one call per completion or deletion."""
    report = collect_garbage(workflow, default_drivers(repository, secrets), event)
    return report, mark_collected(workflow.get("status") or {}, report, event)


def mark_collected(status: Mapping[str, Any], report: GCReport, event: Event) -> dict[str, Any]:
    """A copy of `status` with `deleted: true` on each deleted artifact and Argo's
    `artifactGCStatus.strategiesProcessed` updated."""
    gone = {(i.node_id, i.artifact.name) for i in report.deleted}
    nodes = {}
    for node_id, node in (status.get("nodes") or {}).items():
        outputs = (node or {}).get("outputs") or {}
        arts = outputs.get("artifacts")
        if arts and any((node_id, a.get("name")) in gone for a in arts):
            arts = [{**a, "deleted": True} if (node_id, a.get("name")) in gone else a for a in arts]
            node = {**node, "outputs": {**outputs, "artifacts": arts}}
        nodes[node_id] = node
    out = {**status, "nodes": nodes} if "nodes" in status else dict(status)
    processed = dict((status.get("artifactGCStatus") or {}).get("strategiesProcessed") or {})
    processed[ON_COMPLETION] = True
    if event == "deletion":
        processed[ON_DELETION] = True
    gc_status = {**(status.get("artifactGCStatus") or {}), "strategiesProcessed": processed}
    out["artifactGCStatus"] = gc_status
    return out


def _strategy(gc: Mapping[str, Any] | None) -> str:
    return str((gc or {}).get("strategy") or "")
