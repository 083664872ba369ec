"""Generated hostile archives (tar and zip): whatever they hold, nothing appears or
changes outside the target, and what is extracted has no link leading out of it.

Real files in a fresh temporary directory per example: a `victim` file and an `outside`
directory sit next to the jail the archive is extracted into; absolute link targets
point at them.
"""

from __future__ import annotations

import io
import os
import stat
import tarfile
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflow_engine.artifacts import unpack_into, unzip_into
from workflow_engine.artifacts.confined import UNPACK_UID
from workflow_engine.artifacts.extract import ExtractLimits
from workflow_engine.errors import PermanentError

ABSOLUTE = "/ABS"  # replaced by the example's own outside directory
COMPONENTS = ["a", "b", "c", "..", ".", "", "victim", "outside"]
TARGETS = [
    "a",
    "b",
    ".",
    "..",
    "../..",
    "../../..",
    "a/..",
    "a/../..",
    "b/c",
    "../outside",
    "../../victim",
    ABSOLUTE,
    ABSOLUTE + "/victim",
]

name = st.lists(st.sampled_from(COMPONENTS), min_size=1, max_size=4).map("/".join)
absolute_name = name.map(lambda n: ABSOLUTE + "/" + n)
member = st.one_of(
    st.tuples(st.just("file"), name | absolute_name, st.binary(max_size=8)),
    st.tuples(st.just("dir"), name, st.just(b"")),
    st.tuples(st.just("symlink"), name, st.sampled_from(TARGETS).map(str.encode)),
    st.tuples(st.just("hardlink"), name, (name | st.sampled_from(TARGETS)).map(str.encode)),
)
members = st.lists(member, min_size=1, max_size=8)


def _snapshot(root: Path, skip: Path) -> dict[str, tuple[int, bytes]]:
    out: dict[str, tuple[int, bytes]] = {}
    for dirpath, dirs, files in os.walk(root):
        if Path(dirpath) == skip or skip in Path(dirpath).parents:
            continue
        for entry in [*dirs, *files]:
            path = Path(dirpath, entry)
            if path == skip:
                continue
            st_ = path.lstat()
            data = path.read_bytes() if stat.S_ISREG(st_.st_mode) else b""
            out[str(path)] = (st_.st_mode, data)
    return out


def _make_tar(path: Path, spec: list[tuple[str, str, bytes]], outside: str) -> None:
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for kind, raw, payload in spec:
            info = tarfile.TarInfo(raw.replace(ABSOLUTE, outside))
            if kind == "file":
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
                continue
            info.type = {"dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE}.get(
                kind, tarfile.LNKTYPE
            )
            info.linkname = payload.decode().replace(ABSOLUTE, outside)
            tar.addfile(info)


def _make_zip(path: Path, spec: list[tuple[str, str, bytes]], outside: str) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for kind, raw, payload in spec:
            entry = raw.replace(ABSOLUTE, outside)
            if kind == "dir":
                entry = entry.rstrip("/") + "/"
            if entry in ("", "/"):
                continue  # zipfile cannot write a nameless entry
            info = zipfile.ZipInfo(entry)
            if kind == "symlink":
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                payload = payload.replace(ABSOLUTE.encode(), outside.encode())
            elif kind == "hardlink":
                continue  # zip has no hard links
            else:
                info.external_attr = (
                    (stat.S_IFDIR if kind == "dir" else stat.S_IFREG) | 0o644
                ) << 16
            zf.writestr(info, b"" if kind == "dir" else payload)


@pytest.fixture(autouse=True)
def _quiet_duplicates() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Duplicate name", UserWarning)
        yield


def _check(spec: list[tuple[str, str, bytes]], fmt: str, confined: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "victim").write_bytes(b"precious")
        (base / "outside").mkdir()
        (base / "outside" / "victim").write_bytes(b"precious too")
        archive = base / ("a.tgz" if fmt == "tar" else "a.zip")
        (_make_tar if fmt == "tar" else _make_zip)(archive, spec, str(base / "outside"))
        jail = base / "jail"
        jail.mkdir()
        before = _snapshot(base, jail)
        dest = jail / "dest"
        unpack = unpack_into if fmt == "tar" else unzip_into
        try:
            unpack(archive, dest, ExtractLimits(max_bytes=1024, max_members=50), confined=confined)
        except PermanentError:
            assert list(jail.iterdir()) == [], "a refused archive leaves nothing behind"
        else:
            real = os.path.realpath(dest)
            for dirpath, dirs, files in os.walk(dest):
                for entry in [*dirs, *files]:
                    resolved = os.path.realpath(os.path.join(dirpath, entry))
                    assert resolved == real or resolved.startswith(real + os.sep), entry
            assert not dest.is_symlink()
            assert [p.name for p in jail.iterdir()] == ["dest"]
            if confined:  # written by the unprivileged child, nothing by root
                owners = {p.lstat().st_uid for p in [dest, *dest.rglob("*")]}
                assert owners == {UNPACK_UID}
        assert _snapshot(base, jail) == before


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(members)
def test_hostile_tarballs_never_touch_anything_outside(spec: list[tuple[str, str, bytes]]) -> None:
    _check(spec, "tar")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(members)
def test_hostile_zips_never_touch_anything_outside(spec: list[tuple[str, str, bytes]]) -> None:
    _check(spec, "zip")


# the same archives unpacked by the confined child (a fresh interpreter each: fewer)
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="only a root caller is confined")


@needs_root
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(members, st.sampled_from(["tar", "zip"]))
def test_hostile_archives_unpacked_confined_never_touch_anything_outside(
    spec: list[tuple[str, str, bytes]], fmt: str
) -> None:
    _check(spec, fmt, confined=True)


@pytest.mark.parametrize("fmt", ["tar", "zip"])
@pytest.mark.parametrize(
    "spec",
    [
        [("symlink", "outside/a", b"../outside")],
        [("dir", "outside/x", b""), ("symlink", "outside/x/a", b"../../outside/x")],
    ],
    ids=["top-dir-by-its-old-name", "nested-back-through-top"],
)
def test_links_that_name_the_single_top_directory_are_refused(
    spec: list[tuple[str, str, bytes]], fmt: str
) -> None:
    """Found by the property above: a single top directory becomes the target under
    another name, so a link climbing out of it and back in by its old name would point
    outside once renamed."""
    _check(spec, fmt)
