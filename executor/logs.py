"""`archiveLogs`: the main container's stdout and stderr kept as an output artifact.

Part of the executor's work (`executor.work`): when the template's
`archiveLocation.archiveLogs` (or, when that is unset, the repository's `archiveLogs`)
is true, the user's command runs with `Sandbox.run(capture=...)` so its output is also
written to a host file outside the container; after the command that file is stored
as the artifact `main-logs` at `<keyFormat>/main.log` (unarchived), as Argo does, and
listed with the node's output artifacts. Failed commands keep their logs too.
"""

from __future__ import annotations

from pathlib import Path

from executor.outputs import Collected, archive_key
from workflow_engine.artifacts import (
    ArtifactRepository,
    Drivers,
    driver_for,
    locate,
    render_key_format,
)
from workflow_engine.errors import PermanentError, WorkflowEngineError
from workflow_engine.spec.artifacts import Artifact
from workflow_engine.spec.templates import Template

LOGS_ARTIFACT = "main-logs"
LOGS_FILE = "main.log"


def logs_wanted(template: Template, repo: ArtifactRepository | None) -> bool:
    loc = template.archive_location
    if loc is not None and loc.archive_logs is not None:
        return loc.archive_logs
    return bool(repo is not None and repo.archive_logs)


def save_logs(
    capture: Path,
    template: Template,
    drivers: Drivers,
    repo: ArtifactRepository | None,
    key_variables: dict[str, str],
    into: Collected,
) -> None:
    """Store the captured output as `main-logs`; a failure is an output error."""
    try:
        capture.touch(exist_ok=True)
        artifact = _logs_location(template, repo, key_variables)
        saved = driver_for(drivers, artifact).save(capture, artifact)
    except (WorkflowEngineError, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        into.errors.append(f"archiving the container's logs: {reason}")
        return
    into.outputs.setdefault("artifacts", []).append(saved.to_dict())


def _logs_location(
    template: Template, repo: ArtifactRepository | None, key_variables: dict[str, str]
) -> Artifact:
    bare = Artifact(name=LOGS_ARTIFACT)
    loc = template.archive_location
    own_s3 = loc.s3 if loc is not None and loc.s3 is not None else None
    prefix = archive_key(template)
    if own_s3 is not None and (own_s3.bucket or own_s3.endpoint):
        key = f"{prefix}/{LOGS_FILE}" if prefix else LOGS_FILE
        return bare.model_copy(update={"s3": own_s3.model_copy(update={"key": key})})
    if repo is None or repo.kind is None:
        raise PermanentError("archiveLogs is on but no artifact repository is configured")
    prefix = prefix or render_key_format(repo.key_format, key_variables)
    return locate(bare, repo, f"{prefix}/{LOGS_FILE}" if prefix else LOGS_FILE)
