"""Each workflow's artifact repository, its pods' PodConfig, and artifact GC.

Sits in the controller between the engine and the artifacts room. `ArtifactWiring` is
built once per controller (the repositories file read at start, the built-in default
as fallback) and wraps the engine:

- `operate`: before a workflow's first decision the repository is chosen
  (`choose_repository`: `spec.artifactRepositoryRef`, else the namespace's default,
  else the fallback) and recorded in `status.artifactRepositoryRef`; from then on the
  workflow keeps the recorded one (`repository_of`). An unknown ref, or a malformed
  repositories file, makes the workflow Error with the reason.
- `collect_artifacts`: carries out a Decision's `CollectArtifacts` action (the engine
  chose the objects) in the workflow's recorded repository.
- `pod_config`: the PodConfig of that workflow's pods (WF_ARTIFACT_REPOSITORY).
- `collect_before_deletion`: what `wf delete` runs before a workflow goes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from workflow_engine.artifacts import (
    ArtifactRepository,
    Downloaded,
    GCReport,
    NoSecrets,
    RepositoryConfig,
    SecretResolver,
    StoreSecrets,
    choose_repository,
    default_drivers,
    delete_artifacts,
    download_outputs,
    repository_of,
)
from workflow_engine.artifacts.download import fetch_artifact
from workflow_engine.artifacts.repositories import CONFIG_MAP_NAME
from workflow_engine.controller.configmaps import CONFIG_MAP_KIND
from workflow_engine.engine.artifact_gc import (
    CollectArtifacts,
    Collected,
    StoredArtifact,
    due_artifacts,
)
from workflow_engine.engine.decision import Decision, error_decision
from workflow_engine.engine.templates import exec_spec
from workflow_engine.errors import NotFound, PermanentError, WorkflowEngineError
from workflow_engine.podbuilder import PodConfig
from workflow_engine.spec.artifacts import ArtifactRepositoryRef
from workflow_engine.spec.models import Artifact, Workflow, WorkflowStatus
from workflow_engine.spec.status_codec import nodes_of, status_from_dict
from workflow_engine.store.base import Obj, Store
from workflow_engine.vocabulary import COMPLETED_PHASES

log = logging.getLogger(__name__)

_CACHE_LIMIT = 256

Operate = Callable[..., Decision]
DeletionHook = Callable[[Obj], list[str]]


class ArtifactWiring:
    def __init__(
        self,
        config: RepositoryConfig,
        fallback: ArtifactRepository,
        base: PodConfig,
        store: Store | None = None,
        broken: str | None = None,
    ) -> None:
        self.config = config
        self.fallback = fallback
        self.base = base
        self.store = store
        self.broken = broken  # why the repositories file could not be read, if it could not
        self._configs: dict[str, PodConfig] = {}

    # -- the repository of a workflow -------------------------------------------------

    def recorded(self, status: WorkflowStatus | None) -> dict[str, Any] | None:
        ref = status.artifact_repository_ref if status is not None else None
        if ref is None or ref.artifact_repository is None:
            return None
        return ref.to_dict()

    def with_repository(self, wf: Workflow) -> Workflow:
        """`wf` with `status.artifactRepositoryRef` set (chosen now if not recorded).
        Raises PermanentError when the ref names no repository."""
        if self.recorded(wf.status) is not None:
            return wf
        if self.broken is not None:
            raise PermanentError(f"artifact repositories: {self.broken}")
        ns = wf.metadata.namespace or "default"
        choice = choose_repository(self.config, wf.spec.artifact_repository_ref, ns, self.fallback)
        status = (wf.status or WorkflowStatus()).to_dict()
        status["artifactRepositoryRef"] = choice.status_ref()
        return wf.model_copy(update={"status": WorkflowStatus.model_validate(status)})

    def repository(self, wf: Workflow) -> ArtifactRepository:
        """The repository `wf` recorded, else the fallback (data templates' sources)."""
        status = {"artifactRepositoryRef": self.recorded(wf.status)}
        return repository_of({"status": status}, self.fallback)

    def pod_config(self, wf: Workflow) -> PodConfig:
        ref = self.recorded(wf.status) or {}
        text = json.dumps(
            ref.get("artifactRepository") or self.fallback.to_dict(), separators=(",", ":")
        )
        found = self._configs.get(text)
        if found is None:
            if len(self._configs) >= _CACHE_LIMIT:
                self._configs.clear()
            found = self._configs[text] = replace(self.base, artifact_repository=text)
        return found

    # -- the engine, wrapped ------------------------------------------------------------

    def wrap(self, operate: Operate) -> Operate:
        """`operate` that first records the workflow's repository (a workflow whose
        repository cannot be chosen ends as Error)."""

        def wrapped(wf: Workflow, observed: Any, now: datetime, *rest: Any) -> Decision:
            if (wf.status is None or wf.status.phase not in COMPLETED_PHASES) and self.recorded(
                wf.status
            ) is None:
                try:
                    wf = self.with_repository(wf)
                except WorkflowEngineError as exc:
                    return error_decision(wf, now, str(exc))
            return operate(wf, observed, now, *rest)

        return wrapped

    # -- garbage collection --------------------------------------------------------------

    def collect_artifacts(self, wf: Workflow, action: CollectArtifacts) -> Collected:
        """Carry out a CollectArtifacts action in the workflow's recorded repository."""
        obj = {
            "metadata": {"namespace": wf.metadata.namespace},
            "status": {"artifactRepositoryRef": self.recorded(wf.status)},
        }
        report = self._delete(obj, action.artifacts)
        return Collected(
            deleted=frozenset((node_id, art.name) for node_id, art in report.deleted),
            failed=tuple(reason for _item, reason in report.failed),
        )

    def _delete(self, obj: Mapping[str, Any], items: tuple[StoredArtifact, ...]) -> GCReport:
        ns = (obj.get("metadata") or {}).get("namespace") or "default"
        secrets: SecretResolver = (
            StoreSecrets(self.store, ns) if self.store is not None else NoSecrets()
        )
        try:
            drivers = default_drivers(repository_of(obj, self.fallback), secrets)
        except WorkflowEngineError as exc:
            report = GCReport()
            report.failed.extend(((i.node_id, i.artifact), str(exc)) for i in items)
            return report
        return delete_artifacts(((i.node_id, i.artifact) for i in items), drivers)

    def load_artifact(
        self, namespace: str, repository_ref: Mapping[str, Any] | None, art: Artifact, target: Path
    ) -> None:
        """Fetch one artifact (a resource template's `manifestFrom`) to `target`, from
        the repository a workflow recorded, unpacking a tarball."""
        obj = {
            "metadata": {"namespace": namespace},
            "status": {"artifactRepositoryRef": repository_ref},
        }
        secrets: SecretResolver = (
            StoreSecrets(self.store, namespace) if self.store is not None else NoSecrets()
        )
        fetch_artifact(art, default_drivers(repository_of(obj, self.fallback), secrets), target)

    def collect_before_deletion(self, obj: Obj) -> list[str]:
        """Delete what a workflow's artifacts owe at deletion (OnWorkflowDeletion, and
        OnWorkflowCompletion not done yet); returns the failures, one line each."""
        try:
            status = status_from_dict(obj.get("status") or {})
            wf = Workflow.model_validate({k: v for k, v in obj.items() if k != "status"})
            spec = wf.spec
            if status.stored_workflow_template_spec is not None:
                spec = exec_spec(wf, status.stored_workflow_template_spec)
        except ValidationError as exc:  # written by hand: nothing can be chosen from it
            return [f"artifact GC skipped, the workflow cannot be read: {exc.errors()[0]['msg']}"]
        items = due_artifacts(spec, nodes_of(status), "deletion")
        if not items:
            return []
        return [reason for _item, reason in self._delete(obj, items).failed]


# -- what `wf` calls -------------------------------------------------------------------


def _fallback(default: Mapping[str, Any] | None) -> ArtifactRepository | None:
    return ArtifactRepository.model_validate(default) if default else None


def store_choice(store: Store, obj: Mapping[str, Any]) -> dict[str, Any] | None:
    """The repository a workflow that recorded none would get from the ConfigMaps in
    `store` (on a cluster: the API server's), as the Kubernetes controller chooses it:
    its `spec.artifactRepositoryRef`, else its namespace's `artifact-repositories`
    default; None when neither names one. For `wf cp` on a cluster, whose App has no
    built-in repository."""
    namespace = (obj.get("metadata") or {}).get("namespace") or "default"
    raw_ref = (obj.get("spec") or {}).get("artifactRepositoryRef")
    ref = ArtifactRepositoryRef.model_validate(raw_ref) if raw_ref else None
    names = {CONFIG_MAP_NAME, (ref.config_map if ref is not None else None) or CONFIG_MAP_NAME}
    maps = []
    for name in sorted(names):
        try:
            maps.append({**store.get(CONFIG_MAP_KIND, name, namespace), "kind": CONFIG_MAP_KIND})
        except NotFound:
            continue
    choice = choose_repository(
        RepositoryConfig.from_objects(maps), ref, namespace, ArtifactRepository()
    )
    return None if choice.repository.kind is None else choice.repository.to_dict()


def secrets_of(store: Store, obj: Mapping[str, Any]) -> SecretResolver:
    return StoreSecrets(store, (obj.get("metadata") or {}).get("namespace") or "default")


def copy_outputs(
    store: Store,
    obj: Obj,
    default: Mapping[str, Any] | None,
    dest: Path,
    *,
    node: str | None = None,
    artifact_name: str | None = None,
) -> list[Downloaded]:
    """`wf cp`: the workflow's output artifacts (all, one node's, or by name) fetched
    from the repository it recorded (else `default`) to `dest`."""
    repository = repository_of(obj, _fallback(default))  # type: ignore[arg-type]
    drivers = default_drivers(repository, secrets_of(store, obj))
    found = download_outputs(obj, drivers, dest, node=node, artifact_name=artifact_name)
    if not found:
        what = f" named {artifact_name!r}" if artifact_name else ""
        where = f" of node {node!r}" if node else ""
        name = obj["metadata"]["name"]
        raise NotFound(f"workflow {name!r} has no stored output artifact{what}{where}")
    return found


def deletion_collector(store: Store, default: Mapping[str, Any] | None) -> DeletionHook:
    """What `operations.delete` runs before each workflow goes: its artifacts' deletion-
    time collection; returns the failures (the workflow is deleted anyway)."""
    fallback = _fallback(default)

    def collect(obj: Obj) -> list[str]:
        if fallback is None and not (obj.get("status") or {}).get("artifactRepositoryRef"):
            return []
        wiring = ArtifactWiring(RepositoryConfig(), fallback, PodConfig(), store)  # type: ignore[arg-type]
        return wiring.collect_before_deletion(obj)

    return collect
