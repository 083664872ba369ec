"""Where the embedded controller keeps its state, and the lock that makes it the only one.

Part of the controller room, beneath `embedded` (which wires the pieces), `autostart`
(how a `wf` command starts it) and `daemon` (`wf controller status|stop`): the paths
of a state directory and the fcntl lock held by the one controller of that directory.
"""

from __future__ import annotations

import fcntl
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from workflow_engine.store import DATABASE_FILE, SqliteStore


@dataclass(frozen=True)
class StatePaths:
    root: Path

    @property
    def db(self) -> Path:
        return self.root / DATABASE_FILE

    @property
    def store_url(self) -> str:
        return f"sqlite://{self.db.absolute()}"

    @property
    def runtime(self) -> Path:
        return self.root / "runtime"

    @property
    def artifacts(self) -> Path:
        return self.root / "artifacts"

    @property
    def events(self) -> Path:
        return self.root / "events"

    @property
    def claims(self) -> Path:
        return self.root / "claims"

    def open_store(self) -> SqliteStore:
        return SqliteStore(self.db)

    @property
    def default_repository(self) -> dict[str, Any]:
        """The built-in artifact repository (Argo's shape): `<state>/artifacts`."""
        return {"archiveLogs": False, "local": {"path": str(self.artifacts.absolute())}}

    @property
    def lock(self) -> Path:
        return self.root / "controller.lock"

    @property
    def log(self) -> Path:
        return self.root / "controller.log"


_RETRY_PAUSE = 0.02  # seconds between tries of a held lock


def _try_flock(handle: IO[str]) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class ControllerLock:
    """An exclusive fcntl lock on `<state>/controller.lock`, released when the holder
    exits however it exits (kill -9 included)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def acquire(self, patience: float = 0.0) -> bool:
        """Take the lock and write our pid into it. `patience`: seconds to keep trying
        while it is held, so a probe (`is_free`, which holds it for an instant) is not
        taken for a running controller."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle = self.path.open("a+")
        deadline = time.monotonic() + patience
        while not _try_flock(handle):
            if time.monotonic() >= deadline:
                handle.close()
                return False
            time.sleep(_RETRY_PAUSE)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def holder(self) -> int | None:
        try:
            text = self.path.read_text().strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def is_free(self) -> bool:
        """Whether no process holds the lock. Writes nothing: the file keeps naming
        the holder (or the last one)."""
        if not self.path.exists():
            return True
        with self.path.open("a+") as handle:
            if not _try_flock(handle):
                return False
            fcntl.flock(handle, fcntl.LOCK_UN)
            return True
