"""Before the user's command: input artifacts into place, the script source staged.

Part of the executor's work (`executor.work`). Paths are container paths; every file
is written at `sandbox.host_path(path)` so the container's processes see it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from workflow_engine.artifacts import (
    Drivers,
    describe,
    driver_for,
    is_tarball,
    location_kind,
    unpack_into,
    unzip_into,
)
from workflow_engine.errors import NotFound, PermanentError
from workflow_engine.ports import Sandbox
from workflow_engine.spec.models import Artifact, Template

SCRIPT_PATH = "/wf/staging/script"


def stage_script(template: Template, sandbox: Sandbox) -> None:
    if template.script is None:
        return
    path = sandbox.host_path(SCRIPT_PATH)
    path.parent.mkdir(parents=True, exist_ok=True)
    # tmp + rename: a runtime that adopts a running pod calls the executor again, and
    # the script's shell, still running, must never see a half-written file
    staged = path.with_name(path.name + ".tmp")
    staged.write_text(template.script.source, encoding="utf-8")
    staged.chmod(0o755)
    os.replace(staged, path)


def fetch_inputs(template: Template, sandbox: Sandbox, drivers: Drivers) -> list[str]:
    """Load every input artifact; returns log lines for optional ones skipped."""
    notes: list[str] = []
    for artifact in (template.inputs.artifacts if template.inputs else None) or ():
        if location_kind(artifact) is None:
            if artifact.optional:
                notes.append(f"optional input artifact {artifact.name!r} not supplied: skipped")
                continue
            raise PermanentError(f"required input artifact {artifact.name!r} not supplied")
        if not artifact.path:
            raise PermanentError(f"input artifact {artifact.name!r} has no path")
        if not _load(artifact, sandbox.host_path(artifact.path), drivers):
            notes.append(f"optional {describe(artifact)} not found: skipped")
    return notes


def _load(artifact: Artifact, dest: Path, drivers: Drivers) -> bool:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fetched = dest.with_name(dest.name + ".tmp")
    _remove(fetched)
    try:
        driver_for(drivers, artifact).load(artifact, fetched)
    except NotFound:
        if artifact.optional:
            return False
        raise
    archive = artifact.archive
    if archive is not None and archive.zip is not None:
        unzip_into(fetched, dest)
        _remove(fetched)
    elif (archive is None or archive.none is None) and (
        (archive is not None and archive.tar is not None) or is_tarball(fetched)
    ):
        unpack_into(fetched, dest)
        _remove(fetched)
    else:
        if dest.is_dir() and not dest.is_symlink():
            shutil.rmtree(dest)
        os.replace(fetched, dest)  # over a file: atomic, for a process already reading it
    if artifact.mode is not None:
        _chmod(dest, artifact.mode, bool(artifact.recurse_mode))
    return True


def _chmod(path: Path, mode: int, recurse: bool) -> None:
    path.chmod(mode)
    if recurse and path.is_dir():
        for root, dirs, files in os.walk(path):
            for name in [*dirs, *files]:
                os.chmod(os.path.join(root, name), mode, follow_symlinks=False)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
