"""Artifact garbage collection, carried out: deleting the stored objects the engine
chose (`workflow_engine.engine.artifact_gc` decides which, by `artifactGC.strategy`).

Sits below the controller: for a `CollectArtifacts` action (after a workflow
completes) or before `wf delete`, the controller hands the chosen (node id, artifact)
pairs here with the workflow repository's drivers. Deletion of a missing object is
not an error; a failure is reported per artifact, never raised.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from workflow_engine.artifacts.base import Drivers, describe, driver_for
from workflow_engine.errors import WorkflowEngineError
from workflow_engine.spec.models import Artifact

Item = tuple[str, Artifact]  # (node id, artifact)


@dataclass
class GCReport:
    deleted: list[Item] = field(default_factory=list)
    failed: list[tuple[Item, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def delete_artifacts(items: Iterable[Item], drivers: Drivers) -> GCReport:
    """Delete each artifact's object; failures are reported, never raised."""
    report = GCReport()
    for node_id, artifact in items:
        try:
            driver_for(drivers, artifact).delete(artifact)
        except WorkflowEngineError as exc:
            report.failed.append(((node_id, artifact), f"{describe(artifact)}: {exc}"))
            continue
        report.deleted.append((node_id, artifact))
    return report
