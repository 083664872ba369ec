"""Before the user's command: input artifacts into place, the script source staged.

Part of the executor's work (`executor.work`). Paths are container paths. Files are
written where the container's processes see them; when the sandbox says the links
under that place are the container's (`Sandbox.host_root`, an overlay's upper
directory or a volume's directory), every component is opened without following a
link, so nothing a pod made (say `/work -> /etc` in a volume) can steer a write onto
the host. The fetched object lands in a fresh private directory beside the target,
reached through a descriptor, and archives are unpacked by
`workflow_engine.artifacts.archive.unpack_at` under the same descriptor, by an
unprivileged chrooted child when this process is root (`confined=True`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from workflow_engine.artifacts import Drivers, describe, driver_for, is_tarball, location_kind
from workflow_engine.artifacts.archive import unpack_at
from workflow_engine.artifacts.extract import (
    ExtractLimits,
    lstat_at,
    member_parts,
    open_dir_beneath,
    remove_entry,
)
from workflow_engine.errors import NotFound, PermanentError
from workflow_engine.ports import Sandbox
from workflow_engine.spec.artifacts import Artifact
from workflow_engine.spec.templates import Template

SCRIPT_PATH = "/wf/staging/script"
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_NOFOLLOW = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


@contextmanager
def target(sandbox: Sandbox, path: str) -> Iterator[tuple[int, str]]:
    """(descriptor of the parent directory, entry name) of the container path `path`,
    its parents made (0755) as needed."""
    confined = sandbox.host_root(path)
    if confined is None:
        host = sandbox.host_path(path)
        host.parent.mkdir(parents=True, exist_ok=True)
        fd, leaf = os.open(host.parent, _DIR), host.name
    else:
        root, rel = confined
        parts = member_parts(rel)
        if not parts:
            raise PermanentError(f"{path!r}: cannot write over the container's root")
        root.mkdir(parents=True, exist_ok=True)
        root_fd = os.open(root, _DIR)
        try:
            fd = open_dir_beneath(root_fd, parts[:-1], path, create=True, mode=0o755)
        finally:
            os.close(root_fd)
        leaf = parts[-1]
    try:
        yield fd, leaf
    finally:
        os.close(fd)


def stage_script(template: Template, sandbox: Sandbox) -> None:
    if template.script is None:
        return
    with target(sandbox, SCRIPT_PATH) as (parent, leaf):
        # tmp + rename: a runtime that adopts a running pod calls the executor again, and
        # the script's shell, still running, must never see a half-written file
        staged = f".{leaf}.tmp"
        remove_entry(staged, parent)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        with open(os.open(staged, flags, 0o755, dir_fd=parent), "w", encoding="utf-8") as f:
            f.write(template.script.source)
            os.fchmod(f.fileno(), 0o755)
        os.replace(staged, leaf, src_dir_fd=parent, dst_dir_fd=parent)


def fetch_inputs(
    template: Template, sandbox: Sandbox, drivers: Drivers, limits: ExtractLimits | None = None
) -> list[str]:
    """Load every input artifact; returns log lines for optional ones skipped."""
    notes: list[str] = []
    for artifact in (template.inputs.artifacts if template.inputs else None) or ():
        if location_kind(artifact) is None or _empty_location(artifact):
            if artifact.optional:
                notes.append(f"optional input artifact {artifact.name!r} not supplied: skipped")
                continue
            raise PermanentError(f"required input artifact {artifact.name!r} not supplied")
        if not artifact.path:
            raise PermanentError(f"input artifact {artifact.name!r} has no path")
        with target(sandbox, artifact.path) as (parent, leaf):
            if not _load(artifact, parent, leaf, drivers, limits or ExtractLimits()):
                notes.append(f"optional {describe(artifact)} not found: skipped")
    return notes


def _empty_location(artifact: Artifact) -> bool:
    """A location whose key, URL or repository is empty names nothing: Argo treats the
    artifact as not supplied (skipped when optional)."""
    kind = location_kind(artifact)
    field = _NAMING_FIELD.get(kind or "")
    return field is not None and not getattr(getattr(artifact, str(kind)), field)


_NAMING_FIELD = {"s3": "key", "local": "key", "http": "url", "git": "repo"}


def _load(
    artifact: Artifact, parent: int, leaf: str, drivers: Drivers, limits: ExtractLimits
) -> bool:
    scratch = f".{leaf}.fetch"
    remove_entry(scratch, parent)
    os.mkdir(scratch, 0o700, dir_fd=parent)
    try:
        with _opened(open_dir_beneath(parent, (scratch,), scratch, create=False)) as fd:
            # the driver writes by path: a descriptor's /proc path pins the directory
            fetched = Path(f"/proc/{os.getpid()}/fd/{fd}/data")
            try:
                driver_for(drivers, artifact).load(artifact, fetched)
            except NotFound:
                if artifact.optional:
                    return False
                raise
            _place(artifact, fetched, fd, parent, leaf, limits)
    finally:
        remove_entry(scratch, parent)
    if artifact.mode is not None:
        _chmod(parent, leaf, artifact.mode, bool(artifact.recurse_mode))
    return True


def _place(
    artifact: Artifact, fetched: Path, fd: int, parent: int, leaf: str, limits: ExtractLimits
) -> None:
    archive = artifact.archive
    if archive is not None and archive.zip is not None:
        unpack_at(fetched, parent, leaf, "zip", limits, confined=True)
    elif (archive is None or archive.none is None) and (
        (archive is not None and archive.tar is not None) or is_tarball(fetched)
    ):
        unpack_at(fetched, parent, leaf, "tar", limits, confined=True)
    else:
        old, new = lstat_at(leaf, parent), lstat_at("data", fd)
        if old is not None and (stat.S_ISDIR(old.st_mode) or (new and stat.S_ISDIR(new.st_mode))):
            remove_entry(leaf, parent)
        # over a file: atomic, for a process already reading it
        os.replace("data", leaf, src_dir_fd=fd, dst_dir_fd=parent)


def _chmod(parent: int, leaf: str, mode: int, recurse: bool) -> None:
    """`mode` on the artifact (and everything under it); links are left alone."""
    try:
        fd = os.open(leaf, _NOFOLLOW, dir_fd=parent)
    except OSError:
        return  # a link, or gone: nothing of ours to change
    with _opened(fd):
        os.fchmod(fd, mode)
        if not (recurse and stat.S_ISDIR(os.fstat(fd).st_mode)):
            return
        for _root, dirs, files, root_fd in os.fwalk(".", dir_fd=fd):
            for name in [*dirs, *files]:
                try:
                    child = os.open(name, _NOFOLLOW, dir_fd=root_fd)
                except OSError:
                    continue  # a link
                with _opened(child):
                    os.fchmod(child, mode)


@contextmanager
def _opened(fd: int) -> Iterator[int]:
    try:
        yield fd
    finally:
        os.close(fd)
