"""After the user's command: the result, output parameters and output artifacts.

Part of the executor's work (`executor.work`). Follows Argo's executor: one trailing
newline is trimmed from `result` and from parameter files, a parameter whose file is
missing takes `valueFrom.default`, an optional output artifact may be missing, and
outputs go to the artifact repository under `<keyFormat>/<name>.tgz`.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workflow_engine.artifacts import (
    ArtifactRepository,
    Drivers,
    describe,
    driver_for,
    locate,
    location_kind,
    output_key,
    pack,
    pack_zip,
    render_key_format,
)
from workflow_engine.artifacts.archive import DEFAULT_COMPRESSION_LEVEL
from workflow_engine.errors import PermanentError, WorkflowEngineError
from workflow_engine.ports import RunResult, Sandbox
from workflow_engine.spec.artifacts import Artifact
from workflow_engine.spec.templates import Template

RESULT_LIMIT = 256 * 1024  # bytes of stdout kept as outputs.result, as Argo does


@dataclass
class Collected:
    outputs: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def result_text(run: RunResult) -> tuple[str, str]:
    """(outputs.result, a note when it was cut to its last RESULT_LIMIT bytes)."""
    out = run.stdout.decode("utf-8", errors="replace")
    out = out.removesuffix("\n")
    note = f"result cut to the last {RESULT_LIMIT} bytes of stdout" if run.stdout_truncated else ""
    return out, note


def collect_parameters(template: Template, sandbox: Sandbox, into: Collected) -> None:
    params = []
    for p in (template.outputs.parameters if template.outputs else None) or ():
        source = p.value_from.path if p.value_from else None
        if not source:
            continue
        try:
            value = sandbox.host_path(source).read_bytes().decode("utf-8", errors="replace")
            value = value.removesuffix("\n")
        except OSError as exc:
            if p.value_from is not None and p.value_from.default is not None:
                value = p.value_from.default
            else:
                into.errors.append(
                    f"output parameter {p.name!r}: cannot read {source}: {exc.strerror or exc}"
                )
                continue
        entry = {"name": p.name, "value": value}
        if p.global_name:
            entry["globalName"] = p.global_name
        params.append(entry)
    if params:
        into.outputs["parameters"] = params


def collect_artifacts(
    template: Template,
    sandbox: Sandbox,
    drivers: Drivers,
    repo: ArtifactRepository | None,
    key_variables: dict[str, str],
    into: Collected,
) -> None:
    wanted = [a for a in (template.outputs.artifacts if template.outputs else None) or () if a.path]
    if not wanted:
        return
    saved = []
    with tempfile.TemporaryDirectory(prefix="wf-exec-") as tmp:
        for artifact in wanted:
            try:
                done = _save(artifact, template, sandbox, drivers, repo, key_variables, Path(tmp))
            except (WorkflowEngineError, OSError) as exc:
                into.errors.append(f"output {describe(artifact)}: {_reason(exc)}")
                continue
            if done is None:
                into.notes.append(f"optional output artifact {artifact.name!r} missing: skipped")
            else:
                saved.append(done.to_dict())
    if saved:
        into.outputs["artifacts"] = saved


def _save(
    artifact: Artifact,
    template: Template,
    sandbox: Sandbox,
    drivers: Drivers,
    repo: ArtifactRepository | None,
    key_variables: dict[str, str],
    tmp: Path,
) -> Artifact | None:
    assert artifact.path is not None
    src = sandbox.host_path(artifact.path)
    if not src.exists():
        if artifact.optional:
            return None
        raise PermanentError(f"path {artifact.path} does not exist")
    src, extension = _stage(artifact, src, tmp)
    if location_kind(artifact) is None:
        if repo is None:
            raise PermanentError("no location given and no artifact repository configured")
        prefix = archive_key(template) or render_key_format(repo.key_format, key_variables)
        artifact = locate(artifact, repo, output_key(prefix, artifact, extension))
    return driver_for(drivers, artifact).save(src, artifact)


def _stage(artifact: Artifact, src: Path, tmp: Path) -> tuple[Path, str]:
    """The file to upload and its key's extension, per the archive strategy (tar by
    default; `none` uploads the path as it is, with no extension)."""
    archive = artifact.archive
    if archive is not None and archive.none is not None:
        return src, ""
    if archive is not None and archive.zip is not None:
        packed = tmp / f"{artifact.name}.zip"
        pack_zip(src, packed)
        return packed, ".zip"
    level = archive.tar.compression_level if archive and archive.tar else None
    packed = tmp / f"{artifact.name}.tgz"
    pack(src, packed, compression_level=DEFAULT_COMPRESSION_LEVEL if level is None else level)
    return packed, ".tgz"


def archive_key(template: Template) -> str:
    """A key prefix from the template's `archiveLocation` (local or s3 key), if any."""
    loc = template.archive_location
    if loc is None:
        return ""
    section = loc.local or loc.s3
    return ((section.key if section is not None else None) or "").strip("/")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)
