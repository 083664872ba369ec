"""Where the embedded controller keeps its state, and the lock that makes it the only one.

Part of the controller room, beneath `embedded` (which wires the pieces) and `daemon`
(`wf controller status|stop`): the paths of a state directory and the fcntl lock held
by the one controller of that directory.
"""

from __future__ import annotations

import fcntl
import os
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


class ControllerLock:
    """An exclusive fcntl lock on `<state>/controller.lock`, released when the holder
    exits however it exits (kill -9 included)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
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
        if self.acquire():
            self.release()
            return True
        return False
