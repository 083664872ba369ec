"""The `local` artifact driver: the embedded mode's default artifact repository, a
directory on this machine. An artifact's `local.key` is a path relative to it.

Writes land under a temporary name and are renamed into place, so a reader never sees
half an object; a key may not leave the directory.
"""

from __future__ import annotations

import errno
import os
import shutil
import threading
from pathlib import Path, PurePosixPath

from workflow_engine.artifacts.base import ArtifactDriver
from workflow_engine.errors import NotFound, PermanentError, TransientError
from workflow_engine.spec.artifacts import Artifact, LocalArtifact

_TRANSIENT_ERRNOS = frozenset({errno.EAGAIN, errno.EINTR, errno.EBUSY, errno.ETIMEDOUT})


class LocalDriver:
    def __init__(self, root: Path) -> None:
        self._root = root

    def load(self, artifact: Artifact, dest: Path) -> None:
        src = self._path(artifact)
        try:
            if src.is_dir():
                shutil.copytree(src, dest, symlinks=True)
            else:
                shutil.copyfile(src, dest)
        except FileNotFoundError:
            raise NotFound(
                f"artifact {artifact.name!r}: no object at key {_key(artifact)!r}"
            ) from None
        except OSError as exc:
            raise _translate(exc, artifact, "load") from None

    def save(self, src: Path, artifact: Artifact) -> Artifact:
        target = self._path(artifact)
        partial = target.with_name(f".{target.name}.partial-{os.getpid()}-{threading.get_ident()}")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.rmtree(partial, ignore_errors=True)
                shutil.copytree(src, partial, symlinks=True)
                if target.is_dir():
                    shutil.rmtree(target)
            else:
                shutil.copyfile(src, partial)
            os.replace(partial, target)
        except OSError as exc:
            _discard(partial)
            raise _translate(exc, artifact, "save") from None
        return artifact

    def delete(self, artifact: Artifact) -> None:
        target = self._path(artifact)
        try:
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
        except OSError as exc:
            raise _translate(exc, artifact, "delete") from None

    def _path(self, artifact: Artifact) -> Path:
        key = _key(artifact)
        parts = PurePosixPath(key).parts
        if not key or key.startswith("/") or ".." in parts:
            raise PermanentError(
                f"artifact {artifact.name!r}: key {key!r} must be a relative path without '..'"
            )
        return self._root.joinpath(*parts)


def _discard(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _key(artifact: Artifact) -> str:
    if artifact.local is None:
        raise PermanentError(f"artifact {artifact.name!r} has no local location")
    return artifact.local.key


def _translate(exc: OSError, artifact: Artifact, op: str) -> Exception:
    message = f"artifact {artifact.name!r}: {op} at key {_key(artifact)!r}: {exc.strerror or exc}"
    if exc.errno in _TRANSIENT_ERRNOS:
        return TransientError(message)
    return PermanentError(message)


class KeyOnlyS3ToLocal:
    """The `s3` driver when the default repository is the local directory: a key-only
    `s3: {key: K}` names object K of the default repository (as Argo resolves it), so it
    is the local object K; an s3 location with a bucket or endpoint of its own still
    goes to S3."""

    def __init__(self, s3: ArtifactDriver, local: ArtifactDriver) -> None:
        self._s3 = s3
        self._local = local

    def load(self, artifact: Artifact, dest: Path) -> None:
        local = as_local(artifact)
        if local is None:
            self._s3.load(artifact, dest)
        else:
            self._local.load(local, dest)

    def save(self, src: Path, artifact: Artifact) -> Artifact:
        local = as_local(artifact)
        if local is None:
            return self._s3.save(src, artifact)
        self._local.save(src, local)
        return artifact

    def delete(self, artifact: Artifact) -> None:
        local = as_local(artifact)
        if local is None:
            self._s3.delete(artifact)
        else:
            self._local.delete(local)


def as_local(artifact: Artifact) -> Artifact | None:
    """The artifact at the local key its key-only s3 location names; None otherwise."""
    loc = artifact.s3
    if loc is None or loc.bucket is not None or loc.endpoint is not None or not loc.key:
        return None
    return artifact.model_copy(update={"s3": None, "local": LocalArtifact(key=loc.key)})
