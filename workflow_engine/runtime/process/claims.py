"""Launch claims: can a process still be starting for this exit key?

Part of the process runtime, between the supervisor (which records a container as being
started before it starts its shim) and re-adoption (adopt.py), which must tell, for a
record that names no shim yet, a shim that is starting (run it to its end) from one
that never will (start the container again) — with no window in between. A runtime
killed at any point leaves one of:

    recorded "starting", nothing forked        no claim, no start line   -> start it again
    forked, not yet exec'd (or entering)       the claim is held         -> wait for it
    the program runs                           the claim is held         -> adopt it
    the program ended                          an exit line              -> its exit code
    the shim was killed after starting it      a start line, no exit     -> lost, not rerun

The claim is an open-file-description lock (`F_OFD_SETLK`, a read lock on one byte of
the pod's directory, at an offset derived from the exit key), taken on the directory
descriptor the shim is given before the fork. The shim keeps that descriptor for its
whole life (close-on-exec for its program), so the lock lives exactly as long as some
process that may still start the program: the runtime's own copy until it closes it,
the forked child from the fork on, the shim until it exits. Nothing is written for it,
and no file is created.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import struct
from pathlib import Path

_FLOCK = "hhqqi4x"  # struct flock: l_type, l_whence, l_start, l_len, l_pid (+ padding)


def slot(key: str) -> int:
    """The byte of the pod directory that stands for `key` (56 bits of its hash)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=7).digest(), "big")


def claim(dir_fd: int, key: str) -> None:
    """Hold `key`'s claim through `dir_fd` (an O_RDONLY directory descriptor): until
    every descriptor of that open file (the shim's included) is closed."""
    fcntl.fcntl(dir_fd, fcntl.F_OFD_SETLK, struct.pack(_FLOCK, fcntl.F_RDLCK, 0, slot(key), 1, 0))


def claimed(pod_dir: Path, key: str) -> bool:
    """Does some process hold `key`'s claim on `pod_dir`?"""
    try:
        fd = os.open(pod_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False  # no pod directory: nothing was ever started in it
    try:
        probe = struct.pack(_FLOCK, fcntl.F_WRLCK, 0, slot(key), 1, 0)
        found = fcntl.fcntl(fd, fcntl.F_OFD_GETLK, probe)
    finally:
        os.close(fd)
    return bool(struct.unpack(_FLOCK, found)[0] != fcntl.F_UNLCK)
