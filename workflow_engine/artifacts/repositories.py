"""Choosing a workflow's artifact repository, in Argo's configuration shape.

Argo keeps named repositories in a ConfigMap (by default `artifact-repositories`) whose
data keys each hold one repository as YAML; the annotation
`workflows.argoproj.io/default-artifact-repository` names the key to use when a
workflow has no `artifactRepositoryRef`. In Kubernetes the controller reads these
ConfigMaps; embedded, the same documents live in `<state dir>/artifact-repositories.yaml`
(one or more ConfigMaps, YAML documents separated by `---`). With nothing configured,
the embedded default is the local-directory repository.

The controller calls `load_repositories_file` (or `RepositoryConfig.from_objects` on
ConfigMaps it listed) once, and `choose_repository` per workflow; the choice gives the
repository for `WF_ARTIFACT_REPOSITORY` and Argo's `status.artifactRepositoryRef`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from workflow_engine.artifacts.repository import ArtifactRepository
from workflow_engine.errors import PermanentError, SpecError, SpecErrors
from workflow_engine.spec.artifacts import ArtifactRepositoryRef
from workflow_engine.spec.loader import validation_errors

CONFIG_MAP_NAME = "artifact-repositories"
DEFAULT_ANNOTATION = "workflows.argoproj.io/default-artifact-repository"
REPOSITORIES_FILE = "artifact-repositories.yaml"


@dataclass(frozen=True)
class NamedRepositories:
    """One `artifact-repositories`-style ConfigMap, parsed."""

    name: str
    namespace: str
    repositories: Mapping[str, ArtifactRepository]
    default_key: str | None = None


@dataclass(frozen=True)
class RepositoryChoice:
    """The repository a workflow uses and where it came from (Argo's
    `status.artifactRepositoryRef`)."""

    repository: ArtifactRepository
    config_map: str | None = None
    key: str | None = None
    namespace: str | None = None
    default: bool = False

    def status_ref(self) -> dict[str, Any]:
        """`status.artifactRepositoryRef` as Argo writes it."""
        out: dict[str, Any] = {}
        if self.config_map is not None:
            out["configMap"] = self.config_map
        if self.key is not None:
            out["key"] = self.key
        if self.namespace is not None:
            out["namespace"] = self.namespace
        if self.default:
            out["default"] = True
        out["artifactRepository"] = self.repository.to_dict()
        return out

    def repository_json(self) -> str:
        """What the pod builder puts in WF_ARTIFACT_REPOSITORY."""
        return json.dumps(self.repository.to_dict(), separators=(",", ":"))


@dataclass(frozen=True)
class RepositoryConfig:
    config_maps: tuple[NamedRepositories, ...] = field(default_factory=tuple)

    @classmethod
    def from_objects(cls, objects: Iterable[Mapping[str, Any]]) -> RepositoryConfig:
        """From ConfigMap objects (other kinds are ignored). SpecErrors with paths when
        a repository is malformed."""
        maps = []
        for i, obj in enumerate(objects):
            if obj.get("kind") == "ConfigMap":
                maps.append(_parse_config_map(obj, f"[{i}]"))
        return cls(tuple(maps))

    def find(self, name: str, namespace: str) -> NamedRepositories | None:
        for cm in self.config_maps:
            if cm.name == name and cm.namespace == namespace:
                return cm
        return None


def load_repositories_file(path: Path) -> RepositoryConfig:
    """The embedded configuration file; an absent file is an empty configuration."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return RepositoryConfig()
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise SpecError(str(path), f"not valid YAML: {exc}") from None
    bad = [i for i, d in enumerate(docs) if not isinstance(d, dict)]
    if bad:
        raise SpecError(f"{path}[{bad[0]}]", "expected a ConfigMap object")
    try:
        return RepositoryConfig.from_objects(docs)
    except SpecErrors as exc:
        raise SpecErrors([SpecError(f"{path}{e.path}", e.reason) for e in exc.errors]) from None
    except SpecError as exc:
        raise SpecError(f"{path}{exc.path}", exc.reason) from None


def choose_repository(
    config: RepositoryConfig,
    ref: ArtifactRepositoryRef | None,
    namespace: str,
    fallback: ArtifactRepository,
    controller_namespace: str | None = None,
) -> RepositoryChoice:
    """The workflow's repository, as Argo picks it:

    - with `artifactRepositoryRef`: ConfigMap `configMap` (default
      `artifact-repositories`) in the workflow's namespace (then the controller's),
      key `key` (default: the ConfigMap's default annotation); a missing one is a
      PermanentError naming what was looked for;
    - without: the default key of the workflow namespace's `artifact-repositories`
      ConfigMap when it has one;
    - otherwise `fallback` (the controller's default; embedded: the local directory).
    """
    namespaces = [namespace]
    if controller_namespace and controller_namespace != namespace:
        namespaces.append(controller_namespace)
    if ref is not None and (ref.config_map or ref.key):
        name = ref.config_map or CONFIG_MAP_NAME
        for ns in namespaces:
            cm = config.find(name, ns)
            if cm is None:
                continue
            key = ref.key or cm.default_key
            if key is None:
                raise PermanentError(
                    f"artifactRepositoryRef: ConfigMap {ns}/{name} has no key given and no "
                    f"{DEFAULT_ANNOTATION} annotation"
                )
            if key not in cm.repositories:
                known = ", ".join(sorted(cm.repositories)) or "none"
                raise PermanentError(
                    f"artifactRepositoryRef: ConfigMap {ns}/{name} has no key {key!r} "
                    f"(keys: {known})"
                )
            return RepositoryChoice(cm.repositories[key], name, key, ns)
        raise PermanentError(
            f"artifactRepositoryRef: ConfigMap {name!r} not found in namespace "
            f"{' or '.join(namespaces)}"
        )
    cm = config.find(CONFIG_MAP_NAME, namespace)
    if cm is not None and cm.default_key and cm.default_key in cm.repositories:
        return RepositoryChoice(
            cm.repositories[cm.default_key], CONFIG_MAP_NAME, cm.default_key, namespace
        )
    return RepositoryChoice(fallback, default=True)


def _parse_config_map(obj: Mapping[str, Any], where: str) -> NamedRepositories:
    meta = obj.get("metadata") or {}
    name = meta.get("name") or ""
    if not name:
        raise SpecError(f"{where}.metadata.name", "a ConfigMap needs a name")
    annotations = meta.get("annotations") or {}
    repos: dict[str, ArtifactRepository] = {}
    errors: list[SpecError] = []
    for key, text in (obj.get("data") or {}).items():
        path = f"{where}.data.{key}"
        try:
            raw = yaml.safe_load(str(text)) if isinstance(text, str) else text
        except yaml.YAMLError as exc:
            errors.append(SpecError(path, f"not valid YAML: {exc}"))
            continue
        try:
            repo = ArtifactRepository.model_validate(raw or {})
        except ValidationError as exc:
            errors.extend(validation_errors(exc, path))
            continue
        if repo.local is not None and repo.s3 is not None:
            errors.append(SpecError(path, "set one of `local` and `s3`, not both"))
            continue
        repos[key] = repo
    if errors:
        raise SpecErrors(errors)
    default = annotations.get(DEFAULT_ANNOTATION)
    return NamedRepositories(
        name=name,
        namespace=meta.get("namespace") or "default",
        repositories=repos,
        default_key=str(default) if default else None,
    )


def repository_of(workflow: Mapping[str, Any], fallback: ArtifactRepository) -> ArtifactRepository:
    """The repository a workflow used, from its `status.artifactRepositoryRef` (as
    `RepositoryChoice.status_ref()` wrote it), else `fallback`. For GC and `wf cp`,
    which must find key-only outputs where the workflow put them."""
    ref = (workflow.get("status") or {}).get("artifactRepositoryRef") or {}
    data = ref.get("artifactRepository")
    if not data:
        return fallback
    try:
        return ArtifactRepository.model_validate(data)
    except ValidationError as exc:
        raise SpecErrors(
            validation_errors(exc, "status.artifactRepositoryRef.artifactRepository")
        ) from None
