"""What `wf version` reports about an embedded state directory: versions, the sandbox
the runtime would use, the isolation it would apply, whether a controller runs.

Kept apart from `embedded` (which wires the whole controller) so `wf version` imports
only the runtime's probes.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from importlib import metadata

from workflow_engine.controller.statedir import ControllerLock, StatePaths
from workflow_engine.runtime.process.isolation import describe_boundary
from workflow_engine.runtime.process.sandbox import probe_overlay


def describe(paths: StatePaths) -> dict[str, str]:
    """What `wf version` prints."""
    scratch = paths.root / f".probe-{os.getpid()}"
    try:
        sandbox = (
            "overlay (private mount namespace, overlayfs over /)"
            if probe_overlay(scratch)
            else "plain (per-pod directory on the host)"
        )
    except OSError as exc:
        sandbox = f"plain ({exc})"
    isolation = describe_boundary("overlay" if sandbox.startswith("overlay") else "plain")
    lock = ControllerLock(paths.lock)
    running = "no" if lock.is_free() else f"yes (pid {lock.holder()})"
    return {
        "wf": _version("wf-engine"),
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "pydantic": _version("pydantic"),
        "click": _version("click"),
        "sandbox": sandbox,
        "isolation": isolation,
        "state dir": str(paths.root),
        "store": paths.store_url,
        "controller running": running,
    }


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"
