"""Packing and SAFE unpacking, with crafted tarballs (real files in tmp dirs)."""

from __future__ import annotations

import io
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.unit.artifacts.crafted import path_max_chain
from workflow_engine.artifacts import is_tarball, pack, pack_zip, unpack_into, unzip_into
from workflow_engine.errors import PermanentError


def test_file_round_trip(tmp_path: Path) -> None:
    src = tmp_path / "in" / "hello.txt"
    src.parent.mkdir()
    src.write_text("hi\n")
    pack(src, tmp_path / "a.tgz")
    assert is_tarball(tmp_path / "a.tgz")
    unpack_into(tmp_path / "a.tgz", tmp_path / "out.txt")
    assert (tmp_path / "out.txt").read_text() == "hi\n"


def test_directory_round_trip_keeps_layout_modes_and_inner_links(tmp_path: Path) -> None:
    src = tmp_path / "tree"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "a").write_text("a")
    (src / "run.sh").write_text("#!/bin/sh\n")
    (src / "run.sh").chmod(0o755)
    (src / "link").symlink_to("sub/a")
    pack(src, tmp_path / "t.tgz", compression_level=0)
    unpack_into(tmp_path / "t.tgz", tmp_path / "got")
    assert (tmp_path / "got" / "sub" / "a").read_text() == "a"
    assert (tmp_path / "got" / "run.sh").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "got" / "link").read_text() == "a"


def test_unpack_replaces_what_was_there(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("new")
    pack(tmp_path / "f", tmp_path / "f.tgz")
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "old").write_text("old")
    unpack_into(tmp_path / "f.tgz", dest)
    assert dest.read_text() == "new"


def test_several_top_entries_become_a_directory(tmp_path: Path) -> None:
    archive = _tarball(tmp_path, lambda t: (_add_file(t, "a", b"1"), _add_file(t, "b", b"2")))
    unpack_into(archive, tmp_path / "d")
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["a", "b"]


def test_plain_file_is_not_a_tarball(tmp_path: Path) -> None:
    (tmp_path / "x").write_bytes(b"\x1f\x8b but not gzip")
    assert not is_tarball(tmp_path / "x")
    assert not is_tarball(tmp_path / "missing")


def test_bad_compression_level(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(PermanentError, match="compression level"):
        pack(tmp_path / "f", tmp_path / "f.tgz", compression_level=11)


def _add_file(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def _add(tar: tarfile.TarFile, name: str, kind: bytes, linkname: str = "") -> None:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    tar.addfile(info)


def _tarball(tmp_path: Path, fill: Callable[[tarfile.TarFile], object]) -> Path:
    path = tmp_path / "crafted.tgz"
    with tarfile.open(path, "w:gz") as tar:
        fill(tar)
    return path


UNSAFE = [
    ("absolute-path", lambda t: _add_file(t, "/etc/evil", b"x"), "absolute"),
    ("dotdot", lambda t: _add_file(t, "top/../../evil", b"x"), "'..'"),
    ("char-device", lambda t: _add(t, "top/null", tarfile.CHRTYPE), "device"),
    ("block-device", lambda t: _add(t, "top/sda", tarfile.BLKTYPE), "device"),
    ("fifo", lambda t: _add(t, "top/pipe", tarfile.FIFOTYPE), "device or FIFO"),
    ("symlink-absolute", lambda t: _add(t, "top/l", tarfile.SYMTYPE, "/etc/passwd"), "absolute"),
    ("symlink-outside", lambda t: _add(t, "top/l", tarfile.SYMTYPE, "../../x"), "outside"),
    (
        "symlink-via-symlinked-dir",
        lambda t: (
            _add(t, "x", tarfile.SYMTYPE, "."),
            _add(t, "x/l", tarfile.SYMTYPE, ".."),
        ),
        "is a link",
    ),
    (
        "write-through-symlink-to-outside",
        lambda t: (_add(t, "d", tarfile.SYMTYPE, ".."), _add_file(t, "d/evil", b"x")),
        "outside",
    ),
    ("hardlink-outside", lambda t: _add(t, "top/h", tarfile.LNKTYPE, "../outside"), "hard link"),
    ("hardlink-absolute", lambda t: _add(t, "top/h", tarfile.LNKTYPE, "/etc/passwd"), "hard link"),
]


@pytest.mark.parametrize(("fill", "reason"), [c[1:] for c in UNSAFE], ids=[c[0] for c in UNSAFE])
def test_unsafe_members_are_refused(
    tmp_path: Path, fill: Callable[[tarfile.TarFile], object], reason: str
) -> None:
    archive = _tarball(tmp_path, fill)
    target = tmp_path / "jail" / "dest"
    target.parent.mkdir()
    with pytest.raises(PermanentError, match=reason):
        unpack_into(archive, target)
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crafted.tgz", "jail"]
    assert list(target.parent.iterdir()) == []


def test_links_inside_the_target_are_fine(tmp_path: Path) -> None:
    def fill(t: tarfile.TarFile) -> None:
        _add(t, "top", tarfile.DIRTYPE)
        _add_file(t, "top/real", b"data")
        _add(t, "top/soft", tarfile.SYMTYPE, "real")
        _add(t, "top/hard", tarfile.LNKTYPE, "top/real")

    unpack_into(_tarball(tmp_path, fill), tmp_path / "ok")
    assert (tmp_path / "ok" / "soft").read_bytes() == b"data"
    assert (tmp_path / "ok" / "hard").read_bytes() == b"data"


def test_setuid_bits_are_dropped(tmp_path: Path) -> None:
    def fill(t: tarfile.TarFile) -> None:
        info = tarfile.TarInfo("suid")
        info.mode = 0o4755
        info.size = 1
        t.addfile(info, io.BytesIO(b"x"))

    unpack_into(_tarball(tmp_path, fill), tmp_path / "f")
    assert (tmp_path / "f").stat().st_mode & 0o7777 == 0o755


def test_not_a_tar(tmp_path: Path) -> None:
    (tmp_path / "junk").write_bytes(b"junk" * 100)
    with pytest.raises(PermanentError, match="not a readable tar"):
        unpack_into(tmp_path / "junk", tmp_path / "d")


def test_zip_round_trip_file_and_directory(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("one")
    (tmp_path / "tree" / "sub").mkdir(parents=True)
    (tmp_path / "tree" / "sub" / "g").write_text("two")
    pack_zip(tmp_path / "f.txt", tmp_path / "f.zip")
    pack_zip(tmp_path / "tree", tmp_path / "t.zip")
    unzip_into(tmp_path / "f.zip", tmp_path / "f-out")
    unzip_into(tmp_path / "t.zip", tmp_path / "t-out")
    assert (tmp_path / "f-out").read_text() == "one"
    assert (tmp_path / "t-out" / "sub" / "g").read_text() == "two"


@pytest.mark.parametrize(
    ("member", "reason"),
    [("/etc/evil", "absolute"), ("top/../../evil", "'..'")],
    ids=["absolute", "dotdot"],
)
def test_unsafe_zip_members_are_refused(tmp_path: Path, member: str, reason: str) -> None:
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as zf:
        zf.writestr(zipfile.ZipInfo(member), b"x")
    target = tmp_path / "jail" / "dest"
    target.parent.mkdir()
    with pytest.raises(PermanentError, match=reason):
        unzip_into(tmp_path / "bad.zip", target)
    assert list(target.parent.iterdir()) == []


def test_not_a_zip(tmp_path: Path) -> None:
    (tmp_path / "junk").write_bytes(b"junk")
    with pytest.raises(PermanentError, match="not a readable zip"):
        unzip_into(tmp_path / "junk", tmp_path / "d")


def test_a_chain_past_path_max_is_refused(tmp_path: Path) -> None:
    host = tmp_path / "host"
    host.mkdir()
    archive = _tarball(tmp_path, lambda t: path_max_chain(t, "bundle", host))
    target = tmp_path / "jail" / "dest"
    target.parent.mkdir()
    with pytest.raises(PermanentError, match="on its path is a link"):
        unpack_into(archive, target)
    assert list(host.iterdir()) == []
    assert list(target.parent.iterdir()) == []
