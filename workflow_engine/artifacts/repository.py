"""Artifact repository configuration in Argo's shape, and where an output goes in it.

The controller passes the repository to every pod as JSON (`WF_ARTIFACT_REPOSITORY`):

    {"archiveLogs": false,
     "local": {"path": "/home/me/.local/state/wf/artifacts",
               "keyFormat": "{{workflow.name}}/{{pod.name}}"}}

or, as Argo's `artifact-repositories` ConfigMap entries, an `s3` section (bucket,
endpoint, credentials secrets, `keyFormat`). An output artifact without a location gets
`<rendered keyFormat>/<artifact name>.tgz` (`<base name of path>` when not archived) in
the repository's kind; the default keyFormat is `{{workflow.name}}/{{pod.name}}`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from pydantic import ValidationError

from workflow_engine.artifacts.base import (
    DEFAULT_RETRY,
    ArtifactDriver,
    RetryingDriver,
    RetryPolicy,
)
from workflow_engine.artifacts.lazy_drivers import LazyDrivers
from workflow_engine.artifacts.local import KeyOnlyS3ToLocal, LocalDriver
from workflow_engine.artifacts.raw import RawDriver
from workflow_engine.artifacts.secrets import NoSecrets, SecretResolver
from workflow_engine.errors import PermanentError, SpecError, SpecErrors
from workflow_engine.spec.artifacts import Artifact, LocalArtifact, S3Artifact
from workflow_engine.spec.base import ArgoModel

DEFAULT_KEY_FORMAT = "{{workflow.name}}/{{pod.name}}"
KEY_VARIABLES = (
    "workflow.name",
    "workflow.namespace",
    "workflow.uid",
    "pod.name",
    "node.id",
    "workflow.creationTimestamp.Y",
    "workflow.creationTimestamp.m",
    "workflow.creationTimestamp.d",
    "workflow.creationTimestamp.H",
    "workflow.creationTimestamp.M",
    "workflow.creationTimestamp.S",
)
_TAG = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


class LocalArtifactRepository(ArgoModel):
    path: str
    key_format: str | None = None


class S3ArtifactRepository(S3Artifact):
    key_format: str | None = None
    key_prefix: str | None = None


class ArtifactRepository(ArgoModel):
    archive_logs: bool | None = None
    local: LocalArtifactRepository | None = None
    s3: S3ArtifactRepository | None = None

    @property
    def kind(self) -> str | None:
        if self.local is not None:
            return "local"
        if self.s3 is not None:
            return "s3"
        return None

    @property
    def key_format(self) -> str:
        section = self.local or self.s3
        fmt = section.key_format if section is not None else None
        if fmt:
            return fmt
        prefix = self.s3.key_prefix if self.s3 is not None else None
        return f"{prefix.strip('/')}/{DEFAULT_KEY_FORMAT}" if prefix else DEFAULT_KEY_FORMAT


def parse_repository(text: str) -> ArtifactRepository:
    """The repository from its JSON; SpecErrors with field paths when it is malformed."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError("artifactRepository", f"not valid JSON: {exc.msg}") from None
    try:
        repo = ArtifactRepository.model_validate(data)
    except ValidationError as exc:
        from workflow_engine.spec.loader import validation_errors  # yaml: only on bad input

        raise SpecErrors(validation_errors(exc, "artifactRepository")) from None
    if repo.local is not None and repo.s3 is not None:
        raise SpecError("artifactRepository", "set one of `local` and `s3`, not both")
    return repo


def render_key_format(key_format: str, variables: Mapping[str, str]) -> str:
    """Substitute `{{workflow.name}}`-style tags; an unknown tag is a PermanentError."""

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in variables:
            raise PermanentError(
                f"artifact repository keyFormat {key_format!r}: unknown variable {name!r} "
                f"(known: {', '.join(KEY_VARIABLES)})"
            )
        return variables[name]

    return _TAG.sub(sub, key_format).strip("/")


def output_key(prefix: str, artifact: Artifact, extension: str = ".tgz") -> str:
    """`<prefix>/<name><extension>` (`.tgz`, `.zip`), or `<prefix>/<base name of path>`
    for an unarchived output (`extension=""`)."""
    name = f"{artifact.name}{extension}" if extension else Path(artifact.path or artifact.name).name
    return f"{prefix}/{name}" if prefix else name


def locate(artifact: Artifact, repo: ArtifactRepository, key: str) -> Artifact:
    """The artifact placed at `key` in the repository's kind of storage."""
    if repo.local is not None:
        return artifact.model_copy(update={"local": LocalArtifact(key=key)})
    if repo.s3 is not None:
        return artifact.model_copy(update={"s3": S3Artifact(key=key)})
    raise PermanentError(
        f"artifact {artifact.name!r} has no location and no artifact repository is configured"
    )


def default_drivers(
    repo: ArtifactRepository | None,
    secrets: SecretResolver | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
) -> LazyDrivers:
    """The drivers a pod needs, each wrapped in retries: raw, git and http always, the
    repository's kind (local directory or s3) when configured, and s3 for artifacts
    that carry a complete location of their own (with the local repository, a key-only
    `s3: {key}` is an object of the local one, as Argo resolves it against the default).
    `secrets` reads credentials (none configured: any secret reference is refused with a
    clear error). Each driver is built (and its library imported) on first lookup."""
    secrets = secrets if secrets is not None else NoSecrets()

    def wrap(driver: ArtifactDriver) -> RetryingDriver:
        return RetryingDriver(
            driver,
            attempts=retry.attempts,
            initial_wait=retry.initial_wait,
            max_wait=retry.max_wait,
        )

    local = (
        LocalDriver(Path(repo.local.path)) if repo is not None and repo.local is not None else None
    )

    def git() -> RetryingDriver:
        from workflow_engine.artifacts.git import GitDriver

        return wrap(GitDriver(secrets))

    def http() -> RetryingDriver:
        from workflow_engine.artifacts.http import HTTPDriver

        return wrap(HTTPDriver(secrets))

    def s3() -> RetryingDriver:
        from workflow_engine.artifacts.s3 import S3Driver  # minio: only when asked for

        if local is not None and repo is not None and repo.s3 is None:
            return wrap(KeyOnlyS3ToLocal(S3Driver(None, secrets), local))
        return wrap(S3Driver(repo.s3 if repo is not None else None, secrets))

    raw = wrap(RawDriver())
    factories: dict[str, Callable[[], RetryingDriver]] = {
        "raw": lambda: raw,
        "git": git,
        "http": http,
        "s3": s3,
    }
    if local is not None:
        wrapped_local = wrap(local)
        factories["local"] = lambda: wrapped_local
    return LazyDrivers(factories)
