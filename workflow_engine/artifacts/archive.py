"""Packing and unpacking artifacts: tar+gzip (or zip) of a file or a directory, and a
SAFE unpack.

Sits between the executor and the drivers: the executor packs an output path into one
file (`pack`), a driver stores that file; on the way in a driver fetches the file and
`unpack_into` puts it at the input artifact's path. Everything streams through
`tarfile` (no whole-file buffering).

Archives come from other pods, so unpacking trusts nothing: absolute member names,
`..` components, device files and FIFOs, and links (symbolic or hard) that resolve
outside the target are refused with `PermanentError` before anything lands outside.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

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


def unpack_into(archive: Path, dest: Path) -> None:
    """Extract the tarball `archive` so that its single top entry becomes `dest` (or,
    when it has several, a directory `dest` holding them), as Argo's executor does.

    Refuses unsafe members (see the module docstring) with PermanentError; nothing is
    left at `dest` then.
    """
    _unpack(archive, dest, _extract_safely)


def unzip_into(archive: Path, dest: Path) -> None:
    """As `unpack_into`, for a zip archive (`archive: {zip: {}}`)."""
    _unpack(archive, dest, _unzip_safely)


def _unpack(archive: Path, dest: Path, extract: Callable[[Path, Path], None]) -> None:
    staging = dest.with_name(dest.name + ".unpack")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        extract(archive, staging)
        entries = list(staging.iterdir())
        if dest.is_dir() and not dest.is_symlink():
            shutil.rmtree(dest)
        elif dest.exists() or dest.is_symlink():
            dest.unlink()
        if len(entries) == 1:
            entries[0].rename(dest)
        else:
            staging.rename(dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _extract_safely(archive: Path, root: Path) -> None:
    real_root = os.path.realpath(root)
    try:
        with tarfile.open(archive, mode="r:*") as tar:
            for member in tar:
                _check_member(member, root, real_root)
                tar.extract(member, path=root, set_attrs=True, filter=_keep_member)
    except tarfile.TarError as exc:
        raise PermanentError(f"artifact archive is not a readable tar: {exc}") from None
    except OSError as exc:
        raise PermanentError(f"cannot unpack artifact archive: {exc.strerror or exc}") from None


def _unzip_safely(archive: Path, root: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                parts = PurePosixPath(info.filename).parts
                if info.filename.startswith("/") or (parts and ":" in parts[0]):
                    raise PermanentError(f"unsafe zip member {info.filename!r}: absolute path")
                if ".." in parts:
                    raise PermanentError(f"unsafe zip member {info.filename!r}: '..' component")
                zf.extract(info, root)
    except zipfile.BadZipFile as exc:
        raise PermanentError(f"artifact archive is not a readable zip: {exc}") from None
    except OSError as exc:
        raise PermanentError(f"cannot unpack artifact archive: {exc.strerror or exc}") from None


def _keep_member(member: tarfile.TarInfo, _path: str) -> tarfile.TarInfo:
    # Ownership is the extracting user's; set-id and sticky bits are dropped.
    # None leaves the field unset (tarfile's own filters do the same); the stubs say int.
    return member.replace(
        uid=None,  # type: ignore[arg-type]
        gid=None,  # type: ignore[arg-type]
        uname=None,  # type: ignore[arg-type]
        gname=None,  # type: ignore[arg-type]
        mode=member.mode & 0o777,
        deep=False,
    )


def _check_member(member: tarfile.TarInfo, root: Path, real_root: str) -> None:
    name = member.name
    parts = PurePosixPath(name).parts
    if name.startswith("/") or PurePosixPath(name).is_absolute():
        raise PermanentError(f"unsafe archive member {name!r}: absolute path")
    if ".." in parts:
        raise PermanentError(f"unsafe archive member {name!r}: '..' component")
    if member.isdev():
        raise PermanentError(f"unsafe archive member {name!r}: device or FIFO")
    target = root / name
    # Writing through a symlinked parent directory must not leave the root.
    if not _inside(os.path.realpath(target.parent), real_root):
        raise PermanentError(f"unsafe archive member {name!r}: its directory leaves the target")
    if member.issym():
        if member.linkname.startswith("/"):
            raise PermanentError(f"unsafe symlink {name!r} -> {member.linkname!r}: absolute")
        resolved = os.path.realpath(os.path.join(os.path.realpath(target.parent), member.linkname))
        if not _inside(resolved, real_root):
            raise PermanentError(
                f"unsafe symlink {name!r} -> {member.linkname!r}: points outside the target"
            )
    elif member.islnk():
        link = PurePosixPath(member.linkname)
        if link.is_absolute() or ".." in link.parts:
            raise PermanentError(f"unsafe hard link {name!r} -> {member.linkname!r}")
        if not _inside(os.path.realpath(root / member.linkname), real_root):
            raise PermanentError(
                f"unsafe hard link {name!r} -> {member.linkname!r}: points outside the target"
            )


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root + os.sep)
