"""Data templates' sources, listed by the controller (the engine's half is
`engine/data_node.py`): the `artifactPaths` artifact is fetched with the artifact
drivers into a scratch directory, and the paths of the files in it are the listing,
each under the artifact's key (`runs/a.log` for key `runs/`), as Argo lists keys.

A key-only location (`s3: {key: ...}` with no bucket, or `local: {key: ...}`) is
placed in the workflow's artifact repository (the embedded controller's and the
Kubernetes controller's wire it in); a lister given no repository lists complete
locations only.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from workflow_engine.artifacts import (
    ArtifactRepository,
    StoreSecrets,
    default_drivers,
    driver_for,
    locate,
    location_kind,
)
from workflow_engine.engine.data_io import DataListing
from workflow_engine.errors import WorkflowEngineError
from workflow_engine.spec.models import Artifact, Workflow
from workflow_engine.store.base import Store

Lister = Callable[[Workflow, Artifact], DataListing]
MAX_PATHS = 10_000  # a listing longer than this is refused: it must fit in the status


def _key(artifact: Artifact) -> str:
    for kind in ("s3", "local"):
        location = getattr(artifact, kind, None)
        if location is not None and getattr(location, "key", None):
            return str(location.key)
    return ""


def _placed(artifact: Artifact, repo: ArtifactRepository | None) -> Artifact:
    """A key-only s3 location moved into the workflow's repository (local or s3)."""
    s3 = artifact.s3
    if repo is None or s3 is None or s3.bucket or not s3.key:
        return artifact
    return locate(artifact.model_copy(update={"s3": None}), repo, s3.key)


def paths_under(root: Path, prefix: str) -> tuple[str, ...]:
    if root.is_file():
        return (prefix or root.name,)
    base = prefix.rstrip("/")
    found = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    return tuple(f"{base}/{rel}" if base else rel for rel in found)


class StoreLister:
    """Lists with the drivers of `repository_for(wf)` (None: complete locations only)
    and the credentials of the workflow's namespace's Secrets."""

    def __init__(
        self,
        store: Store,
        repository_for: Callable[[Workflow], ArtifactRepository | None] | None = None,
    ) -> None:
        self._store = store
        self._repository_for = repository_for

    def __call__(self, wf: Workflow, artifact: Artifact) -> DataListing:
        try:
            repo = self._repository_for(wf) if self._repository_for is not None else None
            secrets = StoreSecrets(self._store, wf.metadata.namespace or "default")
            drivers = default_drivers(repo, secrets)
            located = _placed(artifact, repo)
            if location_kind(located) is None:
                return DataListing(error="data.source.artifactPaths has no location")
            with tempfile.TemporaryDirectory(prefix="wf-data-") as scratch:
                dest = Path(scratch) / "source"
                driver_for(drivers, located).load(located, dest)
                paths = paths_under(dest, _key(located))
        except WorkflowEngineError as err:
            return DataListing(error=f"data.source.artifactPaths: {err}")
        if len(paths) > MAX_PATHS:
            return DataListing(error=f"data source lists {len(paths)} files, over {MAX_PATHS}")
        return DataListing(paths=paths)
