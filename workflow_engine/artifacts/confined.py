"""Unpacking an untrusted archive without the caller's privileges.

Under `archive.unpack_at(confined=True)` (the executor's input artifacts, which the
embedded controller unpacks as root on host paths). When the caller is root, the members
are written by a child process, not by the caller: a fresh interpreter that opens
nothing by path, chroots into the staging directory (handed over as a descriptor, as is
the archive), drops to an unprivileged user (`UNPACK_UID`, nobody) and only then reads
the archive. Whatever a hostile archive holds, the writing process can reach no path
outside the staging directory and is not root for any file. The caller then checks the
staged tree as before (`Tree.finish`: every link, found by walking the tree, must
resolve inside the target), renames it into place and leaves its files owned by that
user. The same member rules apply in the child (`extract.Tree`). A kernel or container
that refuses the chroot or the user change (no CAP_SYS_CHROOT or CAP_SETUID) makes the
child say so, and the caller unpacks in-process, as without `confined`.

The child does not import this package's `__init__` (which loads every storage driver
and costs seconds): it is started with a stand-in for `workflow_engine.artifacts`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from workflow_engine.artifacts.extract import ExtractLimits
from workflow_engine.errors import PermanentError

UNPACK_UID = UNPACK_GID = 65534  # nobody / nogroup
REFUSED = 3  # the archive broke a rule: stderr holds the PermanentError's message
CANNOT_CONFINE = 4  # chroot or the user change was refused: unpack in-process instead

_PACKAGE = Path(__file__).resolve().parent
_BOOT = (  # run with -I -S: no site (its path hooks cost more than the rest), no env
    "import sys, types\n"
    f"sys.path.insert(0, {str(_PACKAGE.parent.parent)!r})\n"
    "pkg = types.ModuleType('workflow_engine.artifacts')\n"
    f"pkg.__path__ = [{str(_PACKAGE)!r}]\n"
    "sys.modules[pkg.__name__] = pkg\n"
    "from workflow_engine.artifacts.confined import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def fill_confined(archive: Path, staging_fd: int, kind: str, limits: ExtractLimits) -> bool:
    """Fill the empty directory `staging_fd` from `archive` ("tar" or "zip") in a
    confined child. False when this process cannot confine one (then nothing was
    written); PermanentError when the archive is refused."""
    os.fchown(staging_fd, UNPACK_UID, UNPACK_GID)
    with open(archive, "rb") as src:
        args = [kind, src.fileno(), staging_fd, limits.max_bytes, limits.max_members]
        done = subprocess.run(
            [sys.executable, "-I", "-S", "-c", _BOOT, *map(str, args)],
            pass_fds=(src.fileno(), staging_fd),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env={"PATH": os.defpath},
            check=False,
        )
    message = done.stderr.decode(errors="replace").strip()
    if done.returncode == REFUSED:
        raise PermanentError(message)
    if done.returncode == CANNOT_CONFINE:
        return False
    if done.returncode != 0:
        tail = message.splitlines()[-1] if message else "no message"
        raise PermanentError(f"unpacking failed (exit code {done.returncode}): {tail}")
    return True


def _confine(dir_fd: int) -> None:
    os.fchdir(dir_fd)
    os.chroot(".")
    os.setgroups([])
    os.setresgid(UNPACK_GID, UNPACK_GID, UNPACK_GID)
    os.setresuid(UNPACK_UID, UNPACK_UID, UNPACK_UID)


def main(argv: list[str]) -> int:
    """The child: KIND ARCHIVE-FD DIR-FD MAX-BYTES MAX-MEMBERS."""
    # everything the unpacking may import lazily is loaded before the chroot
    import bz2  # noqa: F401
    import encodings.cp437  # noqa: F401  (zip names without the UTF-8 flag)
    import lzma  # noqa: F401

    from workflow_engine.artifacts.archive import fill_tree
    from workflow_engine.artifacts.extract import Tree

    kind, archive_fd, dir_fd, max_bytes, max_members = argv
    try:
        _confine(int(dir_fd))
    except OSError as e:
        sys.stderr.write(f"cannot confine the unpacking: {e}\n")
        return CANNOT_CONFINE
    root = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    tree = Tree(root, "/", ExtractLimits(int(max_bytes), int(max_members)))
    try:
        with os.fdopen(int(archive_fd), "rb") as src:
            fill_tree(src, kind, tree)
        tree.apply_modes()
    except PermanentError as e:
        sys.stderr.write(str(e))
        return REFUSED
    except OSError as e:
        sys.stderr.write(f"cannot unpack artifact archive: {e.strerror or e}")
        return REFUSED
    return 0
