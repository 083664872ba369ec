"""Input archives unpacked by a root caller: written by an unprivileged, chrooted child.

Real here: the `workflow_engine.artifacts.confined` child (a fresh interpreter), as
root, on temporary directories; `setpriv` takes CAP_SYS_CHROOT away from a caller to
reach the in-process fallback. (The generated hostile archives run through the same
child in tests/unit/artifacts/test_hostile_archives.py.)
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from workflow_engine.artifacts.archive import unpack_into
from workflow_engine.artifacts.confined import UNPACK_UID
from workflow_engine.errors import PermanentError

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="only a root caller is confined")


def _tarball(path: Path, members: list[tarfile.TarInfo]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info in members:
            data = b"x" * info.size
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return path


def _file(name: str, mode: int = 0o644) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode = 1, mode
    return info


def test_members_belong_to_the_unprivileged_user_not_root(tmp_path: Path) -> None:
    sub = tarfile.TarInfo("top/sub")
    sub.type, sub.mode = tarfile.DIRTYPE, 0o750
    archive = _tarball(tmp_path / "a.tgz", [sub, _file("top/sub/f", 0o4755)])
    unpack_into(archive, tmp_path / "dest", confined=True)
    dest = tmp_path / "dest"
    made = [dest, dest / "sub", dest / "sub" / "f"]
    assert {p.lstat().st_uid for p in made} == {UNPACK_UID}
    assert (dest / "sub").stat().st_mode & 0o777 == 0o750
    assert (dest / "sub" / "f").stat().st_mode & 0o7777 == 0o755  # no set-id bits


def test_a_refused_archive_says_why_and_leaves_nothing(tmp_path: Path) -> None:
    link = tarfile.TarInfo("top/up")
    link.type, link.linkname = tarfile.SYMTYPE, "../../etc"
    archive = _tarball(tmp_path / "a.tgz", [link, _file("top/up/passwd")])
    jail = tmp_path / "jail"
    jail.mkdir()
    with pytest.raises(PermanentError, match="unsafe"):
        unpack_into(archive, jail / "dest", confined=True)
    assert list(jail.iterdir()) == []


def test_without_chroot_the_caller_unpacks_in_process(tmp_path: Path) -> None:
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv (util-linux) is not installed")
    archive = _tarball(tmp_path / "a.tgz", [_file("f")])
    code = (
        "import sys; from pathlib import Path;"
        " from workflow_engine.artifacts.archive import unpack_into;"
        " unpack_into(Path(sys.argv[1]), Path(sys.argv[2]), confined=True)"
    )
    root = str(Path(__file__).resolve().parents[3])
    subprocess.run(
        [
            setpriv,
            "--bounding-set",
            "-sys_chroot",
            sys.executable,
            "-c",
            code,
            str(archive),
            str(tmp_path / "dest"),
        ],
        check=True,
        env={**os.environ, "PYTHONPATH": root},
    )
    assert (tmp_path / "dest").lstat().st_uid == 0  # the fallback: written as the caller
