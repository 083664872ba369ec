"""What a data template's node asks the controller for (`ListArtifact`: the paths under
its `source.artifactPaths`) and what comes back (`DataListing`): plain values, see
`data_node.py` for how the engine uses them."""

from __future__ import annotations

from dataclasses import dataclass

from workflow_engine.spec.models import Artifact


@dataclass(frozen=True)
class ListArtifact:
    """List the files under `artifact` for node `node_id` and report a DataListing."""

    node_id: str
    artifact: Artifact


@dataclass(frozen=True)
class DataListing:
    paths: tuple[str, ...] = ()
    error: str | None = None  # the source could not be read: why
