"""Why a command could not start: the message Argo (containerd) gives, for a node that
would otherwise only say `Error (exit code 127)`.

Sits in the executor after the user's command ran: only when it exited with 127 (the
shell's and the sandboxes' "not found") is its name looked up, in the sandbox's view
of the filesystem (`Sandbox.host_path`) along the container's PATH, so a command that
exists and itself exits 127 is reported as it is.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Sequence

from workflow_engine.ports import Sandbox

NOT_FOUND_EXIT = 127
# containerd's default PATH: what a container without PATH in its image or env gets
DEFAULT_SEARCH_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def start_failure(
    argv: Sequence[str], exit_code: int, sandbox: Sandbox, search_path: str
) -> str | None:
    """`exec: "x": executable file not found in $PATH` (or, for a path, `stat ...: no
    such file or directory`) when the command did not exist; None otherwise."""
    if exit_code != NOT_FOUND_EXIT or not argv:
        return None
    name = argv[0]
    if "/" in name:
        if _exists(sandbox, name):
            return None
        return f'exec: "{name}": stat {name}: no such file or directory'
    for directory in search_path.split(":"):
        if directory.startswith("/") and _exists(sandbox, posixpath.join(directory, name)):
            return None
    return f'exec: "{name}": executable file not found in $PATH'


def _exists(sandbox: Sandbox, path: str) -> bool:
    try:
        return os.path.exists(sandbox.host_path(path))
    except (OSError, ValueError):
        return True  # cannot tell: say nothing rather than something wrong
