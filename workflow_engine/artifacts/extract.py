"""Filling a directory from an untrusted archive without ever following a link.

Under `archive.unpack_into`/`unzip_into` (the executor's input artifacts, `wf cp`).
Archives come from other pods, and the extracting process may be root on the host,
so nothing here trusts a path: every member is created relative to an open directory
descriptor, one component at a time (`O_NOFOLLOW`, `dir_fd=`), so no component can be
a link, and a member never writes through an existing file (it is unlinked first and
re-created with `O_EXCL`). `tarfile`'s extraction filters are not relied on.

Rules (each refusal is a `PermanentError` naming the member):
- absolute names, `..` components, names over 4096 bytes: refused;
- devices, FIFOs and unknown member types: refused;
- a member under a link or a file (a directory replaced by a link): refused;
- symbolic links: relative targets only, created as links and never followed while
  extracting; when the tree is complete every link must resolve inside the final
  target (`finish`), or the whole archive is refused;
- hard links: only to a regular file this archive created;
- modes: permission bits only (no set-id, no sticky); directories stay owner-writable;
- bounds: total bytes written and member count (`ExtractLimits`), counted while
  streaming, not taken from headers.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from workflow_engine.errors import PermanentError

DEFAULT_MAX_BYTES = 16 * 1024**3
DEFAULT_MAX_MEMBERS = 200_000
MAX_NAME = 4096
_CHUNK = 1 << 20
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


@dataclass(frozen=True)
class ExtractLimits:
    """Bounds on one archive: bytes written in all (zip and gzip bombs) and members."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_members: int = DEFAULT_MAX_MEMBERS


def unsafe(name: str, why: str) -> PermanentError:
    return PermanentError(f"unsafe archive member {name!r}: {why}")


def member_parts(name: str) -> tuple[str, ...]:
    """The path components of a member name; refuses absolute names and `..`."""
    if len(name.encode("utf-8", "surrogateescape")) > MAX_NAME:
        raise unsafe(name[:80] + "...", f"name longer than {MAX_NAME} bytes")
    if "\x00" in name:
        raise unsafe(name, "NUL in name")
    if name.startswith("/"):
        raise unsafe(name, "absolute path")
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if ".." in parts:
        raise unsafe(name, "'..' component")
    return parts


def open_dir_beneath(
    root_fd: int, parts: tuple[str, ...], name: str, create: bool, mode: int = 0o700
) -> int:
    """A new descriptor of the directory `parts` under `root_fd`, each component opened
    without following links (and made with `mode` when missing and `create`)."""
    fd = os.dup(root_fd)
    try:
        for part in parts:
            try:
                nxt = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                os.mkdir(part, mode, dir_fd=fd)
                nxt = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise unsafe(
                        name, f"{part!r} on its path is a link or a file, not a directory"
                    ) from None
                raise
            os.close(fd)
            fd = nxt
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextmanager
def _opened(fd: int) -> Iterator[int]:
    try:
        yield fd
    finally:
        os.close(fd)


def lstat_at(name: str, dir_fd: int) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def remove_entry(name: str, dir_fd: int) -> None:
    """Remove `name` under `dir_fd` whatever it is, never following a link."""
    st = lstat_at(name, dir_fd)
    if st is None:
        return
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(name, dir_fd=dir_fd)
    else:
        os.unlink(name, dir_fd=dir_fd)


class Tree:
    """The directory being filled (`root_fd`, at host path `root`) and what went in."""

    def __init__(self, root_fd: int, root: str, limits: ExtractLimits) -> None:
        self.root_fd = root_fd
        self.root = os.path.realpath(root)
        self.limits = limits
        self.written = 0
        self.members = 0
        self._dir_modes: dict[tuple[str, ...], int] = {}
        self._files: set[tuple[str, ...]] = set()
        self._links: list[tuple[str, ...]] = []

    def _count(self, name: str) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise PermanentError(
                f"archive has more than {self.limits.max_members} members "
                f"(limit max_members); refused at {name!r}"
            )

    def _parent(self, parts: tuple[str, ...], name: str) -> int:
        return open_dir_beneath(self.root_fd, parts[:-1], name, create=True)

    def _clear(self, pfd: int, leaf: str, name: str) -> None:
        st = lstat_at(leaf, pfd)
        if st is not None:
            if stat.S_ISDIR(st.st_mode):
                raise unsafe(name, "would replace a directory")
            os.unlink(leaf, dir_fd=pfd)

    def add_dir(self, name: str, mode: int) -> None:
        self._count(name)
        parts = member_parts(name)
        if not parts:
            return
        with _opened(self._parent(parts, name)) as pfd:
            st = lstat_at(parts[-1], pfd)
            if st is None:
                os.mkdir(parts[-1], 0o700, dir_fd=pfd)
            elif not stat.S_ISDIR(st.st_mode):
                raise unsafe(name, "a directory member over a link or a file")
        self._dir_modes[parts] = (mode & 0o777) | 0o700

    def add_file(self, name: str, mode: int, data: IO[bytes], mtime: float | None = None) -> None:
        self._count(name)
        parts = member_parts(name)
        if not parts:
            raise unsafe(name, "a file without a name")
        with _opened(self._parent(parts, name)) as pfd:
            self._clear(pfd, parts[-1], name)
            fd = os.open(parts[-1], _NEW_FILE, 0o600, dir_fd=pfd)
            with open(fd, "wb") as out:
                while chunk := data.read(_CHUNK):
                    self.written += len(chunk)
                    if self.written > self.limits.max_bytes:
                        raise PermanentError(
                            f"archive expands to more than {self.limits.max_bytes} bytes "
                            f"(limit max_bytes); refused at {name!r}"
                        )
                    out.write(chunk)
                os.fchmod(fd, mode & 0o777)
                if mtime is not None:
                    # a time the file system cannot hold is not worth failing for
                    with contextlib.suppress(OverflowError, ValueError, OSError):
                        os.utime(fd, (mtime, mtime))
        self._files.add(parts)

    def add_symlink(self, name: str, target: str) -> None:
        self._count(name)
        parts = member_parts(name)
        if not parts:
            raise unsafe(name, "a link without a name")
        if not target or target.startswith("/") or "\x00" in target or len(target) > MAX_NAME:
            raise PermanentError(f"unsafe symlink {name!r} -> {target!r}: absolute or empty")
        depth = len(parts) - 1
        for part in target.split("/"):
            depth += -1 if part == ".." else 0 if part in ("", ".") else 1
            if depth < 0:
                raise PermanentError(
                    f"unsafe symlink {name!r} -> {target!r}: points outside the target"
                )
        with _opened(self._parent(parts, name)) as pfd:
            self._clear(pfd, parts[-1], name)
            os.symlink(target, parts[-1], dir_fd=pfd)
        self._files.discard(parts)
        self._links.append(parts)

    def add_hardlink(self, name: str, target: str) -> None:
        self._count(name)
        parts = member_parts(name)
        try:
            source = member_parts(target)
        except PermanentError:
            raise PermanentError(f"unsafe hard link {name!r} -> {target!r}") from None
        if not parts or source not in self._files:
            raise PermanentError(
                f"unsafe hard link {name!r} -> {target!r}: not a file of this archive"
            )
        with (
            _opened(self._parent(source, target)) as sfd,
            _opened(self._parent(parts, name)) as pfd,
        ):
            st = lstat_at(source[-1], sfd)
            if st is None or not stat.S_ISREG(st.st_mode):
                raise PermanentError(
                    f"unsafe hard link {name!r} -> {target!r}: not a file of this archive"
                )
            if parts != source:
                self._clear(pfd, parts[-1], name)
                os.link(
                    source[-1], parts[-1], src_dir_fd=sfd, dst_dir_fd=pfd, follow_symlinks=False
                )
        self._files.add(parts)

    def scan_links(self) -> None:
        """Record every symbolic link of the tree as it is on disk (when another
        process filled it), walking directories without following a link."""
        self._links = []
        pending: list[tuple[str, ...]] = [()]
        while pending:
            parts = pending.pop()
            with _opened(open_dir_beneath(self.root_fd, parts, "/".join(parts), False)) as fd:
                for entry in os.scandir(fd):
                    if entry.is_symlink():
                        self._links.append((*parts, entry.name))
                    elif entry.is_dir(follow_symlinks=False):
                        pending.append((*parts, entry.name))

    def escaping_link(self, placed: str, top: tuple[str, ...] = ()) -> str | None:
        """After the tree was renamed into place at host path `placed` (its `top` entry
        when that became the target): the first link that now resolves outside it. A
        link can climb to the staging level and come back down by a name the rename
        changed, which no check before the rename can see."""
        final = os.path.realpath(placed)
        for parts in self._links:
            resolved = os.path.realpath(os.path.join(final, *parts[len(top) :]))
            if resolved != final and not resolved.startswith(final + os.sep):
                return "/".join(parts)
        return None

    def finish(self, top: tuple[str, ...] = ()) -> None:
        """Check every link against the final root (`top` under the root when the
        single top entry becomes the target) and give directories their modes."""
        final = os.path.join(self.root, *top)
        for parts in self._links:
            if parts[: len(top)] != top or parts == top:
                raise unsafe("/".join(parts), "a link as the artifact's top entry")
            resolved = os.path.realpath(os.path.join(self.root, *parts))
            if resolved != final and not resolved.startswith(final + os.sep):
                raise unsafe("/".join(parts), "its link resolves outside the target")
        self.apply_modes()

    def apply_modes(self) -> None:
        """Give the archive's directories their modes, deepest first."""
        for parts, mode in sorted(self._dir_modes.items(), key=lambda kv: -len(kv[0])):
            try:
                fd = open_dir_beneath(self.root_fd, parts, "/".join(parts), create=False)
            except (OSError, PermanentError):
                continue  # replaced by a later member; that member's rules held
            with _opened(fd):
                os.fchmod(fd, mode)
