"""Packing and unpacking artifacts: tar+gzip (or zip) of a file or a directory, and a
SAFE unpack.

Sits between the executor and the drivers: the executor packs an output path into one
file (`pack`), a driver stores that file; on the way in a driver fetches the file and
`unpack_into` puts it at the input artifact's path. Everything streams through
`tarfile` (no whole-file buffering).

Archives come from other pods, so unpacking trusts nothing: `extract` creates every
member relative to directory descriptors without following links, and refuses
absolute names, `..`, devices, links that resolve outside the target, and archives
past their size or member bounds (`ExtractLimits`).
"""

from __future__ import annotations

import gzip
import os
import stat
import tarfile
import zipfile
import zlib
from pathlib import Path
from typing import IO

from workflow_engine.artifacts.confined import fill_confined
from workflow_engine.artifacts.extract import (
    MAX_NAME,
    ExtractLimits,
    Tree,
    open_dir_beneath,
    remove_entry,
    unsafe,
)
from workflow_engine.errors import PermanentError

DEFAULT_COMPRESSION_LEVEL = 6
_GZIP_MAGIC = b"\x1f\x8b"


def pack(src: Path, dest: Path, *, compression_level: int = DEFAULT_COMPRESSION_LEVEL) -> None:
    """Write `src` (a file or a directory) to `dest` as a .tgz whose single top entry is
    `src`'s base name (Argo's layout). Level 0 stores without compressing."""
    if not 0 <= compression_level <= 9:
        raise PermanentError(f"compression level {compression_level} is not between 0 and 9")
    if not src.exists() and not src.is_symlink():
        raise FileNotFoundError(f"{src}: no such file or directory")
    with (
        open(dest, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=compression_level) as gz,
        tarfile.open(fileobj=gz, mode="w|", format=tarfile.PAX_FORMAT) as tar,
    ):
        tar.add(str(src), arcname=src.name or "artifact", recursive=True)


def pack_zip(src: Path, dest: Path) -> None:
    """Write `src` (a file or a directory) to `dest` as a zip whose top entry is `src`'s
    base name; symbolic links are stored as the files they point to."""
    if not src.exists():
        raise FileNotFoundError(f"{src}: no such file or directory")
    top = src.name or "artifact"
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        if not src.is_dir():
            zf.write(src, top)
            return
        for root, dirs, files in os.walk(src):
            rel = Path(top, os.path.relpath(root, src))
            zf.write(root, str(rel.as_posix()) + "/")
            for name in sorted(files):
                zf.write(os.path.join(root, name), (rel / name).as_posix())
            dirs.sort()


def is_tarball(path: Path) -> bool:
    """A gzip-compressed tar (what `pack` writes), told by its magic and first header."""
    if not path.is_file():
        return False
    with open(path, "rb") as f:
        if f.read(2) != _GZIP_MAGIC:
            return False
    try:
        with tarfile.open(path, mode="r|gz") as tar:
            return tar.next() is not None
    except (tarfile.TarError, OSError, EOFError):
        return False


def unpack_into(
    archive: Path, dest: Path, limits: ExtractLimits | None = None, *, confined: bool = False
) -> None:
    """Extract the tarball `archive` so that its single top entry becomes `dest` (or,
    when it has several, a directory `dest` holding them), as Argo's executor does.

    Refuses unsafe members (see `workflow_engine.artifacts.extract`) with
    PermanentError; nothing is left at `dest` then. `dest`'s parent is trusted (made
    if missing); `unpack_beneath` confines it too.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    parent = os.open(dest.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        unpack_at(archive, parent, dest.name, "tar", limits, confined=confined)
    finally:
        os.close(parent)


def unzip_into(
    archive: Path, dest: Path, limits: ExtractLimits | None = None, *, confined: bool = False
) -> None:
    """As `unpack_into`, for a zip archive (`archive: {zip: {}}`)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    parent = os.open(dest.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        unpack_at(archive, parent, dest.name, "zip", limits, confined=confined)
    finally:
        os.close(parent)


def unpack_at(
    archive: Path,
    parent_fd: int,
    name: str,
    kind: str,
    limits: ExtractLimits | None = None,
    *,
    confined: bool = False,
) -> None:
    """Extract `archive` ("tar" or "zip") to the entry `name` of the directory open as
    `parent_fd`: staged in a fresh sibling directory, checked, then renamed into place
    (whatever was at `name` is removed first, without following links). `confined`:
    when this process is root, the members are written by an unprivileged, chrooted
    child (`workflow_engine.artifacts.confined`) and the files belong to its user."""
    if "/" in name or name in ("", ".", ".."):
        raise PermanentError(f"cannot unpack to {name!r}: not a plain name")
    staging = f".{name}.unpack"
    remove_entry(staging, parent_fd)
    os.mkdir(staging, 0o700, dir_fd=parent_fd)
    try:
        fd = open_dir_beneath(parent_fd, (staging,), staging, create=False)
        try:
            tree = Tree(fd, f"/proc/self/fd/{fd}", limits or ExtractLimits())
            if confined and os.geteuid() == 0 and fill_confined(archive, fd, kind, tree.limits):
                tree.scan_links()  # the child's word is not taken for them
            else:
                fill_tree(archive, kind, tree)
            entries = os.listdir(fd)
            top = (entries[0],) if len(entries) == 1 else ()
            tree.finish(top)
            remove_entry(name, parent_fd)
            if top:
                os.rename(entries[0], name, src_dir_fd=fd, dst_dir_fd=parent_fd)
            else:
                os.rename(staging, name, src_dir_fd=parent_fd, dst_dir_fd=parent_fd)
            escaping = tree.escaping_link(f"/proc/self/fd/{parent_fd}/{name}", top)
            if escaping is not None:
                remove_entry(name, parent_fd)
                raise unsafe(escaping, "its link resolves outside the target")
        finally:
            os.close(fd)
    except OSError as exc:
        raise PermanentError(f"cannot unpack artifact archive: {exc.strerror or exc}") from None
    finally:
        remove_entry(staging, parent_fd)


def fill_tree(source: Path | IO[bytes], kind: str, tree: Tree) -> None:
    """Add every member of the archive ("tar" or "zip") at `source` to `tree`."""
    (_fill_from_tar if kind == "tar" else _fill_from_zip)(source, tree)


def _fill_from_tar(source: Path | IO[bytes], tree: Tree) -> None:
    try:
        with (
            tarfile.open(source, mode="r:*")
            if isinstance(source, Path)
            else tarfile.open(fileobj=source, mode="r:*")
        ) as tar:
            for member in tar:
                _add_tar_member(tar, member, tree)
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise PermanentError(f"artifact archive is not a readable tar: {exc}") from None


def _add_tar_member(tar: tarfile.TarFile, member: tarfile.TarInfo, tree: Tree) -> None:
    name = member.name
    if member.isdir():
        tree.add_dir(name, member.mode)
    elif member.isreg():
        data = tar.extractfile(member)
        assert data is not None  # a regular member always has data
        with data:
            tree.add_file(name, member.mode, data, member.mtime)
    elif member.issym():
        tree.add_symlink(name, member.linkname)
    elif member.islnk():
        tree.add_hardlink(name, member.linkname)
    elif member.isdev():
        raise unsafe(name, "device or FIFO")
    else:
        raise unsafe(name, f"unsupported member type {member.type!r}")


def _fill_from_zip(source: Path | IO[bytes], tree: Tree) -> None:
    try:
        with zipfile.ZipFile(source) as zf:
            for info in zf.infolist():
                _add_zip_member(zf, info, tree)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise PermanentError(f"artifact archive is not a readable zip: {exc}") from None


def _add_zip_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, tree: Tree) -> None:
    name = info.filename
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if info.is_dir():
        tree.add_dir(name, mode & 0o777 or 0o755)
    elif kind == stat.S_IFLNK:
        with zf.open(info) as data:
            target = data.read(MAX_NAME + 1)
        tree.add_symlink(name, target.decode("utf-8", "surrogateescape"))
    elif kind in (0, stat.S_IFREG):
        with zf.open(info) as data:
            tree.add_file(name, mode & 0o777 or 0o644, data)
    else:
        raise unsafe(name, "device, FIFO or socket")
